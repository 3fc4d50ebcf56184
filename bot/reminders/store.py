"""Reminders kept in the gateway's store (never in Rasa's in-memory scheduler).

Sending is exactly once: claiming a due reminder and writing the outbound message that carries
it happen in one SQLite transaction, so a crash leaves either both or neither. The outbound
message is then delivered (and retried) by the channel's outbound path.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from bot.store import utc_now

ACTIVE = ("scheduled",)


def to_utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("reminder times must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


class ReminderError(Exception):
    """A reminder action that cannot be done (not found, not this client's, already sent)."""


class ReminderStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        client_id: int,
        channel: str,
        what: str,
        due: datetime,
        *,
        kind: str = "appointment",
        appointment: datetime | None = None,
        created_by: str = "client",
    ) -> dict[str, Any]:
        now = utc_now()
        with self.db.atomic():
            reminder_id = (
                self.db["reminders"]
                .insert(
                    {
                        "client_id": client_id,
                        "channel": channel,
                        "what": what.strip()[:200] or "your appointment",
                        "due_utc": to_utc_text(due),
                        "appointment_utc": to_utc_text(appointment or due),
                        "kind": kind,
                        "status": "scheduled",
                        "created_by": created_by,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                .last_pk
            )
        return self.get(reminder_id)

    def get(self, reminder_id: int) -> dict[str, Any]:
        rows = list(self.db["reminders"].rows_where("id = ?", [reminder_id]))
        if not rows:
            raise ReminderError(f"no reminder {reminder_id}")
        return rows[0]

    def upcoming(self, client_id: int) -> list[dict[str, Any]]:
        return list(
            self.db["reminders"].rows_where(
                "client_id = ? AND status = 'scheduled'", [client_id], order_by="due_utc"
            )
        )

    def for_client(self, client_id: int) -> list[dict[str, Any]]:
        return list(
            self.db["reminders"].rows_where("client_id = ?", [client_id], order_by="due_utc")
        )

    def cancel(self, client_id: int, reminder_id: int) -> dict[str, Any]:
        """Cancel a scheduled reminder, and its day-before partner (same appointment and what)."""
        reminder = self.get(reminder_id)
        if reminder["client_id"] != client_id:
            raise ReminderError(f"reminder {reminder_id} is not this client's")
        if reminder["status"] != "scheduled":
            raise ReminderError(f"reminder {reminder_id} is already {reminder['status']}")
        with self.db.atomic():
            self.db.execute(
                "UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE client_id = ?"
                " AND status = 'scheduled' AND what = ? AND appointment_utc = ?",
                [utc_now(), client_id, reminder["what"], reminder["appointment_utc"]],
            )
        return self.get(reminder_id)

    def reschedule(self, client_id: int, reminder_id: int, due: datetime) -> dict[str, Any]:
        """Move an appointment reminder (its day-before partner is cancelled; offer it again)."""
        reminder = self.cancel(client_id, reminder_id)
        return self.add(
            client_id, reminder["channel"], reminder["what"], due, created_by=reminder["created_by"]
        )

    def claim_due(
        self, now: datetime, write_message: Any, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Claim due reminders one transaction each: status `sending` plus its outbound message.

        `write_message(reminder) -> message_id` stores the outbound message inside the same
        transaction. Returns the claimed reminders (with message_id).
        """
        now_text = to_utc_text(now)
        due_ids = [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM reminders WHERE status = 'scheduled' AND due_utc <= ?"
                " ORDER BY due_utc LIMIT ?",
                [now_text, limit],
            ).fetchall()
        ]
        claimed = []
        for reminder_id in due_ids:
            with self.db.atomic():
                cursor = self.db.execute(
                    "UPDATE reminders SET status = 'sending', attempts = attempts + 1,"
                    " updated_at = ? WHERE id = ? AND status = 'scheduled'",
                    [utc_now(), reminder_id],
                )
                if cursor.rowcount != 1:
                    continue  # another dispatcher got it first
                reminder = self.get(reminder_id)
                message_id = write_message(reminder)
                status = "sending" if message_id is not None else "cancelled"
                self.db["reminders"].update(
                    reminder_id, {"message_id": message_id, "status": status}
                )
            claimed.append(self.get(reminder_id))
        return claimed

    def mark(self, reminder_id: int, status: str, error: str | None = None) -> None:
        fields: dict[str, Any] = {"status": status, "updated_at": utc_now()}
        if status == "sent":
            fields["sent_at"] = utc_now()
        if error:
            fields["last_error"] = error[:500]
        with self.db.atomic():
            self.db["reminders"].update(reminder_id, fields)

    def sending_with_message_status(self) -> list[tuple[int, str]]:
        """Reminders still `sending`, with their message's delivery status (to settle them)."""
        return [
            (row[0], row[1])
            for row in self.db.execute(
                "SELECT r.id, m.status FROM reminders r JOIN messages m ON m.id = r.message_id"
                " WHERE r.status = 'sending'"
            ).fetchall()
        ]


def is_late(reminder: dict[str, Any], now: datetime, grace: timedelta) -> bool:
    return now - datetime.fromisoformat(reminder["due_utc"]) > grace
