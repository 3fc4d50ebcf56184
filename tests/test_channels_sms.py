"""SMS end to end: the real gateway on loopback, twilio's own library, and a fake Twilio.

The fake posts signed webhooks as Twilio does and serves the Messages REST API; the gateway
checks signatures with twilio's RequestValidator and sends with twilio's REST client.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.channels.gsm import PART_GSM, SINGLE_GSM, is_gsm, sms_length
from bot.channels.texts import channel_text
from bot.config import Settings
from tests.conftest import FakeRasa, free_port
from tests.fakes.gateway import Gateway, wait_for
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    FakeTwilio,
    twilio_signature,
)

LONG_ANSWER = (
    "You can get a free hot meal at the day centre \u2014 it\u2019s open most days\u2026 "
    "Bring nothing, just come in \U0001f642. Staff can also help you charge your phone, "
    "have a shower and get clean clothes. If you want help with forms, ask for a "
    "\u201cnavigator\u201d. They can sit with you and go through each one, step by step. "
    "You do not need to book. If you are not sure where it is, just ask me again."
)
_numbers = itertools.count(100)


def assistant(body: dict[str, Any]) -> tuple[int, Any]:
    """Rasa's REST channel: an echo, or a long answer for "long please"."""
    text = LONG_ANSWER if body["message"] == "long please" else f"echo: {body['message']}"
    return 200, [{"recipient_id": body["sender"], "text": text}]


def sms_settings(base: Settings, twilio: FakeTwilio, rasa_url: str, **overrides: Any) -> Settings:
    port = free_port()
    values: dict[str, Any] = {
        "port": port,
        "public_url": f"http://127.0.0.1:{port}",
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_from_number": OUR_NUMBER,
        "twilio_api_url": twilio.url,
        "rasa_url_override": rasa_url,
        "outbound_retry_base_seconds": 0.05,
        "outbound_retry_max_seconds": 0.3,
        "outbound_poll_seconds": 0.05,
    }
    values.update(overrides)
    return replace(base, **values)


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    with FakeRasa(assistant) as server:
        yield server


@pytest.fixture(scope="module")
def gw(tmp_path_factory, twilio: FakeTwilio, rasa: FakeRasa) -> Iterator[Gateway]:
    """One gateway for this module; each test texts from numbers of its own."""
    folder = tmp_path_factory.mktemp("sms")
    dead = free_port()
    base = Settings(
        var_dir=folder / "var",
        models_dir=folder / "models",
        action_url_override=f"http://127.0.0.1:{dead}",
        rasa_timeout=2.0,
    )
    with Gateway(sms_settings(base, twilio, rasa.url)) as gateway:
        yield gateway


@pytest.fixture(autouse=True)
def fresh_twilio(twilio: FakeTwilio) -> None:
    twilio.failures.clear()
    twilio.recover()
    twilio.report_delivery = True


@pytest.fixture
def number() -> str:
    return f"+4477009{next(_numbers):05d}"


def parts_of(key: str) -> int:
    """How many SMS a channels.yml text goes out as."""
    text = channel_text(key, "sms")
    return 1 if sms_length(text) <= SINGLE_GSM else -(-sms_length(text) // PART_GSM)


def fewest_sms(text: str) -> int:
    """The fewest 153-character SMS that hold `text` without cutting a word (greedy packing)."""
    count, line = 1, ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if sms_length(candidate) > PART_GSM:
            count, line = count + 1, word
        else:
            line = candidate
    return count


def hook(gw: Gateway) -> str:
    return gw.url + "/webhooks/twilio"


def test_sms_in_reply_out_through_the_rest_api_with_delivery_reports(gw, twilio, number) -> None:
    response = twilio.sms(hook(gw), number, "where can I get food")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response></Response>" in response.text  # answered at once; replies go by REST
    intro_parts = parts_of("intro")
    wait_for(lambda: len(twilio.bodies(number)) == intro_parts + 1)
    wait_for(lambda: all(m["status"] == "delivered" for m in gw.messages_of("sms", number, "out")))
    inbound = gw.messages_of("sms", number, "in")
    outbound = gw.messages_of("sms", number, "out")
    sent = [m for m in twilio.messages if m["To"] == number]
    assert [m["text"] for m in inbound] == ["where can I get food"]
    assert inbound[0]["external_id"].startswith("SM")
    assert [m["purpose"] for m in outbound] == ["intro", None]
    assert twilio.bodies(number)[-1] == "echo: where can I get food"
    assert " ".join(twilio.bodies(number)[:-1]) == channel_text("intro", "sms")
    for message in sent:
        assert message["From"] == OUR_NUMBER
        assert message["StatusCallback"] == f"{gw.url}/webhooks/twilio/status"
    assert outbound[1]["provider_id"] == sent[-1]["sid"]
    # The fake records a status callback once the gateway has answered it, which can be just
    # after the gateway marked the message delivered: wait for the records, then check them.
    sids = {m["sid"] for m in sent}
    wait_for(lambda: len([r for r in twilio.reports if r[0] in sids]) >= 2 * len(sent))
    reports = [code for sid, _, code in twilio.reports if sid in sids]
    assert reports == [204] * 2 * len(sent)


def test_forged_and_tampered_webhooks_are_refused(gw, twilio, number) -> None:
    attempts_before = twilio.attempts
    params = twilio.inbound_params(number, "hello")
    good = twilio_signature(AUTH_TOKEN, hook(gw), params)
    attempts = {
        "no signature": twilio.post_signed(hook(gw), params, signature=""),
        "made up": twilio.post_signed(hook(gw), params, signature="bm90IGEgc2lnbmF0dXJl"),
        "other token": twilio.post_signed(
            hook(gw), params, signature=twilio_signature("another-token", hook(gw), params)
        ),
        "body changed": twilio.post_signed(
            hook(gw), {**params, "Body": "send money"}, signature=good
        ),
        "other url": twilio.post_signed(hook(gw), params, sign_url=gw.url + "/webhooks/other"),
        "other account": twilio.post_signed(hook(gw), {**params, "AccountSid": "AC" + "2" * 32}),
        "status forged": twilio.post_signed(
            gw.url + "/webhooks/twilio/status",
            {"MessageSid": "SM1", "MessageStatus": "delivered"},
            signature=good,
        ),
    }
    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 403)
    assert gw.client("sms", number) == {} and twilio.attempts == attempts_before


