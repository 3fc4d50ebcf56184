"""Console accounts: navigators, staff and admins, kept in the gateway's store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.console import passwords
from bot.store import utc_now

ROLES = ("navigator", "staff", "admin")
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MAX_DISPLAY_NAME = 60


class UserError(ValueError):
    """An account action that cannot be done; the message says why in plain words."""


@dataclass(frozen=True)
class User:
    user_name: str
    display_name: str
    role: str
    active: bool

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0] if self.display_name.strip() else self.user_name

    def has_role(self, roles: tuple[str, ...]) -> bool:
        """Admins can do everything; everyone else only what their role allows."""
        return self.active and (self.role == "admin" or self.role in roles)

    def public(self) -> dict[str, Any]:
        return {"user_name": self.user_name, "display_name": self.display_name, "role": self.role}


def _user(row: dict[str, Any]) -> User:
    return User(row["user_name"], row["display_name"], row["role"], bool(row["active"]))


def normalise_name(user_name: str) -> str:
    return user_name.strip().lower()


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = db["console_users"]

    def count(self) -> int:
        return self.table.count

    def get(self, user_name: str) -> User | None:
        rows = list(self.table.rows_where("user_name = ?", [normalise_name(user_name)]))
        return _user(rows[0]) if rows else None

    def all(self) -> list[User]:
        return [_user(r) for r in self.table.rows_where(order_by="user_name")]

    def display_names(self) -> dict[str, str]:
        return {r["user_name"]: r["display_name"] for r in self.table.rows}

    def add(self, user_name: str, role: str, password: str, display_name: str = "") -> User:
        name = normalise_name(user_name)
        if not USER_NAME.match(name):
            raise UserError(
                "A user name needs 2 to 40 characters: small letters, digits, dot, dash or"
                " underscore, starting with a letter or digit."
            )
        if role not in ROLES:
            raise UserError(f"The role must be one of: {', '.join(ROLES)}.")
        if self.get(name):
            raise UserError(f"There is already a user called {name}.")
        display = " ".join(display_name.split())[:MAX_DISPLAY_NAME] or name.capitalize()
        try:
            passwords.check_rules(password, name)
        except passwords.PasswordRuleError as error:
            raise UserError(str(error)) from error
        now = utc_now()
        with self.db.atomic():
            self.table.insert(
                {
                    "user_name": name,
                    "display_name": display,
                    "role": role,
                    "password_hash": passwords.hash_password(password),
                    "active": 1,
                    "created_at": now,
                    "updated_at": now,
                    "password_changed_at": now,
                }
            )
        user = self.get(name)
        assert user is not None
        return user

    def verify(self, user_name: str, password: str) -> User | None:
        """The active user whose password this is, or None. Always costs one hash check."""
        row = self.credentials(user_name)
        ok = passwords.verify_password(row["password_hash"] if row else None, password)
        return self.accept(row, password) if ok else None

    def credentials(self, user_name: str) -> dict[str, Any] | None:
        rows = list(self.table.rows_where("user_name = ?", [normalise_name(user_name)]))
        return rows[0] if rows else None

    def accept(self, row: dict[str, Any] | None, password: str) -> User | None:
        """After a matching password: the user if active (re-hashed if the parameters changed)."""
        if not (row and row["active"]):
            return None
        if passwords.needs_rehash(row["password_hash"]):
            self._set_hash(row["user_name"], password)
        return _user(row)

    def set_password(self, user_name: str, password: str) -> None:
        user = self._require(user_name)
        try:
            passwords.check_rules(password, user.user_name)
        except passwords.PasswordRuleError as error:
            raise UserError(str(error)) from error
        self._set_hash(user.user_name, password)

    def set_active(self, user_name: str, active: bool) -> None:
        user = self._require(user_name)
        with self.db.atomic():
            self.table.update(user.user_name, {"active": int(active), "updated_at": utc_now()})

    def _set_hash(self, user_name: str, password: str) -> None:
        now = utc_now()
        with self.db.atomic():
            self.table.update(
                user_name,
                {
                    "password_hash": passwords.hash_password(password),
                    "password_changed_at": now,
                    "updated_at": now,
                },
            )

    def _require(self, user_name: str) -> User:
        user = self.get(user_name)
        if user is None:
            raise UserError(f"There is no user called {normalise_name(user_name)}.")
        return user
