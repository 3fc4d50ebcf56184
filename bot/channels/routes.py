"""The channels' webhooks: POST /webhooks/twilio, /webhooks/twilio/status, /webhooks/telegram."""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.registry import Channels
from bot.channels.sms import EMPTY_TWIML, INBOUND_PATH, STATUS_PATH
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH

log = logging.getLogger("bot.channels")

MAX_BODY_BYTES = 256 * 1024


def _channels(request: Request) -> Channels:
    return request.app.state.services.channels


def _text(message: str, status: int) -> PlainTextResponse:
    return PlainTextResponse(message, status_code=status)


async def twilio_inbound(request: Request) -> Response:
    """An SMS or MMS from a client. Answered with empty TwiML once stored; replies go by REST."""
    channels = _channels(request)
    sms = channels.sms
    if sms is None:
        return _text("SMS is not set up here.", 404)
    if len(await request.body()) > MAX_BODY_BYTES:
        return _text("Too large.", 413)
    form = await request.form()
    if not sms.verify(request, form):
        log.warning("Twilio webhook with a bad or missing signature refused")
        return _text("Signature check failed.", 403)
    inbound = sms.inbound(form)
    if inbound is None:
        return _text("Not an incoming message.", 400)
    sid = inbound.external_id or ""

    def stored() -> bool:
        return channels.desk.is_stored(inbound.channel, sid)

    accepted = await channels.background.run_until_stored(
        channels.desk.receive(inbound), f"sms-{sid}", stored
    )
    if not accepted:
        return _text("Could not store the message; please retry.", 500)
    return Response(EMPTY_TWIML, media_type="application/xml")


async def twilio_status(request: Request) -> Response:
    """Twilio's delivery report for one SMS we sent."""
    channels = _channels(request)
    sms = channels.sms
    if sms is None:
        return _text("SMS is not set up here.", 404)
    form = await request.form()
    if not sms.verify(request, form):
        log.warning("Twilio status callback with a bad or missing signature refused")
        return _text("Signature check failed.", 403)
    sid, status = str(form.get("MessageSid") or ""), str(form.get("MessageStatus") or "")
    if not sid or not status:
        return _text("MessageSid and MessageStatus are needed.", 400)
    code = str(form.get("ErrorCode") or "")
    error = f"Twilio error {code}" if code else None
    channels.outbound.record_status(sid, status, error)
    return Response(status_code=204)


async def telegram_webhook(request: Request) -> Response:
    """An update from Telegram (webhook mode), checked against the secret token."""
    channels = _channels(request)
    telegram = channels.telegram
    if telegram is None or telegram.mode != "webhook":
        return _text("Telegram webhooks are not set up here.", 404)
    if not telegram.secret_ok(request.headers.get(SECRET_HEADER)):
        log.warning("Telegram webhook with a wrong secret token refused")
        return _text("Wrong secret token.", 403)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _text("Too large.", 413)
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return _text("Send a Telegram Update as JSON.", 400)
    update = telegram.parse(data)
    if update is None:
        return _text("Send a Telegram Update as JSON.", 400)
    if not telegram.ready:
        return _text("Starting; please retry.", 503)
    if not await telegram.accept(update):
        return _text("Could not store the message; please retry.", 500)
    return Response(status_code=200)


def channel_routes() -> list[Route]:
    return [
        Route(INBOUND_PATH, twilio_inbound, methods=["POST"]),
        Route(STATUS_PATH, twilio_status, methods=["POST"]),
        Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"]),
    ]
