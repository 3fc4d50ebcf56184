"""Navigators see, add and cancel the reminders of the client behind a handoff (JSON API)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.console.actions import ActionError
from bot.console.api import _body, _ctx, _error, _handoff_id
from bot.handoff.service import HandoffError
from bot.reminders.parse import parse_reminder
from bot.reminders.spoken import when_words
from bot.reminders.store import ReminderError


def _view(reminder: dict[str, Any]) -> dict[str, Any]:
    due = datetime.fromisoformat(reminder["due_utc"])
    return {
        "id": reminder["id"],
        "what": reminder["what"],
        "due": reminder["due_utc"],
        "when": when_words(due),
        "kind": reminder["kind"],
        "status": reminder["status"],
        "created_by": reminder["created_by"],
    }


def _client(request: Request) -> tuple[int, str]:
    services = _ctx(request).services
    handoff = services.handoffs.get(_handoff_id(request))
    addresses = services.conversations.addresses(handoff["client_id"])
    return handoff["client_id"], addresses[0]["channel"] if addresses else "web"


async def list_reminders(request: Request) -> Response:
    try:
        client_id, _ = _client(request)
    except HandoffError:
        return _error("There is no such conversation.", 404)
    ctx = _ctx(request)
    ctx.audit("reminders_view", handoff_id=_handoff_id(request), client_id=client_id)
    rows = ctx.services.reminders.for_client(client_id)
    return JSONResponse({"reminders": [_view(r) for r in rows]})


async def add_reminder(request: Request) -> Response:
    """{"what": "...", "when": "tuesday at half 10"} or {"what", "due": ISO 8601 with offset}."""
    ctx = _ctx(request)
    try:
        client_id, channel = _client(request)
        body = await _body(request)
    except HandoffError:
        return _error("There is no such conversation.", 404)
    except ActionError as error:
        return _error(str(error), error.status)
    what, when, due_text = body.get("what"), body.get("when"), body.get("due")
    if not isinstance(what, str) or not what.strip():
        return _error("Say what the reminder is for.", 400)
    now = datetime.now(timezone.utc)
    try:
        if isinstance(due_text, str) and due_text:
            due = datetime.fromisoformat(due_text)
            if due.tzinfo is None:
                return _error("due needs a time zone offset, like +00:00.", 400)
        elif isinstance(when, str) and when.strip():
            parsed = parse_reminder(when, now)
            if parsed.due is None:
                return _error(
                    "That time is not clear. Try a day and a time, like Friday 10am.", 400
                )
            due = parsed.due
        else:
            return _error("Say when: 'when' in words, or 'due' as ISO 8601.", 400)
    except ValueError:
        return _error("due must be ISO 8601, like 2026-12-01T10:30:00+00:00.", 400)
    if due <= now:
        return _error("That time has already gone.", 400)
    reminder = ctx.services.reminders.add(
        client_id, channel, what.strip(), due, created_by=ctx.user.user_name
    )
    ctx.audit(
        "reminder_add",
        handoff_id=_handoff_id(request),
        client_id=client_id,
        reminder_id=reminder["id"],
    )
    return JSONResponse({"reminder": _view(reminder)})


async def cancel_reminder(request: Request) -> Response:
    ctx = _ctx(request)
    try:
        client_id, _ = _client(request)
        reminder = ctx.services.reminders.cancel(client_id, int(request.path_params["reminder_id"]))
    except HandoffError:
        return _error("There is no such conversation.", 404)
    except ReminderError as error:
        return _error(f"That reminder cannot be cancelled: {error}.", 409)
    ctx.audit(
        "reminder_cancel",
        handoff_id=_handoff_id(request),
        client_id=client_id,
        reminder_id=reminder["id"],
    )
    return JSONResponse({"reminder": _view(reminder)})
