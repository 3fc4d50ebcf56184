"""Layer 3: a small text classifier trained on the project's own labelled messages.

Two models read the same text (the lemmas of the normalised message, minus the words a guard
recognised) and their scores are averaged, one score per label: "crisis", "flagged" (crisis or
trauma) and one per category seen often enough in training.

- spaCy's bag-of-words text classifier (unigrams and bigrams).
- TF-IDF of unigrams and bigrams with one logistic regression per label. TF-IDF vectors have
  unit length, so a long message does not pile up evidence just by being long, which the
  bag-of-words model does: on long everyday messages it alone reached crisis scores for about a
  third of them. Alone, TF-IDF over-reads very short texts (a few words left after a guard).

On training batches held back from both (data/safety/README.md, round 11) the average caught
more crises and trauma than either alone, at fewer false alarms than the bag-of-words model.

A third reader, for the level scores only, reads meaning: a pretrained sentence encoder's vector
of the message (encoder.py), which knows that new words can mean the same as trained ones, is
compared with every training line's, and the labels of the nearest lines (weighted by how near)
give its score, mixed in at MEANING_WEIGHT (`mix`). The screener asks for it only when
it could change the level. The classifier only ever raises a level the rules found; the
thresholds come from cross-validation on the train split (bot/safety/model.py).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import spacy
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from spacy.language import Language
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

from .encoder import ENCODER_ID
from .result import CATEGORY_LEVEL

CRISIS = "LEVEL_crisis"
FLAG = "LEVEL_flag"
CAT_PREFIX = "CAT_"
MIN_CATEGORY_EXAMPLES = 4
REGULARISATION_C = 4.0  # logistic regression: inverse strength, chosen on held-back batches
# The meaning reader's share of the crisis and flag scores, and how it reads: the labels of the
# MEANING_NEIGHBOURS nearest training lines, each weighted by exp(MEANING_SHARPNESS x cosine
# similarity). Chosen by cross-validation on the train split (data/safety/README.md, round 20).
MEANING_WEIGHT = 0.3
MEANING_NEIGHBOURS = 10
MEANING_SHARPNESS = 10.0
MEANING_LABELS = (CRISIS, FLAG)
_BOW_DIR = "textcat"
_TFIDF_FILE = "tfidf.joblib"
_MEANING_FILE = "meaning.joblib"

_BOW_CONFIG = {
    "threshold": 0.5,
    "model": {
        "@architectures": "spacy.TextCatBOW.v3",
        "exclusive_classes": False,
        "ngram_size": 2,
        "no_output_layer": False,
        "length": 8192,
    },
}


@dataclass
class TfidfModel:
    """A fitted vectoriser and one weight column per label (stacked: scoring is one product)."""

    vectorizer: TfidfVectorizer
    labels: list[str]
    weights: np.ndarray  # (features, labels)
    bias: np.ndarray  # (labels,)
    idf: np.ndarray  # (features,) copied out: the vectoriser recomputes it on every access


@dataclass
class MeaningModel:
    """The training lines as the sentence encoder reads them, with their level labels."""

    encoder_id: str
    vectors: np.ndarray  # (lines, dimensions), unit length, float32
    targets: np.ndarray  # (lines, MEANING_LABELS): 1.0 where the line has the label


@dataclass
class Classifier:
    bow: Language
    tfidf: TfidfModel
    meaning: MeaningModel | None = None  # None: trained without the encoder (it was missing)

    def __post_init__(self) -> None:
        textcat = self.bow.get_pipe("textcat_multilabel")
        self._predict_bow = textcat.model.predict
        column = {label: i for i, label in enumerate(textcat.labels)}
        # The bag-of-words scores' columns in the TF-IDF model's label order.
        self._bow_order = np.array([column[label] for label in self.tfidf.labels])


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


def train(texts: list[str], rows: list[dict], seed: int = 0) -> Classifier:
    """Fit both models on normalised texts; several seconds for several thousand lines."""
    labels = [CRISIS, FLAG, *category_labels(rows)]
    return Classifier(
        _train_bow(texts, rows, labels, seed), _train_tfidf(texts, rows, labels, seed)
    )


def _train_bow(
    texts: list[str], rows: list[dict], labels: list[str], seed: int, epochs: int = 6
) -> Language:
    fix_random_seed(seed)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config=_BOW_CONFIG)
    for label in labels:
        textcat.add_label(label)
    examples = []
    for text, row in zip(texts, rows, strict=True):
        target = labels_for(row)
        cats = {label: target.get(label, 0.0) for label in labels}
        examples.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = 0.005
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            # The component's own update skips Language.update's copy of every example,
            # which is most of the training time on short texts.
            textcat.update(batch, sgd=optimizer, drop=0.1)
    return nlp


def _train_tfidf(texts: list[str], rows: list[dict], labels: list[str], seed: int) -> TfidfModel:
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32
    )
    x = vectorizer.fit_transform(texts)
    weights = np.zeros((x.shape[1], len(labels)), dtype=np.float32)
    bias = np.zeros(len(labels), dtype=np.float32)
    targets = [labels_for(r) for r in rows]
    for j, label in enumerate(labels):
        y = np.array([t.get(label, 0.0) > 0.5 for t in targets])
        if y.all() or not y.any():  # one class only (possible in a small fold): a constant score
            bias[j] = 10.0 if y.all() else -10.0
            continue
        fitted = LogisticRegression(C=REGULARISATION_C, max_iter=3000, random_state=seed)
        fitted.fit(x, y)
        weights[:, j] = fitted.coef_[0]
        bias[j] = fitted.intercept_[0]
    idf = np.asarray(vectorizer.idf_, dtype=np.float64)
    return TfidfModel(vectorizer, labels, weights.astype(np.float64), bias.astype(np.float64), idf)


def train_meaning(vectors: np.ndarray, rows: list[dict]) -> MeaningModel:
    """The meaning reader for these encoder vectors (one row per labelled line)."""
    targets = np.array(
        [[labels_for(r)[label] for label in MEANING_LABELS] for r in rows], dtype=np.float32
    ).reshape(len(rows), len(MEANING_LABELS))
    return MeaningModel(ENCODER_ID, np.asarray(vectors, dtype=np.float32), targets)


def meaning_scores(model: MeaningModel, vector: np.ndarray) -> dict[str, float]:
    """Each label's share among the nearest training lines, nearer lines counting more."""
    if not len(model.vectors):
        return {}
    similarity = model.vectors @ vector.astype(np.float32)
    k = min(MEANING_NEIGHBOURS, len(similarity))
    nearest = np.argpartition(-similarity, k - 1)[:k]
    weight = np.exp(MEANING_SHARPNESS * similarity[nearest].astype(np.float64))
    shares = weight @ model.targets[nearest] / weight.sum()
    return dict(zip(MEANING_LABELS, shares.tolist(), strict=True))


