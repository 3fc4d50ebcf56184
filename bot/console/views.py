"""What the console shows: the queue and one conversation, as plain dicts (pages and JSON)."""

from __future__ import annotations

from typing import Any

from bot.console.canned import canned_replies
from bot.console.continuity import helper_view
from bot.console.render import DELIVERY, LEVELS, REASONS, STATES, duration, when
from bot.console.state import Ctx
from bot.handoff.summary import build_summary
from bot.store import loads_list

TRANSCRIPT_LIMIT = 2000


def _duty_names(ctx: Ctx) -> set[str]:
    return {p["user_name"] for p in ctx.services.handoffs.on_duty()}


def queue_items(ctx: Ctx) -> list[dict[str, Any]]:
    """Open handoffs, most urgent first, then longest waiting, with who holds each."""
    names = ctx.console.users.display_names()
    on_duty = _duty_names(ctx)
    me = ctx.user.user_name
    items = []
    for handoff in ctx.services.handoffs.queue():
        navigator = handoff.get("navigator")
        items.append(
            {
                "id": handoff["id"],
                "client_id": handoff["client_id"],
                "state": handoff["state"],
                "state_words": STATES.get(handoff["state"], handoff["state"]),
                "priority": handoff["priority"],
                "level": handoff["level"],
                "level_words": LEVELS.get(handoff["level"], handoff["level"]),
                "categories": handoff["categories"],
                "reason": handoff["reason"],
                "channel": handoff["channel"],
                "created_at": handoff["created_at"],
                "waiting_seconds": handoff["waiting_seconds"],
                "waiting_words": duration(handoff["waiting_seconds"]),
                "first_words": handoff["first_words"],
                "alerts": handoff.get("alerts") or 0,
                "navigator": navigator,
                "navigator_name": names.get(navigator, navigator) if navigator else None,
                "mine": navigator == me,
                "last_helped_by": helper_view(
                    ctx.services.handoffs, handoff["client_id"], handoff["id"], names, me, on_duty
                ),
            }
        )
    return items


def message_view(message: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    sender = message["sender"]
    author = message.get("author")
    if sender == "client":
        who = "Client"
    elif sender == "navigator":
        who = names.get(author, author or "Navigator")
    elif sender == "system":
        who = f"Automatic message for {names.get(author, author)}" if author else "Automatic"
    else:
        who = "Assistant"
    outgoing = message["direction"] == "out"
    return {
        "id": message["id"],
        "at": message["created_at"],
        "at_words": when(message["created_at"]),
        "direction": message["direction"],
        "sender": sender,
        "author": author,
        "who": who,
        "text": message["text"] or "",
        "channel": message["channel"],
        "status": message["status"],
        "status_words": DELIVERY.get(message["status"], message["status"]),
        "attempts": message.get("attempts") or 0,
        "last_error": message.get("last_error") if outgoing else None,
        "safety_level": message.get("safety_level"),
        "safety_categories": loads_list(message.get("safety_categories")),
    }


def note_view(note: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": note["id"],
        "at": note["created_at"],
        "at_words": when(note["created_at"]),
        "author": note["author"],
        "author_name": names.get(note["author"], note["author"]),
        "text": note["text"],
    }


def permissions(ctx: Ctx, handoff: dict[str, Any]) -> dict[str, bool]:
    """What this user may do to this handoff now."""
    active = handoff["state"] in ("queued", "with_navigator")
    holder = handoff["state"] == "with_navigator" and handoff.get("navigator") == ctx.user.user_name
    admin = ctx.user.role == "admin"
    return {
        "claim": handoff["state"] == "queued",
        "reply": holder,
        "end": active and (holder or admin),
        "note": True,
    }


def conversation(ctx: Ctx, handoff_id: int) -> dict[str, Any]:
    """Summary first, then the whole transcript, notes and canned replies (raises HandoffError)."""
    services = ctx.services
    summary = build_summary(
        handoff_id, services.handoffs, services.conversations, services.reminders
    )
    handoff = services.handoffs.get(handoff_id)
    names = ctx.console.users.display_names()
    on_duty = _duty_names(ctx)
    for earlier in summary["earlier_handoffs"]:
        earlier["navigator_name"] = names.get(earlier["navigator"], earlier["navigator"])
    summary["reason_words"] = REASONS.get(summary["reason"], summary["reason"])
    summary["last_helped_by"] = helper_view(
        services.handoffs, handoff["client_id"], handoff_id, names, ctx.user.user_name, on_duty
    )
    navigator = handoff.get("navigator")
    transcript = services.conversations.transcript(handoff["client_id"], limit=TRANSCRIPT_LIMIT)
    return {
        "handoff": {
            **handoff,
            "state_words": STATES.get(handoff["state"], handoff["state"]),
            "level_words": LEVELS.get(handoff["level"], handoff["level"]),
            "navigator_name": names.get(navigator, navigator) if navigator else None,
            "channel": summary["channel"],
        },
        "summary": summary,
        "transcript": [message_view(m, names) for m in transcript],
        "notes": [note_view(n, names) for n in services.handoffs.notes(handoff_id)],
        "canned_replies": canned_replies(),
        "can": permissions(ctx, handoff),
    }


def new_messages(ctx: Ctx, handoff_id: int, after: int) -> dict[str, Any]:
    """Messages after `after`, and the delivery state of recent outgoing ones."""
    handoff = ctx.services.handoffs.get(handoff_id)
    names = ctx.console.users.display_names()
    recent = ctx.services.conversations.transcript(handoff["client_id"], limit=200)
    return {
        "handoff": {
            "id": handoff["id"],
            "state": handoff["state"],
            "priority": handoff["priority"],
            "level": handoff["level"],
            "navigator": handoff.get("navigator"),
        },
        "messages": [message_view(m, names) for m in recent if m["id"] > after],
        "delivery": {
            str(m["id"]): DELIVERY.get(m["status"], m["status"])
            for m in recent
            if m["direction"] == "out"
        },
    }
