"""The gateway over HTTP: /api/chat, /healthz, the web chat page, and Rasa being down or slow.

Rasa is replaced here by a loopback server speaking its REST-channel wire format, so the
gateway's own behaviour can be tested quickly; tests/test_e2e.py runs the real Rasa.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot import content
from bot.app import create_app
from bot.config import Settings


def rasa_echo(body: dict[str, Any]) -> tuple[int, Any]:
    return 200, [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]


def client_for(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def stored_messages(app_client: TestClient) -> list[dict[str, Any]]:
    db = app_client.app.state.services.db
    return list(db["messages"].rows_where(order_by="id"))


def test_chat_stores_message_then_reply(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(rasa_echo)
    with client_for(replace(settings, rasa_url_override=rasa.url)) as app:
        response = app.post("/api/chat", json={"client_id": "t1", "text": "where can i get food"})
        assert response.status_code == 200
        body = response.json()
        assert [r["text"] for r in body["replies"]] == ["echo: where can i get food"]
        assert body["handoff"] is None
        rows = stored_messages(app)
    assert [(r["direction"], r["text"], r["status"]) for r in rows] == [
        ("in", "where can i get food", "answered"),
        ("out", "echo: where can i get food", "delivered"),
    ]
    assert rasa.received[0]["sender"].startswith("client-")


def test_rasa_down_gives_kind_reply_and_keeps_message_unanswered(settings: Settings) -> None:
    with client_for(settings) as app:
        response = app.post("/api/chat", json={"client_id": "t2", "text": "hello there"})
        assert response.status_code == 200
        replies = [r["text"] for r in response.json()["replies"]]
        rows = stored_messages(app)
    assert replies == [content.text("gateway", "assistant_unavailable")]
    assert "116 123" in replies[0]
    assert rows[0]["text"] == "hello there" and rows[0]["status"] == "unanswered"


def test_rasa_slow_times_out_to_the_same_kind_reply(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(rasa_echo, delay=1.5)
    slow = replace(settings, rasa_url_override=rasa.url, rasa_timeout=0.5)
    with client_for(slow) as app:
        response = app.post("/api/chat", json={"client_id": "t3", "text": "hello"})
        rows = stored_messages(app)
    assert [r["text"] for r in response.json()["replies"]] == [
        content.text("gateway", "assistant_unavailable")
    ]
    assert rows[0]["status"] == "unanswered"


def test_rasa_error_status_is_treated_as_down(settings: Settings, fake_rasa) -> None:
    rasa = fake_rasa(lambda body: (500, {"error": "boom"}))
    with client_for(replace(settings, rasa_url_override=rasa.url)) as app:
        response = app.post("/api/chat", json={"client_id": "t4", "text": "hello"})
    assert response.json()["replies"][0]["text"] == content.text("gateway", "assistant_unavailable")


@pytest.mark.parametrize(
    "body, status",
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"text": "hi"}', 400),
        (b'{"client_id": "a b c", "text": "hi"}', 400),
        (b'{"client_id": "ok", "text": 42}', 400),
        (b'{"client_id": "ok", "text": "' + b"x" * 300_000 + b'"}', 413),
    ],
)
def test_bad_requests_get_clear_errors(settings: Settings, body: bytes, status: int) -> None:
    with client_for(settings) as app:
        response = app.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"]


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_message_gets_a_kind_reply_without_rasa(settings: Settings, fake_rasa, text) -> None:
    rasa = fake_rasa(rasa_echo)
    with client_for(replace(settings, rasa_url_override=rasa.url)) as app:
        response = app.post("/api/chat", json={"client_id": "t5", "text": text})
    assert response.json()["replies"][0]["text"] == content.text("gateway", "empty_message")
    assert rasa.received == []


@pytest.mark.parametrize("text", ["😀🙏🏽💔", "\x00\x01\x02 \ufffd\ufffe", "a" * 20_000])
def test_odd_input_never_crashes(settings: Settings, fake_rasa, text: str) -> None:
    rasa = fake_rasa(rasa_echo)
    with client_for(replace(settings, rasa_url_override=rasa.url)) as app:
        response = app.post("/api/chat", json={"client_id": "t6", "text": text})
    assert response.status_code == 200
    assert response.json()["replies"]


def test_healthz_names_each_component(settings: Settings, fake_rasa) -> None:
    with client_for(settings) as app:
        down = app.get("/healthz")
    assert down.status_code == 503
    components = down.json()["components"]
    assert components["store"]["state"] == "up"
    assert components["rasa"]["state"] == "down"
    assert components["action_server"]["state"] == "down"

    rasa = fake_rasa(rasa_echo)
    up_settings = replace(settings, rasa_url_override=rasa.url, action_url_override=rasa.url)
    with client_for(up_settings) as app:
        up = app.get("/healthz")
    assert up.status_code == 200
    assert {c["state"] for c in up.json()["components"].values()} == {"up"}
    # The safety screen is reported but never makes the gateway "unavailable".
    assert up.json()["safety"]["state"] in {"starting", "up", "degraded"}


def test_web_chat_page_is_served_and_labelled(settings: Settings) -> None:
    with client_for(settings) as app:
        page = app.get("/")
        script = app.get("/static/chat.js")
    assert page.status_code == 200 and script.status_code == 200
    assert '<label for="text">' in page.text
    assert 'aria-live="polite"' in page.text
    assert 'lang="en-GB"' in page.text


def test_navigator_style_messages_reach_the_web_chat_by_polling(
    settings: Settings, fake_rasa
) -> None:
    rasa = fake_rasa(rasa_echo)
    with client_for(replace(settings, rasa_url_override=rasa.url)) as app:
        first = app.post("/api/chat", json={"client_id": "t7", "text": "hi"}).json()
        last_id = first["replies"][-1]["id"]
        services = app.app.state.services
        client, _ = services.conversations.client_for("web", "t7")
        services.conversations.add_outbound(client["id"], "web", "Sam here", "navigator", "sam")
        polled = app.get(f"/api/chat/t7/messages?after={last_id}").json()
    assert [(m["text"], m["sender"]) for m in polled["messages"]] == [("Sam here", "navigator")]
