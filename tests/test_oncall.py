"""Urgent handoffs alert the on-call phone, without the client's words."""

from __future__ import annotations

import asyncio

from bot.handoff.oncall import OnCallNotifier


class RecordingSender:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    async def send_part(self, address: str, text: str) -> str:
        if self.fail:
            raise RuntimeError("provider down")
        self.sent.append((address, text))
        return "id"


def run_events(notifier: OnCallNotifier, events: list[dict]) -> None:
    async def go() -> None:
        for event in events:
            notifier.notify(event)
        await asyncio.sleep(0.05)

    asyncio.run(go())


def test_urgent_queued_and_escalated_alert_every_target() -> None:
    sms, telegram = RecordingSender(), RecordingSender()
    notifier = OnCallNotifier([(sms, "+447700900123"), (telegram, "42")], "https://nav.example")
    secret = "i want to end my life tonight"
    run_events(
        notifier,
        [
            {"type": "queued", "priority": "urgent", "handoff_id": 7, "first_words": secret},
            {"type": "escalated", "priority": "urgent", "handoff_id": 8, "first_words": secret},
        ],
    )
    assert [a for a, _ in sms.sent] == ["+447700900123", "+447700900123"]
    assert [a for a, _ in telegram.sent] == ["42", "42"]
    assert "https://nav.example/console/handoffs/7" in sms.sent[0][1]
    assert all(secret not in text and "end my life" not in text for _, text in sms.sent)


def test_normal_priority_and_other_events_do_not_alert() -> None:
    sms = RecordingSender()
    notifier = OnCallNotifier([(sms, "+447700900123")], "http://localhost:8000")
    run_events(
        notifier,
        [
            {"type": "queued", "priority": "normal", "handoff_id": 1},
            {"type": "claimed", "priority": "urgent", "handoff_id": 2},
            {"type": "message", "priority": "urgent", "handoff_id": 3},
        ],
    )
    assert sms.sent == []


def test_a_failing_target_does_not_stop_the_others() -> None:
    broken, working = RecordingSender(fail=True), RecordingSender()
    notifier = OnCallNotifier([(broken, "+1"), (working, "42")], "http://localhost:8000")
    run_events(notifier, [{"type": "queued", "priority": "urgent", "handoff_id": 5}])
    assert len(working.sent) == 1
