"""A Matcher that only tries a pattern on texts containing every word the pattern needs.

One spaCy Matcher holding all ~800 patterns costs ~10 ms a message: every token starts a
partial match for every pattern whose first token is common, and gaps multiply them. Here each
pattern has its own small Matcher, indexed by one of its required words; a message only runs the
patterns whose required words it contains, which is usually a handful. Which patterns those are
is worked out with set operations on word hashes, not by testing each pattern's words in turn.
"""

from __future__ import annotations

from spacy.attrs import LEMMA, LOWER
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

_ATTRS = ("LEMMA", "LOWER")


def required_word_sets(pattern: list[dict]) -> list[frozenset[str]]:
    """For each token the pattern must match, the words it accepts (when that set is finite)."""
    out = []
    for token in pattern:
        if "OP" in token:
            continue  # optional or a gap
        for attr in _ATTRS:
            value = token.get(attr)
            if isinstance(value, str):
                out.append(frozenset([value]))
            elif isinstance(value, dict) and "IN" in value:
                out.append(frozenset(value["IN"]))
    return out


def _anchor(sets: list[frozenset[str]]) -> frozenset[str]:
    # Fewest alternatives first, then the longest words (long words are rarer words).
    return min(sets, key=lambda s: (len(s), -sum(len(w) for w in s) / len(s)))


class AnchoredMatcher:
    def __init__(self, vocab: Vocab, validate: bool = False):
        self.vocab = vocab
        self.validate = validate
        # Each pattern: the ids of the word sets it needs (one set per required token), and its
        # Matcher. A message satisfies a word set when it contains any of the set's words.
        self._entries: list[tuple[frozenset[int], Matcher]] = []
        self._set_ids: dict[frozenset[int], int] = {}
        self._sets_of_word: dict[int, list[int]] = {}  # word hash -> ids of sets holding it
        self._index: dict[int, list[int]] = {}  # anchor word hash -> patterns anchored on it
        self._always: list[int] = []

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, key: str, pattern: list[dict]) -> None:
        matcher = Matcher(self.vocab, validate=self.validate)
        matcher.add(key, [pattern])
        words = required_word_sets(pattern)
        anchor = _anchor(words) if words else frozenset()
        required = frozenset(self._set_id(s) for s in words)
        idx = len(self._entries)
        self._entries.append((required, matcher))
        if not required:
            self._always.append(idx)
            return
        for word in anchor:
            self._index.setdefault(self.vocab.strings.add(word), []).append(idx)

    def _set_id(self, words: frozenset[str]) -> int:
        # Words are compared as spaCy string hashes: the doc gives those without Python objects.
        hashes = frozenset(self.vocab.strings.add(w) for w in words)
        if hashes not in self._set_ids:
            set_id = self._set_ids[hashes] = len(self._set_ids)
            for word in hashes:
                self._sets_of_word.setdefault(word, []).append(set_id)
        return self._set_ids[hashes]

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        satisfied: set[int] = set()
        candidates = set(self._always)
        for word in set(doc.to_array([LEMMA, LOWER]).ravel().tolist()):
            sets = self._sets_of_word.get(word)
            if sets:
                satisfied.update(sets)
                candidates.update(self._index.get(word, ()))
        found: list[tuple[int, int, int]] = []
        for idx in sorted(candidates):
            required, matcher = self._entries[idx]
            if required <= satisfied:
                # allow_missing: the pipeline always has a lemmatizer, so skip spaCy's per-call
                # check of the whole doc for lemmas.
                found.extend(matcher(doc, allow_missing=True))
        return found
