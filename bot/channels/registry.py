"""The channels that are set up (credentials present), wired to the front desk and outbound."""

from __future__ import annotations

from typing import Any

from bot.channels.background import Background
from bot.channels.frontdesk import FrontDesk
from bot.channels.sms import SmsChannel
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.conversations import ConversationStore
from bot.engine import Engine
from bot.outbound import Outbound

DRAIN_SECONDS = 10.0


class Channels:
    def __init__(
        self,
        settings: Settings,
        conversations: ConversationStore,
        engine: Engine,
        outbound: Outbound,
    ) -> None:
        self.outbound = outbound
        self.background = Background()
        self.desk = FrontDesk(conversations, engine, outbound)
        self.sms = SmsChannel(settings) if SmsChannel.configured(settings) else None
        self.telegram = (
            TelegramChannel(settings, self.desk, self.background)
            if settings.telegram_bot_token
            else None
        )
        for channel in (self.sms, self.telegram):
            if channel is not None:
                outbound.register(channel.name, channel)

    def start(self) -> None:
        if self.telegram is not None:
            self.telegram.start()

    async def stop_receiving(self) -> None:
        """At shutdown, first: take no more messages and finish those being handled."""
        if self.telegram is not None:
            await self.telegram.stop_receiving()
        await self.background.drain(DRAIN_SECONDS)

    async def close(self) -> None:
        """At shutdown, last (after the outbound worker): disconnect."""
        if self.telegram is not None:
            await self.telegram.stop()
        if self.sms is not None:
            await self.sms.close()

    def health(self) -> dict[str, Any]:
        """Each channel's state ("off" without credentials); never makes /healthz fail."""
        return {
            "sms": self.sms.health() if self.sms else {"state": "off"},
            "telegram": self.telegram.health() if self.telegram else {"state": "off"},
            "outbound": self.outbound.counts(),
        }
