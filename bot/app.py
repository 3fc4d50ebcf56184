"""The gateway's web application (Starlette on uvicorn)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.routes import channel_routes
from bot.config import Settings, get_settings
from bot.console import console_routes
from bot.engine import Assistant
from bot.health import healthz
from bot.services import build_services
from bot.web import STATIC_DIR, chat

log = logging.getLogger("bot.app")


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> Starlette:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = build_services(settings, assistant)
        app.state.services = services
        # Load the safety screen now, so the first client does not wait for it.
        from bot.safety import warm_up

        await asyncio.to_thread(warm_up)
        dispatcher = asyncio.create_task(services.dispatcher.run_forever(), name="reminders")
        outbound = asyncio.create_task(services.outbound.run_forever(), name="outbound")
        if services.channels:
            services.channels.start()
        log.info("gateway ready on %s", settings.gateway_url)
        try:
            yield
        finally:
            if services.channels:
                await services.channels.stop_receiving()
            services.outbound.stop()
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
                await asyncio.wait_for(outbound, timeout=10)
            if services.channels:
                await services.channels.close()
            dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher
            await services.close()

    routes = [
        Route("/", chat.page),
        Route("/healthz", healthz),
        Route("/api/chat", chat.chat, methods=["POST"]),
        Route("/api/chat/{client_id}/messages", chat.messages_since),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        *console_routes(),
        *channel_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
