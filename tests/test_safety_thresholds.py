"""How the classifier's thresholds are chosen and used: short and long messages, safety first."""

from bot.safety import classifier as clf
from bot.safety import model as m
from bot.safety.result import SafetyResult
from bot.safety.screener import LONG_TOKENS, Thresholds

SHORT, LONG = 10, LONG_TOKENS + 5


def test_long_messages_use_their_own_pair():
    t = Thresholds(0.6, 0.7, 0.8, 0.9)
    assert t.for_length(SHORT) == (0.6, 0.7)
    assert t.for_length(LONG_TOKENS) == (0.8, 0.9)
    assert Thresholds(0.6, 0.7).for_length(LONG) == (0.6, 0.7)  # no long pair: one for all


def _lines(
    level: str, n: int, length: int, crisis_score: float, rule_level: str = "none"
) -> list[tuple]:
    row = {"text": "x", "level": level, "categories": []}
    scores = {clf.CRISIS: crisis_score, clf.FLAG: crisis_score}
    return [(row, SafetyResult(rule_level, []), scores, length)] * n


def _choose(lines):
    rows, rule_results, scores, lengths = (list(x) for x in zip(*lines, strict=True))
    return m.choose_thresholds(rows, rule_results, scores, lengths)


def test_short_messages_get_the_lower_threshold_their_scores_earn(monkeypatch):
    monkeypatch.setattr(m, "MIN_LONG_LINES", 10)
    # Short crisis lines score 0.7 and no short everyday line scores above 0.3; long everyday
    # lines score 0.7 too, so one pair for all messages must stay above 0.7.
    lines = (
        _lines("crisis", 50, SHORT, 0.7)
        + _lines("none", 50, SHORT, 0.3)
        + _lines("crisis", 20, LONG, 0.96)
        + _lines("none", 30, LONG, 0.7)
    )
    thresholds, report = _choose(lines)
    assert thresholds.crisis <= 0.7  # short: every crisis found
    assert thresholds.long_crisis is not None and thresholds.long_crisis > 0.7
    assert report["short"]["crisis_recall"] == 1.0
    assert report["long"]["false_alarm_rate"] == 0.0


def test_long_messages_are_never_held_to_a_stricter_threshold_than_one_pair(monkeypatch):
    monkeypatch.setattr(m, "MIN_LONG_LINES", 10)
    # Long lines alone would earn a high threshold (their everyday lines score 0.8), but one
    # pair for all messages is lower: long messages keep the lower one, losing no crisis.
    lines = (
        _lines("crisis", 40, SHORT, 0.9)
        + _lines("none", 400, SHORT, 0.1)
        + _lines("crisis", 10, LONG, 0.85)
        + _lines("none", 5, LONG, 0.8)
    )
    one_pair, _ = _choose([(r, rr, s, SHORT) for r, rr, s, _ in lines])
    thresholds, _ = _choose(lines)
    assert thresholds.long_crisis is not None
    assert thresholds.long_crisis <= one_pair.crisis


def test_too_few_long_lines_means_one_pair_for_all():
    lines = _lines("crisis", 40, SHORT, 0.9) + _lines("none", 40, SHORT, 0.1)
    lines += _lines("crisis", 3, LONG, 0.9)
    thresholds, _ = _choose(lines)
    assert thresholds.long_crisis is None and thresholds.long_flag is None


def test_everyday_lines_the_rules_already_raise_do_not_use_up_the_budget():
    # 20 everyday lines the rules already read as crisis score 0.6, like the crisis lines; the
    # model adds no false alarm on them, so the threshold may come down to 0.6.
    lines = (
        _lines("crisis", 200, SHORT, 0.6)
        + _lines("none", 20, SHORT, 0.6, rule_level="crisis")
        + _lines("none", 880, SHORT, 0.1)
    )
    thresholds, report = _choose(lines)
    assert thresholds.crisis <= 0.6
    assert report["crisis_recall"] == 1.0
    # The same 20 lines not raised by the rules would be 2.2% new false alarms: over budget.
    lines = (
        _lines("crisis", 200, SHORT, 0.6)
        + _lines("none", 20, SHORT, 0.6)
        + _lines("none", 880, SHORT, 0.1)
    )
    thresholds, _ = _choose(lines)
    assert thresholds.crisis > 0.6
