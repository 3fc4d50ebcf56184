"""`python -m bot content check`: the plain-language gate over every text a client reads.

Each text: Flesch-Kincaid grade at most 6, no sentence over 25 words, GSM-7 characters only,
at most 3 SMS segments. Over all texts: median grade at most 4. Prints the worst texts for staff
to fix, and every breach with its file and name; exits 1 on any breach.
"""

from __future__ import annotations

import re
import statistics
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import textstat
import yaml

from bot.channels.gsm import is_gsm, segment_count
from bot.config import ROOT

MAX_GRADE = 6.0
MAX_MEDIAN_GRADE = 4.0
MAX_SENTENCE_WORDS = 25
MAX_SEGMENTS = 3
# Sample values for {placeholders}, as long as real ones usually are.
SAMPLES = {
    "name": "Sam",
    "when": "9am tomorrow",
    "time": "10:30am",
    "what": "probation",
    "reminder_what": "probation",
    "reminder_when_words": "Tuesday 10 March at 10:30am",
    "reminder_list": "1. probation, Tuesday 10 March at 10:30am. 2. the dentist, Friday 13 March at 9am.",
    "example": "probation",
}


@dataclass
class Text:
    source: str
    name: str
    text: str


@dataclass
class Score:
    item: Text
    grade: float
    longest_sentence: int
    segments: int
    gsm: bool

    def breaches(self) -> list[str]:
        found = []
        if self.grade > MAX_GRADE:
            found.append(f"grade {self.grade:.1f} > {MAX_GRADE:g}")
        if self.longest_sentence > MAX_SENTENCE_WORDS:
            found.append(f"a sentence of {self.longest_sentence} words > {MAX_SENTENCE_WORDS}")
        if not self.gsm:
            bad = sorted({c for c in self.item.text if not is_gsm(c)})
            found.append(f"not GSM-7: {''.join(bad)!r}")
        if self.segments > MAX_SEGMENTS:
            found.append(f"{self.segments} SMS segments > {MAX_SEGMENTS}")
        return found


def fill(template: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{n: SAMPLES.get(n, "something") for n in names}) if names else template


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _responses(source: str, data: dict[str, Any]) -> Iterator[Text]:
    for name, variants in (data.get("responses") or {}).items():
        for variant in variants or []:
            if isinstance(variant, dict) and variant.get("text"):
                yield Text(source, name, fill(str(variant["text"]).strip()))


def _strings(source: str, value: Any, name: str) -> Iterator[Text]:
    if isinstance(value, str):
        yield Text(source, name, fill(value.strip()))
    elif isinstance(value, dict):
        for key, inner in value.items():
            if str(key).endswith("_words"):
                continue  # word lists the gateway matches against, not texts a client reads
            yield from _strings(source, inner, f"{name}.{key}" if name else str(key))


def collect(root: Path = ROOT) -> list[Text]:
    """Every client-facing text in the project."""
    from bot.safety_reply import crisis_reply

    def rel(path: Path) -> str:
        return str(path.relative_to(root))

    texts: list[Text] = list(_responses("domain.yml", _yaml(root / "domain.yml")))
    for path in sorted((root / "data" / "nlu").rglob("*.yml")):
        texts += _responses(rel(path), _yaml(path))
    for entry in _yaml(root / "data" / "glossary.yml").get("terms") or []:
        texts.append(Text("data/glossary.yml", entry["term"], str(entry["explanation"]).strip()))
    for path in sorted((root / "data" / "content").glob("*.yml")):
        data = _yaml(path)
        if path.stem == "safety_replies":
            for category in data.get("categories") or {}:
                texts.append(Text(rel(path), category, crisis_reply([category])))
            continue
        texts += _strings(rel(path), data, "")
    return [t for t in texts if t.text]


def longest_sentence(text: str) -> int:
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
    return max((len(s.split()) for s in sentences), default=0)


def score(item: Text) -> Score:
    return Score(
        item=item,
        grade=float(textstat.flesch_kincaid_grade(item.text)),
        longest_sentence=longest_sentence(item.text),
        segments=segment_count(item.text),
        gsm=is_gsm(item.text),
    )


def run(root: Path = ROOT, worst: int = 12, out: Any = sys.stdout) -> int:
    scores = [score(t) for t in collect(root)]
    median = statistics.median(s.grade for s in scores) if scores else 0.0
    print(
        f"{len(scores)} client-facing texts; median grade {median:.1f} (at most {MAX_MEDIAN_GRADE:g})",
        file=out,
    )
    print(f"\nThe {worst} hardest to read:", file=out)
    print(f"{'grade':>5} {'words':>5} {'sms':>3}  where", file=out)
    for s in sorted(scores, key=lambda s: s.grade, reverse=True)[:worst]:
        print(
            f"{s.grade:5.1f} {s.longest_sentence:5d} {s.segments:3d}  {s.item.source} {s.item.name}",
            file=out,
        )
    failures = [(s, s.breaches()) for s in scores if s.breaches()]
    if median > MAX_MEDIAN_GRADE:
        print(f"\nFAIL: the median grade {median:.1f} is over {MAX_MEDIAN_GRADE:g}", file=out)
    if failures:
        print(f"\nFAIL: {len(failures)} texts need rewriting:", file=out)
        for s, problems in failures:
            print(
                f"- {s.item.source} {s.item.name}: {'; '.join(problems)}\n    {s.item.text}",
                file=out,
            )
    ok = not failures and median <= MAX_MEDIAN_GRADE
    print("\nAll texts pass." if ok else "", file=out)
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    if argv[:1] != ["check"]:
        print("usage: python -m bot content check", file=sys.stderr)
        return 2
    return run()
