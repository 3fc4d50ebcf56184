"""Training runs as kept in the store (staff_training_runs): progress the console shows."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from bot.staff.problems import Problem
from bot.store import dumps, utc_now

STEPS = (
    ("check", "Check the content"),
    ("validate", "Rasa checks the training data"),
    ("train", "Train a new model"),
    ("test", "Test it on questions it has never seen"),
    ("load", "Load it into the running assistant"),
    ("keep", "Keep it for the next start"),
)
JSON_FIELDS = ("steps", "problems", "manifest", "scores")
FINISHED = ("passed", "failed", "cancelled", "interrupted", "unchanged")
STATE_WORDS = {
    "running": "Running",
    "passed": "Passed: the new model is live",
    "failed": "Stopped: the running model was kept",
    "cancelled": "Cancelled: the running model was kept",
    "interrupted": "Interrupted (the gateway stopped): the running model was kept",
    "unchanged": "Nothing to train: nothing changed",
}


class RunStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db["staff_training_runs"]

    def create(self, started_by: str) -> int:
        now = utc_now()
        steps = [
            {"name": n, "label": label, "state": "waiting", "detail": ""} for n, label in STEPS
        ]
        with self.db.atomic():
            return int(
                self.table.insert(
                    {
                        "started_by": started_by,
                        "started_at": now,
                        "updated_at": now,
                        "state": "running",
                        "step": STEPS[0][0],
                        "steps": dumps(steps),
                        "problems": "[]",
                        "message": "Starting.",
                    }
                ).last_pk
            )

    def update(self, run_id: int, **fields: Any) -> None:
        for name in JSON_FIELDS:
            if name in fields and not isinstance(fields[name], str):
                fields[name] = dumps(fields[name])
        fields["updated_at"] = utc_now()
        with self.db.atomic():
            self.table.update(run_id, fields)

    def get(self, run_id: int) -> dict[str, Any] | None:
        rows = list(self.table.rows_where("id = ?", [run_id]))
        return self._view(rows[0]) if rows else None

    def recent(self, limit: int = 10) -> list[dict[str, Any]]:
        return [self._view(r) for r in self.table.rows_where(order_by="id DESC", limit=limit)]

    def running(self) -> list[dict[str, Any]]:
        return [self._view(r) for r in self.table.rows_where("state = 'running'", order_by="id")]

    def last_kept(self) -> dict[str, Any] | None:
        rows = list(self.table.rows_where("state = 'passed'", order_by="id DESC", limit=1))
        return self._view(rows[0]) if rows else None

    def mark_interrupted(self) -> int:
        """Runs still marked running when no process holds the training lock."""
        stale = self.running()
        for run in stale:
            self.update(
                run["id"],
                state="interrupted",
                finished_at=utc_now(),
                message=STATE_WORDS["interrupted"] + ".",
            )
        return len(stale)

    @staticmethod
    def _view(row: dict[str, Any]) -> dict[str, Any]:
        view = dict(row)
        for name in JSON_FIELDS:
            try:
                view[name] = json.loads(view[name]) if view.get(name) else None
            except ValueError:
                view[name] = None
        view["steps"] = view["steps"] or []
        view["problems"] = [Problem.from_dict(p).to_dict() for p in view["problems"] or []]
        view["state_words"] = STATE_WORDS.get(view["state"], view["state"])
        view["finished"] = view["state"] in FINISHED
        return view
