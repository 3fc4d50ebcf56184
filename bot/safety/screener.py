"""Put the layers together: normalise, rules, classifier; one cached, thread-safe screener."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from . import classifier as clf
from . import encoder
from .data import NORMALISE_FILE, pattern_files
from .normalise import Normalised, Normaliser
from .patterns import load_yaml
from .result import CATEGORY_LEVEL, SafetyResult, level_rank, sort_categories
from .rules import RuleEngine, RuleOutcome, build_nlp

log = logging.getLogger("bot.safety")

MAX_CHARS = 40_000  # longer messages: the first HEAD_CHARS and the last TAIL_CHARS are screened
HEAD_CHARS = 30_000
TAIL_CHARS = MAX_CHARS - HEAD_CHARS
WINDOW_TOKENS = 60  # the classifier reads long messages in overlapping windows of this size
WINDOW_STRIDE = 40
# Messages of at least this many tokens (as the classifier reads them) have their own thresholds:
# on long everyday messages the classifier is less sure, and cross-validation gives long and short
# messages different thresholds for the same false-alarm budget (data/safety/README.md, round 13).
LONG_TOKENS = 40
# A message too long for the sentence encoder is read in windows: this many, the most alarming
# to the word readers (each about 10 ms).
MEANING_WINDOWS = 3


@dataclass
class Thresholds:
    """Classifier thresholds, with their own pair for long messages when training had enough."""

    crisis: float
    flag: float
    long_crisis: float | None = None
    long_flag: float | None = None

    def for_length(self, n_tokens: int) -> tuple[float, float]:
        """(crisis, flag) for a message the classifier reads as n_tokens tokens."""
        if is_long(n_tokens) and self.long_crisis is not None and self.long_flag is not None:
            return self.long_crisis, self.long_flag
        return self.crisis, self.flag


@dataclass
class Model:
    """The trained classifier with the thresholds chosen for it by cross-validation."""

    classifier: clf.Classifier
    thresholds: Thresholds
    fingerprint: str = ""

    @property
    def crisis_threshold(self) -> float:
        return self.thresholds.crisis

    @property
    def flag_threshold(self) -> float:
        return self.thresholds.flag


def is_long(n_tokens: int) -> bool:
    return n_tokens >= LONG_TOKENS


def coerce_text(text: object) -> str:
    """Anything -> a str to screen (None and junk included); never raises."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text).decode("utf-8", errors="replace")
    try:
        return str(text)
    except Exception:  # a broken __str__ must not stop the screen
        return ""


