"""`python -m bot safety ...`: screen text, JSON lines, evaluate on labelled files, or train.

python -m bot safety TEXT...                    one JSON object {"level","categories","matched"}
python -m bot safety --jsonl                    {"text": ...} lines on stdin -> one object a line
python -m bot safety --evaluate F.jsonl [...] [--split heldout] [--json]
python -m bot safety --train                    retrain the classifier now
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from .data import read_jsonl


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bot safety",
        description="Screen messages for crisis and trauma signals.",
    )
    p.add_argument("text", nargs="*", help="text to screen (the words are joined with spaces)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--jsonl", action="store_true", help='read {"text": ...} lines on stdin')
    mode.add_argument("--evaluate", nargs="+", metavar="FILE", help="labelled JSONL files to score")
    mode.add_argument("--train", action="store_true", help="retrain the classifier now")
    p.add_argument("--split", help="with --evaluate: only lines of this split (train|heldout)")
    p.add_argument("--json", action="store_true", help="with --evaluate: print the report as JSON")
    return p


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on errors; report, don't exit
        return int(exc.code or 0)
    if args.train:
        return _train(sys.stdout)
    if args.evaluate:
        return _evaluate(args.evaluate, args.split, args.json, sys.stdout)
    if args.jsonl:
        if args.text:
            parser.print_usage(sys.stderr)
            print("--jsonl reads stdin; do not also give text", file=sys.stderr)
            return 2
        return run_jsonl(sys.stdin.buffer, sys.stdout)
    if not args.text:
        parser.print_usage(sys.stderr)
        print("give text to screen, or --jsonl, --evaluate or --train", file=sys.stderr)
        return 2
    from . import screen

    print(json.dumps(screen(" ".join(args.text)).to_dict(), ensure_ascii=False))
    return 0


def run_jsonl(stream, out: TextIO) -> int:
    """One JSON object out for every line in; a bad line gets {"error": ...} and we go on."""
    from . import screen

    for raw in stream:
        line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        try:
            result = _screen_line(line, screen)
        except Exception as exc:  # never stop the stream for one line
            result = {"error": f"could not screen this line: {type(exc).__name__}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def _screen_line(line: str, screen) -> dict:
    if not line.strip():
        return {"error": "empty line"}
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    if not isinstance(item, dict) or "text" not in item:
        return {"error": 'expected an object with "text"'}
    text = item["text"]
    if text is not None and not isinstance(text, str):
        return {"error": '"text" must be a string'}
    return screen(text).to_dict()


def _evaluate(files: list[str], split: str | None, as_json: bool, out: TextIO) -> int:
    from . import screen
    from .evaluate import evaluate, format_report

    rows: list[dict] = []
    for name in files:
        path = Path(name)
        if not path.is_file():
            print(f"no such file: {name}", file=sys.stderr)
            return 2
        rows.extend(read_jsonl(path))
    if split:
        rows = [r for r in rows if r.get("split") == split]
    report = evaluate(rows, screen)
    if as_json:
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        if split:
            out.write(f"split: {split}\n")
        out.write(format_report(report) + "\n")
    return 0


def _train(out: TextIO) -> int:
    from .data import model_dir
    from .model import ensure_model
    from .screener import Screener, reset

    model = ensure_model(Screener(model=None), force=True)
    reset()
    if model is None:
        print("no classifier could be trained (see the log above)", file=sys.stderr)
        return 1
    out.write((model_dir() / "meta.json").read_text(encoding="utf-8").strip() + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover - the lead's bot/__main__ is the usual entry
    sys.exit(main(sys.argv[1:]))
