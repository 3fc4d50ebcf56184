"""What a navigator does to a handoff, with the client told at each step.

The console (pages and JSON API) calls these; each stores the client-facing message first and
sends it on the client's own channel through the outbound path.
"""

from __future__ import annotations

from typing import Any

from bot import content
from bot.conversations import ConversationStore
from bot.handoff.service import HandoffError, HandoffService
from bot.outbound import Outbound


def first_name(display_name: str) -> str:
    return (display_name or "A navigator").split()[0]


class NavigatorDesk:
    def __init__(
        self, handoffs: HandoffService, conversations: ConversationStore, outbound: Outbound
    ) -> None:
        self.handoffs = handoffs
        self.conversations = conversations
        self.outbound = outbound

    async def _tell_client(
        self, handoff: dict[str, Any], text: str, sender: str, author: str | None
    ) -> int:
        addresses = self.conversations.addresses(handoff["client_id"])
        if not addresses:
            raise HandoffError(f"client {handoff['client_id']} has no address")
        channel = addresses[0]["channel"]
        message_id = self.conversations.add_outbound(
            handoff["client_id"], channel, text, sender, author
        )
        await self.outbound.deliver([message_id])
        return message_id

    async def claim(self, handoff_id: int, user_name: str, display_name: str) -> dict[str, Any]:
        """Take the conversation; the client is told a named person is with them."""
        handoff = self.handoffs.claim(handoff_id, user_name)
        text = content.text("handoff", "claimed", name=first_name(display_name))
        await self._tell_client(handoff, text, "system", user_name)
        return handoff

    async def reply(self, handoff_id: int, user_name: str, text: str) -> dict[str, Any]:
        """Send the navigator's words to the client on the client's channel."""
        handoff = self.handoffs.get(handoff_id)
        if handoff["state"] != "with_navigator" or handoff.get("navigator") != user_name:
            raise HandoffError("claim this conversation before replying")
        if not text.strip():
            raise HandoffError("the reply is empty")
        message_id = await self._tell_client(handoff, text.strip(), "navigator", user_name)
        return self.conversations.message(message_id)

    async def end(
        self, handoff_id: int, user_name: str, display_name: str, state: str
    ) -> dict[str, Any]:
        """Return to the assistant (`returned`) or close (`closed`); the client is told."""
        handoff = self.handoffs.end(handoff_id, user_name, state)
        text = content.text("handoff", state, name=first_name(display_name))
        await self._tell_client(handoff, text, "system", user_name)
        return handoff
