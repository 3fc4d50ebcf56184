"""Tokens and lemmas for matching: a blank English spaCy pipeline with lookup lemmas.

spaCy's trained models cannot be downloaded here, so `spacy.blank("en")` tokenises and the
lookup tables from spacy-lookups-data give lemmas ("sanctioned" -> "sanction").
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# Same-length replacements, so character offsets in the cleaned text are offsets in the original.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"',
        "-": " ", "_": " ", "\u2010": " ", "\u2011": " ", "\u2013": " ", "\u2014": " ",
        "\u00a0": " ",
    }
)


def clean(text: str) -> str:
    """Lower case with quotes straightened and hyphens as spaces; always the same length."""
    mapped = text.translate(_CHAR_MAP)
    lowered = mapped.lower()
    if len(lowered) == len(mapped):
        return lowered
    # A few characters grow when lower-cased ("\u0130"); keep those as they are.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in mapped)


@lru_cache(maxsize=1)
def nlp() -> Language:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("lemmatizer", config={"mode": "lookup"})
    pipeline.initialize()
    return pipeline


def parse(text: str) -> Doc:
    """Tokens with lemmas for already-cleaned text."""
    return nlp()(text)


def make_doc(text: str) -> Doc:
    """Tokens only (no lemmas): cheaper, for LOWER patterns."""
    return nlp().make_doc(text)


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """English words the lemma tables know (about 67,000 forms), and stop words.

    A word in here is spelt right, so fuzzy matching leaves it alone: "suction" is not a typo of
    "section".
    """
    table = nlp().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    words = set(table.keys()) | set(table.values()) | set(nlp().Defaults.stop_words)
    return frozenset(w for w in words if isinstance(w, str))
