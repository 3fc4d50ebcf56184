"""Reminder parsing: our exact-match accuracy beside dateparser's `search_dates`, same phrasings.

    .venv/bin/python bench/reminders.py [--failures] [--file PATH]

"due" counts a phrase right when the due time is the expected instant with the expected
offset (or both are null); "full" also needs the expected "what". dateparser only finds
dates, so it is scored on "due" alone (and on "day": the right calendar day, which spares
it our 09:00 default for a day with no time): its first date found (settings as the issue asks:
future dates, RELATIVE_BASE = now as naive London time, TIMEZONE Europe/London, aware
results, DMY). Subsets: phrasings whose `now` is within two days of a 2026 clock change, and
those whose expected due is null (vague or no time). Also prints the time per phrase.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.reminders.parse import parse_reminder  # noqa: E402
from bot.reminders.resolve import LONDON  # noqa: E402

DATA = ROOT / "tests" / "data" / "reminders" / "phrasings.jsonl"
CHANGES = [datetime(2026, 3, 29, 1, tzinfo=LONDON), datetime(2026, 10, 25, 1, tzinfo=LONDON)]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def same_due(got: datetime | None, expected: str | None, *, offset: bool = True) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    want = datetime.fromisoformat(expected)
    # Compare in UTC: PEP 495 makes == False across zones for times in a gap or a fold.
    same_instant = got.astimezone(timezone.utc) == want.astimezone(timezone.utc)
    return same_instant and (not offset or got.utcoffset() == want.utcoffset())


def same_day(got: datetime | None, expected: str | None) -> bool:
    """The right London calendar day (or both null): kinder to a parser without our 09:00."""
    if got is None or expected is None:
        return got is None and expected is None
    want = datetime.fromisoformat(expected).astimezone(LONDON).date()
    return got.astimezone(LONDON).date() == want


def near_change(row: dict) -> bool:
    now = datetime.fromisoformat(row["now"])
    return any(abs(now - change) <= timedelta(days=2) for change in CHANGES)


def dateparser_due() -> Callable[[str, datetime], datetime | None] | None:
    try:
        from dateparser.search import search_dates
    except ImportError:
        return None

    def due(text: str, now: datetime) -> datetime | None:
        settings = {
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": now.astimezone(LONDON).replace(tzinfo=None),
            "TIMEZONE": "Europe/London",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "DATE_ORDER": "DMY",
        }
        found = search_dates(text, languages=["en"], settings=settings)
        return found[0][1] if found else None

    return due


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Best-of-repeats wall time of fn(), in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=DATA)
    ap.add_argument("--failures", action="store_true", help="list our failures")
    args = ap.parse_args(argv)
    rows = load(args.file)
    nows = [datetime.fromisoformat(r["now"]) for r in rows]

    ours = [parse_reminder(r["text"], now) for r, now in zip(rows, nows, strict=True)]
    our_due = [same_due(p.due, r["due"]) for p, r in zip(ours, rows, strict=True)]
    our_full = [d and p.what == r["what"] for d, p, r in zip(our_due, ours, rows, strict=True)]
    our_day = [same_day(p.due, r["due"]) for p, r in zip(ours, rows, strict=True)]
    our_time = timed(
        lambda: [parse_reminder(r["text"], n) for r, n in zip(rows, nows, strict=True)], 5
    )

    dp = dateparser_due()
    dp_due: list[bool] | None = None
    dp_day: list[bool] | None = None
    dp_time = None
    if dp is not None:
        dp_results = [dp(r["text"], n) for r, n in zip(rows, nows, strict=True)]
        dp_due = [
            same_due(g, r["due"], offset=False) for g, r in zip(dp_results, rows, strict=True)
        ]
        dp_day = [same_day(g, r["due"]) for g, r in zip(dp_results, rows, strict=True)]
        dp_time = timed(lambda: [dp(r["text"], n) for r, n in zip(rows, nows, strict=True)], 1)

    subsets = {
        "all": [True] * len(rows),
        "near a clock change": [near_change(r) for r in rows],
        "expected null": [r["due"] is None for r in rows],
        "expected a time": [r["due"] is not None for r in rows],
    }

    def rate(hits: list[bool], mask: list[bool]) -> str:
        n = sum(mask)
        k = sum(h for h, m in zip(hits, mask, strict=True) if m)
        return f"{k / n:6.3f} ({k}/{n})" if n else "   -"

    print(f"Reminder parsing on {args.file.relative_to(ROOT)}: {len(rows)} phrasings\n")
    head = ["ours: due", "ours: due+what", "dateparser: due", "ours: day", "dateparser: day"]
    print(f"{'subset':<20}" + "".join(f"{h:<20}" for h in head))
    for name, mask in subsets.items():
        cols = [rate(our_due, mask), rate(our_full, mask)]
        cols.append(rate(dp_due, mask) if dp_due is not None else "not installed")
        cols.append(rate(our_day, mask))
        cols.append(rate(dp_day, mask) if dp_day is not None else "not installed")
        print(f"{name:<20}" + "".join(f"{c:<20}" for c in cols))
    print(f"\ntime per phrase: ours {our_time / len(rows) * 1e6:.0f} us", end="")
    if dp_time is not None:
        print(f", dateparser {dp_time / len(rows) * 1e6:.0f} us")
    else:
        print(" (dateparser is not installed in this environment)")

    if args.failures:
        print("\nOur failures:")
        for r, p, ok in zip(rows, ours, our_full, strict=True):
            if not ok:
                print(
                    f"  {r['text']!r} now={r['now']}: want {r['due']} {r['what']!r}, "
                    f"got {p.to_dict()['due']} {p.what!r}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