def mix(scores: dict[str, float], meaning: dict[str, float]) -> dict[str, float]:
    """The word readers' scores with the meaning reader's mixed into the level labels."""
    out = dict(scores)
    for label, value in meaning.items():
        if label in out:
            out[label] = (1.0 - MEANING_WEIGHT) * out[label] + MEANING_WEIGHT * value
    return out


def highest_mix(score: float) -> float:
    """The most a level score can reach once mixed: what the meaning reader could add at best."""
    return (1.0 - MEANING_WEIGHT) * score + MEANING_WEIGHT


def predict(model: Classifier, texts: list[str]) -> list[dict[str, float]]:
    """Scores (0-1) for each text, one per label: the mean of the two models' scores."""
    # Calls the component's model directly: nlp.pipe costs more than the model.
    bow = np.asarray(model._predict_bow([model.bow.make_doc(t) for t in texts]))
    tf = model.tfidf
    z = np.stack([_tfidf_logits(tf, t) for t in texts])
    mean = (bow[:, model._bow_order] + 1.0 / (1.0 + np.exp(-z))) / 2.0
    return [dict(zip(tf.labels, row.tolist(), strict=True)) for row in mean]


_TOKEN = re.compile(r"(?u)\b\w+\b")


def _tfidf_logits(tf: TfidfModel, text: str) -> np.ndarray:
    """The same TF-IDF vector as tf.vectorizer.transform([text]) (lower case, the same tokens,
    unigrams and bigrams, 1 + log(count), times idf, unit length), times the weights. Written out
    because sklearn's transform costs about a millisecond a call, most of the screen's budget."""
    tokens = _TOKEN.findall(text.lower())
    grams = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    vocabulary = tf.vectorizer.vocabulary_
    counts: dict[int, int] = {}
    for g in grams:
        i = vocabulary.get(g)
        if i is not None:
            counts[i] = counts.get(i, 0) + 1
    if not counts:
        return tf.bias
    idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * tf.idf[idx]
    values /= np.sqrt(values @ values)
    return values @ tf.weights[idx] + tf.bias


def save(model: Classifier, path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    model.bow.to_disk(path / _BOW_DIR)
    joblib.dump(model.tfidf, path / _TFIDF_FILE)
    if model.meaning is not None:
        joblib.dump(model.meaning, path / _MEANING_FILE)


def is_saved(path: Path) -> bool:
    return (path / _BOW_DIR).is_dir() and (path / _TFIDF_FILE).is_file()


def load(path: Path) -> Classifier:
    """Load a model this project saved in var/ (joblib unpickles: never point it elsewhere)."""
    tfidf = joblib.load(path / _TFIDF_FILE)
    if not isinstance(tfidf, TfidfModel):
        raise TypeError(f"{path / _TFIDF_FILE} is not a safety classifier")
    meaning = None
    if (path / _MEANING_FILE).is_file():
        meaning = joblib.load(path / _MEANING_FILE)
        if not isinstance(meaning, MeaningModel):
            raise TypeError(f"{path / _MEANING_FILE} is not a safety classifier")
    return Classifier(spacy.load(path / _BOW_DIR), tfidf, meaning)
