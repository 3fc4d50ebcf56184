"""What a signed-in user does in the console; each action is checked and written to the audit log.

Pages (forms) and the JSON API both call these, so both follow the same rules.
"""

from __future__ import annotations

from typing import Any

from bot.console import presence
from bot.console.canned import canned_text
from bot.console.state import Ctx
from bot.console.views import permissions
from bot.handoff.service import HandoffError

MAX_REPLY_CHARS = 1600
MAX_NOTE_CHARS = 4000

# Typing in a browser brings typographic characters that SMS cannot carry cheaply (GSM-7).
PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


class ActionError(Exception):
    """The action cannot be done; `status` is the HTTP status, the message says why."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def _handoff(ctx: Ctx, handoff_id: int) -> dict[str, Any]:
    try:
        return ctx.services.handoffs.get(handoff_id)
    except HandoffError as error:
        raise ActionError("There is no such conversation.", 404) from error


def set_duty(ctx: Ctx, on_duty: bool) -> bool:
    presence.set_duty(ctx.services, ctx.user, on_duty)
    ctx.audit("duty_on" if on_duty else "duty_off")
    return on_duty


async def claim(ctx: Ctx, handoff_id: int) -> dict[str, Any]:
    handoff = _handoff(ctx, handoff_id)
    try:
        handoff = await ctx.services.desk.claim(
            handoff_id, ctx.user.user_name, ctx.user.display_name
        )
    except HandoffError as error:
        ctx.audit("claim_refused", handoff_id=handoff_id, client_id=handoff["client_id"])
        raise ActionError(
            f"Someone else has this conversation, or it has ended. ({error})"
        ) from error
    ctx.audit("claim", handoff_id=handoff_id, client_id=handoff["client_id"])
    return handoff


async def reply(ctx: Ctx, handoff_id: int, text: str, canned_id: str = "") -> dict[str, Any]:
    handoff = _handoff(ctx, handoff_id)
    text = (text or "").translate(PLAIN).strip()
    if not text and canned_id:
        text = canned_text(canned_id) or ""
    if not text:
        raise ActionError("Write a reply, or pick a canned reply, first.", 400)
    if len(text) > MAX_REPLY_CHARS:
        raise ActionError(f"A reply can have at most {MAX_REPLY_CHARS} characters.", 400)
    if not permissions(ctx, handoff)["reply"]:
        raise ActionError("Claim this conversation before you reply.", 409)
    try:
        message = await ctx.services.desk.reply(handoff_id, ctx.user.user_name, text)
    except HandoffError as error:
        raise ActionError(str(error), 409) from error
    ctx.audit(
        "reply",
        handoff_id=handoff_id,
        client_id=handoff["client_id"],
        message_id=message["id"],
        chars=len(text),
        canned=canned_id or None,
    )
    return message


def add_note(ctx: Ctx, handoff_id: int, text: str) -> dict[str, Any]:
    handoff = _handoff(ctx, handoff_id)
    text = (text or "").strip()
    if not text:
        raise ActionError("Write the note first.", 400)
    if len(text) > MAX_NOTE_CHARS:
        raise ActionError(f"A note can have at most {MAX_NOTE_CHARS} characters.", 400)
    note = ctx.services.handoffs.add_note(handoff_id, ctx.user.user_name, text)
    ctx.audit("note", handoff_id=handoff_id, client_id=handoff["client_id"], note_id=note["id"])
    return note


async def end(ctx: Ctx, handoff_id: int, state: str) -> dict[str, Any]:
    """`returned` (back to the assistant) or `closed`; the client is told either way."""
    handoff = _handoff(ctx, handoff_id)
    if not permissions(ctx, handoff)["end"]:
        raise ActionError(
            "Only the navigator who holds this conversation (or an admin) can do that.", 409
        )
    try:
        handoff = await ctx.services.desk.end(
            handoff_id, ctx.user.user_name, ctx.user.display_name, state
        )
    except HandoffError as error:
        raise ActionError(str(error), 409) from error
    ctx.audit(
        "return" if state == "returned" else "close",
        handoff_id=handoff_id,
        client_id=handoff["client_id"],
    )
    return handoff
