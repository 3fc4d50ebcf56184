"""A fake Telegram Bot API on 127.0.0.1.

Requests: POST /bot<token>/<method> with form fields (values of complex types JSON-encoded, as
python-telegram-bot sends them) or a JSON body. Answers: {"ok": true, "result": ...}, or
{"ok": false, "error_code": ..., "description": ..., "parameters": {"retry_after": n}}.
Methods: getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling, short
here), sendMessage, leaveChat. Updates reach the gateway by webhook (with the secret token
header) after setWebhook, or wait for getUpdates otherwise.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.fakes.http import Drop, LoopbackServer, Reply

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
BOT = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Navigator helper",
    "username": "navigator_helper_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # sendMessage calls that were accepted
        self.left: list[int] = []
        self.webhook: dict[str, Any] | None = None
        self.failures: deque[tuple[int, int | None]] = deque()  # (HTTP status or 0, retry_after)
        self.down_status: int | None = None
        self.lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(5000)
        self._message_ids = itertools.count(1)
        self.server = LoopbackServer(self._handle)
        self.url = self.server.url
        self.http = httpx.Client(timeout=30)

    def close(self) -> None:
        self.http.close()
        self.server.close()

    # Controls ------------------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 500, retry_after: int | None = None) -> None:
        """The next `count` sendMessage calls fail (status 0: the connection drops)."""
        with self.lock:
            self.failures.extend([(status, retry_after)] * count)

    def outage(self, status: int = 500) -> None:
        self.down_status = status

    def recover(self) -> None:
        self.down_status = None

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [m["text"] for m in self.sent if chat_id is None or int(m["chat_id"]) == chat_id]

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]

    # Updates -------------------------------------------------------------------------------
    def message(
        self,
        chat_id: int,
        text: str | None = None,
        chat_type: str = "private",
        edited: bool = False,
        message_id: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An Update carrying a message (or its edit) from user `chat_id`."""
        user = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Sam"
        else:
            chat["title"] = "A group"
        message: dict[str, Any] = {
            "message_id": message_id or next(self._message_ids),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
        if edited:
            message["edit_date"] = int(time.time())
        key = "edited_message" if edited else "message"
        return {"update_id": next(self._update_ids), key: message}

    def sticker(self, chat_id: int) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEFake",
            "file_unique_id": "AgADFake",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "\U0001f44d",
        }
        return self.message(chat_id, sticker=sticker)

    def photo(self, chat_id: int, caption: str | None = None) -> dict[str, Any]:
        size = {"file_id": "AgACAgFake", "file_unique_id": "AQADFake", "width": 90, "height": 90}
        extra: dict[str, Any] = {"photo": [size]}
        if caption:
            extra["caption"] = caption
        return self.message(chat_id, **extra)

    def voice(self, chat_id: int) -> dict[str, Any]:
        voice = {"file_id": "AwACAgFake", "file_unique_id": "AgADVoice", "duration": 3}
        return self.message(chat_id, voice=voice)

    def push(self, update: dict[str, Any], secret: str | None = None) -> int:
        """Deliver an update: to the webhook (with its secret, or `secret`) or to getUpdates.

        Returns the gateway's HTTP status for a webhook, 0 when queued for polling.
        """
        if self.webhook is None:
            with self.lock:
                self._updates.append(update)
            return 0
        headers = {"Content-Type": "application/json"}
        token = self.webhook.get("secret_token") if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        return self.http.post(self.webhook["url"], json=update, headers=headers).status_code

    # The Bot API ---------------------------------------------------------------------------
    def _answer(self, result: Any) -> Reply:
        body = json.dumps({"ok": True, "result": result}).encode()
        return Reply(200, body, {"Content-Type": "application/json"})

    def _error(self, status: int, description: str, retry_after: int | None = None) -> Reply:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

    @staticmethod
    def _params(headers: dict[str, str], body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if headers.get("content-type", "").startswith("application/json"):
            return json.loads(body)
        params: dict[str, Any] = {}
        for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
            try:
                params[key] = json.loads(values[0])
            except ValueError:
                params[key] = values[0]
        return params

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return self._error(401, "Unauthorized")
        name = path[len(prefix) :].split("?")[0]
        params = self._params(headers, body)
        with self.lock:
            self.calls.append((name, params))
        handler = getattr(self, f"_api_{name}", None)
        if handler is None:
            return self._error(404, "Not Found")
        return handler(params)

    def _api_getMe(self, params: dict[str, Any]) -> Reply:
        return self._answer(BOT)

    def _api_setWebhook(self, params: dict[str, Any]) -> Reply:
        self.webhook = params
        return self._answer(True)

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Reply:
        self.webhook = None
        return self._answer(True)

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> Reply:
        url = self.webhook["url"] if self.webhook else ""
        return self._answer(
            {"url": url, "has_custom_certificate": False, "pending_update_count": 0}
        )

    def _api_getUpdates(self, params: dict[str, Any]) -> Reply:
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.2)
        while True:
            with self.lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return self._answer(ready)
            time.sleep(0.02)

    def _api_sendMessage(self, params: dict[str, Any]) -> Reply:
        with self.lock:
            failure = self.failures.popleft() if self.failures else None
            if failure is None and self.down_status is not None:
                failure = (self.down_status, None)
        if failure is not None:
            status, retry_after = failure
            if status == 0:
                raise Drop()
            if status == 429:
                return self._error(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after or 1
                )
            if status == 403:
                return self._error(403, "Forbidden: bot was blocked by the user")
            return self._error(status, "Internal Server Error")
        chat_id = int(params["chat_id"])
        with self.lock:
            self.sent.append(params)
            message_id = next(self._message_ids)
        chat = {"id": chat_id, "type": "private", "first_name": "Sam"}
        return self._answer(
            {
                "message_id": message_id,
                "from": BOT,
                "chat": chat,
                "date": int(time.time()),
                "text": params.get("text", ""),
            }
        )

    def _api_leaveChat(self, params: dict[str, Any]) -> Reply:
        with self.lock:
            self.left.append(int(params["chat_id"]))
        return self._answer(True)
