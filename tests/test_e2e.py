"""End to end: `python -m bot run` starts the real Rasa server, action server and gateway.

One supervisor runs for the whole module on free ports, with its store in a temporary folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from bot import content
from tests.conftest import free_port
from tests.fakes.gateway import safety_screen_ready
from tests.rasa_model import ROOT, ensure_model

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
START_TIMEOUT = 420


@dataclass
class Stack:
    url: str
    var_dir: Path
    process: subprocess.Popen[str]

    def chat(self, client_id: str, text: str) -> dict:
        response = httpx.post(
            f"{self.url}/api/chat", json={"client_id": client_id, "text": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def pid(self, name: str) -> int:
        return int((self.var_dir / "run" / f"{name}.pid").read_text())

    def wait_healthy(self, timeout: float) -> httpx.Response:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = httpx.get(f"{self.url}/healthz", timeout=5)
                if last.status_code == 200:
                    return last
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise AssertionError("the supervisor exited early")
            time.sleep(2)
        raise AssertionError(f"not healthy in {timeout} s: {last.text if last else 'no answer'}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ensure_model()
    safety_screen_ready()  # trains and saves the classifier the supervised gateway will load
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "VAR_DIR": str(var_dir),
            "MODELS_DIR": str(ROOT / "models"),
            "GATEWAY_PORT": str(port),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    stack = Stack(f"http://127.0.0.1:{port}", var_dir, process)
    try:
        stack.wait_healthy(START_TIMEOUT)
        yield stack
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])


def domain_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return domain["responses"][name][0]["text"]


def test_greeting_comes_from_rasa(stack: Stack) -> None:
    reply = stack.chat("e2e-greet", "hiya")
    assert [r["text"] for r in reply["replies"]] == [domain_text("utter_greet")]
    assert reply["handoff"] is None


def test_faq_answer_comes_from_the_response_selector(stack: Stack) -> None:
    faq = yaml.safe_load((ROOT / "data/nlu/faq/housing_homeless_tonight.yml").read_text())
    answer = faq["responses"]["utter_faq/housing_homeless_tonight"][0]["text"].strip()
    reply = stack.chat("e2e-faq", "i got nowhere to sleep tonight, what can i do")
    texts = [r["text"].strip() for r in reply["replies"]]
    assert texts[0] == answer
    assert len(texts) <= 2  # at most an offer to explain a word the answer used


def test_reminder_set_through_the_form_is_stored_by_the_gateway(stack: Stack) -> None:
    first = stack.chat("e2e-rem", "remind me about probation on tuesday at half 10")
    assert "probation" in first["replies"][0]["text"] and "Tuesday" in first["replies"][0]["text"]
    done = stack.chat("e2e-rem", "yes")
    if not done["replies"][0]["text"].startswith("Done."):  # asked about a day-before text
        done = stack.chat("e2e-rem", "no")
    assert done["replies"][0]["text"].startswith("Done.")
    listed = stack.chat("e2e-rem", "what reminders have i got")
    assert "1. probation, Tuesday" in listed["replies"][0]["text"]


def test_asking_for_a_person_queues_a_handoff(stack: Stack) -> None:
    reply = stack.chat("e2e-person", "i want to talk to a real person")
    assert reply["handoff"]["state"] == "queued"
    assert reply["handoff"]["priority"] == "normal"
    texts = [r["text"] for r in reply["replies"]]
    assert texts and texts[-1].startswith("Our navigators are not at work right now")


def test_crisis_is_handled_with_rasa_and_actions_killed_and_they_come_back(stack: Stack) -> None:
    os.killpg(stack.pid("rasa"), signal.SIGKILL)
    os.killpg(stack.pid("action_server"), signal.SIGKILL)
    time.sleep(0.5)
    assert httpx.get(f"{stack.url}/healthz", timeout=10).status_code == 503
    started = time.monotonic()
    reply = stack.chat("e2e-crisis", "i cant do this anymore, ive got the pills ready tonight")
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"crisis reply took {elapsed:.2f} s"
    assert reply["handoff"]["priority"] == "urgent"
    assert reply["handoff"]["level"] == "crisis"
    first = reply["replies"][0]["text"]
    assert "999" in first and "116 123" in first
    # An ordinary message now gets the kind "having trouble" reply, and is kept.
    other = stack.chat("e2e-other", "where can i get a shower")
    assert other["replies"][0]["text"] == content.text("gateway", "assistant_unavailable")
    # The supervisor restarts both; the gateway was never down.
    health = stack.wait_healthy(START_TIMEOUT)
    assert {c["state"] for c in health.json()["components"].values()} == {"up"}
