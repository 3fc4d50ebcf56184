"""Safety signals and handoffs through the gateway: crisis, trauma offer, asking for a person,
messages while queued or held, escalation, duty and the navigator's summary."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from starlette.testclient import TestClient

from bot import content
from bot.app import create_app
from bot.config import Settings
from bot.handoff.duty import Rota, describe_time
from bot.handoff.summary import build_summary

CRISIS = "i cant do this anymore, im going to take all my pills tonight"
TRAUMA = "my stepdad used to beat me when i was a kid, thats why i left home"


def rasa_says(text: str, custom: dict[str, Any] | None = None):
    def reply(body: dict[str, Any]) -> tuple[int, Any]:
        items: list[dict[str, Any]] = [{"recipient_id": body["sender"], "text": text}]
        if custom:
            items.append({"recipient_id": body["sender"], "custom": custom})
        return 200, items

    return reply


def chat(app: TestClient, client_id: str, text: str) -> dict[str, Any]:
    response = app.post("/api/chat", json={"client_id": client_id, "text": text})
    assert response.status_code == 200
    return response.json()


def texts(body: dict[str, Any]) -> list[str]:
    return [r["text"] for r in body["replies"]]


def test_crisis_gets_safety_contacts_and_an_urgent_handoff_without_rasa(settings: Settings) -> None:
    with TestClient(create_app(settings)) as app:
        body = chat(app, "c1", CRISIS)
        services = app.app.state.services
        queue = services.handoffs.queue()
    assert body["handoff"]["priority"] == "urgent" and body["handoff"]["state"] == "queued"
    assert body["handoff"]["level"] == "crisis"
    first = texts(body)[0]
    assert "999" in first and "116 123" in first
    # Nobody is on duty in a fresh store: say so honestly, never promise a person.
    assert texts(body)[1].startswith("Our navigators are not at work right now")
    assert [h["priority"] for h in queue] == ["urgent"]
    assert queue[0]["trigger_text"] == CRISIS


def test_crisis_reply_says_a_navigator_is_coming_when_one_is_on_duty(settings: Settings) -> None:
    with TestClient(create_app(settings)) as app:
        app.app.state.services.handoffs.set_presence("sam", "Sam Jones", True)
        body = chat(app, "c2", CRISIS)
    assert texts(body)[1] == content.text("handoff", "urgent_on_duty")


def test_messages_while_queued_go_to_navigators_not_rasa(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(rasa_says("from rasa"))
    with TestClient(create_app(replace(settings, rasa_url_override=rasa.url))) as app:
        chat(app, "c3", CRISIS)
        follow = chat(app, "c3", "where are you")
        again = chat(app, "c3", "hello?")
        db = app.app.state.services.db
        statuses = [
            r["status"] for r in db["messages"].rows_where("direction = 'in'", order_by="id")
        ]
    assert rasa.received == []
    assert texts(follow) == [content.text("handoff", "queued_ack")]
    assert texts(again) == []  # acknowledged once, not after every message
    assert statuses == ["to_navigator", "to_navigator", "to_navigator"]


def test_crisis_inside_an_open_normal_handoff_raises_it_to_urgent(
    settings: Settings, fake_rasa
) -> None:
    rasa = fake_rasa(rasa_says("", {"handoff": {"reason": "client_request"}}))
    with TestClient(create_app(replace(settings, rasa_url_override=rasa.url))) as app:
        asked = chat(app, "c4", "can i talk to a real person")
        assert asked["handoff"]["priority"] == "normal"
        worse = chat(app, "c4", "actually i want to end my life")
        handoff = app.app.state.services.handoffs.get(asked["handoff"]["id"])
    assert worse["handoff"]["id"] == asked["handoff"]["id"]
    assert handoff["priority"] == "urgent" and handoff["level"] == "crisis"
    assert handoff["alerts"] == 2
    assert "116 123" in texts(worse)[0]


def test_trauma_is_acknowledged_gently_and_the_client_chooses(
    settings: Settings, fake_rasa
) -> None:
    rasa = fake_rasa(rasa_says("from rasa"))
    with TestClient(create_app(replace(settings, rasa_url_override=rasa.url))) as app:
        offer = chat(app, "t1", TRAUMA)
        yes = chat(app, "t1", "yes please")
        trigger = app.app.state.services.handoffs.get(yes["handoff"]["id"])["trigger_text"]
    assert texts(offer) == [content.text("handoff", "trauma_offer")]
    assert offer["handoff"] is None
    assert yes["handoff"]["priority"] == "normal" and yes["handoff"]["level"] == "trauma"
    assert yes["handoff"]["categories"]
    assert trigger == TRAUMA
    assert rasa.received == []


def test_trauma_declined_carries_on_and_is_remembered(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(rasa_says("from rasa"))
    with TestClient(create_app(replace(settings, rasa_url_override=rasa.url))) as app:
        chat(app, "t2", TRAUMA)
        no = chat(app, "t2", "no")
        later = chat(app, "t2", "where can i get food")
        services = app.app.state.services
        client, _ = services.conversations.client_for("web", "t2")
        services.handoffs.set_presence("sam", "Sam", True)
        person = services.handoffs.open(
            client["id"], reason="client_request", level="none", categories=[],
            priority="normal", trigger_message_id=None, trigger_text="help",
        )[0]  # fmt: skip
        summary = build_summary(
            person["id"], services.handoffs, services.conversations, services.reminders
        )
    assert texts(no) == [content.text("handoff", "trauma_declined")]
    assert no["handoff"] is None
    assert texts(later) == ["from rasa"]
    assert [s["level"] for s in summary["signals"]] == ["trauma"]
    assert summary["signals"][0]["text"] == TRAUMA


def test_asking_for_a_person_twice_does_not_queue_twice(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(rasa_says("", {"handoff": {"reason": "client_request"}}))
    with TestClient(create_app(replace(settings, rasa_url_override=rasa.url))) as app:
        first = chat(app, "p1", "i want a human")
        services = app.app.state.services
        services.handoffs.end(first["handoff"]["id"], "sam", "returned")
        again = chat(app, "p1", "i want a human again")
        queue = services.handoffs.queue()
    assert again["handoff"]["id"] != first["handoff"]["id"]
    assert len(queue) == 1


def test_navigator_desk_claim_reply_and_return(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(rasa_says("from rasa"))
    with TestClient(create_app(replace(settings, rasa_url_override=rasa.url))) as app:
        services = app.app.state.services
        body = chat(app, "n1", CRISIS)
        handoff_id = body["handoff"]["id"]
        asyncio.run(services.desk.claim(handoff_id, "sam", "Sam Jones"))
        held = chat(app, "n1", "thank you")
        asyncio.run(services.desk.reply(handoff_id, "sam", "I am here. Are you safe right now?"))
        asyncio.run(services.desk.end(handoff_id, "sam", "Sam Jones", "returned"))
        polled = app.get("/api/chat/n1/messages?after=0").json()["messages"]
        back = chat(app, "n1", "where can i get food")
    shown = [m["text"] for m in polled]
    assert content.text("handoff", "claimed", name="Sam") in shown
    assert "I am here. Are you safe right now?" in shown
    assert content.text("handoff", "returned", name="Sam") in shown
    assert held["handoff"]["state"] == "with_navigator" and texts(held) == []
    assert texts(back) == ["from rasa"] and back["handoff"] is None


def test_duty_words_come_from_the_rota() -> None:
    rota = Rota.load()
    friday_night = datetime(2026, 11, 27, 20, 0, tzinfo=timezone.utc)
    start = rota.next_start(friday_night)
    assert start is not None and start.strftime("%A %H:%M") == "Monday 09:00"
    assert describe_time(start, friday_night) == "9am on Monday"
    assert rota.in_hours(datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc))
    assert not rota.in_hours(friday_night)
