"""The safety screen: every inbound message is checked for crisis and trauma signals first.

    from bot.safety import screen, SafetyResult
    r = screen("text")          # r.level: "crisis" | "trauma" | "none"
    r.to_dict()                 # {"level", "categories", "matched"}

See data/safety/README.md for the layers and how staff review the word lists.
"""

from .result import SafetyResult
from .screener import screen, status, warm_up

__all__ = ["SafetyResult", "screen", "status", "warm_up"]
