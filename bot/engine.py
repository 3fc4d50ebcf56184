"""The router: every inbound message is stored, screened, and sent to whoever answers it now.

Order for each message (see ../shared/DESIGN.md):
1. store it (nothing is lost, provider retries are dropped by their id);
2. screen it for crisis and trauma, before Rasa and whatever else happens;
3. crisis: safety contacts at once and an urgent handoff, with no call to Rasa;
4. an open handoff: the message goes to the navigators, not to Rasa;
5. trauma: a gentle offer of a navigator, the client chooses;
6. otherwise Rasa answers; if Rasa is down or slow, a kind reply and the message stays unanswered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from bot import content
from bot.conversations import ConversationStore
from bot.handoff.service import HandoffService
from bot.rasa_client import AssistantReply, AssistantUnavailable
from bot.reminders.apply import ReminderRequestError, apply_reminder_request
from bot.reminders.store import ReminderStore
from bot.safety import SafetyResult, screen
from bot.safety_reply import crisis_reply

log = logging.getLogger("bot.engine")

# Rasa reads at most this much of a message; the store keeps all of it.
MAX_TEXT_FOR_ASSISTANT = 2000
# While a handoff waits, the client is told "passed to the team" at most this often.
QUEUED_ACK_INTERVAL = timedelta(minutes=10)


class Assistant(Protocol):
    async def send(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> AssistantReply: ...


class Delivery(Protocol):
    """Sends stored outbound messages on the client's channel (web chat: nothing to send)."""

    async def deliver(self, message_ids: list[int]) -> None: ...


@dataclass
class Outcome:
    """What came of one inbound message."""

    message_id: int | None
    replies: list[str] = field(default_factory=list)
    reply_ids: list[int] = field(default_factory=list)
    handoff: dict[str, Any] | None = None
    safety: SafetyResult | None = None
    duplicate: bool = False

    def handoff_view(self) -> dict[str, Any] | None:
        if not self.handoff:
            return None
        keys = ("id", "state", "priority", "level", "categories", "reason", "navigator")
        return {k: self.handoff.get(k) for k in keys}


def _is_word_reply(text: str, words: list[str]) -> bool:
    cleaned = " ".join(text.lower().replace("!", " ").replace(".", " ").split())
    return cleaned in {w.lower() for w in words}


