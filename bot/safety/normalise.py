"""Layer 1: turn a client's text into plain lower-case words the patterns can match.

Handles case, odd characters, repeated letters ("pleeeease"), text-speak and common misspellings
("kms", "wanna", "cant"). The tables live in data/safety/normalise.yml. Every character of the
output remembers which characters of the original it came from, so evidence can be shown to a
navigator exactly as the client wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .segment import Segmenter

# Characters that carry meaning in a word or a sentence; everything else becomes a space.
_KEEP_PUNCT = ".,!?;:'"
_CLAUSE_END = {".", ",", "!", "?", ";", ":"}
# ASCII characters that are neither letters, digits nor kept punctuation become spaces.
# "-" is kept so "-2" can be read as "minus 2"; elsewhere it separates words like a space.
_KEEP_CHARS = _KEEP_PUNCT + "-"
_ASCII_TABLE = {i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) in _KEEP_CHARS)}
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*'?|[.,!?;:]|(?<![^\W_])-(?=\d)")
_RUN_RE = re.compile(r"([a-z])\1{2,}")
_MAX_RUNS = 4  # more runs than this in one word: do not try every squash, take the shortest
# Text-speak keys ("hes", "im", "bf") as pieces of run-together words: as cheap as a fairly
# common word, so "hescollapsed" splits as "hes collapsed".
_TEXT_SPEAK_COST = 12.0


@dataclass
class Normalised:
    """Normalised text, and for each of its characters the span of the original it came from."""

    original: str
    text: str
    origin: list[tuple[int, int]]

    def source(self, start: int, end: int) -> str:
        """The original text behind normalised characters [start, end), as the client wrote it."""
        if not self.text or start >= end:
            return ""
        start = max(0, min(start, len(self.origin) - 1))
        end = max(start + 1, min(end, len(self.origin)))
        a = self.origin[start][0]
        b = self.origin[end - 1][1]
        return self.original[a:b].strip()


@dataclass
class _Word:
    text: str
    start: int
    end: int


class Normaliser:
    """Applies the tables from normalise.yml. `is_word` tells real English words from noise."""

    def __init__(self, config: dict, is_word: Callable[[str], bool]):
        self.chars: dict[str, str] = {
            str(k): str(v) for k, v in (config.get("chars") or {}).items()
        }
        self.words: dict[str, str] = {
            str(k).lower(): str(v).lower() for k, v in (config.get("words") or {}).items()
        }
        phrases = {str(k).lower(): str(v).lower() for k, v in (config.get("phrases") or {}).items()}
        self.phrases: dict[tuple[str, ...], str] = {tuple(k.split()): v for k, v in phrases.items()}
        self.max_phrase = max((len(k) for k in self.phrases), default=1)
        self._phrase_starts = {k[0] for k in self.phrases}
        self.contextual: list[dict] = []
        for rule in config.get("contextual") or []:
            self.contextual.append(
                {
                    "word": str(rule["word"]).lower(),
                    "to": str(rule["to"]).lower(),
                    "next": {str(w).lower() for w in rule.get("when_next") or []},
                    "prev": {str(w).lower() for w in rule.get("when_prev") or []},
                }
            )
        self.leet: dict[str, str] = {str(k): str(v) for k, v in (config.get("leet") or {}).items()}
        extra = {str(w).lower() for w in config.get("extra_vocabulary") or []}
        known = extra | set(self.words.values()) | set(phrases.values())
        known = {w for value in known for w in value.split()}
        self._is_word = is_word
        self._known = known
        self.restore_g = bool(config.get("restore_dropped_g", True))
        self._keep_whole: set[str] = set()
        self.segmenter = Segmenter.from_config(
            config.get("run_together") or {},
            {k: _TEXT_SPEAK_COST for k in self.words if k.isalpha() and k.isascii()},
        )

    # -- characters -------------------------------------------------------------------------

    def _clean_chars(self, text: str) -> tuple[str, list[int]]:
        """Lower-case, fold accents and fancy punctuation; map every output char to its source."""
        if text.isascii() and not any(ch in self.chars for ch in text):
            # The common case: one output character per input character.
            return text.lower().translate(_ASCII_TABLE), list(range(len(text)))
        out: list[str] = []
        src: list[int] = []
        for i, ch in enumerate(text):
            if ch in self.chars:
                repl = self.chars[ch]
            elif ch.isascii():
                repl = ch.lower() if (ch.isalnum() or ch in _KEEP_CHARS) else " "
            else:
                parts = []
                for d in unicodedata.normalize("NFKD", ch):
                    if unicodedata.category(d) == "Mn":
                        continue
                    if d.isalnum() or d in _KEEP_PUNCT:
                        parts.append(d.lower())
                    elif d.isascii() and not d.isspace():
                        parts.append(" ")
                repl = "".join(parts) or " "
            for r in repl:
                out.append(r)
                src.append(i)
        return "".join(out), src

    # -- words ------------------------------------------------------------------------------

    def keep_whole(self, words: set[str]) -> None:
        """Words never to split as run-together text (the words the pattern lists name)."""
        self._keep_whole = self._keep_whole | {w.lower() for w in words}

    def is_word(self, word: str) -> bool:
        return word in self._known or self._is_word(word)

    def squash(self, word: str) -> str:
        """Shorten runs of 3+ identical letters to the spelling that is a real word."""
        runs = list(_RUN_RE.finditer(word))
        if not runs:
            return word
        if len(runs) > _MAX_RUNS:
            return _RUN_RE.sub(r"\1", word)
        candidates = [""]
        pos = 0
        for m in runs:
            head = word[pos : m.start()]
            letter = m.group(1)
            candidates = [c + head + letter * n for c in candidates for n in (2, 1)]
            pos = m.end()
        candidates = [c + word[pos:] for c in candidates]
        for cand in candidates:
            if self.is_word(cand) or cand in self.words:
                return cand
        return candidates[-1]

    def _deleet(self, word: str) -> str:
        if not self.leet or word.isalpha() or word.isdigit() or not any(c.isalpha() for c in word):
            return word
        cand = "".join(self.leet.get(c, c) for c in word)
        return cand if cand.isalpha() and self.is_word(cand) else word

    def _fix_word(self, word: str) -> str:
        if word in self.words:
            return self.words[word]
        squashed = self.squash(word)
        if squashed in self.words:
            return self.words[squashed]
        if squashed != word:
            return squashed
        fixed = self._deleet(word)
        if fixed != word:
            return self.words.get(fixed, fixed)
        if (
            self.restore_g
            and len(word) > 3
            and word.endswith("in")
            and not self.is_word(word)
            and self.is_word(word + "g")
        ):
            return word + "g"
        return word

    def _apply_phrases(self, words: list[_Word]) -> list[_Word]:
        if not self.phrases:
            return words
        out: list[_Word] = []
        i = 0
        while i < len(words):
            if words[i].text not in self._phrase_starts:
                out.append(words[i])
                i += 1
                continue
            for n in range(min(self.max_phrase, len(words) - i), 1, -1):
                key = tuple(w.text for w in words[i : i + n])
                if key in self.phrases:
                    out.append(_Word(self.phrases[key], words[i].start, words[i + n - 1].end))
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def _split_run_together(
        self, words: list[_Word], original: str, segmenter: Segmenter
    ) -> list[_Word]:
        """ "hescollapsed" -> "he is collapsed"; each piece keeps the whole token as its origin."""
        out: list[_Word] = []
        for w in words:
            t = w.text
            if (
                " " in t
                or t in _KEEP_PUNCT
                or self.is_word(t)
                or t in self._keep_whole
                or original[w.start : w.end].istitle()  # a name: "Kingstanding", "Imran"
            ):
                out.append(w)
                continue
            pieces = segmenter.split(t)
            if not pieces:
                out.append(w)
                continue
            out.extend(_Word(self._fix_word(p), w.start, w.end) for p in pieces)
        return out

    def _apply_context(self, words: list[_Word]) -> list[_Word]:
        if not self.contextual:
            return words
        for i, w in enumerate(words):
            for rule in self.contextual:
                if w.text != rule["word"]:
                    continue
                nxt = words[i + 1].text.split()[0] if i + 1 < len(words) else ""
                prv = words[i - 1].text.split()[-1] if i > 0 else "."
                if (rule["next"] and nxt in rule["next"]) or (rule["prev"] and prv in rule["prev"]):
                    w.text = rule["to"]
                    break
        return words

    def __call__(self, text: str, close: bool = True) -> Normalised:
        """Normalise `text`; with `close`, make sure it ends with a clause mark."""
        cleaned, src = self._clean_chars(text)
        words = [
            _Word(m.group(0).strip("'"), src[m.start()], src[m.end() - 1] + 1)
            for m in _TOKEN_RE.finditer(cleaned)
        ]
        words = [w for w in words if w.text]
        for w in words:
            if w.text == "-":
                w.text = "minus"  # only a "-" right before a number is a token: "-2" is "minus 2"
            elif w.text not in _KEEP_PUNCT:
                w.text = self.squash(w.text)
        words = self._apply_phrases(words)
        for w in words:
            if w.text not in _KEEP_PUNCT:
                w.text = self._fix_word(w.text)
        if self.segmenter:
            words = self._split_run_together(words, text, self.segmenter)
        words = self._apply_phrases(words)
        words = self._apply_context(words)
        parts: list[str] = []
        origin: list[tuple[int, int]] = []
        for w in words:
            if not w.text.strip():
                continue  # a table may map noise to nothing
            if parts:
                parts.append(" ")
                origin.append((w.start, w.start))
            parts.append(w.text)
            origin.extend([(w.start, w.end)] * len(w.text))
        if close and parts and parts[-1] not in _CLAUSE_END:
            # Every text ends a clause, so a pattern can say "at the end" ($ in patterns).
            parts.append(" .")
            origin.extend([(len(text), len(text))] * 2)
        return Normalised(original=text, text="".join(parts), origin=origin)
