"""Split a long text into as few parts as possible, cutting where the meaning allows.

The number of parts is minimised first (each part costs: an SMS segment, a Telegram message);
among the splits with that fewest number, cuts at the ends of sentences are preferred, then
after commas, then between words. A word longer than a part (a long link) is cut inside.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A cut after a sentence costs nothing; elsewhere it costs more. The sum is minimised.
CUT_SENTENCE = 0
CUT_CLAUSE = 2
CUT_WORD = 5
CUT_INSIDE_WORD = 50

_SENTENCE_END = re.compile(r"[.!?]['\")\]]*$")
_CLAUSE_END = re.compile(r"[,;:]$|^-$")

Measure = Callable[[str], int]


def _cut_cost(word: str, next_gap: str) -> int:
    if "\n" in next_gap or _SENTENCE_END.search(word):
        return CUT_SENTENCE
    if _CLAUSE_END.search(word):
        return CUT_CLAUSE
    return CUT_WORD


def _pieces(text: str, limit: int, measure: Measure) -> list[tuple[str, str, int]]:
    """(piece, whitespace before it, cost of a cut after it): words, and the letters of any
    word too long for one part."""
    raw = [(m.group(2), m.group(1)) for m in re.finditer(r"(\s*)(\S+)", text)]
    pieces = []
    for index, (word, gap) in enumerate(raw):
        next_gap = raw[index + 1][1] if index + 1 < len(raw) else ""
        cost = _cut_cost(word, next_gap)
        if measure(word) <= limit:
            pieces.append((word, gap, cost))
            continue
        for number, char in enumerate(word):
            last = number == len(word) - 1
            pieces.append((char, gap if number == 0 else "", cost if last else CUT_INSIDE_WORD))
    return pieces


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Parts of `text`, each with measure(part) <= limit, as few as possible, cut kindly.

    `measure` must add up over concatenation (len, GSM-7 septets, UTF-16 units). Whitespace
    inside a part is kept (line breaks stay); whitespace at a cut is dropped.
    """
    text = text.strip()
    if not text:
        return []
    if measure(text) <= limit:
        return [text]
    pieces = _pieces(text, limit, measure)
    sizes = [(measure(gap), measure(piece)) for piece, gap, _ in pieces]
    n = len(pieces)
    infinity = (n + 1, 0)
    # best[i]: (parts, cut cost) to lay out pieces[:i]; start[i]: where its last part begins.
    best: list[tuple[int, int]] = [(0, 0)] + [infinity] * n
    start = [0] * (n + 1)
    for begin in range(n):
        if best[begin] == infinity:
            continue
        length = 0
        for end in range(begin, n):
            gap_size, size = sizes[end]
            length += size if end == begin else gap_size + size
            if length > limit:
                break
            cut = 0 if end == n - 1 else pieces[end][2]
            candidate = (best[begin][0] + 1, best[begin][1] + cut)
            if candidate <= best[end + 1]:  # on a tie, fuller earlier parts
                best[end + 1] = candidate
                start[end + 1] = begin
    parts: list[str] = []
    end = n
    while end > 0:
        begin = start[end]
        chunk = pieces[begin][0] + "".join(gap + p for p, gap, _ in pieces[begin + 1 : end])
        parts.append(chunk)
        end = begin
    return list(reversed(parts))


def fit_prefix(text: str, fits: Callable[[str], bool]) -> str:
    """The longest run of whole words from the start of `text` for which `fits` holds."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    low, high = 0, len(ends)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[: ends[middle - 1]]):
            low = middle
        else:
            high = middle - 1
    return text[: ends[low - 1]] if low else ""


def split_sentences(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Parts of whole sentences (a sentence longer than a part is split by split_text).

    For long limits (Telegram's 4,096 characters), where the number of parts matters less
    than reading well, and where split_text's search over every word would be slow.
    """
    text = text.strip()
    if not text or measure(text) <= limit:
        return [text] if text else []
    units: list[tuple[str, str]] = []  # (sentence or piece of one, whitespace before it)
    for match in re.finditer(r"(\s*)(.+?(?:[.!?]['\")\]]*(?=\s)|$))", text, flags=re.S):
        gap, sentence = match.group(1), match.group(2)
        if not sentence:
            continue
        pieces = split_text(sentence, limit, measure)
        units += [(piece, gap if index == 0 else " ") for index, piece in enumerate(pieces)]
    parts: list[str] = []
    current = ""
    for unit, gap in units:
        if current and measure(current + gap + unit) <= limit:
            current += gap + unit
            continue
        if current:
            parts.append(current)
        current = unit
    if current:
        parts.append(current)
    return parts
