"""Jargon recognition (bot/jargon/) and the glossary it reads (data/glossary.yml)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.jargon import (
    JargonMatcher,
    check_glossary,
    explain,
    find_terms,
    get_matcher,
    load_glossary,
)
from bot.jargon.cli import main, run_jsonl
from bot.jargon.evaluate import MESSAGES_FILE, evaluate, read_labelled
from bot.jargon.glossary import MAX_EXPLANATION, clean_name

ROOT = Path(__file__).resolve().parents[1]


def terms(text: str) -> list[str]:
    return [m.term for m in find_terms(text)]


# ------------------------------------------------------------------ the labelled messages


def test_recall_and_precision_over_the_labelled_messages():
    ev = evaluate(read_labelled(MESSAGES_FILE), find_terms)
    print(ev.report())  # shown with -s or on failure: the misses staff or developers fix
    assert ev.recall >= 0.95, ev.report()
    assert ev.precision >= 0.95, ev.report()


def test_labelled_messages_are_varied_and_use_real_terms():
    rows = read_labelled(MESSAGES_FILE)
    glossary_terms = {e.term for e in load_glossary().entries}
    assert len(rows) >= 260
    assert sum(1 for r in rows if not r["terms"]) >= 40
    assert sum(1 for r in rows if len(r["terms"]) >= 2) >= 50
    assert len({r["text"] for r in rows}) == len(rows), "duplicate messages"
    unknown = {t for r in rows for t in r["terms"]} - glossary_terms
    assert not unknown, f"expected terms missing from the glossary: {unknown}"


def test_per_message_time_is_a_few_milliseconds():
    get_matcher()
    rows = read_labelled(MESSAGES_FILE)
    find_terms("warm up")
    start = time.perf_counter()
    for row in rows:
        find_terms(row["text"])
    per_message = (time.perf_counter() - start) / len(rows)
    print(f"{1000 * per_message:.2f} ms a message")
    assert per_message < 0.02  # a few ms here; generous for slow CI machines


# ------------------------------------------------------------------ the glossary file


def test_glossary_has_no_problems():
    glossary = load_glossary()
    assert len(glossary.entries) >= 150
    assert check_glossary(glossary) == []


def test_every_entry_is_complete_and_sms_safe():
    glossary = load_glossary()
    terms_ = {e.term for e in glossary.entries}
    for e in glossary.entries:
        assert e.term == e.term.lower() and e.explanation and e.last_checked
        assert len(e.explanation) <= MAX_EXPLANATION, e.term
        assert e.explanation.isascii() and e.explanation.isprintable(), e.term
        assert all(r in terms_ for r in e.related), e.term
    owners: dict[str, str] = {}
    for e in glossary.entries:
        for name in e.names:
            assert owners.setdefault(clean_name(name), e.term) == e.term, name


SAFETY_NUMBERS = {"999", "111", "116123", "85258", "03001236600", "03005000914", "08082000247"}


def test_explanations_have_no_phone_numbers_but_the_safety_contacts():
    for e in load_glossary().entries:
        for number in re.findall(r"\d[\d ]*\d", e.explanation):
            digits = number.replace(" ", "")
            phone_like = (
                (digits.startswith("0") and len(digits) >= 10)
                or digits.startswith("116")
                or len(digits) == 5
            )
            assert not phone_like or digits in SAFETY_NUMBERS, (e.term, number)


def test_most_explanations_fit_one_text_message():
    entries = load_glossary().entries
    assert sum(len(e.explanation) <= 153 for e in entries) >= 0.9 * len(entries)


BROKEN = """
terms:
  - term: Thing
    explanation: "It costs \u00a35 \u2013 ask us."
    aliases: [tg, shared]
    related: [nothing here]
    last_checked: soon
  - term: other
    explanation: "%s"
    aliases: [shared]
    ambiguous: [nope]
    related: []
    last_checked: 2026-11-26
  - term: no explanation
    aliases: []
