"""Glossary entries (data/glossary.yml): list, add, edit, retire and restore, keeping the file's
comments and layout. Every change must pass bot/jargon's own check_glossary and the plain-language
rules; retired entries move to data/retired/glossary.yml.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from bot.jargon.glossary import check_glossary, clean_name, load_glossary
from bot.staff.faqs import CHANGED_ELSEWHERE
from bot.staff.problems import ContentError
from bot.staff.textcheck import check_text
from bot.staff.workspace import Workspace, today
from bot.staff.yamlfile import (
    INDENTS,
    atomic_write,
    dump,
    plain_yaml_error,
    pop_item,
    read_doc,
    relative,
    version_of,
)

GLOSSARY = Path("data") / "glossary.yml"
RETIRED = Path("data") / "retired" / "glossary.yml"
LIST_FIELDS = ("aliases", "related", "needs_context", "ambiguous", "not_in")
OPTIONAL = ("needs_context", "ambiguous", "not_in")
ORDER = ("term", "explanation", "aliases", "ambiguous", "needs_context", "not_in", "related",
         "last_checked")  # fmt: skip
FOLD_WIDTH = 94  # explanation lines stay within 100 characters with their indent
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Term:
    term: str
    explanation: str
    aliases: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    last_checked: str = ""
    needs_context: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    not_in: list[str] = field(default_factory=list)
    retired: bool = False

    @classmethod
    def from_raw(cls, raw: dict[str, Any], retired: bool = False) -> Term:
        def strings(name: str) -> list[str]:
            value = raw.get(name) or []
            value = value if isinstance(value, list) else [value]
            return [str(v).strip() for v in value if str(v).strip()]

        checked = raw.get("last_checked", "")
        checked = checked.isoformat() if isinstance(checked, dt.date) else str(checked or "")
        return cls(
            term=str(raw.get("term", "")).strip(),
            explanation=" ".join(str(raw.get("explanation", "")).split()),
            last_checked=checked,
            retired=retired,
            **{name: strings(name) for name in LIST_FIELDS},
        )

    @property
    def version(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "retired"}
        return version_of(json.dumps(data, sort_keys=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in self.__dict__.items()},
            "version": self.version,
            "score": check_text(self.explanation).to_dict(),
        }

    def matches(self, query: str) -> bool:
        haystack = " ".join([self.term, self.explanation, *self.aliases]).lower()
        return all(word in haystack for word in query.lower().split())


def _raw_terms(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    terms = data.get("terms") if isinstance(data, dict) else None
    return [t for t in terms or [] if isinstance(t, dict)]


def list_terms(ws: Workspace, query: str = "", retired: bool = False) -> list[Term]:
    path = ws.path(RETIRED if retired else GLOSSARY)
    try:
        terms = [Term.from_raw(raw, retired) for raw in _raw_terms(path)]
    except yaml.YAMLError as error:
        raise plain_yaml_error(relative(path, ws.root), error) from error
    return [t for t in terms if not query or t.matches(query)]


def read_term(ws: Workspace, term: str, retired: bool = False) -> Term | None:
    return next((t for t in list_terms(ws, retired=retired) if t.term == term), None)


def folded(text: str, width: int = FOLD_WIDTH) -> FoldedScalarString:
    """A `>-` block whose lines break at spaces before `width` characters."""
    scalar = FoldedScalarString(text)
    breaks, start, last_space = [], 0, None
    for index, char in enumerate(text):
        if char == " ":
            if index - start > width and last_space is not None and last_space > start:
                breaks.append(last_space)
                start = last_space + 1
            last_space = index
    if len(text) - start > width and last_space is not None and last_space > start:
        breaks.append(last_space)
    scalar.fold_pos = breaks  # type: ignore[attr-defined]
    return scalar


def _flow(values: list[str]) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _fill(node: CommentedMap, term: Term) -> None:
    """Write the entry's fields into its mapping, keeping keys it already had where they were."""
    values: dict[str, Any] = {
        "term": term.term,
        "explanation": folded(term.explanation),
        "aliases": _flow(term.aliases),
        "related": _flow(term.related),
        "last_checked": dt.date.fromisoformat(term.last_checked),
    }
    for name in OPTIONAL:
        if getattr(term, name):
            values[name] = _flow(getattr(term, name))
        elif name in node:
            del node[name]
    for name in ORDER:
        if name in values:
            node[name] = values[name]


def clean_term(term: Term) -> Term:
    term.term = clean_name(term.term)
    term.explanation = " ".join(term.explanation.split())
    for name in LIST_FIELDS:
        setattr(term, name, [" ".join(v.split()) for v in getattr(term, name) if v.strip()])
    term.last_checked = term.last_checked.strip() or today()
    return term


