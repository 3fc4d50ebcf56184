"""The screen's answer for one message."""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("none", "trauma", "crisis")

CRISIS_CATEGORIES = (
    "suicide",
    "self_harm",
    "overdose",
    "violence_danger",
    "domestic_abuse",
    "harm_to_others",
    "medical",
    "child_risk",
    "exposure",
)
TRAUMA_CATEGORIES = (
    "childhood_abuse",
    "sexual_violence",
    "past_violence",
    "ptsd",
    "exploitation",
    "bereavement",
    "care_history",
    "other",
)
CATEGORY_LEVEL = {c: "crisis" for c in CRISIS_CATEGORIES} | {c: "trauma" for c in TRAUMA_CATEGORIES}
_ORDER = {c: i for i, c in enumerate(CRISIS_CATEGORIES + TRAUMA_CATEGORIES)}


def level_rank(level: str) -> int:
    """0 for none, 1 for trauma, 2 for crisis (unknown levels count as none)."""
    return LEVELS.index(level) if level in LEVELS else 0


def sort_categories(categories: set[str] | list[str]) -> list[str]:
    """Crisis categories first, then trauma ones, each in the issue's order."""
    return sorted(set(categories), key=lambda c: _ORDER.get(c, len(_ORDER)))


@dataclass
class SafetyResult:
    """Level, categories and evidence. `to_dict()` is the CLI and gateway contract.

    `by_model` is true when the statistical classifier raised the level above what the rules
    found; `scores` holds its probabilities (empty when the classifier did not run); `signals`
    names the rule groups that fired (data/safety/*.yml ids), for reviewers and the handoff.
    """

    level: str = "none"
    categories: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    by_model: bool = False
    scores: dict[str, float] = field(default_factory=dict)
    signals: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "level": self.level,
            "categories": list(self.categories),
            "matched": list(self.matched),
        }

    @property
    def flagged(self) -> bool:
        return self.level != "none"