def test_replayed_webhooks_are_stored_and_answered_once(gw, twilio, rasa, number) -> None:
    params = twilio.inbound_params(number, "is the food bank open")
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: twilio.post_signed(hook(gw), params).status_code, range(4)))
    wait_for(lambda: gw.settled("sms", number, 2))
    codes.append(twilio.post_signed(hook(gw), params).status_code)  # replayed later
    wait_for(lambda: len(twilio.bodies(number)) == parts_of("intro") + 1)
    inbound = gw.messages_of("sms", number, "in")
    asked = [b for b in rasa.received if b["message"] == "is the food bank open"]
    assert codes == [200] * 5
    assert len(inbound) == 1 and inbound[0]["external_id"] == params["MessageSid"]
    assert twilio.bodies(number).count("echo: is the food bank open") == 1
    assert len(asked) == 1


def test_signature_is_checked_against_public_url_behind_a_proxy(settings, twilio, rasa) -> None:
    public = "https://navigator.example.org"
    twilio.report_delivery = False
    number = "+447700900999"
    with Gateway(sms_settings(settings, twilio, rasa.url, public_url=public)) as proxied:
        local = proxied.url + "/webhooks/twilio?source=sms"
        signed_public = twilio.sms(
            local, number, "hello", sign_url=public + "/webhooks/twilio?source=sms"
        )
        signed_local = twilio.sms(local, number, "hello again")
        no_query = twilio.sms(local, number, "hi", sign_url=public + "/webhooks/twilio")
        wait_for(lambda: proxied.settled("sms", number, 2))
        inbound = [m["text"] for m in proxied.messages_of("sms", number, "in")]
    codes = (signed_public.status_code, signed_local.status_code, no_query.status_code)
    assert codes == (200, 403, 403)
    assert inbound == ["hello"]
    sent = [m for m in twilio.messages if m["To"] == number]
    assert sent[0]["StatusCallback"] == public + "/webhooks/twilio/status"


def test_stop_confirms_then_nothing_until_start(gw, twilio, rasa, number) -> None:
    twilio.sms(hook(gw), number, "hello")
    wait_for(lambda: "echo: hello" in twilio.bodies(number))
    before = len(twilio.bodies(number))
    twilio.sms(hook(gw), number, "Stop.")
    wait_for(lambda: gw.settled("sms", number, 3))
    assert gw.client("sms", number)["opted_out"] == 1
    after_stop = len(twilio.bodies(number))
    twilio.sms(hook(gw), number, "are you still there")
    wait_for(lambda: len(gw.messages_of("sms", number, "in")) == 3)
    silent = gw.messages_of("sms", number, "in")[-1]
    assert silent["status"] == "unanswered" and "stopped" in silent["last_error"]
    assert len(twilio.bodies(number)) == after_stop
    twilio.sms(hook(gw), number, "START")
    wait_for(lambda: len(twilio.bodies(number)) > after_stop)
    twilio.sms(hook(gw), number, "hello again")
    wait_for(lambda: "echo: hello again" in twilio.bodies(number))
    client = gw.client("sms", number)
    events = gw.rows(
        "SELECT kind FROM conversation_events WHERE client_id = ? ORDER BY id", (client["id"],)
    )
    bodies = twilio.bodies(number)
    stop_text = " ".join(bodies[before:after_stop])
    assert stop_text == channel_text("stop_confirmed", "sms") and "START" in stop_text
    assert not [b for b in rasa.received if b["message"] == "are you still there"]
    assert bodies[after_stop] == channel_text("start_confirmed", "sms")
    assert client["opted_out"] == 0
    assert [e["kind"] for e in events] == ["opted_out", "opted_in"]


