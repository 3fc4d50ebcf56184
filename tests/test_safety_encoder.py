"""The sentence encoder and the classifier's meaning reader (bot/safety/encoder.py, classifier.py):
the real ONNX model and tokenizer, no stand-ins."""

import json
import shutil

import numpy as np
import pytest

from bot.safety import classifier as clf
from bot.safety import encoder
from bot.safety import screener as screener_module
from bot.safety.screener import Screener, get_screener
from tests.test_safety_classifier import ROWS


@pytest.fixture(scope="module")
def enc() -> encoder.SentenceEncoder:
    return encoder.get_encoder()


def test_vectors_have_unit_length(enc):
    vector = enc.encode("i cant do this anymore")
    assert vector.shape == (encoder.DIMENSIONS,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_texts_that_mean_alike_are_closer_than_texts_that_do_not(enc):
    """What the encoder is for: new wording for the same danger lands near the trained wording."""
    wish, indirect, everyday = enc.encode_many(
        [
            "i want to die",
            "i wish i could go to sleep and never wake up",
            "when is the food bank open",
        ]
    )
    assert wish @ indirect > wish @ everyday + 0.2


def test_many_at_once_gives_what_one_at_a_time_gives(enc):
    texts = ["hi", "took all my tablets and feel sleepy " * 5, "", "where do i sign on"]
    together = enc.encode_many(texts)
    for text, vector in zip(texts, together, strict=True):
        assert np.allclose(enc.encode(text), vector, atol=1e-5)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "\x00\x01\xff binary \ufffd junk", "word " * 5000, "a" * 20000],
)
def test_bad_input_gets_a_vector(enc, text):
    vector = enc.encode(text)
    assert np.isfinite(vector).all() and vector.shape == (encoder.DIMENSIONS,)


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path):
    altered = tmp_path / "tokenizer.json"
    shutil.copy(encoder.TOKENIZER_FILE, altered)
    altered.write_bytes(altered.read_bytes().replace(b'"[UNK]"', b'"[UNX]"', 1))
    with pytest.raises(encoder.EncoderUnavailable, match="not the pinned file"):
        encoder.SentenceEncoder(tokenizer_path=altered)
    with pytest.raises(encoder.EncoderUnavailable, match="missing"):
        encoder.SentenceEncoder(model_path=tmp_path / "model.onnx")


def test_meaning_reader_scores_and_mix(enc):
    vectors = enc.encode_many([r["text"] for r in ROWS])
    meaning = clf.train_meaning(vectors, ROWS)
    crisis = clf.meaning_scores(meaning, enc.encode("i am going to end my life tonight"))
    everyday = clf.meaning_scores(meaning, enc.encode("can i renew my bus pass online"))
    assert set(crisis) == {clf.CRISIS, clf.FLAG}
    assert all(0.0 <= v <= 1.0 for v in [*crisis.values(), *everyday.values()])
    assert crisis[clf.CRISIS] > everyday[clf.CRISIS]

    words = {clf.CRISIS: 0.5, clf.FLAG: 0.2, "CAT_suicide": 0.4}
    mixed = clf.mix(words, {clf.CRISIS: 1.0, clf.FLAG: 0.0})
    assert mixed["CAT_suicide"] == 0.4  # categories come from the word readers only
    assert mixed[clf.CRISIS] == pytest.approx(clf.highest_mix(0.5))
    assert clf.mix(words, {clf.CRISIS: 0.0, clf.FLAG: 0.0})[clf.FLAG] < 0.2
    assert clf.mix({}, crisis) == {}  # nothing to mix into: a text the word readers skip


def test_skipping_the_encoder_never_changes_the_answer(monkeypatch):
    """The screen skips the encoder when even its most alarmed score could not change the
    level; asking it every time must give the same levels on real lines of every kind (and
    never asking it must not, or this test proves nothing)."""
    from bot.safety.data import load_rows

    model = get_screener().model
    assert model is not None and model.classifier.meaning is not None
    rows = load_rows(split="heldout") + load_rows(split="train")[::40]

    def levels(could_change=None) -> list[str]:
        if could_change is not None:
            monkeypatch.setattr(screener_module, "meaning_could_change", could_change)
        fresh = Screener(model=model)
        return [fresh.screen(r["text"]).level for r in rows]

    usual = levels()
    assert levels(lambda *args: True) == usual
    assert levels(lambda *args: False) != usual


def test_without_the_encoder_the_screen_still_answers_and_says_it_is_degraded(monkeypatch):
    model = get_screener().model
    assert model is not None

    def broken():
        raise encoder.EncoderUnavailable("test: the model file is missing")

    monkeypatch.setattr(encoder, "get_encoder", broken)
    without = Screener(model=model)
    monkeypatch.setattr(screener_module, "_screener", without)
    assert without.screen("i took all my tablets an hour ago").level == "crisis"
    assert without.screen("what time is the food bank open").level == "none"
    health = screener_module.status()
    assert health["state"] == "degraded" and "encoder" in health["detail"]


