"""One named worker: who helped this client before, and are they on duty now?"""

from __future__ import annotations

from typing import Any

from bot.handoff.service import HandoffService


def last_helper(
    handoffs: HandoffService, client_id: int, before_id: int | None = None
) -> str | None:
    """User name of the navigator on the client's latest earlier handoff, if any."""
    for handoff in reversed(handoffs.history(client_id)):
        if before_id is not None and handoff["id"] >= before_id:
            continue
        if handoff.get("navigator"):
            return str(handoff["navigator"])
    return None


def helper_view(
    handoffs: HandoffService,
    client_id: int,
    before_id: int | None,
    names: dict[str, str],
    me: str,
    on_duty: set[str],
) -> dict[str, Any] | None:
    user_name = last_helper(handoffs, client_id, before_id)
    if not user_name:
        return None
    return {
        "user_name": user_name,
        "display_name": names.get(user_name, user_name),
        "on_duty": user_name in on_duty,
        "is_me": user_name == me,
    }
