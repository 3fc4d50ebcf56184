"""Telegram through python-telegram-bot (v22).

- Webhook mode when PUBLIC_URL is set: at start the gateway calls setWebhook with a secret token,
  and `POST /webhooks/telegram` accepts only requests whose X-Telegram-Bot-Api-Secret-Token
  matches it (403 otherwise). Without PUBLIC_URL (development), the bot polls getUpdates.
- Private chats only: /start (the introduction), /help, /stop, text, edited messages (screened
  like new ones), and a kind reply to stickers, photos, voice notes and files. In a group the
  bot says why it cannot stay, and leaves; nothing said in a group is kept.
- Messages are sent as plain text (no parse_mode), so nothing in them is read as formatting.
- TELEGRAM_API_URL points the library at another server (a local fake in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.background import Background
from bot.channels.frontdesk import FrontDesk, Inbound
from bot.channels.split import split_sentences
from bot.channels.texts import channel_text
from bot.config import Settings
from bot.outbound import PermanentSendError, RetryableSendError

log = logging.getLogger("bot.channels.telegram")

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CHARS = 4096  # Telegram's limit for one message (UTF-16 units)
ALLOWED_UPDATES = ["message", "edited_message", "my_chat_member"]
COMMANDS = {"start": "start", "help": "help", "stop": "stop"}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def external_id(update: Update) -> str:
    """Each update (a message, an edit of it) is stored once; Telegram's retries are dropped."""
    return f"u{update.update_id}"


