"""Train, save and load the classifier; pick its thresholds by cross-validation on the train split.

The model lives in var/safety_model/ (git-ignored) with a meta.json holding the thresholds and a
fingerprint of the training lines and rule files. If the fingerprint no longer matches (or there
is no model), the classifier is retrained on first use, so a fresh clone just works.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import random
import shutil
import time
from pathlib import Path

from . import classifier as clf
from .data import NORMALISE_FILE, fingerprint, load_rows, model_dir, pattern_files
from .result import level_rank
from .screen import Model, Screener, combine, max_scores, window_texts

log = logging.getLogger("bot.safety")

MODEL_VERSION = "bow2-v1"  # bump when training code changes in a way that needs a rebuild
FOLDS = 5
FALSE_ALARM_BUDGET = 0.03  # cross-validated false alarms on level-none lines the model may cause
GRID = [round(0.2 + 0.02 * i, 2) for i in range(40)]  # 0.20 .. 0.98
OFF = 1.01  # a threshold that never fires


def current_fingerprint(rows: list[dict]) -> str:
    return fingerprint(rows, [*pattern_files(), NORMALISE_FILE], MODEL_VERSION)


def ensure_model(screener: Screener, force: bool = False) -> Model | None:
    """The saved model if it is current, else train one now. None if there is nothing to use."""
    try:
        rows = load_rows(split="train")
        target = model_dir()
        if not rows:
            if _is_saved(target):
                log.warning("no training lines found; using the saved safety classifier as it is")
                return _load(target)
            log.warning("no training lines and no saved classifier: the safety screen uses rules only")
            return None
        fp = current_fingerprint(rows)
        if not force and _saved_fingerprint(target) == fp:
            return _load(target)
        with _train_lock(target):
            if not force and _saved_fingerprint(target) == fp:  # another process just did it
                return _load(target)
            why = "forced" if force else "missing or out of date"
            log.warning("training the safety classifier (%s) on %d lines ...", why, len(rows))
            return train_and_save(screener, rows, fp, target)
    except Exception:
        log.exception("safety classifier unavailable; the safety screen uses rules only")
        return None


def train_and_save(screener: Screener, rows: list[dict], fp: str, target: Path) -> Model:
    started = time.monotonic()
    prepared = [screener.analyse(r["text"]) for r in rows]
    texts = [doc.text for _, doc in prepared]
    windows = [window_texts(doc) for _, doc in prepared]
    rule_results = [screener.rule_result(norm, doc) for norm, doc in prepared]
    oof = cross_validated_scores(texts, windows, rows)
    t_crisis, t_flag, report = choose_thresholds(rows, rule_results, oof)
    nlp = clf.train(texts, rows)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    clf.save(nlp, tmp / "textcat")
    meta = {
        "fingerprint": fp,
        "version": MODEL_VERSION,
        "crisis_threshold": t_crisis,
        "flag_threshold": t_flag,
        "train_lines": len(rows),
        "cross_validation": report,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.monotonic() - started, 1),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    log.warning(
        "safety classifier trained in %.1fs: crisis threshold %s, flag threshold %s",
        meta["seconds"],
        t_crisis,
        t_flag,
    )
    return Model(nlp, t_crisis, t_flag, fp)


def cross_validated_scores(
    texts: list[str], windows: list[list[str]], rows: list[dict], folds: int = FOLDS
) -> list[dict[str, float]]:
    """Out-of-fold classifier scores: each line scored by a model that never saw it."""
    order = list(range(len(rows)))
    random.Random(13).shuffle(order)
    fold_of = {i: n % folds for n, i in enumerate(order)}
    out: list[dict[str, float]] = [{} for _ in rows]
    for k in range(folds):
        train_idx = [i for i in order if fold_of[i] != k]
        test_idx = [i for i in order if fold_of[i] == k]
        nlp = clf.train([texts[i] for i in train_idx], [rows[i] for i in train_idx], seed=k)
        for i in test_idx:
            out[i] = max_scores(clf.predict(nlp, windows[i]))
    return out


def choose_thresholds(rows, rule_results, scores) -> tuple[float, float, dict]:
    """Thresholds that catch the most the rules missed while keeping false alarms in budget.

    A raise on a level-none line costs 3 (a false alarm), a raise of trauma to crisis costs 1,
    a correct raise gains 1. Ties go to the higher (more careful) threshold.
    """
    gold = [r.get("level", "none") for r in rows]
    n_none = max(1, sum(g == "none" for g in gold))
    rule_fa = sum(1 for g, rr in zip(gold, rule_results, strict=True) if g == "none" and rr.flagged)

    def run(t_crisis: float, t_flag: float) -> tuple[int, int, list[str]]:
        gain, fa, levels = 0, rule_fa, []
        for g, rr, s in zip(gold, rule_results, scores, strict=True):
            level, _, raised = combine(rr.level, rr.categories, s, t_crisis, t_flag)
            levels.append(level)
            if not raised:
                continue
            if g == "none":
                gain -= 3
                fa += 1 if not rr.flagged else 0
            elif level_rank(level) <= level_rank(g):
                gain += 1
            else:
                gain -= 1
        return gain, fa, levels

    best_c, best_gain = OFF, 0
    for t in sorted(GRID, reverse=True):
        gain, fa, _ = run(t, OFF)
        if gain > best_gain and fa / n_none <= FALSE_ALARM_BUDGET:
            best_c, best_gain = t, gain
    base_gain = run(best_c, OFF)[0]
    best_f, best_gain = OFF, base_gain
    for t in sorted(GRID, reverse=True):
        gain, fa, _ = run(best_c, t)
        if gain > best_gain and fa / n_none <= FALSE_ALARM_BUDGET:
            best_f, best_gain = t, gain
    _, fa, levels = run(best_c, best_f)
    report = _cv_report(gold, [rr.level for rr in rule_results], levels, fa, n_none)
    return best_c, best_f, report


def _cv_report(gold, rule_levels, levels, fa, n_none) -> dict:
    def recall(pred, want, ok):
        idx = [i for i, g in enumerate(gold) if g == want]
        return round(sum(1 for i in idx if pred[i] in ok) / max(1, len(idx)), 4)

    return {
        "rules_crisis_recall": recall(rule_levels, "crisis", {"crisis"}),
        "rules_trauma_flagged": recall(rule_levels, "trauma", {"trauma", "crisis"}),
        "crisis_recall": recall(levels, "crisis", {"crisis"}),
        "trauma_flagged": recall(levels, "trauma", {"trauma", "crisis"}),
        "false_alarm_rate": round(fa / n_none, 4),
    }


def _is_saved(target: Path) -> bool:
    return (target / "meta.json").is_file() and (target / "textcat").is_dir()


def _saved_fingerprint(target: Path) -> str | None:
    try:
        return json.loads((target / "meta.json").read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return None


def _load(target: Path) -> Model:
    meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    nlp = clf.load(target / "textcat")
    return Model(nlp, float(meta["crisis_threshold"]), float(meta["flag_threshold"]), meta["fingerprint"])


@contextlib.contextmanager
def _train_lock(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(target.name + ".lock")
    with lock_path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UNLOCK)
