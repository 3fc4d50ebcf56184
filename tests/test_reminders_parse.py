"""The reminder time parser: the phrasings file, each convention, clock changes and the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.reminders import ParsedReminder, parse_reminder
from bot.reminders.cli import main as cli_main
from bot.reminders.cli import parse_now, run_jsonl
from bot.reminders.lexicon import load
from bot.reminders.resolve import LONDON, easter_sunday

ROOT = Path(__file__).resolve().parents[1]
PHRASINGS = ROOT / "tests" / "data" / "reminders" / "phrasings.jsonl"
SPRING = datetime(2026, 3, 29, 1, tzinfo=timezone.utc)  # clocks go forward
AUTUMN = datetime(2026, 10, 25, 1, tzinfo=timezone.utc)  # clocks go back


def rows() -> list[dict]:
    return [json.loads(line) for line in PHRASINGS.read_text(encoding="utf-8").splitlines()]


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(timezone.utc)


def matches(p: ParsedReminder, row: dict) -> bool:
    """Same instant AND same offset (UTC comparison: == is never True across zones in a fold)."""
    if row["due"] is None or p.due is None:
        due_ok = row["due"] is None and p.due is None
    else:
        want = datetime.fromisoformat(row["due"])
        due_ok = utc(row["due"]) == p.due.astimezone(timezone.utc)
        due_ok = due_ok and p.due.utcoffset() == want.utcoffset()
    return due_ok and p.what == row["what"]


# ---- the phrasings file --------------------------------------------------------------------


def test_phrasings_file_is_big_and_varied_enough() -> None:
    data = rows()
    assert len(data) >= 220
    assert len({r["text"] for r in data}) >= 200
    assert sum(r["due"] is None for r in data) >= 15
    near = [
        r for r in data if min(abs(utc(r["now"]) - c) for c in (SPRING, AUTUMN)) < timedelta(days=2)
    ]
    assert sum(utc(r["now"]) < SPRING + timedelta(days=2) for r in near) >= 20  # spring
    assert sum(utc(r["now"]) > AUTUMN - timedelta(days=2) for r in near) >= 20  # autumn
    assert len({r["now"] for r in data}) >= 15
    for r in data:
        assert set(r) == {"text", "now", "due", "what"}
        assert datetime.fromisoformat(r["now"]).tzinfo is not None
        if r["due"] is not None:
            # every expected due is a real London wall time with London's offset for it
            due = datetime.fromisoformat(r["due"])
            assert due.astimezone(LONDON).utcoffset() == due.utcoffset(), r


def test_phrasings_exact_match_accuracy() -> None:
    data = rows()
    failures = []
    for r in data:
        p = parse_reminder(r["text"], datetime.fromisoformat(r["now"]))
        if not matches(p, r):
            failures.append(
                f"{r['text']!r} now={r['now']}: want {r['due']} {r['what']!r}, "
                f"got {p.to_dict()['due']} {p.what!r}"
            )
    accuracy = 1 - len(failures) / len(data)
    assert accuracy >= 0.95, f"accuracy {accuracy:.3f}; failures:\n" + "\n".join(failures)
    if failures:  # still passing, but show them
        print(f"accuracy {accuracy:.3f}; failures:\n" + "\n".join(failures))


# ---- conventions ---------------------------------------------------------------------------

MON_NOON = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)  # Monday 9 March 2026, GMT


def due(text: str, now: datetime = MON_NOON) -> str | None:
    return parse_reminder(text, now).to_dict()["due"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow morning", "2026-03-10T09:00:00+00:00"),
        ("tomorrow at midday", "2026-03-10T12:00:00+00:00"),
        ("tomorrow afternoon", "2026-03-10T14:00:00+00:00"),
        ("tomorrow evening", "2026-03-10T18:00:00+00:00"),
        ("tonight", "2026-03-09T18:00:00+00:00"),
        ("tomorrow", "2026-03-10T09:00:00+00:00"),
        ("the 20th", "2026-03-20T09:00:00+00:00"),
    ],
)
def test_parts_of_the_day_and_a_day_with_no_time(text: str, expected: str) -> None:
    assert due(text) == expected


@pytest.mark.parametrize(
    ("text", "hour"),
    [
        ("tmrw at 7", 7),
        ("tmrw at 11", 11),
        ("tmrw at 12", 12),
        ("tmrw at 1", 13),
        ("tmrw at 3", 15),
        ("tmrw at 6", 18),
        ("tmrw at 8pm", 20),
        ("tmrw at 3am", 3),
        ("tmrw at 6 in the morning", 6),
        ("tmrw at 8 at night", 20),
        ("tmrw at 7 in the evening", 19),
        ("tmrw at 15:00", 15),
        ("tmrw at 09:00", 9),
    ],
)
def test_bare_hours(text: str, hour: int) -> None:
    got = parse_reminder(text, MON_NOON).due
    assert (
        got is not None and got.date() == date(2026, 3, 10) and (got.hour, got.minute) == (hour, 0)
    )


@pytest.mark.parametrize(
    ("text", "hm"),
    [
        ("tmrw half 10", (10, 30)),
        ("tmrw half past 10", (10, 30)),
        ("tmrw quarter to 3", (14, 45)),
        ("tmrw quarter past 2", (14, 15)),
        ("tmrw 10.30", (10, 30)),
        ("tmrw 10:30", (10, 30)),
        ("tmrw at 1030", (10, 30)),
        ("tmrw 10am", (10, 0)),
        ("tmrw 10 am", (10, 0)),
        ("tmrw noon", (12, 0)),
        ("tmrw ten thirty", (10, 30)),
        ("tmrw two o'clock", (14, 0)),
        ("tmrw twenty to 9", (8, 40)),
        ("tmrw at 4 30", (16, 30)),
        ("tmrw 9ish", (9, 0)),
        ("tmrw between 8 and 12", (8, 0)),
        ("tmrw quarter to twelve", (11, 45)),
    ],
)
def test_clock_phrasings(text: str, hm: tuple[int, int]) -> None:
    got = parse_reminder(text, MON_NOON).due
    assert got is not None and (got.hour, got.minute) == hm, got


@pytest.mark.parametrize("word", ["tmrw", "tomoz", "tomorrow", "2moro", "tmr", "tommorow"])
def test_tomorrow_spellings(word: str) -> None:
    assert due(f"{word} at 10") == "2026-03-10T10:00:00+00:00"


@pytest.mark.parametrize(
    ("word", "day"),
    [
        ("mon", 16),
        ("tues", 10),
        ("tuseday", 10),
        ("weds", 11),
        ("wensday", 11),
        ("thurs", 12),
        ("thrusday", 12),
        ("fri", 13),
        ("saturday", 14),
        ("sunday", 15),
        ("monday", 16),
    ],
)
def test_weekdays_are_the_first_after_today_never_today(word: str, day: int) -> None:
    # Monday 9th: "monday" is the 16th, never today; "next" and "this" change nothing
    for prefix in ("", "next ", "this ", "on "):
        assert due(f"{prefix}{word} at 10") == f"2026-03-{day:02d}T10:00:00+00:00", prefix + word


def test_next_week_weekday_and_weekday_week() -> None:
    assert due("next week monday") == "2026-03-16T09:00:00+00:00"
    assert due("tuesday next week") == "2026-03-17T09:00:00+00:00"
    assert due("tuesday week") == "2026-03-17T09:00:00+00:00"
    sunday = datetime(2026, 9, 6, 14, tzinfo=timezone.utc)
    assert due("next week monday", sunday) == "2026-09-07T09:00:00+01:00"


def test_the_nth_is_the_next_not_yet_passed() -> None:
    assert due("the 9th at 3") == "2026-03-09T15:00:00+00:00"  # today, still to come
    assert due("the 9th") == "2026-04-09T09:00:00+01:00"  # 09:00 today has passed
    assert due("the 8th") == "2026-04-08T09:00:00+01:00"
    jan30 = datetime(2026, 1, 30, 17, tzinfo=timezone.utc)
    assert due("the 30th", jan30) == "2026-03-30T09:00:00+01:00"  # no 30 February


@pytest.mark.parametrize(
    "text",
    [
        "14/3",
        "14/03",
        "14 march",
        "march 14",
        "14th of march",
        "march 14th",
        "14th mar",
        "14/3/26",
        "14/03/2026",
    ],
)
def test_dates_are_day_first(text: str) -> None:
    assert due(text) == "2026-03-14T09:00:00+00:00"


def test_date_already_passed_this_year_is_next_year() -> None:
    assert due("3/3") == "2027-03-03T09:00:00+00:00"
    assert due("3/3/2026") is None  # a date given in full that has passed: ask


def test_time_passed_today_means_tomorrow_but_not_when_today_is_said() -> None:
    assert due("at 11am") == "2026-03-10T11:00:00+00:00"
    assert due("at 1pm") == "2026-03-09T13:00:00+00:00"
    assert due("today at 11am") is None
    late = datetime(2026, 3, 9, 19, tzinfo=timezone.utc)
    assert due("tonight", late) is None
    assert due("tonight at 9", late) == "2026-03-09T21:00:00+00:00"


def test_elapsed_and_calendar_offsets() -> None:
    assert due("in 2 hours") == "2026-03-09T14:00:00+00:00"
    assert due("in 20 mins") == "2026-03-09T12:20:00+00:00"
    assert due("in an hour and a half") == "2026-03-09T13:30:00+00:00"
    assert due("in 3 days") == "2026-03-12T09:00:00+00:00"
    assert due("in 3 days at 4") == "2026-03-12T16:00:00+00:00"
    assert due("day after tomorrow") == "2026-03-11T09:00:00+00:00"
    assert due("a week today") == "2026-03-16T09:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new year's day", "2027-01-01T09:00:00+00:00"),
        ("new years day", "2027-01-01T09:00:00+00:00"),
        ("christmas day", "2026-12-25T09:00:00+00:00"),
        ("xmas day at 2", "2026-12-25T14:00:00+00:00"),
        ("boxing day", "2026-12-26T09:00:00+00:00"),
        ("christmas eve", "2026-12-24T09:00:00+00:00"),
        ("good friday", "2026-04-03T09:00:00+01:00"),
        ("easter monday", "2026-04-06T09:00:00+01:00"),
    ],
)
def test_holidays(text: str, expected: str) -> None:
    assert due(text) == expected


def test_easter_dates() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2019) == date(2019, 4, 21)


@pytest.mark.parametrize(
    "text",
    [
        "later",
        "soon",
        "sometime next week",
        "remind me to pay the gas when my money comes in",
        "next week",
        "in a bit",
        "at the weekend",
        "whenever",
        "later today",
        "in a few days",
        "remind me about probation",
        "",
        "asap",
        "next month",
        "once i get paid",
    ],
)
def test_vague_or_missing_times_give_none(text: str) -> None:
    assert due(text) is None


def test_words_that_look_like_times_but_are_not() -> None:
    assert due("i sat my exam") is None
    assert due("the sun is out") is None
    assert due("i may be late") is None
    assert due("remind me to buy 2 loaves") is None
    assert (
        parse_reminder("get my xmas shopping done tmrw", MON_NOON).what
        == "get my xmas shopping done"
    )
    assert parse_reminder("the night shelter on friday", MON_NOON).what == "the night shelter"


# ---- what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("remind me about probation on tuesday at half 10", "probation"),
        ("can u text me tmrw at 2 about the jobcentre", "the jobcentre"),
        ("doctors appt next tues 10.30", "doctors appt"),
        ("remind me bout my script pick up fri morning", "my script pick up"),
        ("Hiya, can you remind me I've got Court on 14/3 at 10am thanks x", "Court"),
        ("remind me to ring the council in 2 hours", "ring the council"),
        ("remind me to sign on monday", "sign"),
        ("remind me about signing on, monday at 9", "signing on"),
        ("remind me tmrw", ""),
    ],
)
def test_what(text: str, what: str) -> None:
    assert parse_reminder(text, MON_NOON).what == what


# ---- clock changes ---------------------------------------------------------------------------


def test_spring_forward() -> None:
    sat_evening = datetime(2026, 3, 28, 19, 30, tzinfo=timezone.utc)
    assert due("tomorrow at 10am", sat_evening) == "2026-03-29T10:00:00+01:00"
    assert due("tomorrow at 1.30am", sat_evening) == "2026-03-29T02:30:00+01:00"  # gap: forward
    assert due("tomorrow at 2am", sat_evening) == "2026-03-29T02:00:00+01:00"
    assert due("in 6 hours", sat_evening) == "2026-03-29T02:30:00+01:00"  # elapsed
    assert due("in 24 hours", sat_evening) == "2026-03-29T20:30:00+01:00"
    assert due("in 1 day", sat_evening) == "2026-03-29T09:00:00+01:00"  # calendar


def test_fall_back() -> None:
    sat_evening = datetime(2026, 10, 24, 19, tzinfo=timezone.utc)  # 20:00 BST
    assert due("tomorrow at 10am", sat_evening) == "2026-10-25T10:00:00+00:00"
    assert due("tomorrow at 1.30am", sat_evening) == "2026-10-25T01:30:00+01:00"  # first one
    assert due("in 5 hours", sat_evening) == "2026-10-25T01:00:00+01:00"
    assert due("in 6 hours", sat_evening) == "2026-10-25T01:00:00+00:00"
    second_pass = datetime(2026, 10, 25, 1, 20, tzinfo=timezone.utc)  # 01:20 GMT
    assert due("at 1.30am", second_pass) == "2026-10-25T01:30:00+00:00"  # the second one


@pytest.mark.parametrize(
    "text",
    [
        "at 1.30am",
        "at 2",
        "at half 10",
        "tomorrow",
        "in 90 mins",
        "tonight at 11",
        "sunday at 1am",
        "at midnight",
        "the 25th",
    ],
)
@pytest.mark.parametrize("change", [SPRING, AUTUMN])
def test_due_is_in_the_future_and_in_london_every_quarter_hour(text: str, change: datetime) -> None:
    """Sweep `now` across two days around each change: never a past or non-London due time."""
    for step in range(-96, 96):
        now = change + timedelta(minutes=15 * step)
        got = parse_reminder(text, now).due
        if got is None:
            # only "tonight at 11" once 23:00 has passed: today was said, so no rolling over
            assert text == "tonight at 11" and now.astimezone(LONDON).hour == 23, (text, now)
            continue
        assert got.tzinfo == LONDON
        assert got.astimezone(timezone.utc) > now, (text, now, got)
        assert got.astimezone(timezone.utc) - now <= timedelta(days=32), (text, now, got)
        # the wall-clock time is a real one: it survives a round trip through UTC unchanged
        back = got.astimezone(timezone.utc).astimezone(LONDON)
        assert (back.isoformat()) == got.isoformat()


def test_now_in_any_offset_and_naive_now_refused() -> None:
    as_utc = datetime(2026, 6, 10, 8, tzinfo=timezone.utc)  # 09:00 BST
    assert due("at 10", as_utc) == "2026-06-10T10:00:00+01:00"
    with pytest.raises(ValueError):
        parse_reminder("at 10", datetime(2026, 6, 10, 8))


def test_to_dict() -> None:
    p = parse_reminder("remind me about probation tmrw at 2", MON_NOON)
    assert p.to_dict() == {"due": "2026-03-10T14:00:00+00:00", "what": "probation"}
    assert parse_reminder("later", MON_NOON).to_dict() == {"due": None, "what": ""}


def test_word_lists_refuse_yaml_booleans(tmp_path: Path) -> None:
    bad = tmp_path / "words.yaml"
    bad.write_text(
        (ROOT / "data/reminders/words.yaml").read_text().replace(', "on", at,', ", on, at,")
    )
    with pytest.raises(ValueError, match="quoted"):
        load.__wrapped__(bad)


# ---- CLI ----------------------------------------------------------------------------------


def test_cli_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(
        ["parse", "--now", "2026-03-09T12:00:00Z", "doctors", "appt", "next", "tues", "10.30"]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "due": "2026-03-10T10:30:00+00:00",
        "what": "doctors appt",
    }


def test_cli_bad_now_and_missing_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["parse", "--now", "yesterday", "at 2"]) == 2
    assert cli_main(["parse"]) == 2
    assert cli_main(["nonsense"]) == 2
    capsys.readouterr()


def test_cli_jsonl_goes_on_after_bad_lines() -> None:
    lines = [
        json.dumps({"text": "tmrw at 2 jobcentre", "now": "2026-03-09T12:00:00+00:00"}),
        "not json",
        json.dumps({"now": "2026-03-09T12:00:00+00:00"}),
        json.dumps({"text": "at 2", "now": "whenever"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"text": "later", "now": "2026-03-09T12:00:00+00:00"}),
    ]
    out = io.StringIO()
    assert run_jsonl(io.StringIO("\n".join(lines) + "\n"), out) == 0
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert results[0] == {"due": "2026-03-10T14:00:00+00:00", "what": "jobcentre"}
    assert [set(r) for r in results[1:5]] == [{"error"}] * 4
    assert results[5] == {"due": None, "what": ""}
    assert len(results) == 6


def test_cli_jsonl_in_a_real_process() -> None:
    data = rows()[:40]
    stdin = "".join(json.dumps({"text": r["text"], "now": r["now"]}) + "\n" for r in data)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.reminders.cli",
            "parse",
            "--jsonl",
        ],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    got = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(got) == len(data)
    for result, r in zip(got, data, strict=True):
        p = ParsedReminder(
            datetime.fromisoformat(result["due"]) if result["due"] else None, result["what"]
        )
        assert matches(p, r), (r, result)


def test_parse_now() -> None:
    assert parse_now("2026-03-09T12:00:00Z") == datetime(2026, 3, 9, 12, tzinfo=timezone.utc)
    assert parse_now("2026-07-01T12:00:00").utcoffset() == timedelta(hours=1)  # naive: London
    assert parse_now(None).tzinfo is not None