def test_safety_screen_runs_before_stop_words(gw, twilio, number) -> None:
    twilio.sms(hook(gw), number, "stop, i want to die")
    wait_for(lambda: gw.settled("sms", number, 3))
    client = gw.client("sms", number)
    handoffs = gw.rows("SELECT priority, level FROM handoffs WHERE client_id = ?", (client["id"],))
    outbound = gw.messages_of("sms", number, "out")
    assert client["opted_out"] == 0
    assert handoffs == [{"priority": "urgent", "level": "crisis"}]
    assert "116 123" in outbound[0]["text"]  # the safety reply comes first
    assert outbound[-1]["purpose"] == "intro"  # the introduction after it
    assert twilio.bodies(number)[0].startswith(outbound[0]["text"][:40])
    # With a navigator on the way, keywords other than STOP are for the navigator to read.
    for text in ("help", "END"):
        twilio.sms(hook(gw), number, text)
    twilio.sms(hook(gw), number, "", media=["image/jpeg"])
    wait_for(lambda: len(gw.messages_of("sms", number, "in")) == 4)
    later = gw.messages_of("sms", number, "in")[1:]
    assert [m["status"] for m in later] == ["to_navigator"] * 3
    assert sorted(m["text"] for m in later) == ["END", "[picture]", "help"]
    sent = [m["text"] for m in gw.messages_of("sms", number, "out")]
    assert channel_text("help", "sms") not in sent and channel_text("stop_check", "sms") not in sent
    assert channel_text("media_reply", "sms") not in sent


@pytest.mark.parametrize("word", ["END", "quit", "Cancel."])
def test_end_quit_cancel_ask_before_anything_stops(gw, twilio, number, word) -> None:
    twilio.sms(hook(gw), number, word)
    wait_for(lambda: gw.settled("sms", number, 2))
    texts = [m["text"] for m in gw.messages_of("sms", number, "out")]
    assert gw.client("sms", number)["opted_out"] == 0
    assert texts[-1] == channel_text("stop_check", "sms") and "STOP" in texts[-1]


def test_an_opt_out_twilio_answered_itself_is_recorded_without_a_second_reply(
    gw, twilio, number
) -> None:
    response = twilio.sms(hook(gw), number, "end", opt_out_type="STOP")
    wait_for(lambda: gw.messages_of("sms", number, "in"))
    assert response.status_code == 200
    assert gw.client("sms", number)["opted_out"] == 1
    assert gw.messages_of("sms", number, "out") == [] and twilio.bodies(number) == []


def test_pictures_and_voice_notes_get_a_kind_reply(gw, twilio, rasa, number) -> None:
    twilio.sms(hook(gw), number, "", media=["image/jpeg"])
    wait_for(lambda: gw.settled("sms", number, 2))
    twilio.sms(hook(gw), number, "this is my letter", media=["image/png"])
    wait_for(lambda: gw.settled("sms", number, 4))
    twilio.sms(hook(gw), number, "", media=["audio/amr"])
    wait_for(lambda: gw.settled("sms", number, 5))
    inbound = [m["text"] for m in gw.messages_of("sms", number, "in")]
    texts = [m["text"] for m in gw.messages_of("sms", number, "out")]
    assert inbound == ["[picture]", "this is my letter", "[voice note]"]
    assert texts[1] == channel_text("media_reply", "sms")
    assert texts[2:4] == ["echo: this is my letter", channel_text("media_with_words", "sms")]
    assert texts[4] == channel_text("media_reply", "sms")
    assert "[picture]" not in [b["message"] for b in rasa.received]


