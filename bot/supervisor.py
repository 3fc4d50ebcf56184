"""`python -m bot run`: start Rasa, the action server and the gateway, keep them up, stop cleanly.

Each part runs as its own process. If Rasa or the action server dies, the gateway keeps serving
(crisis handling does not need them) and the dead part is started again with a growing pause.
Ctrl-C (or SIGTERM) stops all three.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.config import Settings
from bot.training import model_path, rasa_env, rasa_executable, train_if_changed

STARTUP_TIMEOUT_SECONDS = 300
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    backoff: float = field(default=1.0)
    started_at: float = 0.0

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops children itself
        )
        self.started_at = time.monotonic()
        log.close()
        pid_dir = self.log_path.parent.parent / "run"
        pid_dir.mkdir(parents=True, exist_ok=True)
        (pid_dir / f"{self.slug}.pid").write_text(str(self.process.pid))

    @property
    def slug(self) -> str:
        return self.name.replace(" ", "_")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


def build_children(settings: Settings) -> list[Child]:
    env = rasa_env(settings)
    logs = settings.var_dir / "logs"
    python = sys.executable
    return [
        Child(
            "action server",
            [rasa_executable(), "run", "actions", "--port", str(settings.action_port),
             "--actions", "actions"],
            env, settings.root, logs / "actions.log",
        ),
        Child(
            "rasa",
            [rasa_executable(), "run", "--enable-api", "--auth-token", settings.rasa_token,
             "--interface", "127.0.0.1", "--port", str(settings.rasa_port),
             "--model", str(model_path(settings)), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml"],
            env, settings.root, logs / "rasa.log",
        ),
        Child("gateway", [python, "-m", "bot", "serve"], env, settings.root, logs / "gateway.log"),
    ]  # fmt: skip


def wait_healthy(settings: Settings, children: list[Child], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            if not child.alive() and child.name == "gateway":
                return False
        try:
            if httpx.get(f"http://127.0.0.1:{settings.port}/healthz", timeout=3).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def banner(settings: Settings, started_in: float) -> str:
    return "\n".join(
        [
            "",
            f"The assistant is ready (started in {started_in:.0f} s).",
            f"  Web chat:  {settings.gateway_url}/",
            f"  Console:   {settings.gateway_url}/console/ (navigators and staff)",
            "             first user: .venv/bin/python -m bot user add NAME --role admin",
            f"  Health:    {settings.gateway_url}/healthz",
            f"  Logs:      {settings.var_dir / 'logs'}/",
            "Press Ctrl-C to stop.",
            "",
        ]
    )


def run(settings: Settings) -> int:
    train_if_changed(settings)
    children = build_children(settings)
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    started = time.monotonic()
    for child in children:
        print(f"Starting {child.name} (log: {child.log_path})")
        child.start()
    print("Waiting for all parts to be healthy (Rasa takes a minute to load)...")
    ready_announced = False
    try:
        while not stopping:
            now = time.monotonic()
            for child in children:
                if child.alive():
                    if now - child.started_at > STABLE_AFTER_SECONDS:
                        child.backoff = 1.0  # it has run well: the next failure restarts quickly
                    continue
                if child.next_start == 0.0:
                    code = child.process.returncode if child.process else None
                    print(
                        f"{child.name} stopped (exit {code}); restarting in {child.backoff:.0f} s"
                    )
                    child.next_start = now + child.backoff
                elif now >= child.next_start:
                    child.restarts += 1
                    child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)
                    child.next_start = 0.0
                    child.start()
            if not ready_announced:
                try:
                    health = httpx.get(f"http://127.0.0.1:{settings.port}/healthz", timeout=2)
                    if health.status_code == 200:
                        print(banner(settings, time.monotonic() - started), flush=True)
                        ready_announced = True
                except httpx.HTTPError:
                    pass
                if not ready_announced and now - started > STARTUP_TIMEOUT_SECONDS:
                    print("Not healthy yet after 5 minutes: see the logs above. Still trying.")
                    started = now
            time.sleep(1)
    finally:
        print("Stopping...")
        for child in reversed(children):
            child.stop()
        print("Stopped.")
    return 0
