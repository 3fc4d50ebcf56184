"""The safety classifier's own contract: both models are trained, scores are probabilities, the
fast TF-IDF path gives what sklearn's transform gives, and a saved model loads back the same."""

import numpy as np
import pytest

from bot.safety import classifier as clf

ROWS = [
    {"text": "i want to end it all tonight", "level": "crisis", "categories": ["suicide"]},
    {
        "text": "took all my tablets and i feel sleepy",
        "level": "crisis",
        "categories": ["overdose"],
    },
    {
        "text": "he hit me again and i am scared to go home",
        "level": "crisis",
        "categories": ["domestic_abuse"],
    },
    {
        "text": "i am going to stab him when he comes out",
        "level": "crisis",
        "categories": ["harm_to_others"],
    },
    {"text": "my mate is blue and not breathing", "level": "crisis", "categories": ["overdose"]},
    {
        "text": "my dad hit us when we were kids",
        "level": "trauma",
        "categories": ["childhood_abuse"],
    },
    {"text": "still get flashbacks from the army", "level": "trauma", "categories": ["ptsd"]},
    {
        "text": "my nan died last year and i miss her",
        "level": "trauma",
        "categories": ["bereavement"],
    },
    {"text": "what time does the food bank open", "level": "none", "categories": []},
    {"text": "can you help me with my universal credit journal", "level": "none", "categories": []},
    {"text": "i need a new bus pass", "level": "none", "categories": []},
    {"text": "is the drop in open on monday", "level": "none", "categories": []},
] * 2


@pytest.fixture(scope="module")
def model() -> clf.Classifier:
    return clf.train([r["text"] for r in ROWS], ROWS)


def test_scores_are_probabilities_for_every_label(model):
    # Never an empty text: the screener only scores texts with words (screener.has_words).
    scores = clf.predict(model, ["i want to end it all", "food bank opening times", "zzz"])
    assert len(scores) == 3
    for s in scores:
        assert set(s) == set(model.tfidf.labels)
        assert all(0.0 <= v <= 1.0 for v in s.values())
    assert scores[0][clf.CRISIS] > scores[1][clf.CRISIS]


@pytest.mark.parametrize(
    "text",
    ["i want to end it all tonight", "totally unseen words here", "", "!!! ???", "Café 😀 HIT me"],
)
def test_fast_tfidf_path_matches_sklearn(model, text):
    tf = model.tfidf
    expected = np.asarray(tf.vectorizer.transform([text]) @ tf.weights + tf.bias).ravel()
    assert np.allclose(clf._tfidf_logits(tf, text), expected, atol=1e-5)


def test_saved_model_loads_back_the_same(model, tmp_path):
    clf.save(model, tmp_path / "m")
    assert clf.is_saved(tmp_path / "m")
    again = clf.load(tmp_path / "m")
    texts = ["took all my tablets", "is the drop in open"]
    for a, b in zip(clf.predict(model, texts), clf.predict(again, texts), strict=True):
        assert a == pytest.approx(b)
