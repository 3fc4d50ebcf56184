"""What the reminder is about: the message less the request, the time words and small words.

"remind me about probation on tuesday at half 10" -> "probation". The words kept are the
client's own, as written (case too), so the assistant can read them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.reminders.lexicon import B, E, Lexicon, alternation, load

PUNCT = r"[\s,.;:!?\-()\"]"


@dataclass(frozen=True)
class WhatPatterns:
    request: re.Pattern[str]  # "can u remind me" at the start of the message
    inner_request: re.Pattern[str]  # the same, of two words or more, once time words are gone
    end_request: re.Pattern[str]  # "... can you remind me pls" at the end
    time_lead: re.Pattern[str]  # "on", "at", "in the" just before a time span
    lead: re.Pattern[str]  # small words at the start
    tail: re.Pattern[str]  # small words at the end


@lru_cache(maxsize=1)
def _patterns() -> WhatPatterns:
    lex: Lexicon = load()
    greetings = f"(?:{lex.alt('greetings')}{E}{PUNCT}+)*"
    asking = f"(?:{lex.alt('asking')}{E}[\\s,]+)*"
    requests = alternation(lex.raw["requests"])
    # Later in the text ("in an hour remind me to ..."), only a request of two words or more:
    # a lone "text" there is more likely the thing to do ("to text my mum").
    long_requests = alternation([r for r in lex.raw["requests"] if " " in r])
    starts = alternation(lex.raw["lead_words"] + lex.raw["statement_starts"])
    flags = re.IGNORECASE
    return WhatPatterns(
        request=re.compile(f"^{PUNCT}*{greetings}{asking}{requests}{E}", flags),
        inner_request=re.compile(f"^{PUNCT}*{greetings}{asking}{long_requests}{E}", flags),
        end_request=re.compile(f"{PUNCT}*{B}{asking}{long_requests}{E}{PUNCT}*$", flags),
        time_lead=re.compile(f"(?:^|(?<=[\\s,])){lex.alt('time_lead_words')}\\s*$", flags),
        lead=re.compile(f"^{PUNCT}*{starts}{E}{PUNCT}*", flags),
        tail=re.compile(f"{PUNCT}*{B}{lex.alt('tail_words')}{PUNCT}*$", flags),
    )


def request_span(text: str) -> tuple[int, int] | None:
    """The span of "can u remind me" and the like at the start of the (normalised) text."""
    match = _patterns().request.match(text)
    return match.span() if match else None


def widen(text: str, start: int) -> int:
    """Move a time span's start left over words that belong to it ("on", "at", "in the")."""
    time_lead = _patterns().time_lead
    while True:
        match = time_lead.search(text, 0, start)
        if not match or match.start() == start:
            return start
        start = match.start()


def clean_what(original: str, removed: list[tuple[int, int]]) -> str:
    """The original text less the removed spans, tidied at the joins and the ends."""
    p = _patterns()
    keep = [True] * len(original)
    for start, end in removed:
        for i in range(start, end):
            keep[i] = False
    pieces, current = [], []
    for ch, kept in zip(original, keep, strict=True):
        if kept:
            current.append(ch)
        elif current:
            pieces.append("".join(current))
            current = []
    pieces.append("".join(current))
    text = " ".join(p.strip() for p in pieces if p.strip())
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:[\s,;:]*[,;:])+", r"\1", text)
    previous = None
    while previous != text:
        previous = text
        for pattern in (p.inner_request, p.lead, p.tail, p.end_request):
            text = pattern.sub("", text, count=1)
    return text.strip(" ,.;:!?-")
