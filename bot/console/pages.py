"""The console's HTML pages and the forms they post (each redirects back with a short notice)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console import actions, views
from bot.console.audit import PAGE_SIZE
from bot.console.auth import safe_next
from bot.console.render import page
from bot.console.state import Ctx
from bot.handoff.service import HandoffError

# Notices after a form: short codes in the URL, words here (never user text in a URL).
NOTICES = {
    "claimed": "You have this conversation now. The client has been told your name.",
    "replied": "Reply sent.",
    "noted": "Private note saved. The client cannot see it.",
    "returned": "The client is back with the assistant, and has been told.",
    "closed": "The conversation is closed, and the client has been told.",
    "duty_on": "You are on duty. You will see new conversations here.",
    "duty_off": "You are off duty.",
}


def _ctx(request: Request) -> Ctx:
    return request.state.ctx


def _back(path: str, notice: str = "") -> RedirectResponse:
    query = urlencode({"notice": notice}) if notice else ""
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


def _notice(request: Request) -> str:
    return NOTICES.get(request.query_params.get("notice", ""), "")


def _handoff_id(request: Request) -> int:
    return int(request.path_params["handoff_id"])


async def home(request: Request) -> Response:
    user = _ctx(request).user
    target = "/console/queue" if user.has_role(("navigator",)) else "/console/staff"
    return RedirectResponse(target, status_code=303)


async def queue(request: Request) -> Response:
    ctx = _ctx(request)
    items = views.queue_items(ctx)
    ctx.audit("queue_view", via="page", count=len(items))
    return page(
        request,
        "queue.html",
        {
            "title": "Queue",
            "items": items,
            "notice": _notice(request),
        },
    )


async def conversation(request: Request, error: str = "", status: int = 200) -> Response:
    ctx = _ctx(request)
    handoff_id = _handoff_id(request)
    try:
        view = views.conversation(ctx, handoff_id)
    except HandoffError:
        return _not_found(request, "There is no such conversation.")
    ctx.audit(
        "handoff_view", via="page", handoff_id=handoff_id, client_id=view["handoff"]["client_id"]
    )
    return page(
        request,
        "conversation.html",
        {
            "title": f"Conversation {handoff_id}",
            **view,
            "notice": "" if error else _notice(request),
            "error": error,
            "last_message_id": view["transcript"][-1]["id"] if view["transcript"] else 0,
        },
        status,
    )


def _not_found(request: Request, message: str) -> Response:
    return page(request, "error.html", {"title": "Not found", "message": message}, 404)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _act(request: Request, what: str) -> Response:
    ctx = _ctx(request)
    handoff_id = _handoff_id(request)
    here = f"/console/handoffs/{handoff_id}"
    form = await _form(request)
    try:
        if what == "claim":
            await actions.claim(ctx, handoff_id)
            return _back(here, "claimed")
        if what == "reply":
            await actions.reply(ctx, handoff_id, form.get("text", ""), form.get("canned", ""))
            return _back(here, "replied")
        if what == "note":
            actions.add_note(ctx, handoff_id, form.get("text", ""))
            return _back(here, "noted")
        state = "returned" if what == "return" else "closed"
        await actions.end(ctx, handoff_id, state)
        return _back(here, state)
    except actions.ActionError as error:
        if error.status == 404:
            return _not_found(request, str(error))
        # Shown on the page itself, never carried in a URL.
        return await conversation(request, error=str(error), status=error.status)


async def claim(request: Request) -> Response:
    return await _act(request, "claim")


async def reply(request: Request) -> Response:
    return await _act(request, "reply")


async def note(request: Request) -> Response:
    return await _act(request, "note")


async def return_to_assistant(request: Request) -> Response:
    return await _act(request, "return")


async def close(request: Request) -> Response:
    return await _act(request, "close")


async def duty(request: Request) -> Response:
    form = await _form(request)
    on = form.get("on_duty") == "1"
    actions.set_duty(_ctx(request), on)
    back = safe_next(form.get("back", "/console/queue"))
    return _back(back.split("?")[0], "duty_on" if on else "duty_off")


async def staff(request: Request) -> Response:
    _ctx(request).audit("staff_view")
    return page(request, "staff.html", {"title": "Staff"})


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def audit_query(request: Request) -> dict[str, object]:
    params = request.query_params
    return {
        "actor": (params.get("actor") or "").strip().lower()[:100] or None,
        "action": (params.get("action") or "").strip()[:50] or None,
        "handoff_id": _int(params.get("handoff")),
        "before": _int(params.get("before")),
        "limit": min(500, _int(params.get("limit")) or PAGE_SIZE),
    }


async def audit(request: Request) -> Response:
    ctx = _ctx(request)
    query = audit_query(request)
    entries = ctx.console.audit.entries(**query)  # type: ignore[arg-type]
    ctx.audit("audit_view", via="page")
    older = None
    if len(entries) == query["limit"]:
        keep = {k: v for k, v in request.query_params.items() if k != "before"}
        older = "/console/audit?" + urlencode({**keep, "before": entries[-1]["id"]})
    return page(
        request,
        "audit.html",
        {
            "title": "Audit log",
            "entries": entries,
            "query": query,
            "actions": ctx.console.audit.actions(),
            "older": older,
        },
    )


async def not_found(request: Request) -> Response:
    if request.url.path == "/console/":
        return RedirectResponse("/console", status_code=303)
    return _not_found(request, "There is no such page.")
