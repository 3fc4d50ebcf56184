"""Measure the screen against labelled lines: recall and precision per level and category."""

from __future__ import annotations

from collections.abc import Callable

from .result import CRISIS_CATEGORIES, LEVELS, TRAUMA_CATEGORIES, SafetyResult


def evaluate(rows: list[dict], screen_fn: Callable[[str], SafetyResult]) -> dict:
    """Screen every row and compare with its labels. Pure counting; prints nothing."""
    got = [screen_fn(r["text"]) for r in rows]
    gold = [r.get("level", "none") for r in rows]
    pred = [g.level for g in got]

    def ratio(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    levels = {}
    for level in LEVELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == level and p == level)
        n_gold = gold.count(level)
        n_pred = pred.count(level)
        levels[level] = {
            "n": n_gold,
            "recall": ratio(tp, n_gold),
            "precision": ratio(tp, n_pred),
        }
    n_trauma = gold.count("trauma")
    trauma_flagged = sum(
        1 for g, p in zip(gold, pred, strict=True) if g == "trauma" and p != "none"
    )

    categories = {}
    for cat in CRISIS_CATEGORIES + TRAUMA_CATEGORIES:
        in_gold = [cat in (r.get("categories") or []) for r in rows]
        in_pred = [cat in g.categories for g in got]
        tp = sum(1 for a, b in zip(in_gold, in_pred, strict=True) if a and b)
        if sum(in_gold) or sum(in_pred):
            categories[cat] = {
                "n": sum(in_gold),
                "recall": ratio(tp, sum(in_gold)),
                "precision": ratio(tp, sum(in_pred)),
            }

    none_idx = [i for i, g in enumerate(gold) if g == "none"]
    kinds: dict[str, list[int]] = {}
    for i in none_idx:
        kinds.setdefault(rows[i].get("kind") or "unspecified", []).append(i)
    false_alarms = {
        "all": _fa(none_idx, pred),
        **{kind: _fa(idx, pred) for kind, idx in sorted(kinds.items())},
    }

    misses = []
    for r, g, res in zip(rows, gold, got, strict=True):
        if g != res.level:
            misses.append(
                {
                    "text": r["text"],
                    "expected": {"level": g, "categories": r.get("categories") or []},
                    "got": res.to_dict() | {"by_model": res.by_model, "signals": res.signals},
                    "source": r.get("_source", ""),
                }
            )
    return {
        "lines": len(rows),
        "crisis_recall": levels["crisis"]["recall"],
        "trauma_flagged": ratio(trauma_flagged, n_trauma),
        "false_alarm_rate": false_alarms["all"]["rate"],
        "levels": levels,
        "categories": categories,
        "false_alarms": false_alarms,
        "raised_by_model": sum(1 for g in got if g.by_model),
        "misses": misses,
    }


def _fa(idx: list[int], pred: list[str]) -> dict:
    n = sum(1 for i in idx if pred[i] != "none")
    return {"n": len(idx), "alarms": n, "rate": round(n / len(idx), 4) if idx else None}


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def format_report(report: dict) -> str:
    """A plain-text report for people (the CLI prints this)."""
    out = [f"lines screened: {report['lines']}", ""]
    out.append("headline")
    out.append(f"  crisis recall           {_fmt(report['crisis_recall'])}")
    out.append(
        f"  trauma flagged          {_fmt(report['trauma_flagged'])}  (level trauma or crisis)"
    )
    out.append(
        f"  false-alarm rate        {_fmt(report['false_alarm_rate'])}  (level-none lines flagged)"
    )
    out.append(f"  raised by the model     {report['raised_by_model']}")
    out.append("")
    out.append(f"{'level':<18}{'n':>5}  {'recall':>7}  {'precision':>9}")
    for level, m in report["levels"].items():
        out.append(f"  {level:<16}{m['n']:>5}  {_fmt(m['recall']):>7}  {_fmt(m['precision']):>9}")
    out.append("")
    out.append(f"{'category':<18}{'n':>5}  {'recall':>7}  {'precision':>9}")
    for cat, m in report["categories"].items():
        out.append(f"  {cat:<16}{m['n']:>5}  {_fmt(m['recall']):>7}  {_fmt(m['precision']):>9}")
    out.append("")
    out.append(f"{'false alarms':<18}{'n':>5}  {'alarms':>7}  {'rate':>9}")
    for kind, m in report["false_alarms"].items():
        out.append(f"  {kind:<16}{m['n']:>5}  {m['alarms']:>7}  {_fmt(m['rate']):>9}")
    out.append("")
    out.append(f"misses ({len(report['misses'])}):")
    for m in report["misses"]:
        exp, got = m["expected"], m["got"]
        exp_s = f"{exp['level']} {','.join(exp['categories'])}".strip()
        got_s = f"{got['level']} {','.join(got['categories'])}".strip()
        model = " (model)" if got.get("by_model") else ""
        out.append(f"  - expected {exp_s} | got {got_s}{model} | {m['text']}")
        if got["matched"]:
            out.append(f"      matched: {got['matched']}  signals: {got.get('signals', [])}")
    return "\n".join(out)
