"""Alerts to the on-call navigator's phone (SMS or Telegram) when a conversation turns urgent.

The alert holds no client words: only that someone is waiting and where to look. It goes out
in the background and never holds up the client's reply; a failure is logged, and the console
and log alerts still stand.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from bot import content

log = logging.getLogger("bot.handoff.oncall")
ALERT_TYPES = {"queued", "escalated"}


class PartSender(Protocol):
    async def send_part(self, address: str, text: str) -> str: ...


class OnCallNotifier:
    """Sends urgent handoff alerts to each configured (sender, address) pair."""

    def __init__(self, targets: list[tuple[PartSender, str]], console_url: str) -> None:
        self.targets = targets
        self.console_url = console_url
        self._tasks: set[asyncio.Task[None]] = set()

    def alert_text(self, event: dict[str, Any]) -> str:
        return content.text(
            "oncall",
            "urgent",
            handoff=event.get("handoff_id"),
            url=f"{self.console_url}/console/handoffs/{event.get('handoff_id')}",
        )

    def notify(self, event: dict[str, Any]) -> None:
        if event.get("type") not in ALERT_TYPES or event.get("priority") != "urgent":
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning(
                "on-call alert for handoff %s not sent: no event loop", event.get("handoff_id")
            )
            return
        task = loop.create_task(self._send(self.alert_text(event)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, text: str) -> None:
        for sender, address in self.targets:
            try:
                await sender.send_part(address, text)
            except Exception as error:  # the console and log alerts still stand
                log.warning("on-call alert to %s failed: %s", address[-4:], error)
