"""Run the real gateway (uvicorn, lifespan and all) on a loopback port in a thread.

The fakes call its webhooks over HTTP as the real providers would; tests read the store through
a connection of their own.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn

from bot.app import create_app
from bot.config import Settings
from bot.safety.screener import get_screener

START_TIMEOUT = 120  # seconds for the gateway itself to start, once the safety screen is ready


def safety_screen_ready() -> None:
    """Load the safety screen, training its classifier first if it is missing or out of date.

    Call before starting a gateway against a deadline. On a clean clone (as in CI) the classifier
    trains on first use, which takes minutes on a slow machine; that is a one-off build step,
    not start-up time, and once done the gateway's start-up finds it in memory and on disk.
    """
    get_screener()


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{settings.port}"
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=settings.port,
            lifespan="on",
            ws="none",
            log_level="warning",
            timeout_graceful_shutdown=10,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def __enter__(self) -> Gateway:
        safety_screen_ready()
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.http.close()

    # Reading the store ---------------------------------------------------------------------
    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        conn = sqlite3.connect(str(self.settings.db_path), timeout=10)
        try:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def messages(self, direction: str | None = None) -> list[dict[str, Any]]:
        if direction:
            return self.rows("SELECT * FROM messages WHERE direction = ? ORDER BY id", (direction,))
        return self.rows("SELECT * FROM messages ORDER BY id")

    def client(self, channel: str, address: str) -> dict[str, Any]:
        found = self.rows(
            "SELECT clients.* FROM clients JOIN client_addresses a ON a.client_id = clients.id"
            " WHERE a.channel = ? AND a.address = ?",
            (channel, address),
        )
        return found[0] if found else {}

    def messages_of(
        self, channel: str, address: str, direction: str | None = None
    ) -> list[dict[str, Any]]:
        """One client's messages (in, out or both), oldest first."""
        client_id = self.client(channel, address).get("id")
        rows = self.rows("SELECT * FROM messages WHERE client_id = ? ORDER BY id", (client_id,))
        return [r for r in rows if direction is None or r["direction"] == direction]

    def settled(self, channel: str, address: str, outbound: int = 1) -> bool:
        """The client has at least `outbound` messages out, all in a final state."""
        out = self.messages_of(channel, address, "out")
        final = ("sent", "delivered", "failed")
        return len(out) >= outbound and all(m["status"] in final for m in out)


def wait_for(check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.02) -> Any:
    """Poll until `check()` is truthy; return its value, or fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {check}")
        time.sleep(interval)