class Engine:
    def __init__(
        self,
        conversations: ConversationStore,
        handoffs: HandoffService,
        assistant: Assistant,
        delivery: Delivery | None = None,
        reminders: ReminderStore | None = None,
    ) -> None:
        self.conversations = conversations
        self.handoffs = handoffs
        self.assistant = assistant
        self.delivery = delivery
        self.reminders = reminders

    async def handle_inbound(
        self, channel: str, address: str, text: str, external_id: str | None = None
    ) -> Outcome:
        client, _ = self.conversations.client_for(channel, address)
        message_id = self.conversations.add_inbound(client["id"], channel, text, external_id)
        if message_id is None:
            return Outcome(message_id=None, duplicate=True)
        outcome = Outcome(message_id=message_id)
        result = screen(text)
        outcome.safety = result
        self.conversations.set_safety(message_id, result.level, result.categories)

        if result.level == "crisis":
            await self._crisis(client, message_id, text, result, outcome)
        elif self.handoffs.active_for(client["id"]):
            self._to_navigator(client, message_id, outcome)
        elif not text.strip():
            self._reply(client, channel, outcome, [content.text("gateway", "empty_message")])
            self.conversations.set_message(message_id, status="answered")
        elif result.level == "trauma":
            self.conversations.record_event(
                client["id"], "trauma_signal", {"message_id": message_id, **result.to_dict()}
            )
            self.conversations.update_client(client["id"], pending_offer="trauma_handoff")
            self._reply(client, channel, outcome, [content.text("handoff", "trauma_offer")])
            self.conversations.set_message(message_id, status="answered")
        elif client.get("pending_offer") == "trauma_handoff" and self._answers_offer(text):
            self._trauma_offer_answer(client, message_id, text, outcome)
        else:
            if client.get("pending_offer"):
                self.conversations.update_client(client["id"], pending_offer=None)
            await self._assistant(client, channel, message_id, text, outcome)

        if self.delivery and outcome.reply_ids:
            await self.delivery.deliver(outcome.reply_ids)
        return outcome

    # Paths ---------------------------------------------------------------------------------
    async def _crisis(
        self,
        client: dict[str, Any],
        message_id: int,
        text: str,
        result: SafetyResult,
        outcome: Outcome,
    ) -> None:
        channel = self._channel_of(message_id)
        handoff, created = self.handoffs.open(
            client["id"],
            reason="safety",
            level="crisis",
            categories=result.categories,
            priority="urgent",
            trigger_message_id=message_id,
            trigger_text=text,
        )
        replies = [crisis_reply(result.categories)]
        if created or handoff["state"] == "queued":
            replies += self.handoffs.arrival_texts("urgent", client["id"])
        self._reply(client, channel, outcome, replies)
        self.conversations.set_message(message_id, status="to_navigator")
        outcome.handoff = handoff

    def _to_navigator(self, client: dict[str, Any], message_id: int, outcome: Outcome) -> None:
        channel = self._channel_of(message_id)
        handoff = self.handoffs.active_for(client["id"])
        self.conversations.set_message(message_id, status="to_navigator")
        outcome.handoff = handoff
        if handoff and handoff["state"] == "queued" and self._ack_due(client["id"]):
            self._reply(client, channel, outcome, [content.text("handoff", "queued_ack")])
        self.handoffs.notifier.notify(
            {
                "type": "message",
                "handoff_id": handoff["id"] if handoff else None,
                "client_id": client["id"],
                "priority": handoff["priority"] if handoff else None,
            }
        )

    def _answers_offer(self, text: str) -> bool:
        words = content.load("handoff")
        return _is_word_reply(text, words["yes_words"]) or _is_word_reply(text, words["no_words"])

    def _trauma_offer_answer(
        self, client: dict[str, Any], message_id: int, text: str, outcome: Outcome
    ) -> None:
        channel = self._channel_of(message_id)
        self.conversations.update_client(client["id"], pending_offer=None)
        self.conversations.set_message(message_id, status="answered")
        if _is_word_reply(text, content.load("handoff")["yes_words"]):
            categories, trigger_text = self._last_trauma_signal(client["id"])
            handoff, _ = self.handoffs.open(
                client["id"],
                reason="trauma_accepted",
                level="trauma",
                categories=categories,
                priority="normal",
                trigger_message_id=message_id,
                trigger_text=trigger_text or text,
            )
            outcome.handoff = handoff
            self._reply(
                client, channel, outcome, self.handoffs.arrival_texts("normal", client["id"])
            )
        else:
            self.conversations.record_event(client["id"], "trauma_offer_declined")
            self._reply(client, channel, outcome, [content.text("handoff", "trauma_declined")])

    async def _assistant(
        self, client: dict[str, Any], channel: str, message_id: int, text: str, outcome: Outcome
    ) -> None:
        try:
            reply = await self.assistant.send(
                f"client-{client['id']}",
                text[:MAX_TEXT_FOR_ASSISTANT],
                self._metadata(client, channel),
            )
        except AssistantUnavailable as error:
            log.warning("assistant unavailable for message %s: %s", message_id, error)
            self.conversations.set_message(
                message_id, status="unanswered", last_error=str(error)[:500]
            )
            self._reply(
                client, channel, outcome, [content.text("gateway", "assistant_unavailable")]
            )
            return
        texts = list(reply.texts)
        for payload in reply.custom:
            if isinstance(payload.get("handoff"), dict):
                texts += self._client_asked_for_person(client, message_id, text, outcome)
            if isinstance(payload.get("reminder"), dict) and self.reminders is not None:
                try:
                    apply_reminder_request(
                        self.reminders, client["id"], channel, payload["reminder"], self.now()
                    )
                except ReminderRequestError as error:
                    log.warning("reminder request from Rasa refused: %s", error)
                    texts = [content.text("gateway", "reminder_failed")]
        self.conversations.set_message(message_id, status="answered")
        self._reply(client, channel, outcome, texts)

    def _client_asked_for_person(
        self, client: dict[str, Any], message_id: int, text: str, outcome: Outcome
    ) -> list[str]:
        self.conversations.record_event(
            client["id"], "asked_for_person", {"message_id": message_id}
        )
        if self.handoffs.active_for(client["id"]):
            outcome.handoff = self.handoffs.active_for(client["id"])
            return [content.text("handoff", "already_waiting")]
        handoff, _ = self.handoffs.open(
            client["id"],
            reason="client_request",
            level="none",
            categories=[],
            priority="normal",
            trigger_message_id=message_id,
            trigger_text=text,
        )
        outcome.handoff = handoff
        return self.handoffs.arrival_texts("normal", client["id"])

    # Helpers -------------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def _metadata(self, client: dict[str, Any], channel: str) -> dict[str, Any]:
        """What actions may need: the time, and the client's upcoming reminders."""
        upcoming = self.reminders.upcoming(client["id"]) if self.reminders else []
        return {
            "channel": channel,
            "now": self.now().isoformat(),
            "reminders": [
                {"id": r["id"], "what": r["what"], "due": r["due_utc"], "kind": r["kind"]}
                for r in upcoming
                if r["kind"] == "appointment"
            ],
        }

    def _last_trauma_signal(self, client_id: int) -> tuple[list[str], str | None]:
        """Categories and text of the client's latest trauma signal, for the navigator."""
        signals = self.conversations.events(client_id, "trauma_signal")
        if not signals:
            return [], None
        detail = json.loads(signals[-1]["detail"] or "{}")
        trigger_id = detail.get("message_id")
        text = self.conversations.message(trigger_id)["text"] if trigger_id else None
        return list(detail.get("categories") or []), text

    def _reply(
        self, client: dict[str, Any], channel: str, outcome: Outcome, texts: list[str]
    ) -> None:
        for text in texts:
            if not text:
                continue
            reply_id = self.conversations.add_outbound(client["id"], channel, text, "assistant")
            outcome.replies.append(text)
            outcome.reply_ids.append(reply_id)

    def _channel_of(self, message_id: int) -> str:
        return self.conversations.message(message_id)["channel"]

    def _ack_due(self, client_id: int) -> bool:
        ack = content.text("handoff", "queued_ack")
        for message in reversed(self.conversations.transcript(client_id, limit=50)):
            if message["direction"] == "out" and message["text"] == ack:
                sent = datetime.fromisoformat(message["created_at"])
                return datetime.now(timezone.utc) - sent >= QUEUED_ACK_INTERVAL
        return True
