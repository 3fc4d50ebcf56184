"""Alerts about handoffs: a log line always, and live events for the console."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

log = logging.getLogger("bot.handoff")


class Notifier(Protocol):
    def notify(self, event: dict[str, Any]) -> None: ...


class LogNotifier:
    """Writes every handoff event to the log (urgent ones as warnings)."""

    def notify(self, event: dict[str, Any]) -> None:
        level = logging.WARNING if event.get("priority") == "urgent" else logging.INFO
        log.log(
            level,
            "handoff %s: id=%s client=%s priority=%s level=%s categories=%s",
            event.get("type"),
            event.get("handoff_id"),
            event.get("client_id"),
            event.get("priority"),
            event.get("level"),
            ",".join(event.get("categories") or []),
        )


class EventHub:
    """Fans events out to live listeners (the console's server-sent events)."""

    def __init__(self, max_queue: int = 200) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._max_queue = max_queue

    def notify(self, event: dict[str, Any]) -> None:
        for queue in list(self._queues):
            if queue.full():
                queue.get_nowait()  # a slow listener loses its oldest event, not the newest
            queue.put_nowait(event)

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._max_queue)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._queues.discard(queue)


class Notifiers:
    """Sends each event to every notifier; one failing never stops the others."""

    def __init__(self, *notifiers: Notifier) -> None:
        self.notifiers = list(notifiers)

    def notify(self, event: dict[str, Any]) -> None:
        for notifier in self.notifiers:
            try:
                notifier.notify(event)
            except Exception:  # an alert channel failing must not stop the handoff
                log.exception("notifier %r failed", notifier)
