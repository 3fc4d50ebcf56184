"""Reading data/glossary.yml into entries, and checking it is fit to send to clients."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger("bot.jargon")

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY_FILE = ROOT / "data" / "glossary.yml"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SMS_SEGMENT = 153  # one segment of a multi-part GSM-7 text
MAX_EXPLANATION = 2 * SMS_SEGMENT
# Plain printable ASCII: every character is in GSM-7's basic set except these, which cost two
# characters there or are missing from it, so explanations avoid them too.
_NOT_GSM7_BASIC = set("[]{}\\^~|`")


@dataclass(frozen=True)
class GlossaryEntry:
    """One term: what clients read, and the names that find it in their messages."""

    term: str
    explanation: str
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    last_checked: str = ""
    needs_context: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name first, then the aliases."""
        return (self.term, *self.aliases)

    def context_names(self) -> set[str]:
        """Names that count only with context (see `ambiguous` in the glossary's header)."""
        if not self.needs_context:
            return set()
        if self.ambiguous:
            return {clean_name(n) for n in self.ambiguous}
        return {clean_name(n) for n in self.names if len(clean_name(n).split()) == 1}


@dataclass
class Glossary:
    entries: list[GlossaryEntry]
    asking_before: tuple[str, ...] = ()
    asking_after: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    def by_term(self) -> dict[str, GlossaryEntry]:
        return {e.term: e for e in self.entries}


class GlossaryError(ValueError):
    """The glossary file cannot be read at all."""


def clean_name(name: str) -> str:
    """Lower case, hyphens as spaces, single spaces: how names are compared with each other."""
    return " ".join(name.lower().replace("-", " ").replace("\u2019", "'").split())


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        value = [value]
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list")
        return ()
    out = []
    for item in value:
        if isinstance(item, str | int | float) and str(item).strip():
            out.append(str(item).strip())
        else:
            problems.append(f"{where}: {item!r} is not a word or phrase")
    return tuple(out)


def _entry(raw: Any, n: int, problems: list[str]) -> GlossaryEntry | None:
    where = f"entry {n}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: not a mapping")
        return None
    term = raw.get("term")
    where = f"entry {n} ({term})"
    explanation = raw.get("explanation")
    if not isinstance(term, str) or not term.strip():
        problems.append(f"{where}: no term")
        return None
    if not isinstance(explanation, str) or not explanation.strip():
        problems.append(f"{where}: no explanation")
        return None
    for key in ("aliases", "related", "last_checked"):
        if key not in raw:
            problems.append(f"{where}: no {key}")
    unknown = set(raw) - {
        "term",
        "explanation",
        "aliases",
        "related",
        "last_checked",
        "needs_context",
        "ambiguous",
        "not_in",
    }
    if unknown:
        problems.append(f"{where}: unknown fields {sorted(unknown)}")
    checked = raw.get("last_checked", "")
    if isinstance(checked, dt.date):
        checked = checked.isoformat()
    return GlossaryEntry(
        term=term.strip(),
        explanation=" ".join(explanation.split()),
        aliases=_strings(raw.get("aliases"), f"{where} aliases", problems),
        related=_strings(raw.get("related"), f"{where} related", problems),
        last_checked=str(checked or ""),
        needs_context=_strings(raw.get("needs_context"), f"{where} needs_context", problems),
        ambiguous=_strings(raw.get("ambiguous"), f"{where} ambiguous", problems),
        not_in=_strings(raw.get("not_in"), f"{where} not_in", problems),
    )


def load_glossary(path: Path | str | None = None) -> Glossary:
    """Read the glossary. Broken entries are skipped and noted in `problems`, never fatal."""
    path = Path(path) if path else GLOSSARY_FILE
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise GlossaryError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise GlossaryError(f"{path}: expected a mapping with a list under 'terms'")
    problems: list[str] = []
    entries = []
    for n, raw in enumerate(data["terms"], 1):
        entry = _entry(raw, n, problems)
        if entry is not None:
            entries.append(entry)
    for problem in problems:
        log.warning("glossary: %s", problem)
    return Glossary(
        entries=entries,
        asking_before=_strings(data.get("asking_before"), "asking_before", problems),
        asking_after=_strings(data.get("asking_after"), "asking_after", problems),
        problems=problems,
    )


def check_glossary(glossary: Glossary) -> list[str]:
    """Everything staff must fix before the glossary goes to clients (empty when fine)."""
    problems = list(glossary.problems)
    terms = glossary.by_term()
    owner: dict[str, str] = {}
    if len(terms) != len(glossary.entries):
        problems.append("a term appears twice")
    for e in glossary.entries:
        where = f"{e.term!r}"
        if e.term != e.term.lower():
            problems.append(f"{where}: term is not lower case")
        if len(e.explanation) > MAX_EXPLANATION:
            problems.append(f"{where}: explanation has {len(e.explanation)} characters (max 306)")
        bad = {c for c in e.explanation if not (" " <= c <= "~") or c in _NOT_GSM7_BASIC}
        if bad:
            problems.append(f"{where}: explanation has characters unsafe for SMS: {sorted(bad)}")
        try:
            dt.date.fromisoformat(e.last_checked)
        except ValueError:
            problems.append(f"{where}: last_checked {e.last_checked!r} is not a YYYY-MM-DD date")
        for rel in e.related:
            if rel not in terms:
                problems.append(f"{where}: related term {rel!r} is not in the glossary")
            elif rel == e.term:
                problems.append(f"{where}: related to itself")
        for name in e.names:
            key = clean_name(name)
            if owner.setdefault(key, e.term) != e.term:
                problems.append(f"{where}: name {name!r} also belongs to {owner[key]!r}")
        names = {clean_name(n) for n in e.names}
        for name in e.ambiguous:
            if clean_name(name) not in names:
                problems.append(f"{where}: ambiguous name {name!r} is not one of its names")
        if e.ambiguous and not e.needs_context:
            problems.append(f"{where}: ambiguous names but no needs_context words")
    return problems
