"""Layer 2: spaCy Matcher and PhraseMatcher over lemmas, with cues and guards.

A *signal* group says "this is crisis/trauma of category X". A *cue* group is never a signal by
itself; signals may require a cue somewhere in the message (rough sleeping needs cold or illness
to be a crisis) or be cancelled by one. A *guard* group marks idioms, hyperbole and service
questions: a weak signal whose words overlap a guard's words is dropped. Strong signals (plain
statements like "kill myself") are only dropped by guards marked `overrides_strong`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .anchored import AnchoredMatcher
from .normalise import Normaliser
from .patterns import Group, PatternCompiler, load_groups


@dataclass
class Hit:
    group: Group
    start: int  # token index
    end: int


@dataclass
class RuleOutcome:
    hits: list[Hit]  # surviving signals
    evidence_spans: list[tuple[int, int]]  # token spans of signals and the cues they needed
    guard_spans: list[tuple[int, int]] = field(default_factory=list)  # idioms, service questions


class _LemmaFixes:
    """Corrects the few lookup-table lemmas that would hide a signal ("dying" -> "dye")."""

    def __init__(self, fixes: dict[str, str]):
        self.fixes = {str(k).lower(): str(v).lower() for k, v in fixes.items()}

    def __call__(self, doc: Doc) -> Doc:
        for tok in doc:
            fixed = self.fixes.get(tok.lower_)
            if fixed is not None:
                tok.lemma_ = fixed
            elif tok.lemma_ != tok.lemma_.lower():
                tok.lemma_ = tok.lemma_.lower()
        return doc


@Language.factory("safety_lemma_fixes", default_config={"fixes": {}})
def _make_lemma_fixes(nlp, name, fixes):  # untyped: spaCy's config check cannot read str hints
    return _LemmaFixes(fixes)


def build_nlp(lemma_fixes: dict[str, str]) -> Language:
    """spacy.blank("en") with the lookup lemmatiser from spacy-lookups-data (works offline)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("safety_lemma_fixes", config={"fixes": dict(lemma_fixes)}, last=True)
    nlp.initialize()
    return nlp


_LIST_WORD = re.compile(r"[a-z]+")


def _list_words(groups: list[Group], sets: dict[str, list[str]]) -> set[str]:
    """Every plain word written in the pattern files, lower case."""
    texts = [w for members in sets.values() for w in members]
    for g in groups:
        texts.extend(g.patterns)
        texts.extend(g.phrases)
        texts.extend(g.lemma_phrases)
    return {w for t in texts for w in _LIST_WORD.findall(str(t).lower())}


class RuleEngine:
    """Compiles the groups once; `run(doc)` is then cheap."""

    def __init__(
        self,
        nlp: Language,
        normaliser: Normaliser,
        pattern_files: list[Path],
        validate: bool = False,
    ):
        """`validate` makes spaCy check every compiled pattern (slow; the tests turn it on)."""
        self.nlp = nlp
        self.normaliser = normaliser
        self.groups, sets = load_groups(pattern_files)
        self.by_key: dict[int, Group] = {}
        self._analysed: dict[str, list[tuple[str, str]]] = {}
        self.matcher = AnchoredMatcher(nlp.vocab, validate=validate)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma_phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        # Words the lists name ("lyrica", "nitazene") are never split as run-together words.
        normaliser.keep_whole(_list_words(self.groups, sets))
        compiler = PatternCompiler(sets, self.analyse)
        for g in self.groups:
            key = nlp.vocab.strings.add(g.id)
            self.by_key[key] = g
            if g.patterns:
                for p in g.patterns:
                    for tokens in compiler.compile(p):
                        self.matcher.add(g.id, tokens)
            if g.phrases:
                self.phrases.add(g.id, [self.doc(p) for p in g.phrases])
            if g.lemma_phrases:
                self.lemma_phrases.add(g.id, [self.doc(p) for p in g.lemma_phrases])

    def doc(self, text: str) -> Doc:
        """A pattern word or phrase, normalised like client text (without the closing mark)."""
        return self.nlp(self.normaliser(text, close=False).text)

    def analyse(self, word: str) -> list[tuple[str, str]]:
        """(form, lemma) of each token of a normalised pattern word; cached while compiling."""
        if word not in self._analysed:
            self._analysed[word] = [(t.lower_, t.lemma_) for t in self.doc(word)]
        return self._analysed[word]

    def run(self, doc: Doc) -> RuleOutcome:
        found: list[Hit] = []
        matches = [*self.matcher(doc), *self.phrases(doc), *self.lemma_phrases(doc)]
        for key, start, end in matches:
            found.append(Hit(self.by_key[key], start, end))
        if not found:
            return RuleOutcome([], [])
        cues: dict[str, list[Hit]] = {}
        guards: list[Hit] = []
        signals: list[Hit] = []
        for h in found:
            if h.group.kind == "cue":
                cues.setdefault(h.group.id, []).append(h)
            elif h.group.kind == "guard":
                guards.append(h)
            else:
                signals.append(h)
        kept: list[Hit] = []
        spans: list[tuple[int, int]] = []
        for s in signals:
            if any(u in cues for u in s.group.unless):
                continue
            needed: list[Hit] = []
            ok = True
            for alternatives in s.group.requires:
                present = [c for a in alternatives for c in cues.get(a, [])]
                if not present:
                    ok = False
                    break
                needed.extend(present)
            if not ok or self._guarded(s, guards):
                continue
            kept.append(s)
            spans.append((s.start, s.end))
            spans.extend((c.start, c.end) for c in needed)
        return RuleOutcome(kept, spans, [(g.start, g.end) for g in guards])

    @staticmethod
    def _guarded(signal: Hit, guards: list[Hit]) -> bool:
        g = signal.group
        for guard in guards:
            if guard.end <= signal.start or signal.end <= guard.start:
                continue
            if g.strength == "strong" and not guard.group.overrides_strong:
                continue
            scope = guard.group.suppresses
            if "all" in scope or g.level in scope or any(c in scope for c in g.categories):
                return True
        return False
