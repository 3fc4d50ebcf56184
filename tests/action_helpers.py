"""Running custom actions the way the action server does, for unit tests."""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.rasa_model import ROOT

STANDARD_KEYS = {
    "text",
    "buttons",
    "elements",
    "custom",
    "template",
    "response",
    "image",
    "attachment",
}
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def make_tracker(
    text: str,
    intent: str = "set_reminder",
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    active_loop: str | None = None,
    requested_slot: str | None = None,
) -> Tracker:
    all_slots = {name: None for name in DOMAIN.get("slots", {})}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested_slot
    return Tracker.from_dict(
        {
            "sender_id": "client-1",
            "slots": all_slots,
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.95},
                "entities": [],
                "metadata": metadata or {},
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def run_action(action: Action, tracker: Tracker) -> tuple[CollectingDispatcher, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher, events


def slots_from(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [m.get("response") for m in dispatcher.messages]


def render(dispatcher: CollectingDispatcher, slots: dict[str, Any] | None = None) -> list[str]:
    """The texts the client would read (responses filled in from the domain)."""
    out = []
    for message in dispatcher.messages:
        if message.get("text"):
            out.append(message["text"])
        elif message.get("response"):
            template = DOMAIN["responses"][message["response"]][0]["text"]
            values = dict(slots or {})
            values.update({k: v for k, v in message.items() if k not in STANDARD_KEYS})
            out.append(template.format(**values))
    return out


def domain_text(response: str, **values: Any) -> str:
    return DOMAIN["responses"][response][0]["text"].format(**values)
