"""The console's own parts (accounts, sessions, lock-out, audit), built once per app."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from bot.console.audit import AuditLog
from bot.console.sessions import Session, SessionStore
from bot.console.throttle import LoginThrottle
from bot.console.users import User, UserStore
from bot.services import Services

_lock = threading.Lock()


@dataclass
class Console:
    users: UserStore
    sessions: SessionStore
    throttle: LoginThrottle
    audit: AuditLog

    @classmethod
    def build(cls, services: Services) -> Console:
        users = UserStore(services.db)
        return cls(
            users,
            SessionStore(services.db, users),
            LoginThrottle(services.db),
            AuditLog(services.db),
        )


def services_of(request: Request) -> Services:
    return request.app.state.services


def console_of(request: Request) -> Console:
    """The app's Console, made on first use (the gateway builds its services at start-up)."""
    state = request.app.state
    services = services_of(request)
    console = getattr(state, "console", None)
    if console is None or console.users.db is not services.db:
        with _lock:
            console = getattr(state, "console", None)
            if console is None or console.users.db is not services.db:
                console = Console.build(services)
                state.console = console
    return console


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@dataclass
class Ctx:
    """One signed-in request: who, from where, and the parts to act with."""

    services: Services
    console: Console
    session: Session
    ip: str

    @property
    def user(self) -> User:
        return self.session.user

    def audit(self, action: str, **detail: Any) -> None:
        self.console.audit.record(
            self.user.user_name, action, role=self.user.role, ip=self.ip, **detail
        )

    def on_duty(self) -> bool:
        return any(p["user_name"] == self.user.user_name for p in self.services.handoffs.on_duty())
