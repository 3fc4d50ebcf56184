"""Tokens and lemmas for matching: a blank English spaCy pipeline with lookup lemmas.

spaCy's trained models cannot be downloaded here, so `spacy.blank("en")` tokenises and the
lookup tables from spacy-lookups-data give lemmas ("sanctioned" -> "sanction").
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
import spacy_lookups_data
import srsly
from spacy.language import Language
from spacy.tokens import Doc

# Same-length replacements, so character offsets in the cleaned text are offsets in the original.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "-": " ",
        "_": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2013": " ",
        "\u2014": " ",
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


def _lookup_data(name: str) -> object:
    """One English table from spacy-lookups-data, with its words as strings (spaCy's own
    Table keeps only hashes of its keys)."""
    path = Path(str(spacy_lookups_data.en[name]))
    gz = path.with_name(path.name + ".gz")
    return srsly.read_gzip_json(gz) if gz.exists() else srsly.read_json(path)


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Correctly spelt English words: WordNet lemmas, their inflections and stop words
    (about 120,000). Fuzzy matching leaves these alone: "suction" is not a typo of "section".
    """
    lookup = _lookup_data("lemma_lookup")
    index = _lookup_data("lemma_index")
    words: set[str] = set(nlp().Defaults.stop_words)
    if isinstance(lookup, dict):
        words.update(lookup)
        words.update(v for v in lookup.values() if isinstance(v, str))
    if isinstance(index, dict):
        for group in index.values():
            words.update(w for w in group if isinstance(w, str))
    return frozenset(words)
