"""The console's audit log: who viewed or did what, and when. Admins can read it.

Entries hold ids and counts, never what the client or navigator wrote (that stays in the
transcript and notes, where the same access rules apply).
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from bot.store import dumps, utc_now

PAGE_SIZE = 100


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db["console_audit"]

    def record(
        self,
        actor: str | None,
        action: str,
        *,
        role: str | None = None,
        handoff_id: int | None = None,
        client_id: int | None = None,
        ip: str = "",
        **detail: Any,
    ) -> None:
        with self.db.atomic():
            self.table.insert(
                {
                    "at": utc_now(),
                    "actor": (actor or "")[:100] or None,
                    "role": role,
                    "action": action,
                    "handoff_id": handoff_id,
                    "client_id": client_id,
                    "ip": ip[:64],
                    "detail": dumps(detail) if detail else None,
                }
            )

    def entries(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        handoff_id: int | None = None,
        before: int | None = None,
        limit: int = PAGE_SIZE,
    ) -> list[dict[str, Any]]:
        """Newest first; `before` (an entry id) pages back through older entries."""
        where, args = ["1 = 1"], []
        for column, value in (("actor", actor), ("action", action), ("handoff_id", handoff_id)):
            if value not in (None, ""):
                where.append(f"{column} = ?")
                args.append(value)
        if before:
            where.append("id < ?")
            args.append(before)
        rows = self.table.rows_where(
            " AND ".join(where), args, order_by="id DESC", limit=max(1, min(limit, 500))
        )
        out = []
        for row in rows:
            row = dict(row)
            row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
            out.append(row)
        return out

    def actions(self) -> list[str]:
        return [
            r[0] for r in self.db.execute("SELECT DISTINCT action FROM console_audit ORDER BY 1")
        ]
