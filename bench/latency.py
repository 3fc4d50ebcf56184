"""Latency of the gateway against Rasa's REST channel directly, measured in one run.

Starts the stack with `python -m bot run` on free ports (the model must be trained: `make train`),
then sends the same mixed messages through the gateway (/api/chat) and straight to Rasa
(/webhooks/rest/webhook), interleaved: first one client at a time, then 20 clients at once.
Prints p50/p95 for each path and their ratio, start-up time to healthy, and each process's
resident memory. Usage: .venv/bin/python bench/latency.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.training import model_is_current  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.rasa_model import repo_settings  # noqa: E402

MESSAGES = [
    "hiya",
    "where can i get food today",
    "how do i claim universal credit",
    "how do i get on the housing register",
    "can i register with a gp with no address",
    "what can you do",
    "who won the football",
    "where can i get a shower and wash my clothes",
    "i missed my probation appointment what happens now",
    "thanks",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def timed(http: httpx.AsyncClient, url: str, body: dict) -> float:
    started = time.perf_counter()
    response = await http.post(url, json=body, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    reply = response.json()
    # From the gateway, every message must really have gone to Rasa for a fair comparison.
    if isinstance(reply, dict) and (reply.get("handoff") or not reply.get("replies")):
        raise SystemExit(f"not a Rasa answer, the comparison would be unfair: {reply}")
    return elapsed


async def client_run(http, gateway, rasa, client: str, rounds: int, results: dict) -> None:
    for round_number in range(rounds):
        for text in MESSAGES:
            results["gateway"].append(
                await timed(
                    http,
                    f"{gateway}/api/chat",
                    {"client_id": f"{client}-g{round_number}", "text": text},
                )
            )
            results["rasa"].append(
                await timed(
                    http,
                    f"{rasa}/webhooks/rest/webhook",
                    {"sender": f"{client}-r{round_number}", "message": text},
                )
            )


async def measure(gateway: str, rasa: str, clients: int, rounds: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"gateway": [], "rasa": []}
    limits = httpx.Limits(max_connections=clients * 2)
    async with httpx.AsyncClient(limits=limits) as http:
        await asyncio.gather(
            *(client_run(http, gateway, rasa, f"bench{c}", rounds, results) for c in range(clients))
        )
    return results


def report(title: str, results: dict[str, list[float]]) -> None:
    g50, g95 = statistics.median(results["gateway"]), percentile(results["gateway"], 0.95)
    r50, r95 = statistics.median(results["rasa"]), percentile(results["rasa"], 0.95)
    print(f"{title}: {len(results['gateway'])} messages a path")
    print(f"  gateway      p50 {g50:7.1f} ms   p95 {g95:7.1f} ms")
    print(f"  Rasa direct  p50 {r50:7.1f} ms   p95 {r95:7.1f} ms")
    print(f"  ratio gateway/Rasa  p50 {g50 / r50:.2f}   p95 {g95 / r95:.2f}  (goal p95 <= 1.3)")


def check_messages() -> None:
    """None of the messages may trip the safety screen: those never reach Rasa."""
    from bot.safety import screen

    flagged = [m for m in MESSAGES if screen(m).level != "none"]
    if flagged:
        raise SystemExit(f"these skip Rasa (safety screen), pick others: {flagged}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the 10 messages a client")
    args = parser.parse_args()
    check_messages()
    if not model_is_current(repo_settings()):
        print("No current model: run `make train` first.")
        return 1
    var_dir = Path(tempfile.mkdtemp(prefix="bench-"))
    ports = {"GATEWAY_PORT": free_port(), "RASA_PORT": free_port(), "ACTION_PORT": free_port()}
    env = dict(os.environ, VAR_DIR=str(var_dir), MODELS_DIR=str(ROOT / "models"))
    env.update({k: str(v) for k, v in ports.items()})
    gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
    rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
    started = time.monotonic()
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while True:
            try:
                if httpx.get(f"{gateway}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > 600:
                print("The stack did not become healthy in 10 minutes.")
                return 1
            time.sleep(0.5)
        print(f"Start-up to healthy: {time.monotonic() - started:.1f} s (model already trained)")
        asyncio.run(measure(gateway, rasa, 1, 1))  # warm up both paths
        report("One client at a time", asyncio.run(measure(gateway, rasa, 1, args.rounds)))
        report("20 clients at once", asyncio.run(measure(gateway, rasa, 20, args.rounds)))
        print("Resident memory:")
        for name in ("gateway", "rasa", "action_server"):
            pid = int((var_dir / "run" / f"{name}.pid").read_text())
            process = psutil.Process(pid)
            rss = process.memory_info().rss + sum(
                c.memory_info().rss for c in process.children(recursive=True)
            )
            print(f"  {name:<14} {rss / 2**20:7.0f} MiB")
    finally:
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
