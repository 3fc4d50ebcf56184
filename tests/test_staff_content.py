"""Staff edits to the data files: written in the repository's layout with comments kept, checked
before saving, never overwriting someone else's change, and the project's checks over it all.

Runs on a copy of the repository's content in a temporary folder.
"""

from __future__ import annotations

import difflib
import threading
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.staff import faqs, intents, terms
from bot.staff.checks import blocking, check_all
from bot.staff.problems import ContentError
from bot.staff.workspace import Workspace
from bot.staff.yamlfile import ContentLock, read_doc
from tests.test_staff_support import NEW_ANSWER, NEW_EXAMPLES, NEW_KEY, copy_repo, faq_text


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = copy_repo(tmp_path / "repo")
    return Workspace(root, ContentLock(tmp_path / "var" / "content.lock"))


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize(
    "rel", ["data/glossary.yml", "data/nlu/basics.yml", "data/nlu/faq/food_foodbank.yml"]
)
def test_files_read_and_write_back_unchanged(rel: str) -> None:
    doc = read_doc(ROOT / rel, ROOT)
    assert doc.render() == doc.text


def test_new_faq_is_one_file_in_the_repository_layout(ws: Workspace) -> None:
    faq = faqs.create_faq(ws, NEW_KEY, NEW_EXAMPLES, NEW_ANSWER, "Post without an address", "kim")
    text = faq_text(ws.root, NEW_KEY)
    assert faq.file == f"data/nlu/faq/{NEW_KEY}.yml"
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert data["nlu"] == [
        {"intent": f"faq/{NEW_KEY}", "examples": "".join(f"- {e}\n" for e in NEW_EXAMPLES)}
    ]
    assert data["responses"] == {f"utter_faq/{NEW_KEY}": [{"text": NEW_ANSWER}]}
    assert "# Post without an address. Added in the staff console by kim on " in text
    assert text.startswith('version: "3.1"\n')
    assert blocking(check_all(ws.root)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"answer": "   "}, "The answer is empty"),
        ({"examples": NEW_EXAMPLES[:6]}, "an FAQ needs at least 10"),
        ({"examples": [*NEW_EXAMPLES, "where is the nearest foodbank"]}, "FAQ food_foodbank"),
        ({"examples": [*NEW_EXAMPLES, "Where is the nearest FOODBANK?"]}, "food_foodbank.yml"),
        ({"examples": [*NEW_EXAMPLES, "hiya"]}, "already an example of intent greet"),
        ({"examples": [*NEW_EXAMPLES, "stop"]}, 'SMS "stop" word'),
        ({"answer": "You can \u2018bring\u2019 a dog \u2014 maybe."}, "not plain text for SMS"),
        ({"answer": NEW_ANSWER + " " + " ".join(["More words here."] * 60)}, "Too long"),
        ({"key": "Pets!"}, "The name must be"),
        ({"key": "food_foodbank"}, "already an FAQ called food_foodbank"),
    ],
)
def test_bad_faqs_are_refused_with_a_clear_reason(
    ws: Workspace, change: dict[str, object], expected: str
) -> None:
    values: dict[str, object] = {"key": NEW_KEY, "examples": NEW_EXAMPLES, "answer": NEW_ANSWER}
    values.update(change)
    before = sorted(p.name for p in (ws.root / "data/nlu/faq").iterdir())
    with pytest.raises(ContentError) as refused:
        faqs.create_faq(ws, values["key"], values["examples"], values["answer"], "", "kim")  # type: ignore[arg-type]
    assert expected in " ".join(refused.value.messages)
    assert sorted(p.name for p in (ws.root / "data/nlu/faq").iterdir()) == before


def test_editing_an_faq_keeps_its_comments_and_changes_only_what_changed(ws: Workspace) -> None:
    before = faq_text(ws.root, "food_foodbank")
    faq = faqs.read_faq(ws, "food_foodbank")
    assert faq is not None
    examples = [e for e in faq.examples if e != "cupboards are bare"] + ["nothing in the cupboards"]
    answer = faq.answer.replace("a few days", "about three days")
    saved, changes = faqs.update_faq(ws, "food_foodbank", faq.version, examples, answer)
    after = faq_text(ws.root, "food_foodbank")
    assert changes == {
        "examples": len(examples),
        "examples_added": 1,
        "examples_removed": 1,
        "answer_changed": True,
    }
    assert saved.answer == answer and saved.examples == examples
    diff = changed_lines(before, after)
    assert sorted(diff) == sorted(
        [
            "-    - cupboards are bare",
            "+    - nothing in the cupboards",
            f'-  - text: "{faq.answer}"',
            f'+  - text: "{answer}"',
        ]
    )
    assert after.splitlines()[1].startswith("# Food: no money for food")


