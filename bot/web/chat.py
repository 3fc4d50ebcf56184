"""POST /api/chat and GET /api/chat/{client_id}/messages: the local web chat channel."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse

from bot.services import Services
from bot.web import STATIC_DIR

CHANNEL = "web"
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
MAX_TEXT_CHARS = 20_000
MAX_BODY_BYTES = 256 * 1024


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_json(request: Request) -> dict[str, Any] | JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error("That message is too long. Please send a shorter one.", 413)
    try:
        data = json.loads(body.decode("utf-8", errors="replace") or "null")
    except ValueError:
        return _error('Send JSON like {"client_id": "...", "text": "..."}.', 400)
    if not isinstance(data, dict):
        return _error('Send JSON like {"client_id": "...", "text": "..."}.', 400)
    return data


async def chat(request: Request) -> JSONResponse:
    """One client message in; the replies and the handoff state out."""
    data = await _read_json(request)
    if isinstance(data, JSONResponse):
        return data
    client_id, text = data.get("client_id"), data.get("text", "")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        return _error("client_id must be 1 to 100 letters, digits or _ . : -", 400)
    if text is None:
        text = ""
    if not isinstance(text, str):
        return _error("text must be a string.", 400)
    text = text.replace("\x00", "")[:MAX_TEXT_CHARS]
    services: Services = request.app.state.services
    outcome = await services.engine.handle_inbound(CHANNEL, client_id, text)
    for reply_id in outcome.reply_ids:
        services.conversations.set_message(reply_id, status="delivered")
    return JSONResponse(
        {
            "message_id": outcome.message_id,
            "replies": [
                {"id": i, "text": t}
                for i, t in zip(outcome.reply_ids, outcome.replies, strict=True)
            ],
            "handoff": outcome.handoff_view(),
        }
    )


async def messages_since(request: Request) -> JSONResponse:
    """Messages sent to a web chat client after `after` (navigator replies arrive this way)."""
    client_id = request.path_params["client_id"]
    if not CLIENT_ID.match(client_id):
        return _error("unknown client", 404)
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        return _error("after must be a message id", 400)
    services: Services = request.app.state.services
    row = services.db.execute(
        "SELECT client_id FROM client_addresses WHERE channel = ? AND address = ?",
        [CHANNEL, client_id],
    ).fetchone()
    if not row:
        return JSONResponse({"messages": [], "handoff": None})
    found = []
    for message in services.conversations.transcript(row[0], limit=200):
        if message["direction"] == "out" and message["id"] > after:
            found.append(
                {
                    "id": message["id"],
                    "text": message["text"],
                    "sender": message["sender"],
                    # Clients see a navigator's first name, never their login name.
                    "author": services.handoffs.first_name_of(message["author"])
                    if message["sender"] == "navigator"
                    else None,
                }
            )
            if message["status"] in ("pending", "sent"):
                services.conversations.set_message(message["id"], status="delivered")
    active = services.handoffs.active_for(row[0])
    handoff = {k: active[k] for k in ("state", "priority", "level")} if active else None
    return JSONResponse({"messages": found, "handoff": handoff})


async def page(request: Request) -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html")
