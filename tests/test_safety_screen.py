"""The safety screen (issue 3): guards, indirect crisis, text-speak, bad input, CLI, the gate."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.safety import SafetyResult, screen, warm_up
from bot.safety.cli import main
from bot.safety.data import dataset_files, load_rows
from bot.safety.evaluate import evaluate
from bot.safety.result import CATEGORY_LEVEL, LEVELS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def _warm():
    warm_up()  # loads (and if the data changed, retrains) the classifier once for this file


# -- idiom, hyperbole and service questions: not a crisis --------------------------------------

IDIOMS = [
    "dying for a brew, is the kettle on",
    "this form is killing me",
    "my phone's dead, that's why i didnt answer",
    "shot down by the council again",
    "honestly i'd kill for a coffee right now",
    "the wait at the walk in centre is a killer",
    "my feet are killing me after that walk",
    "my mum will kill me if i forget her card",
    "dead tired after work, speak tomorrow",
    "nearly died laughing at that",
    "the wifi in the hostel died again",
    "can u kill the reminder for today, i went already",
    "gonna jump on the 11 bus, be there soon",
    "cutting down on the cans, 3 a day now",
]

SERVICE_QUESTIONS = [
    "how do i get naloxone",
    "what is the crisis team",
    "where can i get a naloxone kit near town",
    "whats the number for the samaritans",
    "is there a needle exchange in digbeth",
    "can i do the naloxone training",
    "what do i do if someone overdoses at the hostel",
    "is it safe to mix methadone and sertraline",
]


@pytest.mark.parametrize("text", IDIOMS + SERVICE_QUESTIONS)
def test_idioms_and_service_questions_are_not_a_crisis(text):
    r = screen(text)
    assert r.level == "none", (text, r.to_dict(), r.signals)


def test_crisis_inside_a_service_question_is_still_a_crisis():
    r = screen("how many paracetamol would kill me")
    assert (r.level, r.categories) == ("crisis", ["overdose"])
    r = screen("can u tell me the jobcentre hours, ill be gone by friday anyway")
    assert r.level == "crisis" and "suicide" in r.categories
    r = screen("how do i get naloxone, my mate isnt breathing")
    assert r.level == "crisis"


# -- indirect crisis and text-speak ------------------------------------------------------------

INDIRECT_CRISIS = [
    ("i really cant go on like this", "suicide"),
    ("everyone would be better off if i wasnt around", "suicide"),
    ("saying my goodbyes, thanks for everything", "suicide"),
    ("i keep praying i wont wake up tomorrow", "suicide"),
    ("no point in me being here anymore", "suicide"),
    ("u wont hear from me again after tonight", "suicide"),
    ("ive got the rope sorted", "suicide"),
    ("mates gone blue and wont wake up", "medical"),
    ("took a whole box of my sertraline an hour ago", "overdose"),
    ("been saving up my pregabs for weeks", "overdose"),
    ("whats the most codeine you can take before it kills you", "overdose"),
    ("the urge to cut is bad tonight", "self_harm"),
    ("theres 3 lads outside my door with a knife", "violence_danger"),
    ("my partner hit me again and im scared to go home", "domestic_abuse"),
    ("if he touches my kids again im going to kill him", "harm_to_others"),
    ("sleeping in a doorway tonight, its freezing and i have a chest infection", "exposure"),
]


@pytest.mark.parametrize("text,category", INDIRECT_CRISIS)
def test_indirect_crisis(text, category):
    r = screen(text)
    assert r.level == "crisis", (text, r.to_dict(), r.signals)
    assert category in r.categories


TEXT_SPEAK = [
    "kms",
    "wanna kms tbh",
    "i just wanna dieeee",
    "pleeeease i dont want to be alive no more",
    "im gonna od 2nite",
    "thinkin bout unaliving myself",
    "K1ll mys3lf",
    "cant do this anymore",
    "im sooo done with life",
    "i want 2 die",
]


@pytest.mark.parametrize("text", TEXT_SPEAK)
def test_text_speak_crisis(text):
    assert screen(text).level == "crisis", (text, screen(text).to_dict())


def test_evidence_is_shown_as_the_client_wrote_it():
    r = screen("honestly I’m gonna KMS tonight")
    assert r.level == "crisis"
    assert "KMS" in " ".join(r.matched)
    text = "Pleeease help, I wanna d1e"
    r = screen(text)
    assert r.level == "crisis"
    assert all(m in text for m in r.matched) and r.matched


def test_trauma_is_flagged_without_being_called_a_crisis():
    for text, cat in [
        ("my stepdad used to beat me when i was little", "childhood_abuse"),
        ("i was raped a few years ago and still think about it", "sexual_violence"),
        ("i grew up in foster care", "care_history"),
        ("still get flashbacks from my time inside", "ptsd"),
        ("my brother died last year", "bereavement"),
    ]:
        r = screen(text)
        assert r.level == "trauma", (text, r.to_dict(), r.signals)
        assert cat in r.categories


def test_categories_follow_the_level():
    r = screen("my dad used to beat me and tonight i want to kill myself")
    assert r.level == "crisis"
    assert r.categories and all(CATEGORY_LEVEL[c] == "crisis" for c in r.categories)


# -- bad input ---------------------------------------------------------------------------------

BAD_INPUT = [
    "",
    None,
    "   \n\t ",
    "\U0001f62d\U0001f62d\U0001f494\U0001f494",
    "\x00\x01\x02\ufffd\ufffd" * 50,
    bytes(range(256)),
    b"\xff\xfe\xfa",
    bytes(range(256)).decode("latin-1"),
    "a" * 20_000,
    "lol " * 5_000,
    12345,
    ["not", "a", "string"],
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("value", BAD_INPUT, ids=lambda v: type(v).__name__ + str(len(str(v))))
def test_bad_input_always_gets_a_level(value):
    r = screen(value)
    assert isinstance(r, SafetyResult)
    assert r.level in LEVELS
    json.dumps(r.to_dict())


def test_a_crisis_at_the_end_of_a_very_long_message_is_found():
    filler = "so anyway the council said to ring back about the flat and the forms. " * 300
    assert len(filler) > 20_000
    assert screen(filler + " honestly i want to kill myself").level == "crisis"
    assert screen(filler).level == "none"


def test_screen_is_thread_safe():
    texts = ["kms", "dying for a brew", "my brother died last year"] * 20
    expected = [screen(t).to_dict() for t in texts]
    results: list = [None] * len(texts)

    def work(i: int) -> None:
        results[i] = screen(texts[i]).to_dict()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == expected


# -- CLI ---------------------------------------------------------------------------------------


def test_cli_text(capsys):
    assert main(["i", "want", "to", "kill", "myself"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["level"] == "crisis" and out["categories"] == ["suicide"]
    assert set(out) == {"level", "categories", "matched"}


def test_cli_jsonl_survives_bad_lines(monkeypatch, capsys):
    lines = [
        json.dumps({"text": "dying for a brew"}),
        "this is not json",
        "",
        json.dumps({"nope": 1}),
        json.dumps({"text": 5}),
        json.dumps({"text": "took all my tablets"}),
    ]
    data = ("\n".join(lines) + "\n").encode() + b"\xff\xfe not utf8\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 7
    assert out[0]["level"] == "none"
    assert all("error" in o for o in out[1:5])
    assert out[5]["level"] == "crisis"
    assert "error" in out[6]


def test_cli_evaluate_lists_misses(tmp_path, capsys):
    f = tmp_path / "mini.jsonl"
    rows = [
        {"text": "kms", "level": "crisis", "categories": ["suicide"], "split": "heldout"},
        {
            "text": "dying for a brew",
            "level": "none",
            "categories": [],
            "kind": "hard_negative",
            "split": "heldout",
        },
        {"text": "hello there", "level": "crisis", "categories": ["suicide"], "split": "heldout"},
        {"text": "kms", "level": "crisis", "categories": ["suicide"], "split": "train"},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\nbroken line\n")
    assert main(["--evaluate", str(f), "--split", "heldout"]) == 0
    out = capsys.readouterr().out
    assert "crisis recall" in out and "0.500" in out
    assert "hard_negative" in out
    assert "hello there" in out  # the miss is listed
    assert main(["--evaluate", str(f), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["lines"] == 4 and len(report["misses"]) == 1


def test_cli_usage_errors(capsys):
    assert main([]) == 2
    assert main(["--evaluate", "/no/such/file.jsonl"]) == 2


def test_cli_as_a_subprocess():
    code = "import sys; from bot.safety.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "mates", "gone", "blue"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["level"] == "crisis"


# -- the gate: held-out figures -------------------------------------------------------------------


def test_heldout_goals():
    """Issue 3 quality goals on the held-out split. The classifier never trains on it, but the
    rules were changed after a first look at its misses (README: 0.664 / 0.814 / 0.066 then), so
    these figures are optimistic; the blind `fresh_eval*.jsonl` sets are the honest estimate."""
    files = dataset_files()
    if not files:
        pytest.skip("no labelled safety data in tests/data/safety")
    rows = load_rows(files, split="heldout")
    assert len(rows) > 100, "the held-out split is too small to measure anything"
    report = evaluate(rows, screen)
    misses = "\n".join(
        f"  {m['expected']['level']} -> {m['got']['level']}: {m['text']}" for m in report["misses"]
    )
    assert report["crisis_recall"] >= 0.98, misses
    assert report["trauma_flagged"] >= 0.90, misses
    assert report["false_alarm_rate"] <= 0.05, misses


def test_classifier_trains_when_a_guard_hides_every_word_of_a_line(tmp_path):
    """A training line made only of guarded words leaves the classifier nothing to read; spaCy's
    n-gram layer fails on an empty text, so such lines are left out instead of breaking training."""
    from bot.safety.model import train_and_save
    from bot.safety.screener import Screener, has_words

    rows = [
        {"text": "i want to kill myself tonight", "level": "crisis", "categories": ["suicide"]},
        {"text": "need my bus pass renewed", "level": "none", "categories": []},
        {"text": "shot myself in the foot", "level": "none", "categories": []},
    ] * 4
    assert not has_words([]) and not has_words([".", ","]) and has_words(["bus", "pass"])
    model = train_and_save(Screener(model=None), rows, "test", tmp_path / "model")
    assert model.crisis_threshold > 0 and (tmp_path / "model" / "meta.json").is_file()


def test_health_status_says_whether_the_classifier_is_in_use(monkeypatch):
    """/healthz reports the screen: both layers, rules alone (degraded) or not loaded yet."""
    from bot.safety import screener as screener_module
    from bot.safety import status

    warm_up()
    running = status()
    assert running["state"] == "up" and 0 < running["crisis_threshold"] <= 1

    rules_only = screener_module.Screener(model=None)
    monkeypatch.setattr(screener_module, "_screener", rules_only)
    assert status()["state"] == "degraded"
    assert screen("i want to kill myself").level == "crisis"  # the rules still answer

    monkeypatch.setattr(screener_module, "_screener", None)
    assert status()["state"] == "starting"
