"""GET /console/events: the queue, live, as server-sent events.

Each event carries the handoff events that caused it and the queue freshly rendered for this user
(the same template as the page), so the page swaps it in without a reload. A heartbeat every
HEARTBEAT_SECONDS re-checks the session (a signed-out user stops receiving at once) and keeps an
on-duty navigator's presence fresh.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bot.console import presence, views
from bot.console.render import fragment
from bot.console.sessions import COOKIE
from bot.console.state import Ctx

HEARTBEAT_SECONDS = 15.0
EVENT_KEYS = ("type", "handoff_id", "priority", "level", "state", "navigator")


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def snapshot(ctx: Ctx, events: list[dict[str, Any]]) -> str:
    items = views.queue_items(ctx)
    html = fragment("_queue_items.html", {"items": items, "csrf": ctx.session.csrf_token})
    return _sse(
        "queue",
        {
            "events": [{k: e.get(k) for k in EVENT_KEYS} for e in events],
            "html": html,
            "waiting": sum(1 for i in items if i["state"] == "queued"),
            "urgent_waiting": sum(
                1 for i in items if i["state"] == "queued" and i["priority"] == "urgent"
            ),
            "on_duty": ctx.on_duty(),
        },
    )


async def events(request: Request) -> Response:
    ctx: Ctx = request.state.ctx
    token = request.cookies.get(COOKIE)
    hub = ctx.services.events
    queue = hub.subscribe()
    ctx.audit("queue_live")

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n\n"
            yield snapshot(ctx, [])
            while True:
                try:
                    first = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                    batch = [first]
                except asyncio.TimeoutError:
                    batch = []
                await asyncio.sleep(0.05)  # let a burst of events arrive, then send one update
                while not queue.empty():
                    batch.append(queue.get_nowait())
                session = ctx.console.sessions.get(token)
                if session is None:
                    yield _sse("signed_out", {})
                    return
                presence.refresh(ctx.services, session.user)
                yield snapshot(ctx, batch)
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
