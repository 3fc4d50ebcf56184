"""Finding misspelt glossary names ("methodone", "tempory accomodation") with edit distance.

Guards against everyday words, word by word:
- a run of words is only compared if it holds a word the English tables do not know
  (so "suction" never becomes "section");
- each word must be spelt as in the name or be an unknown word close to it ("police said" is
  not "police bail": "said" is a real word), and short words must be exact;
- the first letter must agree, and names under 6 letters are never matched fuzzily.
Words run together or split ("universalcredit") match only when nearly exact.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz.distance import OSA
from spacy.tokens import Doc

MIN_LENGTH = 6  # names shorter than this (without spaces) are matched exactly only
MIN_UNKNOWN = 3  # an unknown word shorter than this is text-speak, not a typo of a term
MAX_EDITS = 3


def max_edits(length: int) -> int:
    """Typos allowed in a name, or in one word of it, of this many letters."""
    if length < 5:
        return 0
    if length <= 8:
        return 1
    if length <= 14:
        return 2
    return MAX_EDITS


@dataclass(frozen=True)
class FuzzyHit:
    start: int  # token index
    end: int  # token index, exclusive
    entry: int
    name: str
    edits: int


@dataclass(frozen=True)
class _Name:
    squashed: str
    words: tuple[str, ...]
    entry: int
    name: str
    edits: int


class FuzzyIndex:
    def __init__(self, names: list[tuple[str, tuple[str, ...], int]], known: frozenset[str]):
        """names: (cleaned name, its tokens, entry index); known: correctly spelt words."""
        self._known = known
        # Names by first letter and length: a typo changes the length by at most MAX_EDITS.
        self._buckets: dict[tuple[str, int], list[_Name]] = defaultdict(list)
        self.max_tokens = 1
        for name, words, entry in names:
            squashed = "".join(words)
            edits = max_edits(len(squashed)) if len(squashed) >= MIN_LENGTH else 0
            if edits:
                self._buckets[squashed[0], len(squashed)].append(
                    _Name(squashed, words, entry, name, edits)
                )
                self.max_tokens = max(self.max_tokens, len(words) + 1)

    def unknown(self, word: str) -> bool:
        return word.isalpha() and len(word) >= MIN_UNKNOWN and word not in self._known

    def search(self, doc: Doc) -> list[FuzzyHit]:
        """The closest name for each run of words that holds an unknown word."""
        hits: list[FuzzyHit] = []
        texts = [t.text for t in doc]
        wordy = [any(c.isalnum() for c in t) for t in texts]
        unknown = [self.unknown(t) for t in texts]
        for start in range(len(doc)):
            if not wordy[start]:
                continue
            for end in range(start + 1, min(len(doc), start + self.max_tokens) + 1):
                if not wordy[end - 1]:
                    break
                if any(unknown[start:end]):
                    hit = self._best(texts[start:end], unknown[start:end], start)
                    if hit:
                        hits.append(hit)
        return hits

    def _best(self, words: list[str], unknown: list[bool], start: int) -> FuzzyHit | None:
        text = "".join(words)
        best: FuzzyHit | None = None
        candidates = (
            n
            for length in range(len(text) - MAX_EDITS, len(text) + MAX_EDITS + 1)
            for n in self._buckets.get((text[0], length), ())
            if abs(length - len(text)) <= n.edits
        )
        for n in candidates:
            d = OSA.distance(text, n.squashed, score_cutoff=n.edits)
            if d > n.edits or (best is not None and d >= best.edits):
                continue
            if len(n.words) == len(words):
                if not all(
                    w == nw or (u and OSA.distance(w, nw) <= max_edits(len(nw)))
                    for w, u, nw in zip(words, unknown, n.words, strict=True)
                ):
                    continue
            elif d > 1 or not all(u or w in n.words for w, u in zip(words, unknown, strict=True)):
                # Words run together or split: nearly exact, and no stray real words.
                continue
            best = FuzzyHit(start, start + len(words), n.entry, n.name, d)
        return best
