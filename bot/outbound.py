"""The one outbound path: messages are stored first, then handed to their channel's sender.

Channel senders (SMS, Telegram) are added by bot/channels/. The web chat needs no sending:
its page fetches messages, so a web message counts as sent once stored.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.conversations import ConversationStore

log = logging.getLogger("bot.outbound")


class ChannelSender(Protocol):
    async def send(self, message: dict) -> None:
        """Send one stored message; raise on failure (the outbound path retries)."""


class Outbound:
    def __init__(self, conversations: ConversationStore) -> None:
        self.conversations = conversations
        self.senders: dict[str, ChannelSender] = {}

    def register(self, channel: str, sender: ChannelSender) -> None:
        self.senders[channel] = sender

    async def deliver(self, message_ids: list[int]) -> None:
        for message_id in message_ids:
            message = self.conversations.message(message_id)
            if message["status"] != "pending":
                continue
            sender = self.senders.get(message["channel"])
            if sender is None:
                # Web chat: stored is sent; the page marks it delivered when it fetches it.
                self.conversations.set_message(message_id, status="sent")
                continue
            try:
                await sender.send(message)
            except Exception as error:  # the channel decides what is worth retrying
                log.warning("sending message %s failed: %s", message_id, error)
                self.conversations.set_message(
                    message_id, last_error=str(error)[:500], attempts=message["attempts"] + 1
                )
            else:
                self.conversations.set_message(
                    message_id, status="sent", attempts=message["attempts"] + 1
                )