def cap(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n.\n" + text[-TAIL_CHARS:]


def model_words(doc: Doc, guard_spans: list[tuple[int, int]]) -> list[str]:
    """The words (lemmas) the classifier reads: everything except what a guard recognised.

    Lemmas let a small training set generalise ("cutting", "cuts" and "cut" are one feature).
    Guards mark idioms and service questions ("this form is killing me", "how do i get
    naloxone"); hiding those words keeps the classifier from re-reading them as danger.
    """
    hidden = _hidden(guard_spans)
    return [t.lemma_ for t in doc if t.i not in hidden]


def meaning_words(doc: Doc, guard_spans: list[tuple[int, int]]) -> list[str]:
    """What the sentence encoder reads: the normalised words (word forms, not lemmas: the encoder
    knows "was" from "is"), minus what a guard recognised, one for each of model_words'."""
    hidden = _hidden(guard_spans)
    return [t.text for t in doc if t.i not in hidden]


def meaning_text(doc: Doc, guard_spans: list[tuple[int, int]]) -> str:
    return " ".join(meaning_words(doc, guard_spans))


def meaning_texts(
    surface: list[str], per_window: list[dict[str, float]], fits: Callable[[str], bool]
) -> list[str]:
    """The texts the encoder reads for one message: all of it when it fits the encoder (as in
    training: every training line does); else, like the word readers, windows, so a crisis at
    the end of a very long message is read too: the MEANING_WINDOWS windows the word readers
    found most alarming (window_texts cuts surface and lemma words at the same places)."""
    whole = " ".join(surface)
    if len(per_window) < 2 or fits(whole):  # one window: nothing to choose, no tokenizing
        return [whole]
    windows = window_texts(surface)

    def alarm(i: int) -> float:
        return max(per_window[i].get(clf.CRISIS, 0.0), per_window[i].get(clf.FLAG, 0.0))

    ranked = sorted(range(len(windows)), key=alarm, reverse=True)
    return [windows[i] for i in sorted(ranked[:MEANING_WINDOWS])]


def _hidden(guard_spans: list[tuple[int, int]]) -> set[int]:
    return {i for start, end in guard_spans for i in range(start, end)}


def meaning_could_change(
    rule_level: str, scores: dict[str, float], crisis_threshold: float, flag_threshold: float
) -> bool:
    """Whether the meaning reader, at its most alarmed, could change the level. When it could not,
    the screen skips the encoder (about 3 ms) and the answer is the same as with it."""
    if not scores:
        return False
    crisis = level_rank(rule_level) < 2 and (
        clf.highest_mix(scores.get(clf.CRISIS, 0.0)) >= crisis_threshold
    )
    flag = rule_level == "none" and clf.highest_mix(scores.get(clf.FLAG, 0.0)) >= flag_threshold
    return crisis or flag


def has_words(words: list[str]) -> bool:
    """True when the classifier has something to read. A message whose words a guard hid
    entirely is not scored (and not trained on): spaCy's n-gram layer fails on an empty text."""
    return any(w.isalnum() for w in words)


def window_texts(words: list[str]) -> list[str]:
    """Long messages are read in overlapping windows, so a crisis at the end still stands out."""
    if len(words) <= WINDOW_TOKENS:
        return [" ".join(words)]
    out = []
    for start in range(0, len(words), WINDOW_STRIDE):
        out.append(" ".join(words[start : start + WINDOW_TOKENS]))
        if start + WINDOW_TOKENS >= len(words):
            break
    return out


def max_scores(per_window: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for scores in per_window:
        for k, v in scores.items():
            out[k] = max(v, out.get(k, 0.0))
    return out


def _best_category(scores: dict[str, float], level: str) -> list[str]:
    cands = {
        k[len(clf.CAT_PREFIX) :]: v
        for k, v in scores.items()
        if k.startswith(clf.CAT_PREFIX) and CATEGORY_LEVEL.get(k[len(clf.CAT_PREFIX) :]) == level
    }
    if not cands:
        return []
    sure = [c for c, v in cands.items() if v >= 0.5]
    return sure or [max(cands, key=cands.__getitem__)]


def combine(
    rule_level: str,
    rule_categories: list[str],
    scores: dict[str, float],
    crisis_threshold: float,
    flag_threshold: float,
) -> tuple[str, list[str], bool]:
    """Raise (never lower) the rules' level with the classifier's scores."""
    level, cats, raised = rule_level, set(rule_categories), False
    if not scores:
        return level, sort_categories(cats), raised
    if level_rank(level) < 2 and scores.get(clf.CRISIS, 0.0) >= crisis_threshold:
        level, raised = "crisis", True
        cats.update(_best_category(scores, "crisis"))
    elif level == "none" and scores.get(clf.FLAG, 0.0) >= flag_threshold:
        level, raised = "trauma", True
        cats.update(_best_category(scores, "trauma") or ["other"])
    cats = {c for c in cats if CATEGORY_LEVEL.get(c) == level}
    return level, sort_categories(cats), raised


class Screener:
    """All layers, loaded once. `screen()` is safe to call from many threads."""

    def __init__(self, model: Model | None = None, validate: bool = False):
        config = load_yaml(NORMALISE_FILE)
        self.nlp = build_nlp(config.get("lemmas") or {})
        table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        lemmas = set(table.values())
        self.normaliser = Normaliser(config, lambda w: w in lemmas or w in table)
        self.rules = RuleEngine(self.nlp, self.normaliser, pattern_files(), validate=validate)
        self.model = model
        self._encoder_broken = False

    def analyse(self, text: object) -> tuple[Normalised, Doc]:
        norm = self.normaliser(cap(coerce_text(text)))
        return norm, self.nlp(norm.text)

    def rule_result(self, norm: Normalised, doc: Doc) -> tuple[SafetyResult, RuleOutcome]:
        outcome = self.rules.run(doc)
        level = "none"
        cats: set[str] = set()
        for hit in outcome.hits:
            cats.update(hit.group.categories)
            if level_rank(hit.group.level) > level_rank(level):
                level = hit.group.level
        # Categories follow the level: a crisis lists its crisis categories (the trauma signals
        # stay visible in the evidence).
        cats = {c for c in cats if CATEGORY_LEVEL.get(c) == level}
        signals = sorted({hit.group.id for hit in outcome.hits})
        evidence = _evidence(norm, doc, outcome.evidence_spans)
        return SafetyResult(level, sort_categories(cats), evidence, signals=signals), outcome

    def window_scores(self, words: list[str]) -> list[dict[str, float]]:
        """The word readers' scores for each window of the message (none if nothing to read)."""
        if self.model is None or not has_words(words):
            return []
        return clf.predict(self.model.classifier, window_texts(words))

    def screen(self, text: object) -> SafetyResult:
        norm, doc = self.analyse(text)
        result, outcome = self.rule_result(norm, doc)
        if self.model is None:
            return result
        words = model_words(doc, outcome.guard_spans)
        try:
            per_window = self.window_scores(words)
            scores = max_scores(per_window)
        except Exception:  # the rules have answered; a broken model must not hide that
            log.exception("safety classifier failed on a message; using the rules' answer")
            return result
        crisis_threshold, flag_threshold = self.model.thresholds.for_length(len(words))
        if meaning_could_change(result.level, scores, crisis_threshold, flag_threshold):
            surface = meaning_words(doc, outcome.guard_spans)
            scores = self._with_meaning(scores, surface, per_window)
        level, cats, raised = combine(
            result.level, result.categories, scores, crisis_threshold, flag_threshold
        )
        result.level, result.categories, result.by_model = level, cats, raised
        result.scores = scores
        return result

    def load_encoder(self) -> bool:
        """Load the sentence encoder if the model reads meaning; False if it cannot be used."""
        if self.model is None or self.model.classifier.meaning is None or self._encoder_broken:
            return False
        try:
            encoder.get_encoder()
        except Exception as exc:  # missing or altered files, a broken onnxruntime
            self._encoder_broken = True
            log.error(
                "safety screen: the sentence encoder cannot load (%s); screening without it", exc
            )
            return False
        return True

    def _with_meaning(
        self, scores: dict[str, float], surface: list[str], per_window: list[dict[str, float]]
    ) -> dict[str, float]:
        """The scores with the meaning reader's mixed in; as they were if it cannot run (the
        word readers and the rules still answer, a little less sensitive)."""
        if not self.load_encoder():
            return scores
        meaning = self.model.classifier.meaning
        try:
            sentence_encoder = encoder.get_encoder()
            texts = meaning_texts(surface, per_window, sentence_encoder.fits)
            read = max_scores(
                [clf.meaning_scores(meaning, v) for v in sentence_encoder.encode_many(texts)]
            )
        except Exception:
            log.exception("sentence encoder failed on a message; screening without it")
            return scores
        return clf.mix(scores, read)


def _evidence(norm: Normalised, doc: Doc, spans: list[tuple[int, int]]) -> list[str]:
    """Merge overlapping token spans and give them back as the client wrote them, in order."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    for start, end in merged:
        span = doc[start:end]
        text = norm.source(span.start_char, span.end_char)
        if text and text not in out:
            out.append(text)
    return out


_lock = threading.Lock()
_screener: Screener | None = None


def get_screener() -> Screener:
    """The process-wide screener, built on first use (training the classifier if it must)."""
    global _screener
    if _screener is None:
        with _lock:
            if _screener is None:
                from .model import ensure_model  # here: training needs a rules-only screener

                rules_only = Screener(model=None)
                rules_only.model = ensure_model(rules_only)
                _screener = rules_only
    return _screener


def status() -> dict[str, object]:
    """How the screen is running, for /healthz: both layers, rules alone, or not loaded yet.

    The screen works on its rules alone if the classifier could not be trained or loaded, and
    without the sentence encoder if that cannot load, but it then catches fewer crises in new
    wording, so the health check says so.
    """
    screener = _screener
    if screener is None:
        return {"state": "starting", "detail": "the screen loads on the first message"}
    if screener.model is None:
        return {"state": "degraded", "detail": "rules only: the classifier could not be loaded"}
    thresholds = {
        "crisis_threshold": screener.model.crisis_threshold,
        "flag_threshold": screener.model.flag_threshold,
        "long_crisis_threshold": screener.model.thresholds.long_crisis,
        "long_flag_threshold": screener.model.thresholds.long_flag,
    }
    if not screener.load_encoder():
        detail = "rules and word classifier only: the sentence encoder is not in use"
        return {"state": "degraded", "detail": detail, **thresholds}
    return {"state": "up", "encoder": encoder.ENCODER_ID, **thresholds}


def reset() -> None:
    """Forget the cached screener (tests, or after retraining)."""
    global _screener
    with _lock:
        _screener = None


def warm_up() -> None:
    """Load everything now (the gateway calls this at start, so no client waits for it)."""
    screener = get_screener()
    screener.load_encoder()
    screener.screen("warm up")


def screen(text: object) -> SafetyResult:
    """Screen one message. Never raises: on an internal error the message is flagged for a human."""
    try:
        return get_screener().screen(text)
    except Exception:  # a bug must not drop a message: flag it so a person looks at it
        log.exception("safety screen failed; flagging the message for a human to look at")
        return SafetyResult(level="trauma", categories=["other"], matched=[])
