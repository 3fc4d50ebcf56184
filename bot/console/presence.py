"""On duty / off duty for console users, kept honest.

The safety rules promise a person only when someone is on duty, so presence must not outlive the
navigator: signing out ends it, and `sweep` takes anyone whose sessions have all ended off duty.
While a navigator has the console open, its live stream calls `refresh` so presence stays fresh.
"""

from __future__ import annotations

import time

from bot.console.sessions import SessionStore
from bot.console.users import User
from bot.services import Services

SWEEP_EVERY_SECONDS = 30.0
_last_sweep: dict[int, float] = {}


def is_on_duty(services: Services, user_name: str) -> bool:
    return any(p["user_name"] == user_name for p in services.handoffs.on_duty())


def set_duty(services: Services, user: User, on_duty: bool) -> None:
    services.handoffs.set_presence(user.user_name, user.display_name, on_duty)


def refresh(services: Services, user: User) -> None:
    """Renew an on-duty navigator's presence time (the console is open and connected)."""
    if is_on_duty(services, user.user_name):
        services.handoffs.set_presence(user.user_name, user.display_name, True)


def sweep(services: Services, sessions: SessionStore, force: bool = False) -> list[str]:
    """Take console users with no live session off duty. Returns their user names."""
    key = id(services.db)
    now = time.monotonic()
    if not force and now - _last_sweep.get(key, 0.0) < SWEEP_EVERY_SECONDS:
        return []
    _last_sweep[key] = now
    sessions.sweep()
    ended = []
    for row in services.handoffs.on_duty():
        user = sessions.users.get(row["user_name"])
        if user is not None and not sessions.has_live_session(user.user_name):
            set_duty(services, user, False)
            ended.append(user.user_name)
    return ended
