"""The console's JSON API under /api/console/ (documented in the README (Navigator console)).

Reads need a signed-in user with a fitting role; writes also need the `X-CSRF-Token` header
(the value comes from GET /api/console/me).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.console import actions, views
from bot.console.auth import clear_session_cookie
from bot.console.canned import canned_replies
from bot.console.login import sign_out
from bot.console.pages import audit_query
from bot.console.state import Ctx
from bot.handoff.service import HandoffError

MAX_BODY_BYTES = 64 * 1024


def _ctx(request: Request) -> Ctx:
    return request.state.ctx


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise actions.ActionError("The request is too big.", 413)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise actions.ActionError("Send a JSON object.", 400) from error
    if not isinstance(data, dict):
        raise actions.ActionError("Send a JSON object.", 400)
    return data


def _handoff_id(request: Request) -> int:
    return int(request.path_params["handoff_id"])


async def me(request: Request) -> Response:
    ctx = _ctx(request)
    return JSONResponse(
        {
            "user": ctx.user.public(),
            "on_duty": ctx.on_duty(),
            "csrf_token": ctx.session.csrf_token,
            "session_expires_at": ctx.session.expires_at.isoformat(),
        }
    )


async def duty(request: Request) -> Response:
    try:
        body = await _body(request)
    except actions.ActionError as error:
        return _error(str(error), error.status)
    if not isinstance(body.get("on_duty"), bool):
        return _error('Send {"on_duty": true} or {"on_duty": false}.', 400)
    on = actions.set_duty(_ctx(request), body["on_duty"])
    return JSONResponse({"on_duty": on})


async def queue(request: Request) -> Response:
    ctx = _ctx(request)
    items = views.queue_items(ctx)
    ctx.audit("queue_view", via="api", count=len(items))
    return JSONResponse(
        {
            "handoffs": items,
            "on_duty": [
                {"user_name": p["user_name"], "display_name": p["display_name"]}
                for p in ctx.services.handoffs.on_duty()
            ],
        }
    )


async def handoff(request: Request) -> Response:
    ctx = _ctx(request)
    handoff_id = _handoff_id(request)
    try:
        view = views.conversation(ctx, handoff_id)
    except HandoffError:
        return _error("There is no such conversation.", 404)
    ctx.audit(
        "handoff_view", via="api", handoff_id=handoff_id, client_id=view["handoff"]["client_id"]
    )
    return JSONResponse(view)


async def messages(request: Request) -> Response:
    ctx = _ctx(request)
    handoff_id = _handoff_id(request)
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        return _error("after must be a message id.", 400)
    try:
        view = views.new_messages(ctx, handoff_id, after)
    except HandoffError:
        return _error("There is no such conversation.", 404)
    if view["messages"]:  # empty polls show nothing new, so they are not audited
        ctx.audit(
            "handoff_read_new",
            handoff_id=handoff_id,
            after=after,
            count=len(view["messages"]),
        )
    return JSONResponse(view)


async def _run(request: Request, what: str) -> Response:
    ctx = _ctx(request)
    handoff_id = _handoff_id(request)
    try:
        body = await _body(request)
        if what == "claim":
            result: dict[str, Any] = {"handoff": await actions.claim(ctx, handoff_id)}
        elif what == "reply":
            text = body.get("text", "")
            canned = body.get("canned", "")
            if not isinstance(text, str) or not isinstance(canned, str):
                return _error("text and canned must be strings.", 400)
            result = {"message": await actions.reply(ctx, handoff_id, text, canned)}
        elif what == "note":
            text = body.get("text", "")
            if not isinstance(text, str):
                return _error("text must be a string.", 400)
            result = {"note": actions.add_note(ctx, handoff_id, text)}
        else:
            state = "returned" if what == "return" else "closed"
            result = {"handoff": await actions.end(ctx, handoff_id, state)}
    except actions.ActionError as error:
        return _error(str(error), error.status)
    return JSONResponse(result)


async def claim(request: Request) -> Response:
    return await _run(request, "claim")


async def reply(request: Request) -> Response:
    return await _run(request, "reply")


async def note(request: Request) -> Response:
    return await _run(request, "note")


async def return_to_assistant(request: Request) -> Response:
    return await _run(request, "return")


async def close(request: Request) -> Response:
    return await _run(request, "close")


async def canned(request: Request) -> Response:
    return JSONResponse({"replies": canned_replies()})


async def audit(request: Request) -> Response:
    ctx = _ctx(request)
    query = audit_query(request)
    entries = ctx.console.audit.entries(**query)  # type: ignore[arg-type]
    ctx.audit("audit_view", via="api")
    return JSONResponse({"entries": entries, "actions": ctx.console.audit.actions()})


async def logout(request: Request) -> Response:
    sign_out(_ctx(request))
    response = JSONResponse({"signed_out": True})
    clear_session_cookie(response, request)
    return response


async def not_found(request: Request) -> Response:
    return _error("There is no such console API endpoint.", 404)
