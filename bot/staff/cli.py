"""`python -m bot train`: check everything, train a new model, test it on held-out questions,
load it into the running Rasa (PUT /model) and keep it for the next start; the same steps as the
console's Train button, and never at the same time as another training.

Exit status: 0 passed (or nothing changed), 1 stopped on a problem (the running model stays),
2 bad arguments, 3 another training is running.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.config import get_settings
from bot.staff.checks import blocking, check_all
from bot.staff.jobs import TrainingLock, lock_path
from bot.staff.pipeline import TrainingRun
from bot.staff.runs import RunStore
from bot.staff.workspace import Workspace
from bot.store import connect

STATE_MARK = {"passed": "done", "failed": "FAILED", "skipped": "skipped", "running": "..."}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot train", description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="only run the content checks (quick)")
    p.add_argument("--force", action="store_true", help="train even if nothing changed")
    return p


class Printer:
    """Prints each step as it changes."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, str]] = {}

    def __call__(self, progress: dict[str, Any]) -> None:
        for step in progress.get("steps") or []:
            state = (step["state"], step.get("detail", "") if step["state"] != "running" else "")
            if state[0] == "waiting" or self.seen.get(step["name"]) == state:
                continue
            self.seen[step["name"]] = state
            detail = f" ({step['detail']})" if step.get("detail") else ""
            print(f"- {step['label']}: {STATE_MARK.get(step['state'], step['state'])}{detail}")
            sys.stdout.flush()


def print_problems(problems: list[dict[str, Any]]) -> None:
    stops = [p for p in problems if not p.get("warning")]
    notes = [p for p in problems if p.get("warning")]
    if stops:
        print(f"\nTo fix ({len(stops)}):")
        for p in stops:
            print(f"  - {p['words']}")
    if notes:
        print(f"\nWorth a look ({len(notes)}):")
        for p in notes:
            print(f"  - {p['words']}")


def main(argv: list[str]) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    settings = get_settings()
    if args.check:
        problems = check_all(settings.root)
        print_problems([p.to_dict() for p in problems])
        stops = blocking(problems)
        print("\nNo problems." if not stops else f"\n{len(stops)} problem(s) stop training.")
        return 1 if stops else 0
    lock = TrainingLock(lock_path(settings))
    if not lock.try_acquire():
        print("A training is running already (from the console or another terminal).")
        return 3
    db = connect(settings.db_path)
    try:
        runs = RunStore(db)
        runs.mark_interrupted()
        run_id = runs.create(f"{getpass.getuser()} (command line)")
        print(f"Training run {run_id}: check, train, test, load, keep.")
        run = TrainingRun(
            settings,
            runs,
            run_id,
            Workspace.for_settings(settings),
            force=args.force,
            on_progress=Printer(),
        )
        outcome = run.execute()
        record = runs.get(run_id) or {}
        print_problems(record.get("problems") or [])
        print(f"\n{outcome.message}")
        return 0 if outcome.state in ("passed", "unchanged") else 1
    finally:
        db.close()
        lock.release()
