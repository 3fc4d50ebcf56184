"""What the gateway tells the actions with each message (Rasa message metadata).

The gateway owns reminders and the clock; it sends `now` (ISO 8601) and the client's upcoming
`reminders` ([{"id", "what", "due"}]) as metadata, so actions stay pure and testable.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker


def metadata(tracker: Tracker) -> dict[str, Any]:
    latest = tracker.latest_message or {}
    found = latest.get("metadata")
    if isinstance(found, dict) and found:
        return found
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def now(tracker: Tracker) -> datetime:
    value = metadata(tracker).get("now")
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def reminders(tracker: Tracker) -> list[dict[str, Any]]:
    found = metadata(tracker).get("reminders")
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")