def media_label(message: Message) -> str:
    if message.sticker:
        return "sticker"
    if message.photo:
        return "photo"
    if message.voice or message.audio:
        return "voice note"
    if message.video or message.video_note or message.animation:
        return "video"
    if message.location or message.venue:
        return "location"
    if message.contact:
        return "contact"
    return "file"


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = CHANNEL

    def __init__(self, settings: Settings, desk: FrontDesk, background: Background) -> None:
        self.settings = settings
        self.desk = desk
        self.background = background
        self.mode = "webhook" if settings.public_url else "polling"
        self.secret = (
            settings.telegram_webhook_secret
            or hashlib.sha256(f"webhook:{settings.telegram_bot_token}".encode()).hexdigest()
        )
        api = settings.telegram_api_url
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .connect_timeout(5.0)
            .read_timeout(15.0)
            .write_timeout(15.0)
            .concurrent_updates(True)
        )
        if self.mode == "webhook":
            builder = builder.updater(None)
        self.app = builder.build()
        self._add_handlers()
        self.state: dict[str, Any] = {"state": "starting", "mode": self.mode}
        self._starter: asyncio.Task[None] | None = None
        self.initialized = False  # the library is set up: updates can be processed

    @property
    def webhook_url(self) -> str:
        return self.settings.public_url + WEBHOOK_PATH

    # Start and stop ------------------------------------------------------------------------
    def start(self) -> None:
        """Connect in the background (the gateway must start even when Telegram is away)."""
        self._starter = asyncio.create_task(self._connect(), name="telegram-start")

    async def _connect(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.app.initialize()
                self.initialized = True
                if self.mode == "webhook":
                    await self.app.bot.set_webhook(
                        url=self.webhook_url,
                        secret_token=self.secret,
                        allowed_updates=ALLOWED_UPDATES,
                        drop_pending_updates=False,
                    )
                else:
                    await self.app.start()
                    assert self.app.updater is not None
                    await self.app.updater.start_polling(
                        allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, timeout=10
                    )
            except Exception as error:  # keep trying; /healthz shows why
                log.warning("Telegram is not connected yet: %s", error)
                self.state = {"state": "down", "mode": self.mode, "detail": str(error)[:300]}
                if self.app.running:
                    with contextlib.suppress(Exception):
                        await self.app.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            self.state = {"state": "up", "mode": self.mode, "bot": self.app.bot.username}
            log.info("Telegram connected (%s) as @%s", self.mode, self.app.bot.username)
            return

    async def stop_receiving(self) -> None:
        """Stop connecting and polling (webhooks stop when the server does)."""
        if self._starter is not None:
            self._starter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starter
        with contextlib.suppress(Exception):
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()

    async def stop(self) -> None:
        """Disconnect (after the outbound path has stopped sending through the bot)."""
        await self.stop_receiving()
        with contextlib.suppress(Exception):
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()

    def health(self) -> dict[str, Any]:
        return dict(self.state)

    # Webhook -------------------------------------------------------------------------------
    def secret_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.secret.encode())

    @property
    def ready(self) -> bool:
        return self.initialized

    def parse(self, data: Any) -> Update | None:
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        try:
            return Update.de_json(data, self.app.bot)
        except Exception:  # a body Telegram would never send
            return None

    async def accept(self, update: Update) -> bool:
        """Process a webhook update; returns once its message is stored (see Background)."""
        key = external_id(update)

        def stored() -> bool:
            return self.desk.is_stored(CHANNEL, key)

        chat = update.effective_chat
        private = chat is not None and chat.type == "private"
        return await self.background.run_until_stored(
            self.app.process_update(update),
            f"telegram-{key}",
            stored,
            must_store=private and update.effective_message is not None,
        )

    # Handlers ------------------------------------------------------------------------------
    def _add_handlers(self) -> None:
        private = filters.ChatType.PRIVATE
        self.app.add_handler(ChatMemberHandler(self._on_membership))
        self.app.add_handler(MessageHandler(~private, self._on_group))
        self.app.add_handler(CommandHandler(list(COMMANDS), self._on_command, filters=private))
        self.app.add_handler(MessageHandler(private & filters.COMMAND, self._on_other_command))
        self.app.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        self.app.add_handler(MessageHandler(private, self._on_media))
        self.app.add_error_handler(self._on_error)

    async def _receive(self, update: Update, **fields: Any) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        await self.desk.receive(
            Inbound(
                channel=CHANNEL, address=str(chat.id), external_id=external_id(update), **fields
            )
        )

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        await self._receive(update, text=message.text if message else "")

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        text = message.text if message and message.text else ""
        name = text.split()[0].lstrip("/").split("@")[0].lower() if text else "help"
        await self._receive(update, text=text, command=COMMANDS.get(name, "help"))

    async def _on_other_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        await self._receive(update, text=message.text if message else "", command="help")

    async def _on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        await self._receive(update, text=message.caption or "", media=media_label(message))

    async def _on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._refuse_group(update.effective_chat)

    async def _on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type == "private":
            return
        if change.new_chat_member.status in ("member", "administrator"):
            await self._refuse_group(change.chat)

    async def _refuse_group(self, chat: Any) -> None:
        """Say why, once, and leave. Group members are not clients: nothing is stored."""
        if chat is None:
            return
        try:
            if chat.type != "channel":
                await self.app.bot.send_message(chat.id, channel_text("group_refusal", CHANNEL))
            await self.app.bot.leave_chat(chat.id)
        except TelegramError as error:
            log.warning("could not leave Telegram chat %s: %s", chat.id, error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %s", context.error, exc_info=context.error)

    # Sending (the outbound path's ChannelSender) -------------------------------------------
    def split(self, text: str) -> list[str]:
        return split_sentences(text, MAX_CHARS, _utf16)

    async def send_part(self, address: str, text: str) -> str:
        try:
            message = await self.app.bot.send_message(chat_id=int(address), text=text)
        except RetryAfter as error:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wait = _seconds(error.retry_after)
            raise RetryableSendError(
                f"Telegram asked us to wait {wait:g} seconds (429)", retry_after=wait
            ) from error
        except Forbidden as error:
            raise PermanentSendError(
                f"Telegram refused it: {error.message} (the client may have blocked the bot)"
            ) from error
        except BadRequest as error:
            raise PermanentSendError(f"Telegram refused it: {error.message}") from error
        except (InvalidToken, NetworkError) as error:
            raise RetryableSendError(f"could not send through Telegram: {error.message}") from error
        except TelegramError as error:
            raise PermanentSendError(f"Telegram refused it: {error.message}") from error
        return f"{message.chat_id}:{message.message_id}"
