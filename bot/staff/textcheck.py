"""The plain-language score of one client-facing text, as staff type it (bot/content_check.py rules)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.channels.gsm import is_gsm
from bot.content_check import (
    MAX_GRADE,
    MAX_SEGMENTS,
    MAX_SENTENCE_WORDS,
    Text,
    fill,
    score,
)

GOOD_SEGMENTS = 2  # 306 characters: the project's aim where the meaning allows
# The only phone numbers a client may be given (../shared/DESIGN.md), digits only.
SAFETY_NUMBERS = {
    "999",
    "55",
    "116123",
    "85258",
    "111",
    "08082000247",
    "03001236600",
    "03005000914",
}
PHONE_LIKE = re.compile(r"(?<![\w])(?:\+?\d[\d ()-]{3,}\d)(?![\w])")


@dataclass
class TextScore:
    characters: int
    grade: float
    longest_sentence: int
    segments: int
    plain_characters: bool
    problems: list[str] = field(default_factory=list)  # stop the text being saved
    warnings: list[str] = field(default_factory=list)  # worth fixing, do not stop it

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        texts = "text message" if self.segments == 1 else "text messages"
        return (
            f"Reading grade {self.grade:.1f} (at most {MAX_GRADE:g}). Longest sentence"
            f" {self.longest_sentence} words (at most {MAX_SENTENCE_WORDS}). {self.segments}"
            f" {texts} ({self.characters} characters)."
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "summary": self.summary()}


def unknown_numbers(text: str) -> list[str]:
    """Phone numbers (and text short codes after "call", "text"...) that are not the checked ones."""
    found = []
    for match in PHONE_LIKE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if digits in SAFETY_NUMBERS:
            continue
        before = text[max(0, match.start() - 14) : match.start()].lower()
        phone = len(digits) >= 10 and digits.startswith(("0", "44"))
        short_code = 5 <= len(digits) <= 6 and re.search(r"(call|ring|text|phone|dial)", before)
        if phone or short_code:
            found.append(match.group().strip())
    return found


def check_text(text: str) -> TextScore:
    text = fill(" ".join((text or "").split()))
    if not text:
        return TextScore(
            0, 0.0, 0, 0, True, ["The text is empty. Write what the client will read."]
        )
    s = score(Text("", "", text))
    result = TextScore(len(text), round(s.grade, 1), s.longest_sentence, s.segments, s.gsm)
    if s.grade > MAX_GRADE:
        result.problems.append(
            f"Hard to read: reading grade {s.grade:.1f}, at most {MAX_GRADE:g}. Use shorter"
            " sentences and everyday words."
        )
    if s.longest_sentence > MAX_SENTENCE_WORDS:
        result.problems.append(
            f"A sentence has {s.longest_sentence} words, at most {MAX_SENTENCE_WORDS}. Split it."
        )
    if not s.gsm:
        bad = "".join(sorted({c for c in text if not is_gsm(c)}))
        result.problems.append(
            f"Some characters are not plain text for SMS: {bad} . Use straight quotes (' \"),"
            " a plain dash (-) and no emoji."
        )
    if s.segments > MAX_SEGMENTS:
        result.problems.append(
            f"Too long: {s.segments} text messages, at most {MAX_SEGMENTS}. Say less."
        )
    elif s.segments > GOOD_SEGMENTS:
        result.warnings.append(
            f"{s.segments} text messages: 1 or 2 ({GOOD_SEGMENTS * 153} characters) is better"
            " if the meaning allows."
        )
    for number in unknown_numbers(text):
        result.warnings.append(
            f"{number} is not one of the checked safety numbers (999, Samaritans 116 123,"
            " SHOUT 85258, NHS 111, 0808 2000 247, FRANK 0300 123 6600, StreetLink"
            " 0300 500 0914). Check it is right before clients get it."
        )
    return result
