"""Messages the assistant could not answer, for staff review: which are listed, identifying
details hidden, one click to add one as an example, and what the running model makes of each
(asked once per model). Rasa is a loopback fake speaking its wire format."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from bot.config import ROOT
from bot.staff.redact import redact, without_placeholders
from tests.conftest import FakeRasa
from tests.test_console_support import cheap_hashing, console_client, signed_in
from tests.test_staff_support import faq_text, staff_settings

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
FALLBACK = DOMAIN["utter_default"][0]["text"]
SHOWERS = "Many day centres have free showers. Ask a navigator where the nearest one is."

# What the fake model makes of each message: (intent, confidence, faq, faq confidence).
PARSES = {
    "xyzzy wibble flarp": ("nlu_fallback", 0.3, "", 0.0),
    "my name is John Smith, can my dog come in the hostel, ring 07700 900123": (
        "faq", 0.91, "faq/housing_hostels_supported", 0.31),
    "where can i get a shower": ("faq", 0.97, "faq/washing_showers", 0.95),
    "email me at jo@example.com about a wash": ("faq", 0.52, "faq/washing_showers", 0.7),
    "tuesday at half 10": ("set_reminder", 0.2, "", 0.0),
}  # fmt: skip
REPLIES = {
    "xyzzy wibble flarp": FALLBACK,
    "where can i get a shower": SHOWERS,
    "set a reminder for probation": DOMAIN["utter_ask_reminder_when"][0]["text"],
}


class Rasa:
    def __init__(self) -> None:
        self.parsed: list[str] = []

    def reply(self, body: dict[str, Any]) -> tuple[int, Any]:
        if "sender" in body:  # the REST channel
            text = REPLIES.get(body["message"], "OK, here is what I know.")
            return 200, [{"recipient_id": body["sender"], "text": text}]
        self.parsed.append(body["text"])  # /model/parse
        intent, confidence, faq, faq_confidence = PARSES.get(body["text"], ("greet", 0.99, "", 0))
        selector = {"faq": {"response": {"intent_response_key": faq, "confidence": faq_confidence}}}
        return 200, {
            "text": body["text"],
            "intent": {"name": intent, "confidence": confidence},
            "response_selector": selector,
        }


@pytest.fixture
def rasa(fake_rasa) -> Iterator[tuple[Rasa, FakeRasa]]:
    behaviour = Rasa()
    yield behaviour, fake_rasa(behaviour.reply)


@pytest.fixture
def app(tmp_path, rasa) -> Iterator[TestClient]:
    _, server = rasa
    settings = staff_settings(tmp_path, 1, rasa_url_override=server.url)
    with cheap_hashing(), console_client(settings) as client:
        client.root = settings.root  # type: ignore[attr-defined]
        for text in [
            *PARSES,
            "set a reminder for probation",
            "i want to end my life tonight",
        ]:
            if text == "tuesday at half 10":
                continue
            assert (
                client.post("/api/chat", json={"client_id": "c1", "text": text}).status_code == 200
            )
        # A reply to the assistant's question: rightly "unsure", so never listed.
        client.post("/api/chat", json={"client_id": "c2", "text": "set a reminder for probation"})
        client.post("/api/chat", json={"client_id": "c2", "text": "tuesday at half 10"})
        yield client


def listed(app: TestClient) -> dict[str, dict[str, Any]]:
    data = app.get("/api/console/staff/review").json()
    return {m["text"]: m for m in data["messages"]}


def test_identifying_details_are_hidden() -> None:
    cases = {
        "my name is John Smith and i need a bed": "my name is [name] and i need a bed",
        "hi its Dave, can u help": "hi its [name], can u help",
        "ring me on 07700 900123 or +44 7700 900 123": "ring me on [phone] or [phone]",
        "email jo.bloggs@mail.co.uk": "email [email]",
        "i live at 12 Lozells Road B19 2XY": "i live at [address] [postcode]",
        "my ni number is AB 12 34 56 C": "my ni number is [NI number]",
        "dob 12/03/1990, nhs number 485 777 3456": "[date of birth], nhs number [phone]",
        "call me Jo please": "call me [name] please",
    }
    for text, hidden in cases.items():
        assert redact(text) == hidden
    for kept in ["im homeless tonight", "i am scared", "this is urgent", "Samaritans 116 123",
                 "court on 12/05 at 10:30", "need the b12 bus"]:  # fmt: skip
        assert redact(kept) == kept
    assert without_placeholders(redact("hi its Dave, can u help")) == "hi its, can u help"


def test_unanswered_and_unsure_messages_are_listed_without_who_sent_them(
    app: TestClient, rasa
) -> None:
    signed_in(app, "kim")
    found = listed(app)
    assert found["xyzzy wibble flarp"]["reason"] == "fallback"
    named = found["my name is [name], can my dog come in the hostel, ring [phone]"]
    assert named["reason"] == "low_confidence"
    assert named["understood"] == {
        "intent": "faq",
        "confidence": 0.91,
        "faq": "faq/housing_hostels_supported",
        "faq_confidence": 0.31,
    }
    assert named["example"] == "my name is, can my dog come in the hostel, ring"
    assert found["email me at [email] about a wash"]["reason"] == "low_confidence"
    assert len(found) == 3  # not the confident one, not the crisis, not the answer to a question
    raw = app.get("/api/console/staff/review").text
    for secret in ("John Smith", "07700", "jo@example.com", "end my life", "client_id", "c1"):
        assert secret not in raw
    # Each message is asked about once per model.
    behaviour, _ = rasa
    asked = len(behaviour.parsed)
    listed(app)
    assert len(behaviour.parsed) == asked


def test_one_click_adds_a_message_as_an_example_and_takes_it_off_the_list(app: TestClient) -> None:
    signed_in(app, "kim")
    page = app.get("/console/staff/review")
    assert "Messages to review" in page.text and "John Smith" not in page.text
    message_id = listed(app)["email me at [email] about a wash"]["id"]
    response = app.post(
        "/console/staff/review/add",
        data={"csrf_token": TOKEN.search(page.text).group(1), "message_id": str(message_id),  # type: ignore[union-attr]
              "intent": "faq/washing_showers", "text": "email me about a wash"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert "    - email me about a wash\n" in faq_text(app.root, "washing_showers")  # type: ignore[attr-defined]
    assert "email me at [email] about a wash" not in listed(app)
    headers = signed_in(app, "kim")
    fallback_id = listed(app)["xyzzy wibble flarp"]["id"]
    assert app.post(
        "/api/console/staff/review/dismiss", headers=headers, json={"message_id": fallback_id}
    ).json() == {"dismissed": fallback_id}
    named_id = listed(app)["my name is [name], can my dog come in the hostel, ring [phone]"]["id"]
    refused = app.post(
        "/api/console/staff/review/add",
        headers=headers,
        json={"message_id": named_id, "intent": "faq/washing_showers",
              "text": "my name is John Smith can i shower"},
    )  # fmt: skip
    assert refused.status_code == 400 and "could identify someone" in refused.json()["error"]
    added = app.post(
        "/api/console/staff/review/add",
        headers=headers,
        json={"message_id": named_id, "intent": "faq/housing_hostels_supported"},
    )
    assert added.status_code == 200, added.text
    hostels = faq_text(app.root, "housing_hostels_supported")  # type: ignore[attr-defined]
    assert "    - my name is, can my dog come in the hostel, ring\n" in hostels
    assert listed(app) == {}
    signed_in(app, "ada")
    entries = app.get("/api/console/audit", params={"actor": "kim"}).json()["entries"]
    done = [
        (e["action"], e["detail"].get("message_id")) for e in entries if "review_" in e["action"]
    ]
    assert ("staff_review_add", message_id) in done
    assert ("staff_review_dismiss", fallback_id) in done
    assert all("email me" not in str(e["detail"]) for e in entries)  # ids, not what clients wrote


def test_with_rasa_down_only_what_it_said_it_could_not_answer_is_listed(
    app: TestClient, rasa
) -> None:
    _, server = rasa
    server.__exit__()
    signed_in(app, "kim")
    data = app.get("/api/console/staff/review").json()
    assert data["model_running"] is False
    assert [m["text"] for m in data["messages"]] == ["xyzzy wibble flarp"]
    assert "The assistant is not running" in app.get("/console/staff/review").text
