"""SMS through Twilio: signed webhooks in, the REST API out, delivery reports back.

- `POST /webhooks/twilio`: an incoming SMS or MMS. The X-Twilio-Signature is checked with
  twilio's RequestValidator against PUBLIC_URL + the path (+ the query string): behind a proxy
  the URL the gateway sees is not the one Twilio signed. The answer is an empty TwiML document,
  sent as soon as the message is stored; replies go later through the REST API.
- `POST /webhooks/twilio/status`: Twilio's delivery reports (StatusCallback) for what we sent,
  signed the same way.
- Sending: each stored message is converted to GSM-7 and split into SMS (see gsm.py); each part
  is one `Messages.create` call with a StatusCallback. TWILIO_API_URL points the REST client at
  another server (a local fake in tests, or a staging proxy).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from starlette.datastructures import FormData
from starlette.requests import Request
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.frontdesk import Inbound
from bot.channels.gsm import sms_parts
from bot.channels.texts import channel_text
from bot.config import Settings
from bot.outbound import PermanentSendError, RetryableSendError

log = logging.getLogger("bot.channels.sms")

CHANNEL = "sms"
TWILIO_API = "https://api.twilio.com"
INBOUND_PATH = "/webhooks/twilio"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
UNSUBSCRIBED = 21610  # Twilio: "Attempt to send to unsubscribed recipient"


class TwilioTransport(AsyncHttpClient):
    """twilio's async HTTP client, pointed at TWILIO_API_URL, with a timeout on every call."""

    def __init__(self, api_url: str = TWILIO_API, timeout: float = 15.0) -> None:
        super().__init__(logger=log, is_async=True, timeout=timeout)
        self.api_url = api_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    def _url(self, url: str) -> str:
        if url.startswith(TWILIO_API):
            return self.api_url + url[len(TWILIO_API) :]
        return url

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        async with self._session.request(
            method.upper(),
            self._url(url),
            params=params,
            data=data,
            headers=headers,
            auth=aiohttp.BasicAuth(*auth) if auth else None,
            allow_redirects=allow_redirects,
            timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
        ) as response:
            return TwilioResponse(response.status, await response.text(), response.headers)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class _Params(dict):
    """Form fields for RequestValidator, which reads repeated fields through getlist()."""

    def getlist(self, key: str) -> list[str]:
        return self[key]


def media_label(form: FormData) -> str | None:
    """What came with an MMS ("picture", "video", "voice note", "file"); None for plain SMS."""
    try:
        count = int(str(form.get("NumMedia") or "0"))
    except ValueError:
        count = 0
    if count <= 0:
        return None
    kind = str(form.get("MediaContentType0") or "")
    if kind.startswith("image/"):
        return "picture"
    if kind.startswith("video/"):
        return "video"
    if kind.startswith("audio/"):
        return "voice note"
    return "file"


class SmsChannel:
    name = CHANNEL

    def __init__(self, settings: Settings, transport: TwilioTransport | None = None) -> None:
        self.settings = settings
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.transport = transport or TwilioTransport(settings.twilio_api_url)
        self.client = Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=self.transport
        )

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(
            settings.twilio_account_sid
            and settings.twilio_auth_token
            and (settings.twilio_from_number or settings.twilio_messaging_service_sid)
        )

    # Webhooks ------------------------------------------------------------------------------
    def signed_url(self, request: Request) -> str:
        """The URL Twilio called, as Twilio saw it (PUBLIC_URL, not the address behind a proxy)."""
        if not self.settings.public_url:
            return str(request.url)
        query = request.url.query
        return self.settings.public_url + request.url.path + (f"?{query}" if query else "")

    def verify(self, request: Request, form: FormData) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        params = _Params(
            (key, [v for v in form.getlist(key) if isinstance(v, str)]) for key in form
        )
        if form.get("AccountSid") not in (None, self.settings.twilio_account_sid):
            return False
        return self.validator.validate(self.signed_url(request), params, signature)

    def inbound(self, form: FormData) -> Inbound | None:
        """The client's message in a verified webhook; None if it is not one."""
        sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "")
        address = str(form.get("From") or "")
        if not sid or not address:
            return None
        return Inbound(
            channel=CHANNEL,
            address=address,
            text=str(form.get("Body") or "").replace("\x00", ""),
            external_id=sid,
            media=media_label(form),
            provider_keyword=str(form.get("OptOutType") or "") or None,
        )

    @property
    def status_callback(self) -> str | None:
        return self.settings.public_url + STATUS_PATH if self.settings.public_url else None

    # Sending (the outbound path's ChannelSender) -------------------------------------------
    def split(self, text: str) -> list[str]:
        return [part.text for part in sms_parts(text, channel_text("cut_short", CHANNEL))]

    async def send_part(self, address: str, text: str) -> str:
        options: dict[str, Any] = {"to": address, "body": text}
        if self.settings.twilio_messaging_service_sid:
            options["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        else:
            options["from_"] = self.settings.twilio_from_number
        if self.status_callback:
            options["status_callback"] = self.status_callback
        try:
            message = await self.client.messages.create_async(**options)
        except TwilioRestException as error:
            detail = f"Twilio said {error.status} (error {error.code}): {error.msg}"
            if error.status in (401, 429) or error.status >= 500:
                raise RetryableSendError(detail) from error
            if error.code == UNSUBSCRIBED:
                raise PermanentSendError(
                    "not sent: this number has stopped messages at Twilio (21610)", opted_out=True
                ) from error
            raise PermanentSendError(detail) from error
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise RetryableSendError(
                f"could not reach Twilio: {type(error).__name__}: {error}"
            ) from error
        return str(message.sid)

    def health(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "state": "on",
            "sends_from": self.settings.twilio_messaging_service_sid
            or self.settings.twilio_from_number,
        }
        if not self.settings.public_url:
            state["detail"] = "PUBLIC_URL is not set: no delivery reports, signatures checked"
            state["detail"] += " against the URL the gateway sees"
        return state

    async def close(self) -> None:
        await self.transport.close()
