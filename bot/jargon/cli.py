"""`python -m bot jargon`: find and explain glossary terms in text.

python -m bot jargon they said im not priority need
echo '{"text": "got sanctioned again"}' | python -m bot jargon --jsonl
python -m bot jargon --evaluate tests/data/jargon/messages.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from bot.jargon import find_terms, get_matcher
from bot.jargon.evaluate import evaluate, read_labelled


def _result(text: str) -> dict:
    return {
        "terms": [
            {"term": m.term, "span": m.span, "explanation": m.explanation} for m in find_terms(text)
        ]
    }


def _emit(obj: dict, out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def run_jsonl(stdin: TextIO, out: TextIO) -> int:
    """One {"text"} object a line in, one result a line out; a bad line gets {"error"}."""
    for n, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            _emit({"error": f"line {n}: not JSON ({exc.msg})"}, out)
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            _emit({"error": f'line {n}: expected an object with a "text" string'}, out)
            continue
        _emit(_result(row["text"]), out)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot jargon",
        description="Find glossary terms (data/glossary.yml) in text and explain them.",
    )
    p.add_argument("text", nargs="*", help="the text to look in (several words are joined)")
    p.add_argument("--jsonl", action="store_true", help='read {"text"} JSON lines from stdin')
    p.add_argument(
        "--evaluate",
        metavar="FILE",
        help='report recall, precision and misses over {"text", "terms"} JSON lines',
    )
    return p


def main(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.evaluate:
        try:
            rows = read_labelled(args.evaluate)
        except (OSError, ValueError) as exc:
            print(f"cannot evaluate: {exc}", file=sys.stderr)
            return 2
        get_matcher()  # build before the clock starts: the timing is per message
        print(evaluate(rows, find_terms).report())
        return 0
    if args.jsonl:
        return run_jsonl(sys.stdin, sys.stdout)
    if not args.text:
        parser.print_usage(sys.stderr)
        print("give some text, --jsonl or --evaluate FILE", file=sys.stderr)
        return 2
    _emit(_result(" ".join(args.text)), sys.stdout)
    return 0
