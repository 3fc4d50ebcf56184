"""A problem found in the content: which file, which entry, and what is wrong, in plain words."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class ContentError(ValueError):
    """An edit that cannot be saved. `status` is the HTTP status the console answers with."""

    def __init__(self, messages: list[str] | str, status: int = 400) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))
        self.status = status


def entry_label(intent: str) -> str:
    """'faq/food_foodbank' -> 'FAQ food_foodbank'; 'greet' -> 'intent greet'."""
    return f"FAQ {intent[4:]}" if intent.startswith("faq/") else f"intent {intent}"


@dataclass(frozen=True)
class Problem:
    file: str
    entry: str
    text: str
    line: int | None = None
    warning: bool = False  # worth a look, but does not stop training

    def words(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        if self.entry:
            where += f" ({self.entry})"
        return f"{where}: {self.text}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "words": self.words()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            str(data.get("file", "")),
            str(data.get("entry", "")),
            str(data.get("text", "")),
            data.get("line"),
            bool(data.get("warning", False)),
        )
