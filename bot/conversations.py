"""Clients, their channel addresses and their messages, as kept in the store."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.store import dumps, utc_now


class ConversationStore:
    """Reads and writes clients and messages. Every write commits before it returns."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # Clients -------------------------------------------------------------------------------
    def client_for(self, channel: str, address: str) -> tuple[dict[str, Any], bool]:
        """The client behind a channel address, made on first contact. Returns (client, is_new)."""
        row = self.db.execute(
            "SELECT client_id FROM client_addresses WHERE channel = ? AND address = ?",
            [channel, address],
        ).fetchone()
        if row:
            return self.client(row[0]), False
        with self.db.atomic():
            now = utc_now()
            client_id = self.db["clients"].insert({"created_at": now, "mode": "assistant"}).last_pk
            self.db["client_addresses"].insert(
                {"client_id": client_id, "channel": channel, "address": address, "created_at": now}
            )
        return self.client(client_id), True

    def client(self, client_id: int) -> dict[str, Any]:
        return dict(self.db["clients"].get(client_id))

    def addresses(self, client_id: int) -> list[dict[str, Any]]:
        return list(self.db["client_addresses"].rows_where("client_id = ?", [client_id]))

    def update_client(self, client_id: int, **fields: Any) -> None:
        with self.db.atomic():
            self.db["clients"].update(client_id, fields)

    # Messages ------------------------------------------------------------------------------
    def add_inbound(
        self, client_id: int, channel: str, text: str, external_id: str | None = None
    ) -> int | None:
        """Store a client's message before anything else happens to it.

        Returns its id, or None when `external_id` was seen before (a provider retry).
        """
        if external_id is not None and self.find_external(channel, external_id):
            return None
        with self.db.atomic():
            return (
                self.db["messages"]
                .insert(
                    {
                        "client_id": client_id,
                        "channel": channel,
                        "direction": "in",
                        "sender": "client",
                        "text": text,
                        "created_at": utc_now(),
                        "status": "received",
                        "external_id": external_id,
                    }
                )
                .last_pk
            )

    def find_external(self, channel: str, external_id: str) -> dict[str, Any] | None:
        row = list(
            self.db["messages"].rows_where(
                "channel = ? AND external_id = ?", [channel, external_id], limit=1
            )
        )
        return row[0] if row else None

    def add_outbound(
        self,
        client_id: int,
        channel: str,
        text: str,
        sender: str,
        author: str | None = None,
        status: str = "pending",
    ) -> int:
        with self.db.atomic():
            now = utc_now()
            return (
                self.db["messages"]
                .insert(
                    {
                        "client_id": client_id,
                        "channel": channel,
                        "direction": "out",
                        "sender": sender,
                        "author": author,
                        "text": text,
                        "created_at": now,
                        "updated_at": now,
                        "status": status,
                    }
                )
                .last_pk
            )

    def set_message(self, message_id: int, **fields: Any) -> None:
        fields["updated_at"] = utc_now()
        with self.db.atomic():
            self.db["messages"].update(message_id, fields)

    def set_safety(self, message_id: int, level: str, categories: list[str]) -> None:
        self.set_message(message_id, safety_level=level, safety_categories=dumps(categories))

    def message(self, message_id: int) -> dict[str, Any]:
        return dict(self.db["messages"].get(message_id))

    def transcript(self, client_id: int, limit: int = 500) -> list[dict[str, Any]]:
        """The client's messages, oldest first (the last `limit` of them)."""
        rows = self.db.execute(
            "SELECT * FROM (SELECT * FROM messages WHERE client_id = ? ORDER BY id DESC LIMIT ?)"
            " ORDER BY id",
            [client_id, limit],
        )
        columns = [c[0] for c in rows.description]
        return [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]

    # Events --------------------------------------------------------------------------------
    def record_event(self, client_id: int, kind: str, detail: dict[str, Any] | None = None) -> None:
        """Note something that happened in the conversation (a request for a person, a signal)."""
        with self.db.atomic():
            self.db["conversation_events"].insert(
                {
                    "client_id": client_id,
                    "kind": kind,
                    "detail": dumps(detail or {}),
                    "created_at": utc_now(),
                }
            )

    def events(self, client_id: int, kind: str | None = None) -> list[dict[str, Any]]:
        where, args = "client_id = ?", [client_id]
        if kind:
            where += " AND kind = ?"
            args.append(kind)
        return list(self.db["conversation_events"].rows_where(where, args, order_by="id"))