""" % ("x" * 400)


def test_the_glossary_check_catches_broken_entries(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_text(BROKEN, encoding="utf-8")
    problems = "\n".join(check_glossary(load_glossary(path)))
    for expected in (
        "not lower case",
        "unsafe for SMS",
        "not a YYYY-MM-DD date",
        "'nothing here' is not in the glossary",
        "400 characters",
        "'shared' also belongs to",
        "ambiguous name 'nope'",
        "no explanation",
    ):
        assert expected in problems


# ------------------------------------------------------------------ guards (real glossary)


@pytest.mark.parametrize(
    "text, expected",
    [
        # short forms only as whole words
        ("my pipe burst and flooded the kitchen", []),
        ("applying to ucas for college", []),
        ("the taxi was late", []),
        ("saw an ostrich at the zoo", []),
        ("im on esa", ["employment and support allowance"]),
        ("uc paid me today", ["universal credit"]),
        ("gp wont see me", ["gp"]),
        ("my gps sends me the wrong way", []),
        # short forms with another meaning need context
        ("ta mate", []),
        ("they moved me into ta last week", ["temporary accommodation"]),
        ("whats ta?", ["temporary accommodation"]),
        ("spat a pip out", []),
        ("my pip claim got refused", ["personal independence payment"]),
        ("PIP letter came", ["personal independence payment"]),
        ("seeing my po tomorrow", ["probation officer"]),
        # everyday words need the right context
        ("i can't recall what she said", []),
        ("i can\u2019t recall what she said", []),
        ("got recalled to prison", ["recall"]),
        ("there are sanctions on russia", []),
        ("got sanctioned by the jobcentre", ["sanction", "jobcentre"]),
        ("my mate wrote a film script", []),
        ("picked up my script from the chemist", ["script"]),
        ("which section of the form is it", []),
        ("section 21 notice from my landlord", ["section 21"]),
        ("on probation at my new job", []),
        ("probation want to see me", ["probation"]),
        ("the car park is sectioned off", []),
        ("she got sectioned last night", ["sectioned"]),
        ("tag me in it", []),
        ("my tag is too tight on my ankle", ["electronic tag"]),
        ("thanks in advance", []),
        ("can i get an advance on my uc", ["advance payment", "universal credit"]),
        ("lost my driving licence", []),
        ("what are my licence conditions", ["licence conditions"]),
        # misspellings, but not real words that look alike
        ("my methodone is late", ["methadone"]),
        ("in tempory accomodation", ["temporary accommodation"]),
        ("probabtion oficer rang", ["probation officer"]),
        ("the suction on the hoover is broken", []),
        ("police said no", []),
        ("mental health and drugs", []),
    ],
)
def test_guards(text, expected):
    assert terms(text) == expected


def test_terms_come_once_in_text_order_with_the_span_as_written():
    found = find_terms("ESA and PIP, then esa again and Universal Credit")
    assert [m.term for m in found] == [
        "employment and support allowance",
        "personal independence payment",
        "universal credit",
    ]
    assert [m.span for m in found] == ["ESA", "PIP", "Universal Credit"]
    first = found[0]
    assert "ESA and PIP"[first.start : first.end] == "ESA"


def test_the_longest_match_wins_where_names_overlap():
    assert terms("my probation officer is off") == ["probation officer"]
    assert terms("a section 21 notice came") == ["section 21"]
    assert terms("register with a gp") == ["gp registration"]


def test_matches_carry_the_glossary_explanation():
    (match,) = find_terms("they said im not priority need??")
    assert match.term == "priority need"
    assert match.span == "priority need"
    assert match.explanation == explain("priority need").explanation


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\U0001f600\U0001f600", "a" * 2000])
def test_odd_input_gives_no_terms_and_no_error(text):
    assert terms(text) == []


# ------------------------------------------------------------------ explain


@pytest.mark.parametrize(
    "query, term",
    [
        ("pip", "personal independence payment"),
        ("PIP?", "personal independence payment"),
        ("Personal Independence Payment", "personal independence payment"),
        ("a PIP", "personal independence payment"),
        ("ta", "temporary accommodation"),
        ("sanctioned", "sanction"),
        ("sanctions", "sanction"),
        ("methodone", "methadone"),
        ("whats a care coordinator", "care coordinator"),
        ("multi agency", "multi-agency"),
    ],
)
def test_explain_finds_the_entry(query, term):
    entry = explain(query)
    assert entry is not None and entry.term == term


@pytest.mark.parametrize("query", ["", "banana", "hello there", "?", "section"])
def test_explain_returns_none_for_unknown_words(query):
    assert explain(query) is None


# ------------------------------------------------------------------ guard mechanics


MINI = """
asking_before: [what is]
asking_after: [mean]
terms:
  - term: widget plan
    explanation: A plan.
    aliases: [wp, widget, plan of widgets]
    needs_context: [council, "my wp"]
    ambiguous: [wp, widget]
    not_in: [widget shop, "widget at * work"]
    related: []
    last_checked: 2026-11-26
  - term: gadget review
    explanation: A review.
    aliases: []
    related: [widget plan]
    last_checked: 2026-11-26
