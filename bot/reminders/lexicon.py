"""The reminder parser's word lists (data/reminders/words.yaml) as regular-expression pieces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import OSA

WORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "reminders" / "words.yaml"

# Word edges that treat digits as part of a word ("2moro", "10am") and apostrophes as letters.
POSSESSIVE = r"(?:'s(?![a-z]))?"
B = r"(?<![a-z0-9'])"
E = r"(?![a-z0-9])(?!'(?!s(?![a-z]))[a-z])"  # a word may end in 's: "tomorrow's"


def phrase_pattern(phrase: str) -> str:
    """A regex for one listed phrase: spaces also match hyphens or nothing, apostrophes optional."""
    parts = []
    for ch in phrase:
        if ch == " ":
            parts.append(r"[\s\-]*")
        elif ch == "'":
            parts.append("'?")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


def alternation(phrases: list[str]) -> str:
    """A non-capturing group matching any phrase, longest first so "tues" beats "tue"."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(phrase_pattern(p) for p in ordered) + ")"


def _index(groups: dict[Any, list[str]]) -> dict[str, Any]:
    """Map each spelling (as normalised text) to its key."""
    out: dict[str, Any] = {}
    for key, words in groups.items():
        for word in words:
            out[squash(word)] = key
    return out


def squash(text: str) -> str:
    """The form used to look a matched phrase up: no spaces, hyphens or apostrophes."""
    return re.sub(r"[\s\-']+", "", text.lower())


@dataclass(frozen=True)
class DayPart:
    name: str
    hour: int
    minute: int
    half: str  # "am" or "pm"


@dataclass(frozen=True)
class Holiday:
    month: int | None
    day: int | None
    easter: int | None  # days after Easter Sunday, for Easter-based days


@dataclass(frozen=True)
class Lexicon:
    """Lookup tables plus regex alternations built from the YAML lists."""

    raw: dict[str, Any]
    weekday_of: dict[str, int]
    risky_weekdays: frozenset[str]
    risky_holidays: frozenset[str]
    month_of: dict[str, int]
    relative_day_of: dict[str, int]
    part_of: dict[str, DayPart]
    holiday_of: dict[str, Holiday]
    hour_word_of: dict[str, int]
    minute_word_of: dict[str, int]
    past_to_of: dict[str, int]
    count_of: dict[str, int]
    unit_of: dict[str, str]

    def fuzzy_day(self, token: str) -> tuple[str, int] | None:
        """("weekday", 0-6), ("days", 1) or ("tonight", 0) for a misspelt day word, else None."""
        if len(token) < 5 or token in self.raw["fuzzy_never"]:
            return None
        targets = [(name, ("weekday", i)) for i, name in enumerate(self.raw["weekdays"])]
        targets += [("tomorrow", ("days", 1)), ("tonight", ("tonight", 0))]
        scored = [
            (OSA.distance(token, name), value, 1 if len(token) < 6 or len(name) <= 6 else 2)
            for name, value in targets
            if name[0] == token[0]
        ]
        close = sorted((d, v) for d, v, limit in scored if d <= limit)
        if not close or (len(close) > 1 and close[0][0] == close[1][0]):
            return None  # nothing near, or two days equally near ("tursday")
        return close[0][1]

    def alt(self, key: str) -> str:
        """Alternation over a flat list in the YAML."""
        return alternation(self.raw[key])

    @property
    def weekday_alt(self) -> str:
        return alternation([w for ws in self.raw["weekdays"].values() for w in ws])

    @property
    def month_alt(self) -> str:
        return alternation([w for ws in self.raw["months"].values() for w in ws])

    @property
    def part_alt(self) -> str:
        return alternation([w for p in self.raw["day_parts"].values() for w in p["words"]])

    @property
    def holiday_alt(self) -> str:
        return alternation([w for h in self.raw["holidays"] for w in h["words"]])

    @property
    def relative_day_alt(self) -> str:
        return alternation([w for ws in self.raw["relative_days"].values() for w in ws])

    @property
    def tomorrow_alt(self) -> str:
        return alternation(self.raw["relative_days"][1])

    @property
    def hour_alt(self) -> str:
        """An hour as digits (0-23) or words (one to twelve)."""
        return r"(?:[01]?\d|2[0-3]|" + alternation(list(self.raw["hour_words"])) + ")"

    @property
    def count_alt(self) -> str:
        return r"(?:\d+(?:\.\d+)?|" + alternation(list(self.raw["count_words"])) + ")"

    def unit_alt(self, *kinds: str) -> str:
        return alternation([w for k in kinds for w in self.raw["units"][k]])


def hour_value(lex: Lexicon, token: str) -> int:
    token = token.strip().lower()
    return int(token) if token.isdigit() else lex.hour_word_of[squash(token)]


def _check_strings(node: Any, path: Path) -> None:
    """YAML reads a bare on/no/yes as true/false: every listed word must stay a string."""
    if isinstance(node, dict):
        for value in node.values():
            _check_strings(value, path)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _check_strings(item, path)
            elif not isinstance(item, str):
                raise ValueError(f"{path}: {item!r} in a word list must be quoted as a string")


@lru_cache(maxsize=1)
def load(path: Path = WORDS_FILE) -> Lexicon:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    _check_strings(raw, path)
    weekday_names = list(raw["weekdays"])
    parts = {}
    for name, spec in raw["day_parts"].items():
        hour, minute = (int(x) for x in spec["time"].split(":"))
        part = DayPart(name, hour, minute, spec["half"])
        for word in spec["words"]:
            parts[squash(word)] = part
    holidays = {}
    for spec in raw["holidays"]:
        holiday = Holiday(spec.get("month"), spec.get("day"), spec.get("easter"))
        for word in spec["words"]:
            holidays[squash(word)] = holiday
    units = {squash(w): kind for kind, ws in raw["units"].items() for w in ws}
    return Lexicon(
        raw=raw,
        weekday_of=_index({weekday_names.index(k): v for k, v in raw["weekdays"].items()}),
        risky_weekdays=frozenset(raw["risky_weekdays"]),
        risky_holidays=frozenset(squash(w) for w in raw["risky_holidays"]),
        month_of=_index({int(k): v for k, v in raw["months"].items()}),
        relative_day_of=_index({int(k): v for k, v in raw["relative_days"].items()}),
        part_of=parts,
        holiday_of=holidays,
        hour_word_of={squash(k): int(v) for k, v in raw["hour_words"].items()},
        minute_word_of={squash(k): int(v) for k, v in raw["minute_words"].items()},
        past_to_of={squash(k): int(v) for k, v in raw["past_to_words"].items()},
        count_of={squash(k): int(v) for k, v in raw["count_words"].items()},
        unit_of=units,
    )
