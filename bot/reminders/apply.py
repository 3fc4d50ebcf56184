"""Applies the reminder requests that Rasa's actions send as custom payloads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.reminders.store import ReminderError, ReminderStore

DAY_BEFORE = timedelta(days=1)


class ReminderRequestError(ValueError):
    """The request was malformed or could not be carried out."""


def _due(value: Any) -> datetime:
    try:
        due = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise ReminderRequestError(f"bad due time {value!r}") from error
    if due.tzinfo is None:
        raise ReminderRequestError(f"due time without an offset: {value!r}")
    return due


def apply_reminder_request(
    store: ReminderStore, client_id: int, channel: str, request: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    """Carry out {"op": "create"|"cancel"|"reschedule", ...}; returns the reminders touched."""
    op = request.get("op")
    try:
        if op == "create":
            due = _due(request.get("due"))
            if due <= now:
                raise ReminderRequestError("the time has already gone")
            what = str(request.get("what") or "").strip()
            made = [store.add(client_id, channel, what, due)]
            if request.get("day_before") and due - DAY_BEFORE > now:
                made.append(
                    store.add(
                        client_id,
                        channel,
                        what,
                        due - DAY_BEFORE,
                        kind="day_before",
                        appointment=due,
                    )
                )
            return made
        if op == "cancel":
            return [store.cancel(client_id, int(request["id"]))]
        if op == "reschedule":
            return [store.reschedule(client_id, int(request["id"]), _due(request.get("due")))]
    except (ReminderError, KeyError, TypeError, ValueError) as error:
        raise ReminderRequestError(str(error)) from error
    raise ReminderRequestError(f"unknown reminder op {op!r}")
