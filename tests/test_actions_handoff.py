"""action_request_human, run as the action server runs it (Tracker.from_dict, CollectingDispatcher)."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import HANDOFF_KEY, ActionRequestHuman


def tracker_with(text: str, intent: str) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "client-1",
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def test_asks_gateway_for_a_handoff_and_sends_no_text_itself() -> None:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionRequestHuman().run(
            dispatcher, tracker_with("can i talk to a real person", "request_human"), {}
        )
    )
    assert events == []
    assert len(dispatcher.messages) == 1
    message = dispatcher.messages[0]
    assert not message.get("text")
    assert message["custom"][HANDOFF_KEY] == {
        "reason": "client_request",
        "intent": "request_human",
        "text": "can i talk to a real person",
    }


def test_action_name_matches_domain() -> None:
    import yaml

    with open("domain.yml") as handle:
        domain = yaml.safe_load(handle)
    assert ActionRequestHuman().name() in domain["actions"]
