"""Reminder delivery throughput: 10,000 due reminders dispatched through a fake channel.

Each reminder is claimed in its own transaction together with its outbound message (what makes
it exactly-once), then sent through the real outbound path to a fake channel that only counts.
Usage: .venv/bin/python bench/reminder_dispatch.py [--count N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.conversations import ConversationStore  # noqa: E402
from bot.outbound import Outbound  # noqa: E402
from bot.reminders.dispatch import ReminderDispatcher  # noqa: E402
from bot.reminders.store import ReminderStore  # noqa: E402
from bot.store import connect  # noqa: E402


class CountingSender:
    def __init__(self) -> None:
        self.sent = 0

    def split(self, text: str) -> list[str]:
        return [text]

    async def send_part(self, address: str, text: str) -> str:
        self.sent += 1
        return f"fake-{self.sent}"


async def run(count: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    db = connect(folder / "bench.db")
    conversations = ConversationStore(db)
    reminders = ReminderStore(db)
    due = datetime.now(timezone.utc) - timedelta(minutes=1)
    clients = [conversations.client_for("bench", f"+4477009{n:05d}")[0]["id"] for n in range(100)]
    with db.atomic():
        for n in range(count):
            reminders.add(clients[n % len(clients)], "bench", f"appointment {n}", due)
    sender = CountingSender()
    outbound = Outbound(conversations)
    outbound.register("bench", sender)
    dispatcher = ReminderDispatcher(reminders, conversations, outbound, poll_seconds=0)
    started = time.perf_counter()
    while await dispatcher.run_once():
        pass
    await dispatcher.run_once()
    elapsed = time.perf_counter() - started
    statuses = dict(db.execute("SELECT status, count(*) FROM reminders GROUP BY status").fetchall())
    print(f"{count} due reminders, {len(clients)} clients, fake channel")
    print(f"  dispatched in {elapsed:.1f} s: {count / elapsed:.0f} reminders a second")
    print(f"  channel sends: {sender.sent}   reminder statuses: {statuses}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    asyncio.run(run(parser.parse_args().count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