def test_two_staff_editing_the_same_faq_never_overwrite_each_other(ws: Workspace) -> None:
    first = faqs.read_faq(ws, "food_foodbank")
    second = faqs.read_faq(ws, "food_foodbank")
    assert first and second and first.version == second.version
    faqs.update_faq(
        ws, "food_foodbank", first.version, [*first.examples, "food bank today"], first.answer
    )
    saved = faq_text(ws.root, "food_foodbank")
    with pytest.raises(ContentError) as refused:
        faqs.update_faq(ws, "food_foodbank", second.version, second.examples, "Another answer.")
    assert refused.value.status == 409
    assert "Someone else changed this FAQ" in str(refused.value)
    assert faq_text(ws.root, "food_foodbank") == saved  # the first edit stands


def test_raw_yaml_edit_refuses_invalid_yaml_and_names_the_line(ws: Workspace) -> None:
    faq = faqs.read_faq(ws, "food_foodbank")
    assert faq is not None
    before = faq_text(ws.root, "food_foodbank")
    broken = before.replace("responses:\n", "responses\n")
    with pytest.raises(ContentError) as refused:
        faqs.save_faq_yaml(ws, "food_foodbank", faq.version, broken)
    message = str(refused.value)
    line = broken.splitlines().index("responses") + 1
    assert f"data/nlu/faq/food_foodbank.yml, line {line} is not valid YAML" in message, message
    wrong_shape = before.replace("utter_faq/food_foodbank", "utter_faq/other")
    with pytest.raises(ContentError, match="exactly one answer, utter_faq/food_foodbank"):
        faqs.save_faq_yaml(ws, "food_foodbank", faq.version, wrong_shape)
    assert faq_text(ws.root, "food_foodbank") == before
    with_note = before.replace("Last checked 2026-11.", "Last checked 2026-12.")
    faqs.save_faq_yaml(ws, "food_foodbank", faq.version, with_note)
    assert faq_text(ws.root, "food_foodbank") == with_note


def test_retiring_takes_the_faq_and_its_test_questions_out_and_restoring_brings_them_back(
    ws: Workspace,
) -> None:
    heldout = ws.root / "tests/data/nlu/faq_heldout.yml"
    heldout_before = heldout.read_text()
    original = faq_text(ws.root, "washing_showers")
    faq = faqs.read_faq(ws, "washing_showers")
    assert faq is not None
    retired = faqs.retire_faq(ws, "washing_showers", faq.version, "kim")
    assert not (ws.root / "data/nlu/faq/washing_showers.yml").exists()
    assert retired.retired and len(retired.held_out) == 4
    assert "faq/washing_showers" not in heldout.read_text()
    assert [f.key for f in faqs.list_faqs(ws, retired=True)[0]] == ["washing_showers"]
    assert blocking(check_all(ws.root)) == []
    faqs.restore_faq(ws, "washing_showers")
    assert faq_text(ws.root, "washing_showers") == original
    back = yaml.safe_load(heldout.read_text())["nlu"]
    assert [i["examples"] for i in back if i["intent"] == "faq/washing_showers"] == [
        i["examples"]
        for i in yaml.safe_load(heldout_before)["nlu"]
        if i["intent"] == "faq/washing_showers"
    ]
    assert not list((ws.root / "data/retired/faq").glob("*.yml"))


def test_examples_of_other_intents_keep_their_guidance_and_refuse_conflicts(ws: Workspace) -> None:
    greet = intents.read_intent(ws, "greet")
    assert greet is not None
    assert greet.guidance[0].startswith("greet: opening a chat")
    before = (ws.root / "data/nlu/basics.yml").read_text()
    with pytest.raises(ContentError, match="FAQ food_foodbank"):
        intents.update_intent(ws, "greet", greet.version, [*greet.examples, "cupboards are bare"])
    with pytest.raises(ContentError, match='"Cancel" on its own'):
        intents.update_intent(ws, "greet", greet.version, [*greet.examples, "Cancel"])
    saved, changes = intents.update_intent(
        ws, "greet", greet.version, [*greet.examples, "hiya pal"]
    )
    assert changes["examples_added"] == 1 and saved.examples[-1] == "hiya pal"
    assert changed_lines(before, (ws.root / "data/nlu/basics.yml").read_text()) == [
        "+    - hiya pal"
    ]
    with pytest.raises(ContentError) as stale:
        intents.update_intent(ws, "greet", greet.version, greet.examples)
    assert stale.value.status == 409


