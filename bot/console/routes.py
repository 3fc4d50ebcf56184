"""Every console URL, with the roles allowed on it. Tests walk this table (tests/test_console_*)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console import api, live, login, pages, reminders_api
from bot.console.auth import guard
from bot.console.render import STATIC_DIR
from bot.console.users import ROLES
from bot.staff.routes import STAFF_ROUTES

NAVIGATOR = ("navigator",)  # admins may do everything; see User.has_role
STAFF = ("staff",)
ADMIN = ("admin",)
ANYONE = ROLES
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
HANDOFF = "{handoff_id:int}"


@dataclass(frozen=True)
class Spec:
    path: str
    endpoint: Callable[[Request], Awaitable[Response]]
    methods: tuple[str, ...]
    roles: tuple[str, ...]
    kind: str  # page | api | stream


SPECS: tuple[Spec, ...] = (
    Spec("/console", pages.home, ("GET",), ANYONE, "page"),
    Spec("/console/queue", pages.queue, ("GET",), NAVIGATOR, "page"),
    Spec("/console/events", live.events, ("GET",), NAVIGATOR, "stream"),
    Spec(f"/console/handoffs/{HANDOFF}", pages.conversation, ("GET",), NAVIGATOR, "page"),
    Spec(f"/console/handoffs/{HANDOFF}/claim", pages.claim, ("POST",), NAVIGATOR, "page"),
    Spec(f"/console/handoffs/{HANDOFF}/reply", pages.reply, ("POST",), NAVIGATOR, "page"),
    Spec(f"/console/handoffs/{HANDOFF}/notes", pages.note, ("POST",), NAVIGATOR, "page"),
    Spec(
        f"/console/handoffs/{HANDOFF}/return",
        pages.return_to_assistant,
        ("POST",),
        NAVIGATOR,
        "page",
    ),
    Spec(f"/console/handoffs/{HANDOFF}/close", pages.close, ("POST",), NAVIGATOR, "page"),
    Spec("/console/duty", pages.duty, ("POST",), NAVIGATOR, "page"),
    Spec("/console/audit", pages.audit, ("GET",), ADMIN, "page"),
    Spec("/console/logout", login.logout, ("POST",), ANYONE, "page"),
    Spec("/api/console/me", api.me, ("GET",), ANYONE, "api"),
    Spec("/api/console/duty", api.duty, ("POST",), NAVIGATOR, "api"),
    Spec("/api/console/queue", api.queue, ("GET",), NAVIGATOR, "api"),
    Spec(f"/api/console/handoffs/{HANDOFF}", api.handoff, ("GET",), NAVIGATOR, "api"),
    Spec(f"/api/console/handoffs/{HANDOFF}/messages", api.messages, ("GET",), NAVIGATOR, "api"),
    Spec(f"/api/console/handoffs/{HANDOFF}/claim", api.claim, ("POST",), NAVIGATOR, "api"),
    Spec(f"/api/console/handoffs/{HANDOFF}/reply", api.reply, ("POST",), NAVIGATOR, "api"),
    Spec(f"/api/console/handoffs/{HANDOFF}/notes", api.note, ("POST",), NAVIGATOR, "api"),
    Spec(
        f"/api/console/handoffs/{HANDOFF}/return",
        api.return_to_assistant,
        ("POST",),
        NAVIGATOR,
        "api",
    ),
    Spec(f"/api/console/handoffs/{HANDOFF}/close", api.close, ("POST",), NAVIGATOR, "api"),
    Spec(
        f"/api/console/handoffs/{HANDOFF}/reminders",
        reminders_api.list_reminders,
        ("GET",),
        NAVIGATOR,
        "api",
    ),
    Spec(
        f"/api/console/handoffs/{HANDOFF}/reminders",
        reminders_api.add_reminder,
        ("POST",),
        NAVIGATOR,
        "api",
    ),
    Spec(
        f"/api/console/handoffs/{HANDOFF}/reminders/{{reminder_id:int}}/cancel",
        reminders_api.cancel_reminder,
        ("POST",),
        NAVIGATOR,
        "api",
    ),
    Spec("/api/console/canned", api.canned, ("GET",), NAVIGATOR, "api"),
    Spec("/api/console/audit", api.audit, ("GET",), ADMIN, "api"),
    Spec("/api/console/logout", api.logout, ("POST",), ANYONE, "api"),
    # The staff pages (bot/staff/routes.py), /console/staff included.
    *(Spec(*route) for route in STAFF_ROUTES),
    # Anything else under the prefixes: signed-in users get a 404, others the usual refusal.
    Spec("/api/console/{rest:path}", api.not_found, tuple(ALL_METHODS), ANYONE, "api"),
    Spec("/console/{rest:path}", pages.not_found, tuple(ALL_METHODS), ANYONE, "page"),
)

PUBLIC_PATHS = ("/console/login", "/console/static")


def console_routes() -> list[BaseRoute]:
    """The console's routes, for the gateway's route list (`*console_routes()`)."""
    routes: list[BaseRoute] = [
        Route("/console/login", login.login, methods=["GET", "POST"]),
        Mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static"),
    ]
    for spec in SPECS:
        endpoint = guard(spec.roles, spec.kind)(spec.endpoint)
        routes.append(Route(spec.path, endpoint, methods=list(spec.methods)))
    return routes