def _problems_of(text: str) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "glossary.yml"
        path.write_text(text, encoding="utf-8")
        return check_glossary(load_glossary(path))


def _check(term: Term, before_text: str, after_text: str) -> list[str]:
    problems = []
    if not term.term:
        problems.append("The term is empty.")
    if not term.explanation:
        problems.append("The explanation is empty. Write what the client will read.")
    else:
        problems += check_text(term.explanation).problems
    try:
        dt.date.fromisoformat(term.last_checked)
    except ValueError:
        problems.append(f"Last checked must be a date like {today()}.")
    if problems:
        return problems
    before = set(_problems_of(before_text))
    return problems + [p for p in _problems_of(after_text) if p not in before]


def _terms_seq(doc: Any) -> CommentedSeq:
    seq = doc.data.get("terms") if isinstance(doc.data, dict) else None
    if isinstance(doc.data, dict) and seq is None:
        seq = doc.data["terms"] = CommentedSeq()
    if not isinstance(seq, CommentedSeq):
        raise ContentError(f"{doc.rel} has no terms: list.")
    return seq


def _index(seq: CommentedSeq, term: str) -> int | None:
    return next(
        (i for i, n in enumerate(seq) if isinstance(n, dict) and n.get("term") == term), None
    )


def save_term(
    ws: Workspace, term: Term, original: str = "", version: str = "", restoring: bool = False
) -> Term:
    """Add a term (no `original`), or change one; refuses if it changed since `version`."""
    term = clean_term(term)
    with ws.lock.hold():
        doc = read_doc(ws.path(GLOSSARY), ws.root)
        seq = _terms_seq(doc)
        if original:
            index = _index(seq, original)
            if index is None:
                raise ContentError(f"There is no term called {original!r} now.", 404)
            if Term.from_raw(dict(seq[index])).version != version:
                raise ContentError(CHANGED_ELSEWHERE.format(what="term"), 409)
            if term.term != original and _index(seq, term.term) is not None:
                raise ContentError(f"There is already a term called {term.term!r}.", 409)
            node = seq[index]
        else:
            if _index(seq, term.term) is not None:
                raise ContentError(f"There is already a term called {term.term!r}.", 409)
            if not restoring and read_term(ws, term.term, retired=True):
                raise ContentError(
                    f"A term called {term.term!r} was retired: restore it instead.", 409
                )
            node = CommentedMap()
            seq.append(node)
        _fill(node, term)
        after = doc.render()
        problems = _check(term, doc.text, after)
        if problems:
            raise ContentError(problems)
        atomic_write(doc.path, after)
    saved = read_term(ws, term.term)
    assert saved is not None
    return saved


def _retired_doc(ws: Workspace) -> Any:
    path = ws.path(RETIRED)
    if not path.is_file():
        header = (
            "# Glossary entries taken out of use in the staff console. The assistant does not"
            " read this file.\n# Restore one from the console's glossary page.\n"
        )
        data = CommentedMap()
        data["terms"] = CommentedSeq()
        atomic_write(path, header + dump(data, INDENTS[1]).replace("terms: []", "terms:"))
    return read_doc(path, ws.root)


def retire_term(ws: Workspace, term: str, version: str) -> Term:
    with ws.lock.hold():
        doc = read_doc(ws.path(GLOSSARY), ws.root)
        seq = _terms_seq(doc)
        index = _index(seq, term)
        if index is None:
            raise ContentError(f"There is no term called {term!r}.", 404)
        current = Term.from_raw(dict(seq[index]))
        if current.version != version:
            raise ContentError(CHANGED_ELSEWHERE.format(what="term"), 409)
        pop_item(seq, index)
        after = doc.render()
        new = [p for p in _problems_of(after) if p not in set(_problems_of(doc.text))]
        if new:
            raise ContentError(["It cannot be retired yet:", *new])
        retired = _retired_doc(ws)
        existing = _terms_seq(retired)
        old = _index(existing, term)
        if old is not None:
            pop_item(existing, old)
        node = CommentedMap()
        _fill(node, current)
        existing.append(node)
        atomic_write(retired.path, retired.render())
        atomic_write(doc.path, after)
    current.retired = True
    return current


def restore_term(ws: Workspace, term: str) -> Term:
    with ws.lock.hold():
        retired = _retired_doc(ws)
        existing = _terms_seq(retired)
        index = _index(existing, term)
        if index is None:
            raise ContentError(f"There is no retired term called {term!r}.", 404)
        entry = Term.from_raw(dict(existing[index]))
        saved = save_term(ws, entry, restoring=True)
        pop_item(existing, index)
        atomic_write(retired.path, retired.render())
    return saved
