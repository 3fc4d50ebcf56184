"""Shared fixtures: settings in a temporary folder, and small loopback HTTP servers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose store and token live in tmp_path, and whose Rasa is not running."""
    dead = free_port()
    return Settings(
        var_dir=tmp_path / "var",
        models_dir=tmp_path / "models",
        rasa_url_override=f"http://127.0.0.1:{dead}",
        action_url_override=f"http://127.0.0.1:{dead}",
        rasa_timeout=2.0,
    )


class FakeRasa:
    """A loopback stand-in for Rasa's REST channel (same wire format), for gateway tests.

    `reply` maps the incoming JSON body to (status, JSON body); `delay` makes it slow.
    """

    def __init__(self, reply: Callable[[dict[str, Any]], tuple[int, Any]], delay: float = 0.0):
        self.reply = reply
        self.delay = delay
        self.received: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.received.append(body)
                time.sleep(fake.delay)
                self._send(*fake.reply(body))

            def do_GET(self) -> None:
                if self.path.startswith("/status"):
                    self._send(200, {"model_file": "models/assistant.tar.gz"})
                elif self.path.startswith("/health"):
                    self._send(200, {"status": "ok"})
                else:
                    self._send(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRasa:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_rasa() -> Iterator[Callable[..., FakeRasa]]:
    started: list[FakeRasa] = []

    def make(reply: Callable[[dict[str, Any]], tuple[int, Any]], delay: float = 0.0) -> FakeRasa:
        server = FakeRasa(reply, delay).__enter__()
        started.append(server)
        return server

    yield make
    for server in started:
        server.__exit__()
