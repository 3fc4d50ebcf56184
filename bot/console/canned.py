"""Canned replies navigators can pick (data/content/canned_replies.yml, edited by staff)."""

from __future__ import annotations

from typing import Any

from bot import content

FILE = "canned_replies"


def canned_replies() -> list[dict[str, str]]:
    """[{"id", "label", "text"}], in the file's order."""
    data: dict[str, Any] = content.load(FILE)
    out = []
    for reply_id, entry in (data.get("replies") or {}).items():
        if isinstance(entry, dict) and entry.get("text"):
            out.append(
                {
                    "id": str(reply_id),
                    "label": str(entry.get("label") or reply_id),
                    "text": " ".join(str(entry["text"]).split()),
                }
            )
    return out


def canned_text(reply_id: str) -> str | None:
    for entry in canned_replies():
        if entry["id"] == reply_id:
            return entry["text"]
    return None
