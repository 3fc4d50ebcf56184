"""Telegram end to end: the real gateway on loopback, python-telegram-bot, and a fake Bot API.

The fake answers the Bot API methods the gateway uses (getMe, setWebhook, deleteWebhook,
getUpdates, sendMessage, leaveChat) in Telegram's wire format, and posts updates to the
gateway's webhook with the secret token header, or hands them out through getUpdates.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from bot.channels.background import Background
from bot.channels.telegram import MAX_CHARS, TelegramChannel
from bot.channels.texts import channel_text
from bot.config import Settings
from tests.conftest import FakeRasa, free_port
from tests.fakes.gateway import Gateway, wait_for
from tests.fakes.telegram_api import TOKEN, FakeTelegram

SECRET = "a-webhook-secret_0123456789"
_chats = itertools.count(700001)


def assistant(body: dict[str, Any]) -> tuple[int, Any]:
    return 200, [{"recipient_id": body["sender"], "text": f"echo: {body['message']}"}]


def telegram_settings(base: Settings, telegram: FakeTelegram, rasa_url: str, **extra) -> Settings:
    port = free_port()
    values: dict[str, Any] = {
        "port": port,
        "public_url": f"http://127.0.0.1:{port}",
        "telegram_bot_token": TOKEN,
        "telegram_webhook_secret": SECRET,
        "telegram_api_url": telegram.url,
        "rasa_url_override": rasa_url,
        "outbound_retry_base_seconds": 0.05,
        "outbound_retry_max_seconds": 0.3,
        "outbound_poll_seconds": 0.05,
    }
    values.update(extra)
    return replace(base, **values)


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    with FakeRasa(assistant) as server:
        yield server


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("telegram")
    dead = free_port()
    return Settings(
        var_dir=folder / "var",
        models_dir=folder / "models",
        action_url_override=f"http://127.0.0.1:{dead}",
        rasa_timeout=2.0,
    )


@pytest.fixture(scope="module")
def gw(base: Settings, telegram: FakeTelegram, rasa: FakeRasa) -> Iterator[Gateway]:
    """One gateway in webhook mode for this module; each test talks from chats of its own."""
    with Gateway(telegram_settings(base, telegram, rasa.url)) as gateway:
        wait_for(lambda: telegram.webhook)
        yield gateway


@pytest.fixture(autouse=True)
def fresh_telegram(telegram: FakeTelegram) -> None:
    telegram.failures.clear()
    telegram.recover()


@pytest.fixture
def chat() -> int:
    return next(_chats)


def address(chat_id: int) -> str:
    return str(chat_id)


def test_webhook_is_set_with_a_secret_and_the_secret_is_checked(gw, telegram, chat) -> None:
    assert telegram.webhook["url"] == gw.url + "/webhooks/telegram"
    assert telegram.webhook["secret_token"] == SECRET
    assert set(telegram.webhook["allowed_updates"]) >= {"message", "edited_message"}
    update = telegram.message(chat, "hello")
    codes = {
        "no secret": telegram.push(update, secret=""),
        "wrong secret": telegram.push(update, secret="guess"),
    }
    assert codes == {"no secret": 403, "wrong secret": 403}
    assert gw.client("telegram", address(chat)) == {}
    assert telegram.push(update) == 200
    wait_for(lambda: "echo: hello" in telegram.texts(chat))
    health = gw.http.get("/healthz").json()["channels"]["telegram"]
    assert health["state"] == "up" and health["mode"] == "webhook"


def test_start_introduces_then_help_and_text(gw, telegram, rasa, chat) -> None:
    telegram.push(telegram.message(chat, "/start"))
    wait_for(lambda: telegram.texts(chat))
    telegram.push(telegram.message(chat, "where can I sleep tonight"))
    wait_for(lambda: len(telegram.texts(chat)) == 2)
    telegram.push(telegram.message(chat, "/help"))
    wait_for(lambda: len(telegram.texts(chat)) == 3)
    assert telegram.texts(chat) == [
        channel_text("intro", "telegram"),
        "echo: where can I sleep tonight",
        channel_text("help", "telegram"),
    ]
    assert "/stop" in telegram.texts(chat)[0]
    sent = [m for m in telegram.sent if int(m["chat_id"]) == chat]
    assert all("parse_mode" not in m for m in sent)  # plain text
    asked = [b["message"] for b in rasa.received if b["sender"] == _sender(gw, chat)]
    assert asked == ["where can I sleep tonight"]


def _sender(gw: Gateway, chat: int) -> str:
    return f"client-{gw.client('telegram', address(chat))['id']}"


def test_first_text_gets_the_introduction_once(gw, telegram, chat) -> None:
    telegram.push(telegram.message(chat, "hi"))
    telegram.push(telegram.message(chat, "anyone there"))
    wait_for(lambda: gw.settled("telegram", address(chat), 3))
    texts = telegram.texts(chat)
    assert texts[0] == channel_text("intro", "telegram")  # first, and only once
    assert sorted(texts[1:]) == ["echo: anyone there", "echo: hi"]  # answered as they come


def test_a_replayed_update_is_handled_once(gw, telegram, chat) -> None:
    update = telegram.message(chat, "food bank times")
    assert [telegram.push(update) for _ in range(3)] == [200, 200, 200]
    wait_for(lambda: gw.settled("telegram", address(chat), 2))
    assert telegram.push(update) == 200
    inbound = gw.messages_of("telegram", address(chat), "in")
    assert [m["text"] for m in inbound] == ["food bank times"]
    assert inbound[0]["external_id"] == f"u{update['update_id']}"
    assert telegram.texts(chat).count("echo: food bank times") == 1


def test_edited_messages_are_screened_like_new_ones(gw, telegram, chat) -> None:
    first = telegram.message(chat, "i am ok")
    telegram.push(first)
    wait_for(lambda: gw.settled("telegram", address(chat), 2))
    message_id = first["message"]["message_id"]
    telegram.push(
        telegram.message(chat, "i want to kill myself", edited=True, message_id=message_id)
    )
    wait_for(lambda: gw.settled("telegram", address(chat), 3))
    client = gw.client("telegram", address(chat))
    handoffs = gw.rows("SELECT level, priority FROM handoffs WHERE client_id = ?", (client["id"],))
    texts = telegram.texts(chat)
    assert handoffs == [{"level": "crisis", "priority": "urgent"}]
    assert "116 123" in texts[2]
    inbound = [m["text"] for m in gw.messages_of("telegram", address(chat), "in")]
    assert inbound == ["i am ok", "i want to kill myself"]


def test_stickers_photos_and_voice_notes_get_a_kind_reply(gw, telegram, rasa, chat) -> None:
    telegram.push(telegram.sticker(chat))
    wait_for(lambda: gw.settled("telegram", address(chat), 2))
    telegram.push(telegram.voice(chat))
    wait_for(lambda: gw.settled("telegram", address(chat), 3))
    telegram.push(telegram.photo(chat, caption="this is my letter"))
    wait_for(lambda: gw.settled("telegram", address(chat), 5))
    telegram.push(telegram.photo(chat))
    wait_for(lambda: gw.settled("telegram", address(chat), 6))
    media = channel_text("media_reply", "telegram")
    assert telegram.texts(chat) == [
        channel_text("intro", "telegram"),
        media,
        media,
        "echo: this is my letter",
        channel_text("media_with_words", "telegram"),
        media,
    ]
    inbound = [m["text"] for m in gw.messages_of("telegram", address(chat), "in")]
    assert inbound == ["[sticker]", "[voice note]", "this is my letter", "[photo]"]


def test_group_chats_get_a_polite_refusal_and_nothing_is_kept(gw, telegram) -> None:
    group = -100 - next(_chats)
    assert telegram.push(telegram.message(group, "hello bot", chat_type="supergroup")) == 200
    wait_for(lambda: group in telegram.left)
    added = {
        "update_id": 999_000 + next(_chats),
        "my_chat_member": {
            "chat": {"id": group - 1, "type": "group", "title": "Friends"},
            "from": {"id": 42, "is_bot": False, "first_name": "Ali"},
            "date": int(time.time()),
            "old_chat_member": {
                "user": {"id": 123456789, "is_bot": True, "first_name": "N"},
                "status": "left",
            },
            "new_chat_member": {
                "user": {"id": 123456789, "is_bot": True, "first_name": "N"},
                "status": "member",
            },
        },
    }
    assert telegram.push(added) == 200
    wait_for(lambda: group - 1 in telegram.left)
    refusal = channel_text("group_refusal", "telegram")
    assert telegram.texts(group) == [refusal] and telegram.texts(group - 1) == [refusal]
    assert gw.client("telegram", str(group)) == {} and gw.client("telegram", str(group - 1)) == {}


def test_stop_confirms_then_silence_until_start(gw, telegram, rasa, chat) -> None:
    telegram.push(telegram.message(chat, "hello"))
    wait_for(lambda: gw.settled("telegram", address(chat), 2))
    telegram.push(telegram.message(chat, "/stop"))
    wait_for(lambda: gw.settled("telegram", address(chat), 3))
    telegram.push(telegram.message(chat, "are you there"))
    wait_for(lambda: len(gw.messages_of("telegram", address(chat), "in")) == 3)
    assert len(telegram.texts(chat)) == 3
    telegram.push(telegram.message(chat, "/start"))
    wait_for(lambda: gw.settled("telegram", address(chat), 4))
    telegram.push(telegram.message(chat, "hello again"))
    wait_for(lambda: gw.settled("telegram", address(chat), 5))
    texts = telegram.texts(chat)
    assert texts[2] == channel_text("stop_confirmed", "telegram") and "/start" in texts[2]
    assert texts[3:] == [channel_text("start_confirmed", "telegram"), "echo: hello again"]
    assert not [b for b in rasa.received if b["message"] == "are you there"]


def test_formatting_characters_arrive_as_written(gw, telegram, chat) -> None:
    tricky = "*not bold* _not italic_ [not a link](http://x) <b>tags</b> `code` \\ 100%"
    telegram.push(telegram.message(chat, tricky))
    wait_for(lambda: f"echo: {tricky}" in telegram.texts(chat))
    sent = [m for m in telegram.sent if int(m["chat_id"]) == chat]
    assert all("parse_mode" not in m and "entities" not in m for m in sent)


def test_429_retry_after_is_respected_and_nothing_is_doubled(gw, telegram, chat) -> None:
    telegram.fail_next(1, 429, retry_after=1)
    started = time.monotonic()
    telegram.push(telegram.message(chat, "/help"))
    wait_for(lambda: telegram.texts(chat))
    waited = time.monotonic() - started
    wait_for(lambda: gw.settled("telegram", address(chat), 2))
    intro, help_message = gw.messages_of("telegram", address(chat), "out")
    assert waited >= 1.0
    assert telegram.texts(chat) == [
        channel_text("intro", "telegram"),
        channel_text("help", "telegram"),
    ]
    assert intro["attempts"] == 2 and intro["status"] == "sent"
    assert help_message["status"] == "sent"  # held behind the introduction, then sent


def test_outage_then_recovery_sends_everything_once_in_order(gw, telegram, chat) -> None:
    telegram.outage(0)  # connections dropped
    for index in range(3):  # each answer is stored before the next question
        telegram.push(telegram.message(chat, f"question {index}"))
        wait_for(lambda i=index: len(gw.messages_of("telegram", address(chat), "out")) == i + 2)
    telegram.outage(502)
    time.sleep(0.3)
    assert telegram.texts(chat) == []
    telegram.recover()
    wait_for(lambda: gw.settled("telegram", address(chat), 4))
    assert telegram.texts(chat) == [channel_text("intro", "telegram")] + [
        f"echo: question {i}" for i in range(3)
    ]


def test_a_blocked_bot_fails_visibly(gw, telegram, chat) -> None:
    telegram.fail_next(1, 403)
    telegram.push(telegram.message(chat, "/help"))
    wait_for(lambda: gw.settled("telegram", address(chat), 1))
    message = gw.messages_of("telegram", address(chat), "out")[0]
    assert message["status"] == "failed" and "blocked" in message["last_error"]


def test_polling_mode_without_a_public_url(base, rasa, tmp_path) -> None:
    telegram = FakeTelegram()
    try:
        own_store = replace(base, var_dir=tmp_path / "var")  # one gateway a store
        settings = telegram_settings(own_store, telegram, rasa.url, public_url="")
        with Gateway(settings) as gw:
            wait_for(lambda: "getUpdates" in telegram.methods())
            assert "deleteWebhook" in telegram.methods() and telegram.webhook is None
            assert telegram.push(telegram.message(5550001, "hello")) == 0  # queued for polling
            wait_for(lambda: "echo: hello" in telegram.texts(5550001))
            refused = gw.http.post("/webhooks/telegram", json={"update_id": 1})
            health = gw.http.get("/healthz").json()["channels"]["telegram"]
    finally:
        telegram.close()
    assert refused.status_code == 404
    assert health["state"] == "up" and health["mode"] == "polling"


def test_telegram_unreachable_does_not_stop_the_gateway(base, rasa, tmp_path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = replace(
        base,
        var_dir=tmp_path / "var",
        port=free_port(),
        telegram_bot_token=TOKEN,
        telegram_api_url=dead,
    )
    with Gateway(settings) as gw:
        chat = gw.http.post("/api/chat", json={"client_id": "web-1", "text": "hello"})
        health = wait_for(
            lambda: (
                (h := gw.http.get("/healthz").json())["channels"]["telegram"]["state"] == "down"
                and h
            )
        )
    assert chat.status_code == 200
    assert health["channels"]["telegram"]["mode"] == "polling"
    assert health["components"]["store"]["state"] == "up"


def test_long_messages_are_split_under_telegrams_limit(base) -> None:
    channel = TelegramChannel(replace(base, telegram_bot_token=TOKEN), None, Background())
    sentence = "Caf\u00e9s near you \u2014 open late \U0001f642. "
    parts = channel.split(sentence * 300)
    assert len(parts) == 3
    assert all(len(p.encode("utf-16-le")) // 2 <= MAX_CHARS for p in parts)
    assert all(p.endswith(".") for p in parts)  # whole sentences
    assert " ".join(parts) == (sentence * 300).strip()  # nothing converted: Telegram is Unicode
    assert channel.mode == "polling" and len(channel.secret) == 64
