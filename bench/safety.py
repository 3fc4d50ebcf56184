"""Benchmark the safety screen: start-up time, then median and p99 time per message.

    .venv/bin/python bench/safety.py [--rounds 20] [--without-encoder]

Screens every line of tests/data/safety/*.jsonl `rounds` times after warm-up. Goal (issue 3):
median under 2 ms per message after start-up. Also says how often the sentence encoder was asked
(only when it could change the level); --without-encoder never asks it, to see what it costs
(the levels are then not the screen's real ones).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="times to screen every line")
    parser.add_argument(
        "--without-encoder", action="store_true", help="never ask the sentence encoder"
    )
    args = parser.parse_args(argv)

    from bot.safety.data import load_rows, model_dir

    meta = model_dir() / "meta.json"
    before = meta.stat().st_mtime if meta.is_file() else None

    started = time.perf_counter()
    from bot.safety import screen, warm_up

    warm_up()
    startup = time.perf_counter() - started
    asked = _count_encoder_calls(never=args.without_encoder)
    trained = (meta.stat().st_mtime if meta.is_file() else None) != before

    texts = [r["text"] for r in load_rows()]
    if not texts:
        print("no lines in tests/data/safety to benchmark", file=sys.stderr)
        return 1
    timings: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            t0 = time.perf_counter()
            screen(text)
            timings.append(time.perf_counter() - t0)
    timings.sort()

    long_text = ("the council said ring back about the flat and the forms. " * 350)[:20_000]
    long_timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        screen(long_text + " i want to kill myself")
        long_timings.append(time.perf_counter() - t0)

    ms = 1000.0
    summary = {
        "startup_s": round(startup, 2),
        "startup_included_training": trained,
        "messages": len(timings),
        "median_ms": round(statistics.median(timings) * ms, 3),
        "p99_ms": round(percentile(timings, 0.99) * ms, 3),
        "mean_ms": round(statistics.fmean(timings) * ms, 3),
        "max_ms": round(timings[-1] * ms, 3),
        "long_20k_chars_median_ms": round(statistics.median(long_timings) * ms, 1),
        "encoder_asked_share": round(asked[0] / (len(timings) + len(long_timings)), 4),
    }
    print(
        f"start-up (import, rules, model): {summary['startup_s']} s"
        + ("  (included training the classifier)" if trained else "")
    )
    print(f"messages screened: {summary['messages']} ({len(texts)} lines x {args.rounds})")
    print(f"median per message: {summary['median_ms']} ms   (goal < 2 ms)")
    print(f"p99 per message:    {summary['p99_ms']} ms")
    print(f"mean / max:         {summary['mean_ms']} / {summary['max_ms']} ms")
    print(f"20,000-character message: {summary['long_20k_chars_median_ms']} ms")
    print(
        f"sentence encoder asked for: {summary['encoder_asked_share']:.1%} of messages"
        + ("  (--without-encoder)" if args.without_encoder else "")
    )
    print(json.dumps(summary))
    return 0


def _count_encoder_calls(never: bool) -> list[int]:
    """Count the messages for which the screen asks the sentence encoder (or stop it asking)."""
    from bot.safety import screener as screener_module

    asked = [0]
    could_change = screener_module.meaning_could_change

    def counting(*args) -> bool:
        answer = False if never else could_change(*args)
        asked[0] += answer
        return answer

    screener_module.meaning_could_change = counting
    return asked


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
