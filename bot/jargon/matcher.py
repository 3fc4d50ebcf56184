"""Finding glossary terms in a client's message.

Three layers, all over the cleaned text (lower case, hyphens as spaces):
1. spaCy PhraseMatcher on the words as written and on their lemmas ("sanctions").
2. Guards: an ambiguous name ("pip", "recall", "script") needs a context word from its entry,
   the client asking what it means, or capitals for a short form ("PIP"); a `not_in` phrase
   around it ("can't recall") cancels it.
3. Fuzzy matching (fuzzy.py) for misspellings; a typo match may replace a shorter exact match
   it contains ("probabtion oficer" over "probabtion"), never cut into one.
The longest match wins where matches overlap; each term is reported once, in text order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from bot.jargon import text as T
from bot.jargon.fuzzy import FuzzyIndex
from bot.jargon.glossary import Glossary, GlossaryEntry, clean_name

ASK_WINDOW = 3  # words allowed between "what is" and the term ("what is a pip")
MAX_CAPITALS = 5  # a short form this long written in capitals counts as meant ("PIP")


@dataclass(frozen=True)
class TermMatch:
    term: str
    span: str
    explanation: str
    start: int = field(default=-1, compare=False)  # character offsets in the message
    end: int = field(default=-1, compare=False)
    how: str = field(default="", compare=False)  # "exact", "lemma" or "fuzzy"


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    entry: int
    name: str
    rank: int  # 0 exact, 1 lemma, 2 fuzzy: lower is better

    @property
    def length(self) -> int:
        return self.end - self.start


_HOW = ("exact", "lemma", "fuzzy")


@dataclass
class _Found:
    names: list[_Candidate] = field(default_factory=list)
    context: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    veto: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    ask_ends: set[int] = field(default_factory=set)
    ask_starts: set[int] = field(default_factory=set)
    capitals: set[int] = field(default_factory=set)  # tokens that start a capitalised short form


class JargonMatcher:
    def __init__(self, glossary: Glossary):
        self.glossary = glossary
        self.entries = glossary.entries
        self._keys: dict[int, tuple[str, int, str]] = {}  # match id -> (kind, entry, name)
        self._ambiguous = {(i, n) for i, e in enumerate(self.entries) for n in e.context_names()}
        self._index: dict[str, int] = {}  # cleaned name -> entry
        nlp = T.nlp()
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._veto = Matcher(nlp.vocab)
        names: list[tuple[str, tuple[str, ...], int]] = []
        for i, entry in enumerate(self.entries):
            for name in entry.names:
                cleaned = clean_name(name)
                names.append((cleaned, tuple(t.text for t in T.make_doc(T.clean(cleaned))), i))
                self._index.setdefault(cleaned, i)
                self._add("N", i, cleaned)
            for word in entry.needs_context:
                self._add("C", i, clean_name(word))
            for phrase in entry.not_in:
                self._add_veto(i, clean_name(phrase))
        for phrase in glossary.asking_before:
            self._add("AB", -1, clean_name(phrase))
        for phrase in glossary.asking_after:
            self._add("AA", -1, clean_name(phrase))
        self._fuzzy = FuzzyIndex(names, T.known_words())

    # -- building

    @staticmethod
    def _lemmas(cleaned: str) -> str:
        return " ".join(t.lemma_ for t in T.parse(T.clean(cleaned)))

    def _add(self, kind: str, entry: int, cleaned: str) -> None:
        if not cleaned:
            return
        key = f"{kind}|{entry}|{cleaned}"
        doc = T.parse(T.clean(cleaned))
        match_id = T.nlp().vocab.strings.add(key)
        self._keys[match_id] = (kind, entry, cleaned)
        self._lower.add(key, [doc])
        # Other word forms only from names written in their base form: "sanction" finds
        # "sanctioned", but "sectioned" must not find every "section", nor "been sectioned"
        # every "is section".
        if all(t.lemma_ == t.text for t in doc):
            self._lemma.add(key, [doc])

    def _add_veto(self, entry: int, cleaned: str) -> None:
        """A `not_in` phrase, matched as written; "*" stands for any one word.

        As written, not by lemma: "recall if" must not cancel "getting recalled if".
        """
        if not cleaned:
            return
        key = f"V|{entry}|{cleaned}"
        pattern = [{} if t.text == "*" else {"LOWER": t.text} for t in T.make_doc(T.clean(cleaned))]
        self._keys[T.nlp().vocab.strings.add(key)] = ("V", entry, cleaned)
        self._veto.add(key, [pattern])

    # -- matching

    def _collect(self, doc: Doc, message: str) -> _Found:
        found = _Found(capitals=self._capitals(doc, message))
        for rank, matcher in enumerate((self._lower, self._lemma)):
            for match_id, start, end in matcher(doc):
                kind, entry, name = self._keys[match_id]
                if kind == "N":
                    found.names.append(_Candidate(start, end, entry, name, rank))
                elif kind == "C":
                    found.context[entry].append((start, end))
                elif kind == "AB":
                    found.ask_ends.add(end)
                else:
                    found.ask_starts.add(start)
        for match_id, start, end in self._veto(doc):
            found.veto[self._keys[match_id][1]].append((start, end))
        return found

    def _allowed(self, c: _Candidate, found: _Found) -> bool:
        if any(vs < c.end and c.start < ve for vs, ve in found.veto.get(c.entry, ())):
            return False
        if (c.entry, c.name) not in self._ambiguous:
            return True
        if any(not (c.start <= cs and ce <= c.end) for cs, ce in found.context.get(c.entry, ())):
            return True
        if c.end in found.ask_starts or c.start in found.capitals:
            return True
        return any(0 <= c.start - end <= ASK_WINDOW for end in found.ask_ends)

    @staticmethod
    def _capitals(doc: Doc, message: str) -> set[int]:
        """Tokens written as a short form in capitals ("PIP", "TA"), unless the client is
        writing everything in capitals."""
        letters = [ch for ch in message if ch.isalpha()]
        if not letters or sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
            return set()
        return {
            t.i
            for t in doc
            if 2 <= len(t) <= MAX_CAPITALS and message[t.idx : t.idx + len(t)].isupper()
        }

    @staticmethod
    def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
        """Longest first, then exact before lemma; no token used twice."""
        chosen: list[_Candidate] = []
        taken: set[int] = set()
        for c in sorted(candidates, key=lambda c: (-c.length, c.rank, c.start)):
            tokens = set(range(c.start, c.end))
            if tokens & taken:
                continue
            taken |= tokens
            chosen.append(c)
        return chosen

    @staticmethod
    def _add_fuzzy(chosen: list[_Candidate], fuzzy: list[_Candidate]) -> list[_Candidate]:
        """Add typo matches. One may replace exact matches it wholly contains and extends
        ("probabtion oficer" over "probabtion"), but never cuts into one."""
        for f in sorted(fuzzy, key=lambda c: (-c.length, c.start)):
            inside = [c for c in chosen if c.start < f.end and f.start < c.end]
            if all(f.start <= c.start and c.end <= f.end and c.length < f.length for c in inside):
                chosen = [c for c in chosen if c not in inside] + [f]
        return chosen

    def find(self, message: str) -> list[TermMatch]:
        if not message or not message.strip():
            return []
        doc = T.parse(T.clean(message))
        found = self._collect(doc, message)
        chosen = self._resolve([c for c in found.names if self._allowed(c, found)])
        fuzzy = [_Candidate(h.start, h.end, h.entry, h.name, 2) for h in self._fuzzy.search(doc)]
        chosen = self._add_fuzzy(chosen, [c for c in fuzzy if self._allowed(c, found)])
        out: list[TermMatch] = []
        seen: set[int] = set()
        for c in sorted(chosen, key=lambda c: c.start):
            if c.entry in seen:
                continue
            seen.add(c.entry)
            entry = self.entries[c.entry]
            start = doc[c.start].idx
            end = doc[c.end - 1].idx + len(doc[c.end - 1].text)
            out.append(
                TermMatch(
                    entry.term, message[start:end], entry.explanation, start, end, _HOW[c.rank]
                )
            )
        return out

    # -- looking one term up

    def lookup(self, query: str) -> GlossaryEntry | None:
        """The entry for a name or alias: exact, other word forms, a typo, or a term in a phrase."""
        cleaned = clean_name(T.clean(query)).strip(" ?!.,;:'\"")
        for article in ("a ", "an ", "the "):
            if cleaned.startswith(article):
                cleaned = cleaned[len(article) :]
        if not cleaned:
            return None
        # The query's lemmas against the names: "sanctions" finds "sanction", but "section"
        # does not find "sectioned".
        for key in (cleaned, self._lemmas(cleaned)):
            if key in self._index:
                return self.entries[self._index[key]]
        doc = T.parse(cleaned)
        whole = [h for h in self._fuzzy.search(doc) if h.start == 0 and h.end == len(doc)]
        if whole:
            return self.entries[min(whole, key=lambda h: h.edits).entry]
        matches = self.find(query)
        return self.glossary.by_term()[matches[0].term] if matches else None