def test_provider_outage_then_recovery_loses_nothing_and_doubles_nothing(
    gw, twilio, number
) -> None:
    twilio.outage(0)  # connections dropped
    for index in range(3):  # each answer is stored before the next question
        assert twilio.sms(hook(gw), number, f"question {index}").status_code == 200
        wait_for(lambda i=index: len(gw.messages_of("sms", number, "out")) == i + 2)
    start = twilio.attempts
    wait_for(lambda: twilio.attempts >= start + 3)
    twilio.outage(500)
    wait_for(lambda: twilio.attempts >= start + 6)
    waiting = gw.messages_of("sms", number, "out")
    twilio.recover()
    twilio.fail_next(2, 429)
    wait_for(lambda: gw.settled("sms", number, 4))
    outbound = gw.messages_of("sms", number, "out")
    echoes = [b for b in twilio.bodies(number) if b.startswith("echo:")]
    assert all(m["status"] in ("pending", "sending") for m in waiting)
    assert any("500" in (m["last_error"] or "") for m in waiting)
    assert echoes == [f"echo: question {i}" for i in range(3)]  # once each, in order
    assert len(twilio.bodies(number)) == parts_of("intro") + 3
    assert all(m["status"] in ("sent", "delivered") for m in outbound)
    assert max(m["attempts"] for m in outbound) > 1


def test_a_number_that_opted_out_at_twilio_is_marked(gw, twilio, number) -> None:
    twilio.fail_next(1, 400, 21610)
    twilio.sms(hook(gw), number, "hello")
    wait_for(lambda: gw.settled("sms", number, 2))
    first, second = gw.messages_of("sms", number, "out")
    assert first["status"] == "failed" and "21610" in first["last_error"]
    assert second["status"] == "failed" and "stopped messages" in second["last_error"]
    assert gw.client("sms", number)["opted_out"] == 1


def test_long_replies_go_as_gsm7_sms_cut_at_sentences(gw, twilio, number) -> None:
    twilio.sms(hook(gw), number, "long please")
    wait_for(lambda: gw.settled("sms", number, 2))
    reply = gw.messages_of("sms", number, "out")[-1]
    parts = gw.rows(
        "SELECT text FROM outbound_parts WHERE message_id = ? ORDER BY seq", (reply["id"],)
    )
    bodies = [p["text"] for p in parts]
    joined = " ".join(bodies)
    assert reply["text"] == LONG_ANSWER
    assert bodies == twilio.bodies(number)[-len(bodies) :]
    assert len(bodies) == fewest_sms(joined) == 3
    assert all(is_gsm(b) and sms_length(b) <= PART_GSM for b in bodies)
    assert all(re.search(r"[.!?]$", b) for b in bodies[:-1])  # cut at sentence ends
    assert "\u2019" not in joined and "centre - it's open most days..." in joined
    assert '"navigator"' in joined and "come in :)." in joined


def test_two_hundred_concurrent_sms_none_lost_none_doubled(gw, twilio) -> None:
    twilio.report_delivery = False
    numbers = [f"+4477008{i:05d}" for i in range(50)]
    messages = [(numbers[i % 50], f"msg-{i}") for i in range(200)]
    requests = [twilio.inbound_params(number, text) for number, text in messages]
    requests += requests[::10]  # Twilio retries 20 of them

    def post(params: dict[str, Any]) -> int:
        return twilio.post_signed(hook(gw), params).status_code

    with ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(post, requests))
    intro_parts = parts_of("intro")
    mine = set(numbers)

    def sent() -> list[dict[str, Any]]:
        return [m for m in twilio.messages if m["To"] in mine]

    wait_for(lambda: len(sent()) >= 200 + 50 * intro_parts, timeout=60)
    wait_for(lambda: all(gw.settled("sms", n, 5) for n in numbers), timeout=30)
    inbound = [m for n in numbers for m in gw.messages_of("sms", n, "in")]
    outbound = [m for n in numbers for m in gw.messages_of("sms", n, "out")]
    assert codes == [200] * 220
    assert len(inbound) == 200 and len({m["external_id"] for m in inbound}) == 200
    assert sorted(m["text"] for m in inbound) == sorted(text for _, text in messages)
    echoes = Counter(m["Body"] for m in sent() if m["Body"].startswith("echo: "))
    assert echoes == Counter(f"echo: msg-{i}" for i in range(200))
    intro_start = channel_text("intro", "sms")[:30]
    intros = Counter(m["To"] for m in sent() if m["Body"].startswith(intro_start))
    assert intros == Counter(numbers)  # one introduction each
    assert len(sent()) == 200 + 50 * intro_parts
    assert len(outbound) == 250 and all(m["status"] == "sent" for m in outbound)


def test_healthz_shows_channels_without_failing(gw, settings) -> None:
    on = gw.http.get("/healthz")
    with TestClient(create_app(settings)) as app:
        off = app.get("/healthz")
        refused = app.post("/webhooks/twilio", data={"Body": "hi"})
    assert on.status_code == off.status_code == 503  # only because Rasa's actions are down
    assert on.json()["channels"]["sms"]["state"] == "on"
    assert off.json()["channels"]["sms"] == {"state": "off"}
    assert off.json()["channels"]["telegram"] == {"state": "off"}
    assert set(off.json()["components"]) == {"store", "rasa", "action_server"}
    assert refused.status_code == 404
