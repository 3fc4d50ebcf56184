"""Templates for the staff pages: bot/staff/templates first, then the console's (base.html)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from bot.console import render as console_render

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(str(TEMPLATES_DIR)), FileSystemLoader(str(console_render.TEMPLATES_DIR))]
)
templates.env.filters.update(console_render.templates.env.filters)
templates.env.globals.update(console_render.templates.env.globals)


def page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a staff page with the same header details as every console page."""
    ctx = request.state.ctx
    user = ctx.user
    base: dict[str, Any] = {
        "user": user,
        "csrf": ctx.session.csrf_token,
        "on_duty": ctx.on_duty(),
        "can_navigate": user.has_role(("navigator",)),
        "is_staff": user.has_role(("staff",)),
        "is_admin": user.role == "admin",
        "path": request.url.path,
        "title": "",
        "notice": "",
        "errors": [],
    }
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)
