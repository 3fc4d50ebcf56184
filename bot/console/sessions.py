"""Signed-in sessions: a random token in an HttpOnly cookie, only its SHA-256 kept in the store.

A session ends on log out, after IDLE without a request, or at the latest MAX_AGE after sign-in.
Each session carries its own CSRF token (see csrf.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlite_utils import Database

from bot.console.users import User, UserStore

COOKIE = "console_session"
IDLE = timedelta(hours=4)
MAX_AGE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # write last_seen at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Session:
    key: str  # the token's hash: the row's id, never the token itself
    user: User
    csrf_token: str
    expires_at: datetime


class SessionStore:
    def __init__(self, db: Database, users: UserStore) -> None:
        self.db = db
        self.users = users
        self.table = db["console_sessions"]

    def create(self, user: User, ip: str, user_agent: str) -> tuple[str, Session]:
        """A new session for `user`; returns (cookie token, session)."""
        token = secrets.token_urlsafe(32)
        now = _now()
        expires = now + MAX_AGE
        row = {
            "key": token_hash(token),
            "user_name": user.user_name,
            "csrf_token": secrets.token_urlsafe(32),
            "created_at": now.isoformat(),
            "last_seen": now.isoformat(),
            "expires_at": expires.isoformat(),
            "ip": ip[:64],
            "user_agent": user_agent[:200],
        }
        with self.db.atomic():
            self.table.insert(row)
        return token, Session(row["key"], user, row["csrf_token"], expires)

    def get(self, token: str | None) -> Session | None:
        """The live session behind a cookie token, or None (unknown, expired, user disabled)."""
        if not token or len(token) > 200:
            return None
        key = token_hash(token)
        rows = list(self.table.rows_where("key = ?", [key]))
        if not rows:
            return None
        row = rows[0]
        now = _now()
        expires = datetime.fromisoformat(row["expires_at"])
        last_seen = datetime.fromisoformat(row["last_seen"])
        user = self.users.get(row["user_name"])
        if now >= expires or now - last_seen >= IDLE or user is None or not user.active:
            self.end(key)
            return None
        if now - last_seen >= TOUCH_EVERY:
            with self.db.atomic():
                self.table.update(key, {"last_seen": now.isoformat()})
        return Session(key, user, row["csrf_token"], expires)

    def end(self, key: str) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM console_sessions WHERE key = ?", [key])

    def end_all(self, user_name: str) -> int:
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM console_sessions WHERE user_name = ?", [user_name]
            )
        return cursor.rowcount

    def has_live_session(self, user_name: str) -> bool:
        now = _now()
        idle_since = (now - IDLE).isoformat()
        row = self.db.execute(
            "SELECT 1 FROM console_sessions WHERE user_name = ? AND expires_at > ?"
            " AND last_seen > ? LIMIT 1",
            [user_name, now.isoformat(), idle_since],
        ).fetchone()
        return row is not None

    def sweep(self) -> int:
        """Delete sessions that have run out."""
        now = _now()
        with self.db.atomic():
            cursor = self.db.execute(
                "DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen <= ?",
                [now.isoformat(), (now - IDLE).isoformat()],
            )
        return cursor.rowcount