def test_one_click_examples_land_in_the_right_file_even_when_added_at_once(ws: Workspace) -> None:
    texts = [f"need a foodbank voucher number {n}" for n in range(6)]
    errors: list[Exception] = []

    def add(text: str) -> None:
        try:
            intents.add_example(ws, "faq/food_foodbank", text)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=add, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    faq = faqs.read_faq(ws, "food_foodbank")
    assert faq is not None and set(texts) <= set(faq.examples)
    assert intents.add_example(ws, "thank", "ta very much bab") == "data/nlu/basics.yml"
    with pytest.raises(ContentError, match="already an example"):
        intents.add_example(ws, "thank", "Ta very much, bab!")


def test_glossary_edits_keep_the_file_and_pass_its_own_check(ws: Workspace) -> None:
    path = ws.root / "data/glossary.yml"
    before = path.read_text()
    term = terms.read_term(ws, "eviction")
    assert term is not None
    version = term.version
    term.explanation = (
        "Eviction is when a landlord makes you leave your home. Most landlords need a court"
        " order first. Locking you out without one is usually a crime. Get advice."
    )
    terms.save_term(ws, term, "eviction", version)
    diff = changed_lines(before, path.read_text())
    assert all("Eviction" in line or "Locking you out" in line or "first." in line for line in diff)
    assert len(diff) <= 6
    # An alias that belongs to another term is refused by the glossary's own check.
    pip = terms.Term("pip test", "A short test text that is plain.", aliases=["s21"])
    with pytest.raises(ContentError, match="also belongs to 'section 21'"):
        terms.save_term(ws, pip)
    # A stale form is refused.
    with pytest.raises(ContentError) as stale:
        terms.save_term(ws, term, "eviction", version)
    assert stale.value.status == 409


def test_glossary_terms_can_be_added_retired_and_restored(ws: Workspace) -> None:
    new = terms.Term(
        "day centre",
        "A day centre is a place you can go in the day for food, a wash and help. You do not"
        " need to book.",
        aliases=["day center", "drop in"],
        related=["hostel"] if terms.read_term(ws, "hostel") else [],
    )
    saved = terms.save_term(ws, new)
    assert saved.term == "day centre" and saved.last_checked
    assert "  - term: day centre\n" in (ws.root / "data/glossary.yml").read_text()
    terms.retire_term(ws, "day centre", saved.version)
    assert terms.read_term(ws, "day centre") is None
    assert [t.term for t in terms.list_terms(ws, retired=True)] == ["day centre"]
    terms.restore_term(ws, "day centre")
    assert terms.read_term(ws, "day centre") is not None
    assert terms.list_terms(ws, retired=True) == []
    assert blocking(check_all(ws.root)) == []


def test_the_checks_name_the_file_the_entry_and_the_problem(ws: Workspace) -> None:
    assert blocking(check_all(ws.root)) == []
    faq_dir = ws.root / "data/nlu/faq"
    # Invalid YAML (a hand edit gone wrong).
    showers = faq_dir / "washing_showers.yml"
    showers.write_text(showers.read_text().replace("responses:\n", "responses\n"))
    # Too few examples and an empty answer.
    (faq_dir / "tiny.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/tiny\n  examples: |\n    - one\n    - two\n'
        'responses:\n  utter_faq/tiny:\n  - text: ""\n'
    )
    # The same example in two intents.
    basics = ws.root / "data/nlu/basics.yml"
    basics.write_text(
        basics.read_text().replace("    - hiya\n", "    - hiya\n    - cupboards are bare\n", 1)
    )
    # A hard, long answer.
    laundry = faq_dir / "washing_laundry.yml"
    data = laundry.read_text()
    answer = yaml.safe_load(data)["responses"]["utter_faq/washing_laundry"][0]["text"]
    laundry.write_text(
        data.replace(
            answer,
            "Notwithstanding institutional considerations, accommodation"
            " establishments occasionally necessitate comprehensive documentation.",
        )
    )
    words = [p.words() for p in blocking(check_all(ws.root))]
    line = showers.read_text().splitlines().index("responses") + 1
    assert any(
        w.startswith(f"data/nlu/faq/washing_showers.yml, line {line}: not valid YAML")
        for w in words
    ), words
    assert (
        "data/nlu/faq/tiny.yml (FAQ tiny): only 2 example questions; an FAQ needs at least 10."
        in words
    )
    assert "data/nlu/faq/tiny.yml (FAQ tiny): the answer is empty." in words
    assert (
        'data/nlu/faq/food_foodbank.yml (FAQ food_foodbank): "cupboards are bare" is also an'
        ' example of intent greet in data/nlu/basics.yml ("cupboards are bare"). One message'
        " can belong to one intent only: remove one." in words
    ), words
    assert any(
        w.startswith("data/nlu/faq/washing_laundry.yml (utter_faq/washing_laundry): Hard to read")
        for w in words
    ), words
