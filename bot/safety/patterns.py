"""Read the pattern files in data/safety/ and turn the pattern language into spaCy Matcher rules.

The pattern language (also described in data/safety/README.md), one token per space:

    word        the word in any form: its lemma ("kill" also finds "killing", "killed")
    a|b|c       any of these words (lemmas); join the words of a longer alternative with +
                (going+to|gonna, on+my+way|heading)
    =word       exactly this form, lower case (=a|b for several)
    !a|b        any one word that is NOT one of these (lemmas)
    @set        any word from the named set (sets: section), by lemma; a|@set mixes both
    _           any one word (not a full stop, ! or ?)
    $           the end of a clause: , ; : . ! ? (every text ends with one)
    /regex/     one word whose lower-case form matches the regular expression (it can be
                one of a|b alternatives when it has no | inside: 2|/^\\d+$/)
    ~N          a gap of 0 to N words that does not cross a full stop, ! or ?
    X?          the token X is optional (X is any of the forms above except ~N)

Plain phrases go to PhraseMatchers: `phrases:` match the exact (normalised) words, so tense
stays as written ("got stabbed" is not "getting stabbed"); `lemma_phrases:` match any form of
their words ("flashback" also finds "flashbacks").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .result import CATEGORY_LEVEL

SENTENCE_END = [".", "!", "?"]
CLAUSE_END = [",", ";", ":", ".", "!", "?"]
KINDS = ("signal", "cue", "guard")
MAX_VARIANTS = 64


class PatternError(ValueError):
    """A pattern file says something the pattern language cannot express."""


@dataclass
class Group:
    """One reviewed group of phrases/patterns with one meaning (see data/safety/*.yml)."""

    id: str
    kind: str  # signal | cue | guard
    level: str | None = None  # crisis | trauma for signals
    categories: list[str] = field(default_factory=list)
    strength: str = "weak"  # strong signals ignore ordinary guards
    requires: list[list[str]] = field(default_factory=list)  # all of (any of cue ids)
    unless: list[str] = field(default_factory=list)  # cue ids that cancel this signal
    suppresses: list[str] = field(default_factory=list)  # guards: levels/categories ("all")
    overrides_strong: bool = False  # guards: also remove strong signals
    why: str = ""
    phrases: list[str] = field(default_factory=list)  # exact words (after normalising)
    lemma_phrases: list[str] = field(default_factory=list)  # any form of the words
    patterns: list[str] = field(default_factory=list)
    source: str = ""


def load_yaml(path: Path) -> dict:
    """Parse a YAML file with the fast C loader when PyYAML has it."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}


def load_groups(paths: list[Path]) -> tuple[list[Group], dict[str, list[str]]]:
    """All groups and word sets from the given YAML files, checked for obvious mistakes."""
    groups: list[Group] = []
    sets: dict[str, list[str]] = {}
    for path in paths:
        doc = load_yaml(path)
        for name, words in (doc.get("sets") or {}).items():
            if name in sets:
                raise PatternError(f"{path.name}: set @{name} defined twice")
            sets[name] = [str(w) for w in words]
        for raw in doc.get("groups") or []:
            groups.append(_group_from(raw, path))
    ids = [g.id for g in groups]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise PatternError(f"group ids used twice: {sorted(dupes)}")
    cue_ids = {g.id for g in groups if g.kind == "cue"}
    for g in groups:
        for ref in [r for alts in g.requires for r in alts] + g.unless:
            if ref not in cue_ids:
                raise PatternError(f"{g.source}: {g.id} refers to unknown cue {ref!r}")
    return groups, sets


def _group_from(raw: dict, path: Path) -> Group:
    if not isinstance(raw, dict) or "id" not in raw:
        raise PatternError(f"{path.name}: every group needs an id")
    kind = raw.get("kind", "signal")
    if kind not in KINDS:
        raise PatternError(f"{path.name}: {raw['id']}: kind must be one of {KINDS}")
    if not raw.get("why"):
        raise PatternError(f"{path.name}: {raw['id']}: say why the group exists (why:)")
    categories = raw.get("category") or []
    categories = [categories] if isinstance(categories, str) else [str(c) for c in categories]
    if kind == "signal" and (raw.get("level") not in ("crisis", "trauma") or not categories):
        raise PatternError(f"{path.name}: {raw['id']}: a signal needs level and category")
    for c in categories:
        if CATEGORY_LEVEL.get(c) != raw.get("level"):
            raise PatternError(
                f"{path.name}: {raw['id']}: {c} is not a {raw.get('level')} category"
            )
    if not raw.get("phrases") and not raw.get("patterns") and not raw.get("lemma_phrases"):
        raise PatternError(f"{path.name}: {raw['id']}: no phrases or patterns")
    requires = raw.get("requires") or []
    if isinstance(requires, str):
        requires = [requires]
    return Group(
        id=str(raw["id"]),
        kind=kind,
        level=raw.get("level"),
        categories=categories,
        strength=raw.get("strength", "weak"),
        requires=[str(r).split("|") for r in requires],
        unless=[str(u) for u in raw.get("unless") or []],
        suppresses=[str(s) for s in raw.get("suppresses") or ["all"]],
        overrides_strong=bool(raw.get("overrides_strong", False)),
        why=str(raw["why"]),
        phrases=[str(p) for p in raw.get("phrases") or []],
        lemma_phrases=[str(p) for p in raw.get("lemma_phrases") or []],
        patterns=[str(p) for p in raw.get("patterns") or []],
        source=path.name,
    )


class PatternCompiler:
    """Turns pattern strings into Matcher token lists.

    `analyse(word)` must return the lemmas of the normalised word (one per spaCy token), so pattern
    words go through exactly the same normalisation and lemmatisation as client text.
    """

    def __init__(self, sets: dict[str, list[str]], analyse: Callable[[str], list[tuple[str, str]]]):
        self._analyse = analyse
        self._raw_sets = sets
        self._sets: dict[str, list[str]] = {}

    def _lemmas(self, word: str) -> list[str]:
        return [lemma for _, lemma in self._analyse(word)]

    def _forms(self, word: str) -> list[str]:
        return [form for form, _ in self._analyse(word)]

    def set_lemmas(self, name: str) -> list[str]:
        if name not in self._sets:
            if name not in self._raw_sets:
                raise PatternError(f"unknown set @{name}")
            lemmas: list[str] = []
            for w in self._raw_sets[name]:
                got = self._lemmas(w)
                if len(got) != 1:
                    raise PatternError(f"set @{name}: {w!r} is not one word after normalising")
                lemmas.append(got[0])
            self._sets[name] = sorted(set(lemmas))
        return self._sets[name]

    def _alternatives(self, text: str, exact: bool) -> list[list[str]]:
        """Each alternative as its list of lemmas (or forms); @set members are alternatives too."""
        out = []
        for alt in text.split("|"):
            if not alt:
                raise PatternError(f"empty alternative in {text!r}")
            if alt.startswith("@") and not exact:
                out.extend([lemma] for lemma in self.set_lemmas(alt[1:]))
                continue
            words = alt.replace("+", " ")
            got = self._forms(words) if exact else self._lemmas(words)
            if not got:
                raise PatternError(f"alternative {alt!r} in {text!r} is empty after normalising")
            out.append(got)
        return out

    def compile(self, pattern: str) -> list[list[dict]]:
        """One pattern string -> Matcher token lists (several when an alternative is 2+ words)."""
        variants: list[list[dict]] = [[]]
        items = pattern.split()
        for prev, item in zip(items, items[1:], strict=False):
            _check_split_alternative(prev, item, pattern)
        for item in items:
            options = self._token(item, pattern)
            variants = [v + o for v in variants for o in options]
            if len(variants) > MAX_VARIANTS:
                raise PatternError(f"too many multi-word alternatives in {pattern!r}")
        for tokens in variants:
            if not tokens:
                raise PatternError(f"empty pattern {pattern!r}")
            if tokens[0].get("OP", "").startswith("{") or tokens[-1].get("OP", "").startswith("{"):
                raise PatternError(f"a pattern cannot start or end with a gap: {pattern!r}")
            if all("OP" in t for t in tokens):
                raise PatternError(f"a pattern needs at least one required word: {pattern!r}")
        return variants

    def _token(self, item: str, pattern: str) -> list[list[dict]]:
        """The token specs for one item; several options when alternatives differ in length."""
        if item.startswith("~"):
            try:
                n = int(item[1:])
            except ValueError as exc:
                raise PatternError(f"bad gap {item!r} in {pattern!r}") from exc
            return [[{"LOWER": {"NOT_IN": SENTENCE_END}, "OP": f"{{0,{n}}}"}]]
        optional = item.endswith("?") and len(item) > 1
        if optional:
            item = item[:-1]
        options: list[list[dict]]
        if item == "_":
            options = [[{"LOWER": {"NOT_IN": SENTENCE_END}}]]
        elif item == "$":
            options = [[{"LOWER": {"IN": CLAUSE_END}}]]
        elif len(item) > 2 and item.startswith("/") and item.endswith("/"):
            try:
                re.compile(item[1:-1])
            except re.error as exc:
                raise PatternError(f"bad regex {item!r} in {pattern!r}") from exc
            options = [[{"LOWER": {"REGEX": item[1:-1]}}]]
        elif item.startswith("!"):
            alts = self._alternatives(item[1:], exact=False)
            banned = sorted({w for a in alts for w in a} | set(SENTENCE_END))
            options = [[{"LEMMA": {"NOT_IN": banned}}]]
        else:
            exact = item.startswith("=")
            body = item[1:] if exact else item
            parts = body.split("|")
            regexes = [p for p in parts if p.startswith("/")]
            for rx in regexes:
                if exact or len(rx) < 3 or not rx.endswith("/"):
                    raise PatternError(
                        f"{item!r} in {pattern!r}: a /regex/ among alternatives must be whole "
                        "(no | inside it) and cannot follow ="
                    )
                try:
                    re.compile(rx[1:-1])
                except re.error as exc:
                    raise PatternError(f"bad regex {rx!r} in {pattern!r}") from exc
            clause_end = "$" in parts
            body = "|".join(p for p in parts if p != "$" and p not in regexes)
            alts = self._alternatives(body, exact=exact) if body else []
            attr = "LOWER" if exact else "LEMMA"
            single = sorted({a[0] for a in alts if len(a) == 1})
            options = [[{attr: {"IN": single}}]] if single else []
            options += [[{attr: w} for w in a] for a in alts if len(a) > 1]
            if clause_end:
                options.append([{"LOWER": {"IN": CLAUSE_END}}])
            options += [[{"LOWER": {"REGEX": rx[1:-1]}}] for rx in regexes]
        if optional:
            if any(len(o) != 1 for o in options):
                raise PatternError(f"{item!r} in {pattern!r}: only one word can be optional")
            options = [[dict(o[0], OP="?")] for o in options]
        return options


def _check_split_alternative(prev: str, item: str, pattern: str) -> None:
    """Catch "a|can not+breathe": the space makes two items, (a|can) then (not breathe), so the
    pattern wants "can" and "not breathe" in a row and "a" then "not breathe"; what was meant is
    the one alternative can+not+breathe (round 18 found three such patterns that never matched)."""
    before = prev.split("|")
    if len(before) > 1 and before[-1] in ("can", "do", "will", "did", "does", "is", "was"):
        split = [a for a in item.split("|") if a.startswith("not+")]
        if split:
            raise PatternError(
                f"{prev!r} then {item!r} in {pattern!r}: a space splits items; "
                f"write {before[-1]}+{split[0]} inside one alternative"
            )
