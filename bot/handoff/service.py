"""The handoff core: a conversation goes assistant -> queued -> with_navigator -> assistant.

The gateway's store holds handoff state (never Rasa's pause, which a new Rasa session undoes).
While a handoff is queued or held, the client's messages go to the navigators, not to Rasa.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from bot import content
from bot.conversations import ConversationStore
from bot.handoff.duty import Rota, describe_time
from bot.handoff.notifier import Notifier
from bot.store import dumps, loads_list, utc_now

ACTIVE_STATES = ("queued", "with_navigator")
# An open console refreshes its navigator's presence every 15 seconds. A navigator not seen for
# longer than this (laptop closed without logging out) does not count as on duty, so the
# assistant never promises a person who is not there.
PRESENCE_FRESH_FOR = timedelta(minutes=2)
PRIORITY_RANK = {"urgent": 0, "normal": 1}
LEVEL_RANK = {"crisis": 0, "trauma": 1, "none": 2}


class HandoffError(Exception):
    """A handoff action that cannot be done (already claimed, not found, wrong state)."""


def _row(handoff: dict[str, Any]) -> dict[str, Any]:
    handoff = dict(handoff)
    handoff["categories"] = loads_list(handoff.get("categories"))
    return handoff


class HandoffService:
    def __init__(
        self,
        db: Database,
        conversations: ConversationStore,
        notifier: Notifier,
        rota: Rota,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.db = db
        self.conversations = conversations
        self.notifier = notifier
        self.rota = rota
        self.clock = clock

    # Reading -------------------------------------------------------------------------------
    def get(self, handoff_id: int) -> dict[str, Any]:
        rows = list(self.db["handoffs"].rows_where("id = ?", [handoff_id]))
        if not rows:
            raise HandoffError(f"no handoff {handoff_id}")
        return _row(rows[0])

    def active_for(self, client_id: int) -> dict[str, Any] | None:
        rows = list(
            self.db["handoffs"].rows_where(
                "client_id = ? AND state IN ('queued', 'with_navigator')",
                [client_id],
                order_by="id DESC",
                limit=1,
            )
        )
        return _row(rows[0]) if rows else None

    def history(self, client_id: int) -> list[dict[str, Any]]:
        return [
            _row(r)
            for r in self.db["handoffs"].rows_where("client_id = ?", [client_id], order_by="id")
        ]

    def queue(self) -> list[dict[str, Any]]:
        """Open handoffs, most urgent first, then longest waiting."""
        now = self.clock()
        rows = [
            _row(r)
            for r in self.db["handoffs"].rows_where(
                "state IN ('queued', 'with_navigator')", order_by="created_at"
            )
        ]
        rows.sort(key=lambda h: (PRIORITY_RANK.get(h["priority"], 9), h["created_at"]))
        for handoff in rows:
            created = datetime.fromisoformat(handoff["created_at"])
            handoff["waiting_seconds"] = max(0, int((now - created).total_seconds()))
            handoff["first_words"] = (handoff.get("trigger_text") or "")[:80]
            addresses = self.conversations.addresses(handoff["client_id"])
            handoff["channel"] = addresses[0]["channel"] if addresses else None
        return rows

    def notes(self, handoff_id: int) -> list[dict[str, Any]]:
        return list(
            self.db["handoff_notes"].rows_where("handoff_id = ?", [handoff_id], order_by="id")
        )

    # Duty ----------------------------------------------------------------------------------
    def set_presence(self, user_name: str, display_name: str, on_duty: bool) -> None:
        with self.db.atomic():
            self.db["navigator_presence"].upsert(
                {
                    "user_name": user_name,
                    "display_name": display_name,
                    "on_duty": int(on_duty),
                    "updated_at": utc_now(),
                },
                pk="user_name",
            )

    def on_duty(self) -> list[dict[str, Any]]:
        fresh_since = (self.clock() - PRESENCE_FRESH_FOR).isoformat(timespec="microseconds")
        return list(
            self.db["navigator_presence"].rows_where(
                "on_duty = 1 AND updated_at >= ?", [fresh_since], order_by="user_name"
            )
        )

    def first_name_of(self, user_name: str | None) -> str:
        """The name a client sees for a navigator: their first name, never the login name."""
        row = self.db.execute(
            "SELECT display_name FROM navigator_presence WHERE user_name = ?", [user_name]
        ).fetchone()
        if not row and self.db["console_users"].exists():
            row = self.db.execute(
                "SELECT display_name FROM console_users WHERE user_name = ?", [user_name]
            ).fetchone()
        display = (row[0] if row else None) or "Navigator"
        return display.split()[0]

    def previous_navigator(self, client_id: int) -> str | None:
        """Who helped this client last time (the single named worker), if anyone did."""
        row = self.db.execute(
            "SELECT navigator FROM handoffs WHERE client_id = ? AND navigator IS NOT NULL"
            " ORDER BY id DESC LIMIT 1",
            [client_id],
        ).fetchone()
        return row[0] if row else None

    def someone_on_duty(self) -> bool:
        return bool(self.on_duty())

    def next_pickup_words(self) -> str:
        start = self.rota.next_start(self.clock())
        if start is None:
            return content.text("handoff", "when_unknown")
        return describe_time(start, self.clock())

    def arrival_texts(self, priority: str, client_id: int | None = None) -> list[str]:
        """What the client reads when their conversation joins the queue: honest about duty."""
        on_duty = self.on_duty()
        if on_duty:
            before = self.previous_navigator(client_id) if client_id else None
            if before and any(row["user_name"] == before for row in on_duty):
                return [content.text("handoff", "same_navigator", name=self.first_name_of(before))]
            return [content.text("handoff", f"{priority}_on_duty")]
        return [content.text("handoff", f"{priority}_off_duty", when=self.next_pickup_words())]

    # Changing ------------------------------------------------------------------------------
    def open(
        self,
        client_id: int,
        *,
        reason: str,
        level: str,
        categories: list[str],
        priority: str,
        trigger_message_id: int | None,
        trigger_text: str | None,
    ) -> tuple[dict[str, Any], bool]:
        """Queue the client's conversation for a navigator, or raise the open one's priority.

        Returns (handoff, created). A crisis inside an open handoff makes it urgent and alerts again.
        """
        active = self.active_for(client_id)
        now = utc_now()
        if active:
            updates: dict[str, Any] = {"updated_at": now}
            if PRIORITY_RANK[priority] < PRIORITY_RANK.get(active["priority"], 9):
                updates["priority"] = priority
            if LEVEL_RANK.get(level, 9) < LEVEL_RANK.get(active["level"], 9):
                updates["level"] = level
            merged = list(dict.fromkeys(active["categories"] + categories))
            if merged != active["categories"]:
                updates["categories"] = dumps(merged)
            if level == "crisis":
                updates["alerts"] = (active.get("alerts") or 0) + 1
            with self.db.atomic():
                self.db["handoffs"].update(active["id"], updates)
            handoff = self.get(active["id"])
            if level == "crisis":
                self._notify("escalated", handoff, trigger_text)
            return handoff, False
        with self.db.atomic():
            handoff_id = (
                self.db["handoffs"]
                .insert(
                    {
                        "client_id": client_id,
                        "state": "queued",
                        "priority": priority,
                        "level": level,
                        "categories": dumps(categories),
                        "reason": reason,
                        "trigger_message_id": trigger_message_id,
                        "trigger_text": trigger_text,
                        "created_at": now,
                        "updated_at": now,
                        "alerts": 1,
                    }
                )
                .last_pk
            )
            self.db["clients"].update(client_id, {"mode": "queued", "pending_offer": None})
        handoff = self.get(handoff_id)
        self._notify("queued", handoff, trigger_text)
        return handoff, True

    def claim(self, handoff_id: int, navigator: str) -> dict[str, Any]:
        """One navigator takes the conversation. Fails if someone else got there first."""
        now = utc_now()
        with self.db.atomic():
            cursor = self.db.execute(
                "UPDATE handoffs SET state = 'with_navigator', navigator = ?, claimed_at = ?,"
                " updated_at = ? WHERE id = ? AND state = 'queued'",
                [navigator, now, now, handoff_id],
            )
            if cursor.rowcount != 1:
                current = self.get(handoff_id)
                raise HandoffError(
                    f"handoff {handoff_id} is {current['state']}"
                    + (f" with {current['navigator']}" if current.get("navigator") else "")
                )
            handoff = self.get(handoff_id)
            self.db["clients"].update(handoff["client_id"], {"mode": "with_navigator"})
        self._notify("claimed", handoff, None)
        return handoff

    def add_note(self, handoff_id: int, author: str, text: str) -> dict[str, Any]:
        self.get(handoff_id)
        with self.db.atomic():
            note_id = (
                self.db["handoff_notes"]
                .insert(
                    {
                        "handoff_id": handoff_id,
                        "author": author,
                        "text": text,
                        "created_at": utc_now(),
                    }
                )
                .last_pk
            )
        return dict(self.db["handoff_notes"].get(note_id))

    def end(self, handoff_id: int, navigator: str, state: str) -> dict[str, Any]:
        """Return the conversation to the assistant (`returned`) or close it (`closed`)."""
        if state not in ("returned", "closed"):
            raise HandoffError(f"cannot end a handoff as {state!r}")
        handoff = self.get(handoff_id)
        if handoff["state"] not in ACTIVE_STATES:
            raise HandoffError(f"handoff {handoff_id} is already {handoff['state']}")
        now = utc_now()
        with self.db.atomic():
            self.db["handoffs"].update(
                handoff_id,
                {
                    "state": state,
                    "ended_at": now,
                    "updated_at": now,
                    "navigator": handoff.get("navigator") or navigator,
                },
            )
            self.db["clients"].update(handoff["client_id"], {"mode": "assistant"})
        handoff = self.get(handoff_id)
        self._notify(state, handoff, None)
        return handoff

    def _notify(self, kind: str, handoff: dict[str, Any], text: str | None) -> None:
        self.notifier.notify(
            {
                "type": kind,
                "handoff_id": handoff["id"],
                "client_id": handoff["client_id"],
                "priority": handoff["priority"],
                "level": handoff["level"],
                "categories": handoff["categories"],
                "state": handoff["state"],
                "navigator": handoff.get("navigator"),
                "first_words": (text or handoff.get("trigger_text") or "")[:80],
            }
        )
