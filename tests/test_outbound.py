"""The outbound path: stored first, retried with backoff, kept in order, never sent twice.

A scripted in-process sender stands in for a provider here (the real libraries against local
fakes are in tests/test_channels_*.py); a movable clock stands in for hours passing.
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.channels.split import split_text
from bot.conversations import ConversationStore
from bot.outbound import (
    STOP_CONFIRMATION,
    Outbound,
    PermanentSendError,
    RetryableSendError,
    RetryPolicy,
)
from bot.store import connect


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ScriptedSender:
    """Sends into a list; `script` holds an exception (or None for success) per coming call."""

    def __init__(self, part_chars: int = 1000, delay: float = 0.0) -> None:
        self.part_chars = part_chars
        self.delay = delay
        self.sent: list[tuple[str, str]] = []
        self.calls = 0
        self.script: deque[Exception | None] = deque()

    def split(self, text: str) -> list[str]:
        return split_text(text, self.part_chars)

    async def send_part(self, address: str, text: str) -> str:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        failure = self.script.popleft() if self.script else None
        if failure is not None:
            raise failure
        self.sent.append((address, text))
        return f"P{len(self.sent)}"


@pytest.fixture
def parts() -> tuple[ConversationStore, Outbound, ScriptedSender, Clock]:
    store = ConversationStore(connect(":memory:"))
    clock = Clock()
    policy = RetryPolicy(base_seconds=1.0, max_seconds=60.0, give_up_after=timedelta(hours=6))
    outbound = Outbound(store, policy, clock=clock)
    sender = ScriptedSender()
    outbound.register("sms", sender)
    return store, outbound, sender, clock


def new_client(store: ConversationStore, address: str = "+447700900001") -> int:
    client, _ = store.client_for("sms", address)
    return client["id"]


def message(store: ConversationStore, message_id: int) -> dict[str, Any]:
    return store.message(message_id)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_sends_once_and_records_the_provider_id(parts) -> None:
    store, outbound, sender, _ = parts
    client = new_client(store)
    mid = store.add_outbound(client, "sms", "hello", "assistant")
    run(outbound.deliver([mid]))
    run(outbound.deliver([mid]))  # already sent: nothing happens
    row = message(store, mid)
    assert (row["status"], row["provider_id"], row["attempts"]) == ("sent", "P1", 1)
    assert sender.sent == [("+447700900001", "hello")]


def test_network_errors_are_retried_with_backoff_then_sent(parts) -> None:
    store, outbound, sender, clock = parts
    client = new_client(store)
    sender.script.extend([RetryableSendError("connection refused")] * 3)
    mid = store.add_outbound(client, "sms", "are you ok?", "navigator")
    run(outbound.deliver([mid]))
    waits = []
    for _ in range(3):
        row = message(store, mid)
        assert row["status"] == "pending" and row["last_error"] == "connection refused"
        wait = (datetime.fromisoformat(row["next_attempt_at"]) - clock.now).total_seconds()
        waits.append(wait)
        assert run(outbound.run_once()) == 0  # not due yet
        clock.advance(wait + 0.01)
        run(outbound.run_once())
    row = message(store, mid)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 4, None)
    assert sender.sent == [("+447700900001", "are you ok?")]
    assert 0.8 <= waits[0] <= 1.2 and waits[1] > waits[0] and waits[2] > waits[1]  # backoff


def test_retry_after_from_the_provider_is_respected(parts) -> None:
    store, outbound, sender, clock = parts
    sender.script.append(RetryableSendError("429", retry_after=30))
    mid = store.add_outbound(new_client(store), "sms", "hi", "assistant")
    run(outbound.deliver([mid]))
    wait = datetime.fromisoformat(message(store, mid)["next_attempt_at"]) - clock.now
    assert wait >= timedelta(seconds=30)


def test_an_hour_long_outage_loses_nothing_and_keeps_each_clients_order(parts) -> None:
    store, outbound, sender, clock = parts
    a, b = new_client(store, "+447700900001"), new_client(store, "+447700900002")
    sender.script.extend([RetryableSendError("503 Service Unavailable")] * 10_000)
    ids = []
    for index in range(6):
        client = a if index % 2 == 0 else b
        ids.append(store.add_outbound(client, "sms", f"message {index}", "assistant"))
        run(outbound.deliver([ids[-1]]))
    for _ in range(60):  # an hour, a minute at a time, the provider down throughout
        clock.advance(60)
        run(outbound.run_once())
    assert sender.sent == []
    assert all(message(store, i)["status"] == "pending" for i in ids)
    sender.script.clear()  # the provider is back
    clock.advance(400)
    run(outbound.run_once())
    assert [t for _, t in sender.sent if _ == "+447700900001"] == [
        "message 0",
        "message 2",
        "message 4",
    ]
    assert [t for _, t in sender.sent if _ == "+447700900002"] == [
        "message 1",
        "message 3",
        "message 5",
    ]
    assert all(message(store, i)["status"] == "sent" for i in ids)


def test_a_new_reply_is_not_held_behind_a_backlog(parts) -> None:
    store, outbound, sender, clock = parts
    client = new_client(store)
    sender.script.append(RetryableSendError("timed out"))
    old = [store.add_outbound(client, "sms", f"old {i}", "system") for i in range(3)]
    run(outbound.deliver(old))  # the first fails; the others wait behind it
    assert all(message(store, i)["status"] == "pending" for i in old)
    crisis = store.add_outbound(client, "sms", "Call 999 if you are in danger.", "assistant")
    run(outbound.deliver([crisis]))
    assert sender.sent == [("+447700900001", "Call 999 if you are in danger.")]
    clock.advance(120)
    run(outbound.run_once())
    assert [t for _, t in sender.sent][1:] == ["old 0", "old 1", "old 2"]


def test_untried_older_messages_go_first(parts) -> None:
    store, outbound, sender, _ = parts
    client = new_client(store)
    intro = store.add_outbound(client, "sms", "intro", "system")
    reply = store.add_outbound(client, "sms", "reply", "assistant")
    run(outbound.deliver([reply]))
    assert [t for _, t in sender.sent] == ["intro", "reply"]
    assert message(store, intro)["status"] == "sent"


def test_concurrent_senders_never_send_the_same_message_twice(parts) -> None:
    store, outbound, sender, clock = parts
    sender.delay = 0.02
    client = new_client(store)
    ids = [store.add_outbound(client, "sms", f"m{i}", "assistant") for i in range(5)]
    clock.advance(3600)  # old enough for the worker to pick them up too

    async def race() -> None:
        await asyncio.gather(
            outbound.deliver(ids),
            outbound.deliver(ids),
            outbound.run_once(),
            outbound.run_once(),
        )

    run(race())
    assert sorted(t for _, t in sender.sent) == [f"m{i}" for i in range(5)]
    assert sender.calls == 5


def test_a_retry_sends_only_the_parts_not_yet_sent(parts) -> None:
    store, outbound, sender, clock = parts
    sender.part_chars = 20
    sender.script.extend([None, RetryableSendError("reset by peer")])
    text = "First sentence here. Second one here. Third one here."
    mid = store.add_outbound(new_client(store), "sms", text, "assistant")
    run(outbound.deliver([mid]))
    assert [t for _, t in sender.sent] == ["First sentence here."]
    clock.advance(5)
    run(outbound.run_once())
    assert [t for _, t in sender.sent] == [
        "First sentence here.",
        "Second one here.",
        "Third one here.",
    ]
    assert message(store, mid)["status"] == "sent"


def test_permanent_errors_fail_at_once_and_show_why(parts) -> None:
    store, outbound, sender, _ = parts
    sender.script.append(PermanentSendError("Twilio said 400 (error 21211): invalid To"))
    mid = store.add_outbound(new_client(store), "sms", "hi", "assistant")
    run(outbound.deliver([mid]))
    row = message(store, mid)
    assert row["status"] == "failed" and "21211" in row["last_error"]


def test_gives_up_after_the_budget_and_says_so(parts) -> None:
    store, outbound, sender, clock = parts
    sender.script.extend([RetryableSendError("503")] * 10_000)
    mid = store.add_outbound(new_client(store), "sms", "hi", "assistant")
    run(outbound.deliver([mid]))
    clock.advance(6 * 3600 + 1)
    run(outbound.run_once())
    row = message(store, mid)
    assert row["status"] == "failed"
    assert row["last_error"].startswith("gave up after 2 tries") and "503" in row["last_error"]


def test_a_channel_that_is_not_set_up_keeps_the_message_waiting(parts) -> None:
    store, outbound, _, _ = parts
    client, _ = store.client_for("telegram", "555")
    mid = store.add_outbound(client["id"], "telegram", "hi", "assistant")
    run(outbound.deliver([mid]))
    row = message(store, mid)
    assert row["status"] == "pending" and "not set up" in row["last_error"]


def test_opted_out_clients_get_only_the_stop_confirmation(parts) -> None:
    store, outbound, sender, _ = parts
    client = new_client(store)
    store.update_client(client, opted_out=1)
    confirmation = store.add_outbound(client, "sms", "You will not get more messages.", "system")
    store.set_message(confirmation, purpose=STOP_CONFIRMATION)
    later = store.add_outbound(client, "sms", "A reminder", "system")
    run(outbound.deliver([confirmation, later]))
    assert [t for _, t in sender.sent] == ["You will not get more messages."]
    row = message(store, later)
    assert row["status"] == "failed" and "stopped messages" in row["last_error"]


def test_provider_opt_out_marks_the_client(parts) -> None:
    store, outbound, sender, _ = parts
    client = new_client(store)
    sender.script.append(PermanentSendError("unsubscribed recipient", opted_out=True))
    mid = store.add_outbound(client, "sms", "hi", "assistant")
    run(outbound.deliver([mid]))
    assert store.client(client)["opted_out"] == 1
    assert [e["kind"] for e in store.events(client)] == ["opted_out"]


def test_an_interrupted_send_is_never_repeated_blindly(parts) -> None:
    store, outbound, sender, clock = parts
    client = new_client(store)
    in_flight = store.add_outbound(client, "sms", "was on the wire", "assistant")
    not_started = store.add_outbound(client, "sms", "never left", "assistant")
    sender.delay = 10

    async def crash() -> None:
        task = asyncio.create_task(outbound.deliver([in_flight]))
        await asyncio.sleep(0.05)
        task.cancel()

    run(crash())
    store.set_message(not_started, status="sending")  # claimed, then the process died
    sender.delay = 0
    clock.advance(1)
    outbound.recover(timedelta(0))
    assert message(store, in_flight)["status"] == "failed"
    assert "may not have arrived" in message(store, in_flight)["last_error"]
    clock.advance(3600)
    run(outbound.run_once())
    assert message(store, not_started)["status"] == "sent"
    assert [t for _, t in sender.sent] == ["never left"]


def test_delivery_reports_settle_each_message(parts) -> None:
    store, outbound, sender, _ = parts
    sender.part_chars = 20
    client = new_client(store)
    two = store.add_outbound(client, "sms", "First sentence here. Second one here.", "assistant")
    one = store.add_outbound(client, "sms", "Short.", "assistant")
    run(outbound.deliver([two, one]))
    assert outbound.record_status("P1", "delivered")
    assert message(store, two)["status"] == "sent"  # one part of two
    assert outbound.record_status("P2", "sent")
    assert outbound.record_status("P2", "delivered")
    assert outbound.record_status("P2", "sent")  # late or replayed: ignored
    assert message(store, two)["status"] == "delivered"
    assert outbound.record_status("P3", "undelivered", "Twilio error 30003")
    row = message(store, one)
    assert row["status"] == "failed" and "30003" in row["last_error"]
    assert not outbound.record_status("SMunknown", "delivered")


def test_web_messages_count_as_sent_once_stored(parts) -> None:
    store, outbound, sender, _ = parts
    client, _ = store.client_for("web", "w1")
    mid = store.add_outbound(client["id"], "web", "hi", "assistant")
    run(outbound.deliver([mid]))
    assert message(store, mid)["status"] == "sent" and sender.calls == 0


def test_backoff_grows_while_a_channel_is_not_set_up(parts) -> None:
    store, outbound, _, clock = parts
    client, _ = store.client_for("telegram", "555")
    mid = store.add_outbound(client["id"], "telegram", "hi", "assistant")
    run(outbound.deliver([mid]))
    waits = []
    for _ in range(3):
        row = message(store, mid)
        waits.append((datetime.fromisoformat(row["next_attempt_at"]) - clock.now).total_seconds())
        clock.advance(waits[-1] + 0.01)
        run(outbound.run_once())
    assert message(store, mid)["attempts"] == 4
    assert waits[0] < waits[1] < waits[2]
