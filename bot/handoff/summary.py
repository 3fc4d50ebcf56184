"""The summary a navigator reads first, so the client never has to re-tell their story."""

from __future__ import annotations

from typing import Any

from bot.conversations import ConversationStore
from bot.handoff.service import HandoffService
from bot.reminders.store import ReminderStore
from bot.store import loads_list

# How many of the client's own recent messages the summary quotes.
RECENT_ASKS = 5


def build_summary(
    handoff_id: int,
    handoffs: HandoffService,
    conversations: ConversationStore,
    reminders: ReminderStore,
) -> dict[str, Any]:
    handoff = handoffs.get(handoff_id)
    client_id = handoff["client_id"]
    transcript = conversations.transcript(client_id, limit=1000)
    asks = [m for m in transcript if m["direction"] == "in" and (m["text"] or "").strip()]
    signals = [
        {
            "at": m["created_at"],
            "level": m["safety_level"],
            "categories": loads_list(m["safety_categories"]),
            "text": m["text"],
        }
        for m in transcript
        if m["direction"] == "in" and m["safety_level"] in ("crisis", "trauma")
    ]
    earlier = [h for h in handoffs.history(client_id) if h["id"] != handoff_id]
    addresses = conversations.addresses(client_id)
    return {
        "handoff_id": handoff_id,
        "client_id": client_id,
        "channel": addresses[0]["channel"] if addresses else None,
        "reason": handoff["reason"],
        "level": handoff["level"],
        "priority": handoff["priority"],
        "categories": handoff["categories"],
        "trigger": {"text": handoff.get("trigger_text"), "at": handoff["created_at"]},
        "signals": signals,
        "recent_asks": [{"at": m["created_at"], "text": m["text"]} for m in asks[-RECENT_ASKS:]],
        "unanswered": [
            {"at": m["created_at"], "text": m["text"]} for m in asks if m["status"] == "unanswered"
        ],
        "reminders": [
            {"what": r["what"], "due": r["due_utc"], "kind": r["kind"]}
            for r in reminders.upcoming(client_id)
        ],
        "earlier_handoffs": [
            {
                "id": h["id"],
                "at": h["created_at"],
                "reason": h["reason"],
                "level": h["level"],
                "navigator": h.get("navigator"),
                "state": h["state"],
            }
            for h in earlier
        ],
        "first_contact": transcript[0]["created_at"] if transcript else None,
        "messages": len(transcript),
    }
