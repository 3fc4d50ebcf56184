"""Webhooks answer at once; the work on a message goes on in a task that is kept track of.

A provider is told "got it" only once the message is stored (or the work is over): if the
gateway stops a moment later, the message is still in the store, and a provider retry of a
message that was stored is dropped as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("bot.channels")

ACK_WAIT_SECONDS = 5.0


class Background:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def run_until_stored(
        self,
        work: Coroutine[Any, Any, Any],
        name: str,
        stored: Callable[[], bool],
        wait: float = ACK_WAIT_SECONDS,
        must_store: bool = True,
    ) -> bool:
        """Start `work`; return once `stored()` holds or the work ends (True), or when it ended
        without storing what it must (False: the provider should send it again).

        After `wait` seconds the answer is True: the work is still going and will store it.
        """
        task = self.spawn(work, name)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        pause = 0.0  # the work usually stores the message before it first waits for anything
        while not task.done() and loop.time() < deadline:
            await asyncio.sleep(pause)
            if stored():
                break
            pause = min(max(pause * 2, 0.005), 0.1)
        if task.done() and must_store:
            return stored()
        return True

    async def drain(self, timeout: float) -> None:
        """Let running work finish (at shutdown), then cancel what is left."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
