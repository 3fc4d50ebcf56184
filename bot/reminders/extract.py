"""Find the time words in a message: which spans say what about the day and the clock.

Patterns run in a fixed order; a span taken by an earlier pattern cannot be reused, so
"day after tomorrow" is never also read as "tomorrow", and "in 20 mins" never as a clock time.
The text must already be normalised (see `normalise`), which keeps every character's position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.reminders.lexicon import DayPart, Lexicon, hour_value, load, squash
from bot.reminders.patterns import Patterns, patterns

WORD = re.compile(r"(?<![a-z0-9'])[a-z]+(?![a-z0-9'])")


@dataclass
class Mention:
    """One time expression found in the text."""

    start: int
    end: int
    kind: str  # elapsed, days, weekday, date, monthday, holiday, clock, midnight, part, vague
    value: dict[str, Any] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Lower case with straight quotes; the same length as the input, so spans line up."""
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
    # character by character: a few letters lower-case to two ("İ"), which would shift spans
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text.translate(table))


def _meridiem(match: re.Match[str]) -> str | None:
    mer = match.groupdict().get("mer")
    return None if not mer else ("am" if mer.startswith("a") else "pm")


class Scanner:
    """Runs patterns over the text, keeping the spans already taken."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.taken = [False] * len(text)
        self.mentions: list[Mention] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def take(self, start: int, end: int, kind: str, value: dict[str, Any]) -> Mention:
        for i in range(start, end):
            self.taken[i] = True
        mention = Mention(start, end, kind, value)
        self.mentions.append(mention)
        return mention

    def scan(
        self,
        pattern: re.Pattern[str],
        kind: str,
        build: Callable[[re.Match[str]], dict[str, Any] | None],
    ) -> None:
        """Take every free, accepted match of the pattern; `build` returns None to refuse one."""
        pos = 0
        while True:
            match = pattern.search(self.text, pos)
            if match is None:
                return
            start, end = match.span()
            value = build(match) if self.free(start, end) and end > start else None
            if value is None:
                pos = start + 1
                continue
            self.take(start, end, value.pop("kind", kind), value)
            pos = end


def _count(lex: Lexicon, token: str) -> float:
    token = token.strip()
    try:
        return float(token)
    except ValueError:
        return float(lex.count_of[squash(token)])


def find_mentions(text: str, lex: Lexicon | None = None) -> list[Mention]:
    """All time expressions in normalised text, in the order of the text."""
    lex = lex or load()
    p = patterns()
    s = Scanner(text)
    for step in _steps(lex, p, s):
        step()
    return sorted(s.mentions, key=lambda m: m.start)


def _steps(lex: Lexicon, p: Patterns, s: Scanner) -> Iterator[Callable[[], None]]:
    """The scanning passes, most specific first."""
    unit_of = lex.unit_of

    def elapsed(n: float, unit: str) -> dict[str, Any] | None:
        kind = unit_of[squash(unit)]
        if kind == "minutes":
            return {"kind": "elapsed", "minutes": n}
        if kind == "hours":
            return {"kind": "elapsed", "minutes": n * 60}
        days = n if kind == "days" else n * 7
        if days != int(days):
            return {"kind": "elapsed", "minutes": days * 24 * 60}
        return {"kind": "days", "days": int(days)}

    def duration(m: re.Match[str]) -> dict[str, Any] | None:
        n = _count(lex, m["n"])
        if n <= 0:
            return None
        if n == 1 and not m["n"].strip()[0].isdigit() and unit_of[squash(m["u"])] == "minutes":
            return {"kind": "vague"}  # "in a min" means soon, not in 60 seconds
        if m["u"] in ("m", "h") and not m["n"].strip()[0].isdigit():
            return None
        return elapsed(n, m["u"])

    def and_a_half(m: re.Match[str]) -> dict[str, Any] | None:
        unit = m["u"] or m["u2"]
        if not unit:
            return None
        return elapsed(_count(lex, m["n"]) + 0.5, unit)

    yield lambda: s.scan(p.elapsed_and_a_half, "elapsed", and_a_half)
    yield lambda: s.scan(p.half_an_hour, "elapsed", lambda m: {"minutes": 30})
    yield lambda: s.scan(p.duration, "elapsed", duration)
    yield lambda: s.scan(p.from_now, "elapsed", duration)
    yield lambda: s.scan(
        p.week_from, "days", lambda m: {"days": 7 + lex.relative_day_of[squash(m["rel"])]}
    )
    yield lambda: s.scan(p.fortnight, "days", lambda m: {"days": 14})

    def weekday_of(token: str) -> int:
        return lex.weekday_of[squash(token)]

    yield lambda: s.scan(
        p.next_week_day, "weekday", lambda m: {"weekday": weekday_of(m["wd"]), "mode": "next_week"}
    )
    yield lambda: s.scan(
        p.day_next_week, "weekday", lambda m: {"weekday": weekday_of(m["wd"]), "mode": "next_week"}
    )
    yield lambda: s.scan(
        p.week_on_day,
        "weekday",
        lambda m: {"weekday": weekday_of(m["wd"] or m["wd2"]), "mode": "week_on"},
    )
    yield lambda: s.scan(p.day_after_tomorrow, "days", lambda m: {"days": 2})

    def holiday(m: re.Match[str]) -> dict[str, Any] | None:
        word = re.sub(r"^on\s+", "", m[0])
        if squash(word) in lex.risky_holidays and not m[0].startswith("on"):
            before = p.holiday_intro.search(s.text, 0, m.start())
            if not before and not p.follow_ok.match(s.text, m.end()):
                return None  # "xmas shopping"
        return {"holiday": lex.holiday_of[squash(word)]}

    yield lambda: s.scan(p.holiday, "holiday", holiday)
    yield lambda: s.scan(p.vague, "vague", lambda m: {})
    yield lambda: s.scan(p.vague_clause, "vague", lambda m: {})
    yield lambda: s.scan(
        p.relative_day,
        "days",
        lambda m: {"days": lex.relative_day_of[squash(m[0].removesuffix("'s"))]},
    )

    def slash_date(m: re.Match[str]) -> dict[str, Any] | None:
        day, month = int(m["d"]), int(m["m"])
        year = _year(m["y"])
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return None
        return {"day": day, "month": month, "year": year}

    def named_date(m: re.Match[str]) -> dict[str, Any] | None:
        day = int(m["d"])
        if not 1 <= day <= 31:
            return None
        return {"day": day, "month": lex.month_of[squash(m["mon"])], "year": _year(m["y"])}

    def month_day(m: re.Match[str]) -> dict[str, Any] | None:
        if squash(m["mon"]) == "may" and not m["suf"]:
            return None  # "may" is also a verb: "may 5th" counts, "I may 2" does not
        return named_date(m)

    yield lambda: s.scan(p.slash_date, "date", slash_date)
    yield lambda: s.scan(p.day_month, "date", named_date)
    yield lambda: s.scan(p.month_day, "date", month_day)

    def monthday(m: re.Match[str]) -> dict[str, Any] | None:
        day = int(m["d"])
        return {"day": day} if 1 <= day <= 31 else None

    yield lambda: s.scan(p.month_day_ordinal, "monthday", monthday)

    def weekday(m: re.Match[str]) -> dict[str, Any] | None:
        token = squash(m["wd"])
        if (
            token in lex.risky_weekdays
            and not m["mod"]
            and not p.risky_weekday_context.match(s.text, m.end())
        ):
            return None  # "i sat down", "the sun"
        return {"weekday": weekday_of(m["wd"]), "mode": "next"}

    yield lambda: s.scan(p.weekday, "weekday", weekday)

    def fuzzy_days() -> None:
        """Misspelt day words the lists do not have: "tomoro", "thusday", "wenesday"."""
        for m in WORD.finditer(s.text):
            found = lex.fuzzy_day(m[0]) if s.free(m.start(), m.end()) else None
            if found is None:
                continue
            kind, number = found
            if kind == "weekday":
                s.take(m.start(), m.end(), "weekday", {"weekday": number, "mode": "next"})
            elif kind == "days":
                s.take(m.start(), m.end(), "days", {"days": number})
            else:
                s.take(m.start(), m.end(), "part", {"part": tonight_part(lex), "today": True})

    yield fuzzy_days
    yield from _clock_steps(lex, p, s)


def _clock_steps(lex: Lexicon, p: Patterns, s: Scanner) -> Iterator[Callable[[], None]]:
    """Clock times and parts of the day."""

    def clock(hour: int, minute: int = 0, half: str | None = None, h24: bool = False) -> dict:
        return {"hour": hour, "minute": minute, "half": half, "h24": h24}

    def between(m: re.Match[str]) -> dict[str, Any] | None:
        """A time window ("between 8 and 12", "from 10 to 12") is due at its start."""
        hour, hour2 = hour_value(lex, m["h"]), hour_value(lex, m["h2"])
        half = _meridiem(m)
        if half is None and m["mer2"] and 1 <= hour < hour2 <= 12:
            half = "am" if m["mer2"].startswith("a") else "pm"
        return clock(hour, int(m["m"] or 0), half, hour > 12)

    yield lambda: s.scan(p.between, "clock", between)
    yield lambda: s.scan(p.noon, "clock", lambda m: clock(12, 0, None, True))
    yield lambda: s.scan(p.midnight, "midnight", lambda m: {})

    def past_to(m: re.Match[str]) -> dict[str, Any] | None:
        n_text = squash(m["n"])
        n = lex.past_to_of.get(n_text) if not n_text.isdigit() else int(n_text)
        hour = hour_value(lex, m["h"])
        if n is None or not 1 <= n <= 59 or not 1 <= hour <= 12:
            return None
        if m["dir"] == "to" and n > 30:
            return None
        minute = -n if m["dir"] == "to" else n
        return clock(hour, minute, _meridiem(m))

    yield lambda: s.scan(p.past_to, "clock", past_to)

    def half_hour(m: re.Match[str]) -> dict[str, Any] | None:
        hour = hour_value(lex, m["h"])
        return clock(hour, 30, _meridiem(m)) if 1 <= hour <= 12 else None

    yield lambda: s.scan(p.half_hour, "clock", half_hour)

    def colon_time(m: re.Match[str]) -> dict[str, Any] | None:
        if p.units_after.match(s.text, m.end()) and not m["mer"]:
            return None
        hour, minute = int(m["h"]), int(m["m"])
        half = _meridiem(m)
        if half and not 1 <= hour <= 12:
            half = None if hour > 12 else half
        return clock(hour, minute, half, hour > 12 or m["h"].startswith("0"))

    yield lambda: s.scan(p.colon_time, "clock", colon_time)

    def compact_time(m: re.Match[str]) -> dict[str, Any] | None:
        if not (m["at"] or m["mer"] or m["hrs"]):
            return None
        digits = m["hm"]
        hour, minute = int(digits[:-2]), int(digits[-2:])
        if hour > 23 or minute > 59:
            return None
        half = _meridiem(m)
        if half and not 1 <= hour <= 12:
            return None
        return clock(hour, minute, half, bool(m["hrs"]) or hour > 12 or digits.startswith("0"))

    yield lambda: s.scan(p.compact_time, "clock", compact_time)

    def spaced_time(m: re.Match[str]) -> dict[str, Any] | None:
        """ "at 4 30", "4 30pm": a space for the colon, only with "at" or am/pm."""
        if not (m["at"] or m["mer"]) or p.units_after.match(s.text, m.end()):
            return None
        hour = int(m["h"])
        half = _meridiem(m)
        if half and not 1 <= hour <= 12:
            return None
        return clock(hour, int(m["m"]), half, hour > 12 or m["h"].startswith("0"))

    yield lambda: s.scan(p.spaced_time, "clock", spaced_time)

    def hour_meridiem(m: re.Match[str]) -> dict[str, Any] | None:
        hour = hour_value(lex, m["h"])
        return clock(hour, 0, _meridiem(m)) if 1 <= hour <= 12 else None

    yield lambda: s.scan(p.hour_meridiem, "clock", hour_meridiem)

    def word_time(m: re.Match[str]) -> dict[str, Any] | None:
        hour = hour_value(lex, m["h"])
        if not 1 <= hour <= 12:
            return None
        return clock(hour, lex.minute_word_of[squash(m["mw"])], _meridiem(m))

    yield lambda: s.scan(p.word_time, "clock", word_time)

    def plain_hour(m: re.Match[str]) -> dict[str, Any] | None:
        hour = hour_value(lex, m["h"])
        return clock(hour, 0, _meridiem(m), hour > 12) if 1 <= hour <= 23 else None

    yield lambda: s.scan(p.oclock, "clock", plain_hour)
    yield lambda: s.scan(p.hour_ish, "clock", plain_hour)

    def prep_hour(m: re.Match[str]) -> dict[str, Any] | None:
        if p.units_after.match(s.text, m.end()):
            return None
        if m["prep"] not in ("at", "@") and not p.follow_ok.match(s.text, m.end()):
            return None
        return plain_hour(m)

    yield lambda: s.scan(p.prep_hour, "clock", prep_hour)

    def after_dates() -> None:
        """A bare hour or am/pm straight after a day: "tues 10", "tmrw at 2", "fri pm"."""
        dated = [
            m for m in s.mentions if m.kind in ("days", "weekday", "date", "monthday", "holiday")
        ]
        for mention in dated:
            m = p.after_date_hour.match(s.text, mention.end)
            if (
                m
                and s.free(m.start(), m.end())
                and hour_value(lex, m["h"]) <= 12
                and not p.units_after.match(s.text, m.end())
            ):
                s.take(m.start("h"), m.end(), "clock", clock(hour_value(lex, m["h"])))
                continue
            m = p.after_date_meridiem.match(s.text, mention.end)
            if m and s.free(m.start(), m.end()):
                name = "morning" if m["mer"].startswith("a") else "afternoon"
                part = next(v for v in lex.part_of.values() if v.name == name)
                s.take(m.start("mer"), m.end(), "part", {"part": part, "today": False})

    yield after_dates

    yield lambda: s.scan(p.tonight, "part", lambda m: {"part": tonight_part(lex), "today": True})

    def part(m: re.Match[str]) -> dict[str, Any] | None:
        """A part of the day, unless it just describes a thing ("the night shelter")."""
        ends = {x.end for x in s.mentions}
        introduced = m[0] != m["part"] or len(s.text[: m.start()].rstrip()) in ends
        if not introduced and not p.follow_ok.match(s.text, m.end()):
            return None
        return {"part": lex.part_of[squash(m["part"])], "today": bool(m["this"])}

    yield lambda: s.scan(p.part, "part", part)


def tonight_part(lex: Lexicon) -> DayPart:
    """ "tonight" is today's evening."""
    return next(v for v in lex.part_of.values() if v.name == "evening")


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year