"""


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> JargonMatcher:
    path = tmp_path_factory.mktemp("g") / "glossary.yml"
    path.write_text(MINI, encoding="utf-8")
    glossary = load_glossary(path)
    assert check_glossary(glossary) == []
    return JargonMatcher(glossary)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("the widget plan", ["widget plan"]),
        ("the widget plans", ["widget plan"]),  # other word forms
        ("a plan of widgets", ["widget plan"]),  # longer names need no context
        ("a widget", []),  # ambiguous without context
        ("the council sent a widget", ["widget plan"]),  # context word
        ("my wp came", ["widget plan"]),  # context phrase holding the name
        ("what is a widget", ["widget plan"]),  # asking before
        ("widget mean?", ["widget plan"]),  # asking after
        ("the WP came", ["widget plan"]),  # capitals
        ("THE WP CAME", []),  # shouting is not a short form
        ("council widget shop", []),  # not_in cancels despite context
        ("council widget at my work", []),  # not_in with a wildcard
        ("the widgit plan", ["widget plan"]),  # a typo
        ("gadget review", ["gadget review"]),
        ("gadget reviews", ["gadget review"]),
    ],
)
def test_guard_mechanics(mini, text, expected):
    assert [m.term for m in mini.find(text)] == expected


def test_lookup_on_a_custom_glossary(mini):
    assert mini.lookup("WP").term == "widget plan"
    assert mini.lookup("gadget reveiw").term == "gadget review"
    assert mini.lookup("sprocket") is None


# ------------------------------------------------------------------ CLI


def test_cli_text_prints_one_json_line(capsys):
    assert main(["they", "said", "im", "not", "priority", "need??"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert [t["term"] for t in out["terms"]] == ["priority need"]
    assert set(out["terms"][0]) == {"term", "span", "explanation"}


def test_cli_jsonl_reports_bad_lines_and_goes_on():
    stdin = io.StringIO(
        '{"text": "got sanctioned again"}\nnot json\n\n{"words": "x"}\n["text"]\n{"text": "ta mate"}\n'
    )
    out = io.StringIO()
    assert run_jsonl(stdin, out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 5
    assert [t["term"] for t in rows[0]["terms"]] == ["sanction"]
    assert all("error" in r for r in rows[1:4])
    assert rows[4] == {"terms": []}


def test_cli_evaluate_prints_recall_precision_and_misses(tmp_path, capsys):
    path = tmp_path / "few.jsonl"
    path.write_text(
        '{"text": "im on pip", "terms": ["personal independence payment"]}\n'
        '{"text": "ta mate", "terms": ["temporary accommodation"]}\n',
        encoding="utf-8",
    )
    assert main(["--evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "recall 0.500" in out and "precision 1.000" in out
    assert "missed ['temporary accommodation']: ta mate" in out


def test_cli_errors(tmp_path, capsys):
    assert main([]) == 2
    assert main(["--evaluate", str(tmp_path / "missing.jsonl")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    assert main(["--evaluate", str(bad)]) == 2
    capsys.readouterr()


@pytest.mark.slow
def test_python_m_bot_jargon_runs():
    done = subprocess.run(
        [sys.executable, "-m", "bot", "jargon", "--jsonl"],
        input='{"text": "my cpn is late"}\n',
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert [t["term"] for t in out["terms"]] == ["community psychiatric nurse"]