def test_training_reads_meaning_and_reuses_the_encoded_lines(tmp_path, monkeypatch):
    """A retrain encodes only lines it has not seen; with no encoder it trains without one."""
    from bot.safety import model as model_module

    rows = [dict(r, split="train") for r in ROWS]
    first = model_module.train_and_save(Screener(model=None), rows, "fp1", tmp_path / "model")
    assert first.classifier.meaning is not None
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert meta["encoder"] == encoder.ENCODER_ID
    assert (tmp_path / model_module.ENCODER_CACHE).is_file()

    def no_encoder(*args, **kwargs):
        raise encoder.EncoderUnavailable("test: no encoder")

    monkeypatch.setattr(encoder, "SentenceEncoder", no_encoder)
    again = model_module.train_and_save(Screener(model=None), rows, "fp2", tmp_path / "model")
    assert again.classifier.meaning is not None  # every line came from the cache

    rows.append({"text": "a line never encoded before", "level": "none", "split": "train"})
    blind = model_module.train_and_save(Screener(model=None), rows, "fp3", tmp_path / "model")
    assert blind.classifier.meaning is None
    assert json.loads((tmp_path / "model" / "meta.json").read_text())["encoder"] is None
    loaded = clf.load(tmp_path / "model" / "classifier")
    assert loaded.meaning is None


def test_saved_meaning_reader_loads_back_the_same(enc, tmp_path):
    vectors = enc.encode_many([r["text"] for r in ROWS])
    model = clf.train([r["text"] for r in ROWS], ROWS)
    model.meaning = clf.train_meaning(vectors, ROWS)
    clf.save(model, tmp_path / "m")
    again = clf.load(tmp_path / "m")
    assert again.meaning is not None
    assert np.array_equal(again.meaning.vectors, model.meaning.vectors)
    assert np.array_equal(again.meaning.targets, model.meaning.targets)
    assert again.meaning.encoder_id == encoder.ENCODER_ID


def test_a_message_too_long_for_the_encoder_is_read_in_its_most_alarming_windows():
    """Every training line fits the encoder, so it reads a message whole when it fits; a longer
    one is read, like the word readers read it, in windows: the most alarming ones, in order."""
    from bot.safety.screener import MEANING_WINDOWS, meaning_texts, window_texts

    surface = [f"w{i}" for i in range(400)]
    windows = window_texts(surface)
    assert len(windows) > MEANING_WINDOWS + 1
    calm = {clf.CRISIS: 0.1, clf.FLAG: 0.1}
    per_window = [dict(calm) for _ in windows]
    per_window[-1] = {clf.CRISIS: 0.9, clf.FLAG: 0.9}  # the crisis is at the very end
    per_window[2] = {clf.CRISIS: 0.2, clf.FLAG: 0.7}

    assert meaning_texts(surface, per_window, fits=lambda text: True) == [" ".join(surface)]
    read = meaning_texts(surface, per_window, fits=lambda text: False)
    assert len(read) == MEANING_WINDOWS
    assert read[-1] == windows[-1] and windows[2] in read
    assert read == [w for w in windows if w in read]  # in message order


def test_a_very_long_message_gets_an_answer_with_the_encoder_asked(monkeypatch):
    calls: list[int] = []
    real = screener_module.meaning_texts

    def counting(*args):
        texts = real(*args)
        calls.append(len(texts))
        return texts

    monkeypatch.setattr(screener_module, "meaning_texts", counting)
    monkeypatch.setattr(screener_module, "meaning_could_change", lambda *args: True)
    everyday = "the council said ring back about the flat and the forms and the bus pass. " * 60
    result = Screener(model=get_screener().model).screen(everyday + "i took all my tablets")
    assert result.level == "crisis"
    assert calls == [screener_module.MEANING_WINDOWS]


def test_meaning_reader_weighs_the_nearest_lines_most():
    rows = [
        {"text": "a", "level": "crisis", "categories": ["suicide"]},
        {"text": "b", "level": "trauma", "categories": ["ptsd"]},
        {"text": "c", "level": "none"},
        {"text": "d", "level": "none"},
    ]
    meaning = clf.train_meaning(np.eye(4, dtype=np.float32), rows)  # fewer lines than neighbours
    like_the_crisis = clf.meaning_scores(meaning, np.array([1.0, 0, 0, 0]))
    like_the_trauma = clf.meaning_scores(meaning, np.array([0, 1.0, 0, 0]))
    like_neither = clf.meaning_scores(meaning, np.array([0, 0, 0.6, 0.8]))
    assert like_the_crisis[clf.CRISIS] > 0.99 and like_the_crisis[clf.FLAG] > 0.99
    assert like_the_trauma[clf.CRISIS] < 0.01 and like_the_trauma[clf.FLAG] > 0.99
    assert like_neither[clf.FLAG] < 0.01
    empty = clf.train_meaning(np.zeros((0, 4), dtype=np.float32), [])
    assert clf.meaning_scores(empty, np.array([1.0, 0, 0, 0])) == {}
