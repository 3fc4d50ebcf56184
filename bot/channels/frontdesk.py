"""What SMS and Telegram do with a client's message, around the engine.

Order for each message:
1. a provider retry (same message id) is dropped;
2. the safety screen runs first: a crisis goes straight to the engine (safety reply and an urgent
   handoff), whatever else the message looks like ("stop, i want to die" is a crisis);
3. only then keywords: STOP (opt out, confirmed with how to come back), START, HELP, and END /
   QUIT / CANCEL, which get a question instead of silently cutting someone off;
4. a client who has stopped messages gets nothing more (the message is kept);
5. pictures, stickers and voice notes with no words: a kind reply;
6. everything else goes to the engine, after a one-off introduction on first contact.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.channels.texts import channel_text, keyword
from bot.conversations import ConversationStore
from bot.engine import Engine
from bot.outbound import STOP_CONFIRMATION, Outbound
from bot.safety import SafetyResult, screen

log = logging.getLogger("bot.channels")


@dataclass
class Inbound:
    """One message from a client, as a channel adapter understood it."""

    channel: str
    address: str
    text: str = ""
    external_id: str | None = None
    media: str | None = None  # what came that is not words: "picture", "voice note", ...
    command: str | None = None  # a keyword the channel already knows (Telegram's /stop)
    provider_keyword: str | None = None  # a keyword the provider answered itself (Twilio)


@dataclass
class Received:
    """What the front desk did with a message (for logs and tests)."""

    route: str
    message_id: int | None = None
    reply_ids: list[int] = field(default_factory=list)
    duplicate: bool = False


class FrontDesk:
    def __init__(self, conversations: ConversationStore, engine: Engine, outbound: Outbound):
        self.conversations = conversations
        self.engine = engine
        self.outbound = outbound

    def is_stored(self, channel: str, external_id: str) -> bool:
        """Whether a provider's message is in the store (a cheap check, polled by webhooks)."""
        row = self.conversations.db.execute(
            "SELECT 1 FROM messages WHERE channel = ? AND external_id = ? LIMIT 1",
            [channel, external_id],
        ).fetchone()
        return row is not None

    async def receive(self, inbound: Inbound) -> Received:
        store = self.conversations
        if inbound.external_id and store.find_external(inbound.channel, inbound.external_id):
            return Received("duplicate", duplicate=True)
        client, _ = store.client_for(inbound.channel, inbound.address)
        text = inbound.text or ""
        result = screen(text) if text.strip() else None

        if result is not None and result.level == "crisis":
            return await self._to_engine(inbound, text, intro="after")
        opted_out = bool(client.get("opted_out"))
        word = inbound.command or (None if inbound.media else keyword(text, opted_out))
        if inbound.provider_keyword:
            return self._provider_keyword(client, inbound, text, result)
        if opted_out:
            if word == "start":
                return await self._opt_in(client, inbound, text, result)
            return self._keep_quietly(client, inbound, text, result)
        if word == "stop":
            return await self._opt_out(client, inbound, text, result)
        with_navigator = self.engine.handoffs.active_for(client["id"]) is not None
        if with_navigator and (word or inbound.media):
            # A person holds this chat: "help", "end" or a photo is for them to read and answer.
            label = f"[{inbound.media}]" if inbound.media else ""
            return await self._to_engine(inbound, f"{text} {label}".strip())
        if word == "start":
            return await self._answer(client, inbound, text, result, ["intro"], intro="none")
        if word == "help":
            return await self._answer(client, inbound, text, result, ["help"])
        if word == "stop_check":
            return await self._answer(client, inbound, text, result, ["stop_check"])
        if inbound.media and not text.strip():
            return await self._answer(
                client, inbound, f"[{inbound.media}]", result, ["media_reply"]
            )
        received = await self._to_engine(inbound, text)
        if inbound.media and not received.duplicate:
            received.reply_ids += await self._send(
                client["id"], inbound.channel, "media_with_words"
            )
        return received

    # Routes --------------------------------------------------------------------------------
    async def _to_engine(self, inbound: Inbound, text: str, intro: str = "before") -> Received:
        """The engine stores, screens and answers the message; the introduction goes with it.

        Before the answer normally; after it for a crisis, whose reply must come first.
        """
        client, _ = self.conversations.client_for(inbound.channel, inbound.address)
        intro_task = None
        if intro == "before" and not client.get("intro_sent"):
            intro_id = self._store_intro(client["id"], inbound.channel)
            if intro_id is not None:
                # Goes out while the assistant thinks; deliver() keeps it before the answer.
                intro_task = asyncio.create_task(self.outbound.deliver([intro_id]))
        try:
            outcome = await self.engine.handle_inbound(
                inbound.channel, inbound.address, text, inbound.external_id
            )
        finally:
            if intro_task is not None:
                await intro_task
        received = Received(
            "engine", outcome.message_id, list(outcome.reply_ids), duplicate=outcome.duplicate
        )
        if intro == "after" and not outcome.duplicate and not client.get("intro_sent"):
            intro_id = self._store_intro(client["id"], inbound.channel)
            if intro_id is not None:
                await self.outbound.deliver([intro_id])
                received.reply_ids.append(intro_id)
        return received

    async def _answer(
        self,
        client: dict,
        inbound: Inbound,
        text: str,
        result: SafetyResult | None,
        keys: list[str],
        intro: str = "before",
    ) -> Received:
        message_id = self._store_inbound(client["id"], inbound, text, result, "answered")
        if message_id is None:
            return Received("duplicate", duplicate=True)
        reply_ids = []
        if intro == "before" and not client.get("intro_sent"):
            intro_id = self._store_intro(client["id"], inbound.channel)
            reply_ids += [intro_id] if intro_id is not None else []
        elif keys == ["intro"]:
            self._mark_intro_sent(client["id"])
        for key in keys:
            reply_ids += self._store_reply(client["id"], inbound.channel, key)
        await self.outbound.deliver(reply_ids)
        return Received(keys[0], message_id, reply_ids)

    async def _opt_out(
        self, client: dict, inbound: Inbound, text: str, result: SafetyResult | None
    ) -> Received:
        message_id = self._store_inbound(client["id"], inbound, text, result, "answered")
        if message_id is None:
            return Received("duplicate", duplicate=True)
        self.conversations.update_client(client["id"], opted_out=1)
        self.conversations.record_event(
            client["id"], "opted_out", {"message_id": message_id, "channel": inbound.channel}
        )
        reply_ids = self._store_reply(
            client["id"], inbound.channel, "stop_confirmed", purpose=STOP_CONFIRMATION
        )
        await self.outbound.deliver(reply_ids)
        return Received("stop", message_id, reply_ids)

    async def _opt_in(
        self, client: dict, inbound: Inbound, text: str, result: SafetyResult | None
    ) -> Received:
        message_id = self._store_inbound(client["id"], inbound, text, result, "answered")
        if message_id is None:
            return Received("duplicate", duplicate=True)
        self.conversations.update_client(client["id"], opted_out=0)
        self.conversations.record_event(
            client["id"], "opted_in", {"message_id": message_id, "channel": inbound.channel}
        )
        self._mark_intro_sent(client["id"])
        reply_ids = self._store_reply(client["id"], inbound.channel, "start_confirmed")
        await self.outbound.deliver(reply_ids)
        return Received("start", message_id, reply_ids)

    def _provider_keyword(
        self, client: dict, inbound: Inbound, text: str, result: SafetyResult | None
    ) -> Received:
        """The provider (Twilio's opt-out handling) has already replied: record, send nothing."""
        kind = (inbound.provider_keyword or "").lower()
        message_id = self._store_inbound(client["id"], inbound, text, result, "answered")
        if message_id is None:
            return Received("duplicate", duplicate=True)
        if kind in ("stop", "start"):
            self.conversations.update_client(client["id"], opted_out=1 if kind == "stop" else 0)
            self.conversations.record_event(
                client["id"],
                "opted_out" if kind == "stop" else "opted_in",
                {"message_id": message_id, "by": inbound.channel, "word": text[:40]},
            )
        return Received(f"provider_{kind}", message_id)

    def _keep_quietly(
        self, client: dict, inbound: Inbound, text: str, result: SafetyResult | None
    ) -> Received:
        stored = text if text.strip() or not inbound.media else f"[{inbound.media}]"
        message_id = self._store_inbound(client["id"], inbound, stored, result, "unanswered")
        if message_id is None:
            return Received("duplicate", duplicate=True)
        self.conversations.set_message(
            message_id, last_error="not answered: the client has stopped messages (STOP)"
        )
        return Received("opted_out", message_id)

    # Helpers -------------------------------------------------------------------------------
    def _store_inbound(
        self,
        client_id: int,
        inbound: Inbound,
        text: str,
        result: SafetyResult | None,
        status: str,
    ) -> int | None:
        with self.conversations.db.atomic():  # one commit for the message and its state
            message_id = self.conversations.add_inbound(
                client_id, inbound.channel, text, inbound.external_id
            )
            if message_id is None:
                return None
            if result is not None:
                self.conversations.set_safety(message_id, result.level, result.categories)
            self.conversations.set_message(message_id, status=status)
        return message_id

    def _store_reply(
        self, client_id: int, channel: str, key: str, purpose: str | None = None
    ) -> list[int]:
        with self.conversations.db.atomic():
            message_id = self.conversations.add_outbound(
                client_id, channel, channel_text(key, channel), "system"
            )
            self.conversations.set_message(message_id, purpose=purpose or key)
        return [message_id]

    async def _send(self, client_id: int, channel: str, key: str) -> list[int]:
        ids = self._store_reply(client_id, channel, key)
        await self.outbound.deliver(ids)
        return ids

    def _mark_intro_sent(self, client_id: int) -> bool:
        """True for the one caller that flips intro_sent (first messages may race)."""
        with self.conversations.db.atomic():
            cursor = self.conversations.db.execute(
                "UPDATE clients SET intro_sent = 1 WHERE id = ? AND COALESCE(intro_sent, 0) = 0",
                [client_id],
            )
        return cursor.rowcount == 1

    def _store_intro(self, client_id: int, channel: str) -> int | None:
        """Store the introduction if this client has never had it; None if they have."""
        with self.conversations.db.atomic():
            if not self._mark_intro_sent(client_id):
                return None
            return self._store_reply(client_id, channel, "intro")[0]
