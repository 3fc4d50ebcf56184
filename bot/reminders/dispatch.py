"""Sends due reminders from the gateway, exactly once, surviving restarts.

Every few seconds: claim what is due (one transaction per reminder writes its outbound message),
hand the messages to the outbound path, and settle reminders whose message has gone. Reminders
missed while the gateway was down go out on recovery, saying honestly that they are late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from bot import content
from bot.conversations import ConversationStore
from bot.outbound import Outbound
from bot.reminders.spoken import clock_words, when_words
from bot.reminders.store import ReminderStore, is_late

log = logging.getLogger("bot.reminders")
LATE_AFTER = timedelta(minutes=10)


class ReminderDispatcher:
    def __init__(
        self,
        reminders: ReminderStore,
        conversations: ConversationStore,
        outbound: Outbound,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        poll_seconds: float = 5.0,
    ) -> None:
        self.reminders = reminders
        self.conversations = conversations
        self.outbound = outbound
        self.clock = clock
        self.poll_seconds = poll_seconds

    def text_for(self, reminder: dict[str, Any], now: datetime) -> str:
        appointment = datetime.fromisoformat(reminder["appointment_utc"])
        if is_late(reminder, now, LATE_AFTER):
            return content.text(
                "reminders", "late", what=reminder["what"], when=when_words(appointment)
            )
        if reminder["kind"] == "day_before":
            return content.text(
                "reminders", "day_before", what=reminder["what"], time=clock_words(appointment)
            )
        return content.text("reminders", "due", what=reminder["what"], when=when_words(appointment))

    def _write_message(self, now: datetime) -> Callable[[dict[str, Any]], int | None]:
        def write(reminder: dict[str, Any]) -> int | None:
            client = self.conversations.client(reminder["client_id"])
            if client.get("opted_out"):
                return None  # no messages to a client who opted out; the reminder is cancelled
            return self.conversations.add_outbound(
                reminder["client_id"], reminder["channel"], self.text_for(reminder, now), "system"
            )

        return write

    async def run_once(self) -> int:
        """One pass; returns how many reminders were claimed."""
        now = self.clock()
        claimed = self.reminders.claim_due(now, self._write_message(now))
        message_ids = [r["message_id"] for r in claimed if r["message_id"]]
        if message_ids:
            await self.outbound.deliver(message_ids)
        # Messages written before a crash are still pending: deliver, then settle.
        for reminder_id, status in self.reminders.sending_with_message_status():
            if status == "pending":
                await self.outbound.deliver([self.reminders.get(reminder_id)["message_id"]])
                status = self.conversations.message(self.reminders.get(reminder_id)["message_id"])[
                    "status"
                ]
            if status in ("sent", "delivered"):
                self.reminders.mark(reminder_id, "sent")
            elif status == "failed":
                self.reminders.mark(reminder_id, "failed", "the message could not be delivered")
        return len(claimed)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # keep dispatching; the next pass retries
                log.exception("reminder pass failed")
            await asyncio.sleep(self.poll_seconds)
