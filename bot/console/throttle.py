"""Lock-out after repeated failed sign-ins, per user name and per address.

- A user name locks after MAX_FAILURES wrong passwords in a row: for BASE_LOCK, doubling with each
  further failure, at most MAX_LOCK. Tries while locked are refused unchecked and do not lengthen
  the lock, so nobody can keep a navigator locked out for ever. An admin can unlock at once.
- One address may fail at most IP_MAX_FAILURES times in IP_WINDOW (guessing across many names).
Unknown user names are counted the same way, so a lock does not reveal whether a name exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from bot.console.users import normalise_name

MAX_FAILURES = 5
BASE_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(hours=1)
IP_WINDOW = timedelta(minutes=15)
IP_MAX_FAILURES = 30


def _now() -> datetime:
    return datetime.now(timezone.utc)


class LoginThrottle:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db["console_login_attempts"]

    def record(self, user_name: str, ip: str, outcome: str) -> None:
        """outcome: ok | bad | locked | unlock."""
        with self.db.atomic():
            self.table.insert(
                {
                    "user_name": normalise_name(user_name)[:100],
                    "ip": ip[:64],
                    "outcome": outcome,
                    "at": _now().isoformat(),
                }
            )

    def failures_in_a_row(self, user_name: str) -> tuple[int, str | None]:
        """(wrong passwords since the last success or unlock, time of the latest one)."""
        name = normalise_name(user_name)[:100]
        row = self.db.execute(
            "SELECT COUNT(*), MAX(at) FROM console_login_attempts WHERE user_name = ?"
            " AND outcome = 'bad' AND id > COALESCE((SELECT MAX(id) FROM console_login_attempts"
            " WHERE user_name = ? AND outcome IN ('ok', 'unlock')), 0)",
            [name, name],
        ).fetchone()
        return int(row[0]), row[1]

    def locked_for(self, user_name: str, ip: str) -> timedelta | None:
        """How much longer sign-in is refused for this name or address, or None if it is not."""
        now = _now()
        waits: list[timedelta] = []
        count, last = self.failures_in_a_row(user_name)
        if count >= MAX_FAILURES and last:
            lock = min(MAX_LOCK, BASE_LOCK * (2 ** (count - MAX_FAILURES)))
            until = datetime.fromisoformat(last) + lock
            if until > now:
                waits.append(until - now)
        since = (now - IP_WINDOW).isoformat()
        rows = self.db.execute(
            "SELECT at FROM console_login_attempts WHERE ip = ? AND outcome = 'bad' AND at > ?"
            " ORDER BY at DESC LIMIT ?",
            [ip[:64], since, IP_MAX_FAILURES],
        ).fetchall()
        if len(rows) >= IP_MAX_FAILURES:
            oldest = datetime.fromisoformat(rows[-1][0])
            waits.append(oldest + IP_WINDOW - now)
        return max(waits) if waits else None

    def unlock(self, user_name: str) -> None:
        self.record(user_name, "admin", "unlock")
