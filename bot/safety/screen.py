"""Put the layers together: normalise, rules, classifier; one cached, thread-safe screener."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from . import classifier as clf
from .data import NORMALISE_FILE, pattern_files
from .normalise import Normalised, Normaliser
from .result import CATEGORY_LEVEL, SafetyResult, level_rank, sort_categories
from .rules import RuleEngine, build_nlp

log = logging.getLogger("bot.safety")

MAX_CHARS = 40_000  # longer messages: the first HEAD_CHARS and the last TAIL_CHARS are screened
HEAD_CHARS = 30_000
TAIL_CHARS = MAX_CHARS - HEAD_CHARS
WINDOW_TOKENS = 60  # the classifier reads long messages in overlapping windows of this size
WINDOW_STRIDE = 40


@dataclass
class Model:
    """The trained classifier with the thresholds chosen for it by cross-validation."""

    nlp: Language
    crisis_threshold: float
    flag_threshold: float
    fingerprint: str = ""


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


def window_texts(doc: Doc) -> list[str]:
    if len(doc) <= WINDOW_TOKENS:
        return [doc.text]
    out = []
    for start in range(0, len(doc), WINDOW_STRIDE):
        out.append(doc[start : start + WINDOW_TOKENS].text)
        if start + WINDOW_TOKENS >= len(doc):
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

    def __init__(self, model: Model | None = None):
        config = yaml.safe_load(NORMALISE_FILE.read_text(encoding="utf-8")) or {}
        self.nlp = build_nlp(config.get("lemmas") or {})
        table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        lemmas = set(table.values())
        self.normaliser = Normaliser(config, lambda w: w in lemmas or w in table)
        self.rules = RuleEngine(self.nlp, self.normaliser, pattern_files())
        self.model = model

    def analyse(self, text: object) -> tuple[Normalised, Doc]:
        norm = self.normaliser(cap(coerce_text(text)))
        return norm, self.nlp(norm.text)

    def rule_result(self, norm: Normalised, doc: Doc) -> SafetyResult:
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
        return SafetyResult(level, sort_categories(cats), evidence, signals=signals)

    def scores(self, doc: Doc) -> dict[str, float]:
        if self.model is None or not doc.text:
            return {}
        return max_scores(clf.predict(self.model.nlp, window_texts(doc)))

    def screen(self, text: object) -> SafetyResult:
        norm, doc = self.analyse(text)
        result = self.rule_result(norm, doc)
        if self.model is None:
            return result
        scores = self.scores(doc)
        level, cats, raised = combine(
            result.level,
            result.categories,
            scores,
            self.model.crisis_threshold,
            self.model.flag_threshold,
        )
        result.level, result.categories, result.by_model = level, cats, raised
        result.scores = {k: round(v, 4) for k, v in scores.items()}
        return result


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


def reset() -> None:
    """Forget the cached screener (tests, or after retraining)."""
    global _screener
    with _lock:
        _screener = None


def warm_up() -> None:
    """Load everything now (the gateway calls this at start so the first client waits for nothing)."""
    get_screener().screen("warm up")


def screen(text: object) -> SafetyResult:
    """Screen one message. Never raises: on an internal error the message is flagged for a human."""
    try:
        return get_screener().screen(text)
    except Exception:
        log.exception("safety screen failed; flagging the message for a human to look at")
        return SafetyResult(level="trauma", categories=["other"], matched=[])
