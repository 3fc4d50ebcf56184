"""GET /healthz: 200 only when the store, Rasa (with a model) and the action server all answer.

Channels and the safety screen are reported alongside but do not change the status code."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.services import Services


async def _store(services: Services) -> dict[str, Any]:
    services.db.execute("SELECT 1").fetchone()
    return {"state": "up"}


async def _rasa(services: Services) -> dict[str, Any]:
    status = await services.rasa.rasa_status()
    model = status.get("model_file")
    if not model:
        return {"state": "down", "detail": "Rasa answers but has no model loaded"}
    return {"state": "up", "model": model}


async def _action_server(services: Services) -> dict[str, Any]:
    await services.rasa.action_server_health()
    return {"state": "up"}


async def _check(name: str, probe: Any, services: Services) -> tuple[str, dict[str, Any]]:
    try:
        return name, await asyncio.wait_for(probe(services), timeout=4.0)
    except Exception as error:  # any failure means the component is not usable
        return name, {"state": "down", "detail": f"{type(error).__name__}: {error}"[:300]}


async def healthz(request: Request) -> JSONResponse:
    from bot.safety import status as safety_status  # imported here: it brings in spaCy

    services: Services = request.app.state.services
    results = await asyncio.gather(
        _check("store", _store, services),
        _check("rasa", _rasa, services),
        _check("action_server", _action_server, services),
    )
    components = dict(results)
    healthy = all(c["state"] == "up" for c in components.values())
    # Channels are reported, not required: one without credentials is "off". The safety screen
    # is reported too: on its rules alone it still answers every crisis it recognises.
    channels = services.channels.health() if services.channels else {}
    return JSONResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "components": components,
            "channels": channels,
            "safety": safety_status(),
        },
        status_code=200 if healthy else 503,
    )
