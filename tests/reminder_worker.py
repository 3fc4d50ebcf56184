"""Runs the reminder dispatcher over a store until nothing is due (used by tests, as a subprocess).

Usage: python -m tests.reminder_worker DB_PATH SENT_LOG
A slow fake channel "test" appends the text of each message it sends to SENT_LOG.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

from bot.conversations import ConversationStore
from bot.outbound import Outbound
from bot.reminders.dispatch import ReminderDispatcher
from bot.reminders.store import ReminderStore
from bot.store import connect


class SlowLoggingSender:
    def __init__(self, log: Path) -> None:
        self.log = log

    def split(self, text: str) -> list[str]:
        return [text]

    async def send_part(self, address: str, text: str) -> str:
        time.sleep(0.005)
        with self.log.open("a") as handle:
            handle.write(f"{text}\n")
        return f"fake-{time.monotonic_ns()}"


async def main(db_path: str, log_path: str) -> None:
    db = connect(db_path)
    conversations = ConversationStore(db)
    outbound = Outbound(conversations)
    outbound.register("test", SlowLoggingSender(Path(log_path)))
    dispatcher = ReminderDispatcher(ReminderStore(db), conversations, outbound, poll_seconds=0)
    outbound.recover(timedelta(0))  # this process is the only sender: settle what a crash left
    while await dispatcher.run_once():
        pass
    await dispatcher.run_once()  # settle what is still sending


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
