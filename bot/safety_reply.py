"""The first reply to a crisis: warm words and the safety contacts that fit what was said."""

from __future__ import annotations

from bot import content


def crisis_reply(categories: list[str]) -> str:
    """Opening of the first category, then each fitting contact line once."""
    data = content.load("safety_replies")
    known = data["categories"]
    found = [c for c in categories if c in known] or ["default"]
    lines = [str(known[found[0]]["opening"]).strip()]
    for category in found:
        for key in known[category]["contacts"]:
            line = str(data["contacts"][key]).strip()
            if line not in lines:
                lines.append(line)
    return " ".join(lines)
