"""Jargon: find glossary terms in a client's message and explain them (data/glossary.yml).

from bot.jargon import find_terms, explain, TermMatch
find_terms("they said im not priority need??")  # [TermMatch(term="priority need", ...)]
explain("pip")  # the GlossaryEntry for "personal independence payment", or None
"""

from __future__ import annotations

from functools import lru_cache

from bot.jargon.glossary import Glossary, GlossaryEntry, check_glossary, load_glossary
from bot.jargon.matcher import JargonMatcher, TermMatch

__all__ = [
    "Glossary",
    "GlossaryEntry",
    "JargonMatcher",
    "TermMatch",
    "check_glossary",
    "explain",
    "find_terms",
    "get_matcher",
    "load_glossary",
]


@lru_cache(maxsize=1)
def get_matcher() -> JargonMatcher:
    """The matcher for data/glossary.yml, built once (about a second) and then reused."""
    return JargonMatcher(load_glossary())


def find_terms(text: str) -> list[TermMatch]:
    """Glossary terms in the text, each once, in the order they appear."""
    return get_matcher().find(text)


def explain(query: str) -> GlossaryEntry | None:
    """The glossary entry for a term, an alias or a misspelling of one (any case), or None."""
    return get_matcher().lookup(query)
