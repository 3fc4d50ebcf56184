"""`python -m bot reminders parse`: parse reminder requests from arguments or JSON lines.

    python -m bot reminders parse --now 2026-03-09T12:00:00+00:00 remind me tmrw at 2
    echo '{"text": "tmrw at 2", "now": "2026-03-09T12:00:00+00:00"}' | \\
        python -m bot reminders parse --jsonl

Each result is one JSON object a line: {"due": ISO 8601 in Europe/London or null, "what": ...}.
With --jsonl a bad input line gives {"error": "..."} and the run goes on. `now` defaults to
the current time; a `now` without an offset is read as London time.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import TextIO

from bot.reminders.parse import parse_reminder
from bot.reminders.resolve import LONDON


def parse_now(value: str | None) -> datetime:
    """An ISO 8601 time ("Z" allowed); naive times are London local; None is now."""
    if value is None:
        return datetime.now(timezone.utc)
    if not isinstance(value, str):
        raise ValueError("now must be an ISO 8601 string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def _line_result(line: str) -> dict:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    if not isinstance(item, dict):
        return {"error": "each line must be a JSON object"}
    text = item.get("text")
    if not isinstance(text, str):
        return {"error": 'missing "text" (a string)'}
    try:
        now = parse_now(item.get("now"))
    except ValueError as exc:
        return {"error": f'bad "now": {exc}'}
    return parse_reminder(text, now).to_dict()


def run_jsonl(source: TextIO, sink: TextIO) -> int:
    for line in source:
        if not line.strip():
            continue
        sink.write(json.dumps(_line_result(line)) + "\n")
        sink.flush()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot reminders", description="Parse reminder requests (UK, Europe/London)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    parse = sub.add_parser("parse", help="when is it due and what is it about")
    parse.add_argument("--now", help="ISO 8601 time to parse against (default: now)")
    parse.add_argument("--jsonl", action="store_true", help='read {"text", "now"} lines on stdin')
    parse.add_argument("text", nargs="*", help="the message")
    return parser


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.jsonl:
        if args.text:
            print("give either --jsonl or the text, not both", file=sys.stderr)
            return 2
        return run_jsonl(sys.stdin, sys.stdout)
    if not args.text:
        print("no text given (or use --jsonl)", file=sys.stderr)
        return 2
    try:
        now = parse_now(args.now)
    except ValueError as exc:
        print(f"bad --now: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(parse_reminder(" ".join(args.text), now).to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
