"""Asking for a person: the action tells the gateway, which owns handoffs and knows who is on duty."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# The gateway looks for this key in the custom payloads of Rasa's replies.
HANDOFF_KEY = "handoff"


class ActionRequestHuman(Action):
    """Record that the client asked for a person.

    The words the client then reads depend on whether a navigator is on duty, which only the
    gateway knows, so this action sends no text: it sends a custom payload the gateway acts on.
    """

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        dispatcher.utter_message(
            json_message={
                HANDOFF_KEY: {
                    "reason": "client_request",
                    "intent": (latest.get("intent") or {}).get("name"),
                    "text": latest.get("text"),
                }
            }
        )
        return []
