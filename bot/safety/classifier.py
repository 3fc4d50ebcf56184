"""Layer 3: a small spaCy text classifier trained on the project's own labelled messages.

Bag-of-words (unigrams and bigrams of the lemmas of the normalised text), multi-label: one label
for "crisis", one for "flagged" (crisis or trauma) and one per category seen often enough in
training. It only ever raises a level the rules found; the thresholds come from cross-validation
on the train split (bot/safety/model.py).
"""

from __future__ import annotations

import random
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from .result import CATEGORY_LEVEL

CRISIS = "LEVEL_crisis"
FLAG = "LEVEL_flag"
CAT_PREFIX = "CAT_"
MIN_CATEGORY_EXAMPLES = 4

_MODEL_CONFIG = {
    "threshold": 0.5,
    "model": {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": False,
        "ngram_size": 2,
        "no_output_layer": False,
        "length": 8192,
    },
}


def labels_for(row: dict) -> dict[str, float]:
    """The classifier's targets for one labelled row (categories limited to known ones)."""
    level = row.get("level", "none")
    cats = {CRISIS: float(level == "crisis"), FLAG: float(level in ("crisis", "trauma"))}
    for c in row.get("categories") or []:
        if c in CATEGORY_LEVEL:
            cats[CAT_PREFIX + c] = 1.0
    return cats


def category_labels(rows: list[dict]) -> list[str]:
    counts: dict[str, int] = {}
    for r in rows:
        for c in r.get("categories") or []:
            if c in CATEGORY_LEVEL:
                counts[c] = counts.get(c, 0) + 1
    return sorted(CAT_PREFIX + c for c, n in counts.items() if n >= MIN_CATEGORY_EXAMPLES)


def train(
    texts: list[str], rows: list[dict], epochs: int = 6, seed: int = 0, learn_rate: float = 0.005
) -> Language:
    """Train a fresh pipeline on normalised texts; a few seconds for a thousand lines."""
    fix_random_seed(seed)
    labels = [CRISIS, FLAG, *category_labels(rows)]
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config=_MODEL_CONFIG)
    for label in labels:
        textcat.add_label(label)
    examples = []
    for text, row in zip(texts, rows, strict=True):
        target = labels_for(row)
        cats = {label: target.get(label, 0.0) for label in labels}
        examples.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = learn_rate
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            # The component's own update skips Language.update's copy of every example,
            # which is most of the training time on short texts.
            textcat.update(batch, sgd=optimizer, drop=0.1)
    return nlp


def predict(nlp: Language, texts: list[str]) -> list[dict[str, float]]:
    """Scores for each text. Calls the component directly: nlp.pipe costs more than the model."""
    textcat = nlp.get_pipe("textcat_multilabel")
    docs = [nlp.make_doc(t) for t in texts]
    scores = textcat.model.predict(docs)
    labels = textcat.labels
    return [dict(zip(labels, (float(x) for x in row), strict=True)) for row in scores.tolist()]


def save(nlp: Language, path: Path) -> None:
    nlp.to_disk(path)


def load(path: Path) -> Language:
    return spacy.load(path)
