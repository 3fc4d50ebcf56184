"""Talks to the Rasa server (REST channel and HTTP API) and the action server over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class AssistantUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


@dataclass
class AssistantReply:
    """What Rasa said back to one message: texts, and custom payloads from actions."""

    texts: list[str] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)


class RasaClient:
    def __init__(
        self,
        rasa_url: str,
        action_url: str,
        token: str,
        timeout: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.action_url = action_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = http or httpx.AsyncClient()

    async def close(self) -> None:
        await self.http.aclose()

    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> AssistantReply:
        """Send one client message through Rasa's REST channel and collect its replies."""
        payload = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        try:
            response = await self.http.post(
                f"{self.rasa_url}/webhooks/rest/webhook", json=payload, timeout=self.timeout
            )
            response.raise_for_status()
            items = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise AssistantUnavailable(f"{type(error).__name__}: {error}") from error
        if not isinstance(items, list):
            raise AssistantUnavailable(f"unexpected reply from Rasa: {items!r:.200}")
        reply = AssistantReply()
        for item in items:
            if not isinstance(item, dict):
                continue
            if item.get("text"):
                reply.texts.append(str(item["text"]))
            if isinstance(item.get("custom"), dict):
                reply.custom.append(item["custom"])
        return reply

    async def rasa_status(self) -> dict[str, Any]:
        """Rasa's /status (needs the API token): says which model is loaded."""
        response = await self.http.get(
            f"{self.rasa_url}/status", params={"token": self.token}, timeout=3.0
        )
        response.raise_for_status()
        return response.json()

    async def action_server_health(self) -> dict[str, Any]:
        response = await self.http.get(f"{self.action_url}/health", timeout=3.0)
        response.raise_for_status()
        return response.json()

    async def replace_model(self, model_path: str) -> None:
        """Load another model into the running Rasa server (PUT /model)."""
        response = await self.http.put(
            f"{self.rasa_url}/model",
            params={"token": self.token},
            json={"model_file": model_path},
            timeout=300.0,
        )
        response.raise_for_status()
