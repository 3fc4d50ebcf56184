"""Term-level recall and precision over labelled messages ({"text", "terms"} JSON lines)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.jargon.matcher import TermMatch

ROOT = Path(__file__).resolve().parents[2]
MESSAGES_FILE = ROOT / "tests" / "data" / "jargon" / "messages.jsonl"


@dataclass
class Miss:
    text: str
    missed: list[str]  # expected but not found
    extra: list[str]  # found but not expected


@dataclass
class Evaluation:
    messages: int = 0
    expected: int = 0
    found: int = 0
    correct: int = 0
    seconds: float = 0.0
    errors: list[Miss] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    def report(self) -> str:
        per_message = 1000 * self.seconds / self.messages if self.messages else 0.0
        lines = [
            f"messages {self.messages}  expected terms {self.expected}  found {self.found}  "
            f"correct {self.correct}",
            f"recall {self.recall:.3f}  precision {self.precision:.3f}  "
            f"({per_message:.2f} ms a message)",
        ]
        for e in self.errors:
            parts = []
            if e.missed:
                parts.append(f"missed {e.missed}")
            if e.extra:
                parts.append(f"extra {e.extra}")
            lines.append(f"  {'; '.join(parts)}: {e.text}")
        return "\n".join(lines)


def read_labelled(path: Path | str) -> list[dict]:
    """Rows with a text and a list of expected terms. Raises ValueError naming a bad line."""
    rows = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc})") from exc
            if not (
                isinstance(row, dict)
                and isinstance(row.get("text"), str)
                and isinstance(row.get("terms"), list)
                and all(isinstance(t, str) for t in row["terms"])
            ):
                raise ValueError(f'{path}:{n}: expected {{"text": str, "terms": [str, ...]}}')
            rows.append(row)
    return rows


def evaluate(rows: list[dict], find: Callable[[str], list[TermMatch]]) -> Evaluation:
    ev = Evaluation()
    for row in rows:
        expected = set(row["terms"])
        start = time.perf_counter()
        found = {m.term for m in find(row["text"])}
        ev.seconds += time.perf_counter() - start
        ev.messages += 1
        ev.expected += len(expected)
        ev.found += len(found)
        ev.correct += len(expected & found)
        if expected != found:
            ev.errors.append(Miss(row["text"], sorted(expected - found), sorted(found - expected)))
    return ev
