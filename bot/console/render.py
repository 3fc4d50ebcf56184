"""Templates for the console pages, and the words and time formats they show navigators."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
LOCAL_ZONE = ZoneInfo("Europe/London")

REASONS = {
    "safety": "The safety screen found a crisis",
    "client_request": "The client asked for a person",
    "trauma_accepted": "The client talked about past harm and said yes to a navigator",
    "navigator": "A navigator started it",
}
LEVELS = {"crisis": "Crisis", "trauma": "Trauma", "none": "No risk signal"}
STATES = {
    "queued": "Waiting for a navigator",
    "with_navigator": "With a navigator",
    "returned": "Back with the assistant",
    "closed": "Closed",
}
DELIVERY = {
    "pending": "Waiting to send",
    "sending": "Sending",
    "sent": "Sent",
    "delivered": "Delivered",
    "failed": "Not delivered",
    "received": "Received",
    "answered": "Answered",
    "unanswered": "Not answered yet",
    "to_navigator": "Passed to navigators",
}


def when(value: str | None) -> str:
    """'14:05, Tue 3 Jun' in UK time, from a stored ISO 8601 time."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    local = moment.astimezone(LOCAL_ZONE)
    return f"{local:%H:%M}, {local:%a} {local.day} {local:%b %Y}"


def duration(seconds: int | float | None) -> str:
    """'just now', '4 min', '1 h 5 min', '3 days'."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return "under a minute"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def words(value: str | None) -> str:
    return (value or "").replace("_", " ")


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters.update(when=when, duration=duration, words=words)
templates.env.globals.update(REASONS=REASONS, LEVELS=LEVELS, STATES=STATES, DELIVERY=DELIVERY)


def page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page with the signed-in user's details (if any) for the header."""
    ctx = getattr(request.state, "ctx", None)
    base: dict[str, Any] = {"user": None, "csrf": "", "on_duty": False, "title": ""}
    if ctx is not None:
        user = ctx.user
        base.update(
            user=user,
            csrf=ctx.session.csrf_token,
            on_duty=ctx.on_duty(),
            can_navigate=user.has_role(("navigator",)),
            is_staff=user.has_role(("staff",)),
            is_admin=user.role == "admin",
            path=request.url.path,
        )
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)


def fragment(name: str, context: dict[str, Any]) -> str:
    return templates.get_template(name).render(context)
