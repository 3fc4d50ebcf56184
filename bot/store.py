"""The gateway's embedded store: SQLite through sqlite-utils, WAL mode, a busy timeout, migrations.

The tables hold what matters to people: clients and their channel addresses, every message in and
out (with its delivery state), handoffs to navigators, and the audit log. Rasa keeps only its
dialogue state, in a separate database file.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_SECONDS = 10.0

migrations = Migrations("gateway")


def utc_now() -> str:
    """The current time as ISO 8601 in UTC (sortable as text)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@migrations()
def m001_clients_and_messages(db: Database) -> None:
    db["clients"].create(
        {"id": int, "created_at": str, "mode": str, "intro_sent": int, "opted_out": int},
        pk="id",
        defaults={"mode": "assistant", "intro_sent": 0, "opted_out": 0},
        not_null={"created_at", "mode"},
    )
    db["client_addresses"].create(
        {"id": int, "client_id": int, "channel": str, "address": str, "created_at": str},
        pk="id",
        foreign_keys=[("client_id", "clients", "id")],
        not_null={"client_id", "channel", "address"},
    )
    db["client_addresses"].create_index(["channel", "address"], unique=True)
    db["messages"].create(
        {
            "id": int,
            "client_id": int,
            "channel": str,
            "direction": str,  # in | out
            "sender": str,  # client | assistant | navigator | system
            "author": str,  # navigator's user name, when sender is navigator
            "text": str,
            "created_at": str,
            "status": str,  # in: received, answered, unanswered, to_navigator; out: see outbound
            "safety_level": str,
            "safety_categories": str,  # JSON list
            "external_id": str,  # provider's id (MessageSid, Telegram update id, ...)
            "attempts": int,
            "last_error": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("client_id", "clients", "id")],
        defaults={"attempts": 0},
        not_null={"client_id", "channel", "direction", "sender", "created_at", "status"},
    )
    db["messages"].create_index(["client_id", "id"])
    db["messages"].create_index(["channel", "external_id"], unique=True)
    db["conversation_events"].create(
        {"id": int, "client_id": int, "kind": str, "detail": str, "created_at": str},
        pk="id",
        foreign_keys=[("client_id", "clients", "id")],
    )
    db["conversation_events"].create_index(["client_id", "id"])


def connect(path: Path | str) -> Database:
    """Open (creating if needed) and migrate the store at `path`."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
    conn.row_factory = None
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    db.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        db.enable_wal()
    migrations.apply(db)
    return db


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads_list(value: str | None) -> list[Any]:
    if not value:
        return []
    try:
        loaded = json.loads(value)
    except ValueError:
        return []
    return loaded if isinstance(loaded, list) else []


@migrations()
def m002_handoffs(db: Database) -> None:
    db["clients"].add_column("pending_offer", str)
    db["handoffs"].create(
        {
            "id": int,
            "client_id": int,
            "state": str,  # queued | with_navigator | returned | closed
            "priority": str,  # urgent | normal
            "level": str,  # crisis | trauma | none
            "categories": str,  # JSON list
            "reason": str,  # safety | client_request | trauma_accepted | navigator
            "trigger_message_id": int,
            "trigger_text": str,
            "navigator": str,  # user name of the navigator holding it
            "created_at": str,
            "claimed_at": str,
            "ended_at": str,
            "updated_at": str,
            "alerts": int,
        },
        pk="id",
        foreign_keys=[("client_id", "clients", "id")],
        defaults={"alerts": 0},
        not_null={"client_id", "state", "priority", "level", "reason", "created_at"},
    )
    db["handoffs"].create_index(["state", "priority", "created_at"])
    db["handoffs"].create_index(["client_id", "id"])
    db["handoff_notes"].create(
        {"id": int, "handoff_id": int, "author": str, "text": str, "created_at": str},
        pk="id",
        foreign_keys=[("handoff_id", "handoffs", "id")],
    )
    db["navigator_presence"].create(
        {"user_name": str, "display_name": str, "on_duty": int, "updated_at": str},
        pk="user_name",
    )


@migrations()
def m003_reminders(db: Database) -> None:
    db["reminders"].create(
        {
            "id": int,
            "client_id": int,
            "channel": str,
            "what": str,
            "due_utc": str,  # ISO 8601 in UTC: when the reminder is sent
            "appointment_utc": str,  # the appointment's own time (the day-before reminder differs)
            "kind": str,  # appointment | day_before
            "status": str,  # scheduled | sending | sent | failed | cancelled
            "attempts": int,
            "message_id": int,  # the outbound message that carried it
            "last_error": str,
            "created_by": str,  # client | navigator user name
            "created_at": str,
            "updated_at": str,
            "sent_at": str,
        },
        pk="id",
        foreign_keys=[("client_id", "clients", "id")],
        defaults={"attempts": 0, "kind": "appointment"},
        not_null={"client_id", "channel", "what", "due_utc", "status", "created_at"},
    )
    db["reminders"].create_index(["status", "due_utc"])
    db["reminders"].create_index(["client_id", "status"])


@migrations()
def m004_outbound_delivery(db: Database) -> None:
    """Delivery state for outbound messages (bot/outbound.py) and the parts each was sent in."""
    db["messages"].add_column("provider_id", str)  # the provider's id for the (first) part
    db["messages"].add_column("next_attempt_at", str)  # ISO 8601 UTC: when to retry
    db["messages"].add_column("sent_at", str)
    db["messages"].add_column("delivered_at", str)
    db["messages"].add_column("purpose", str)  # e.g. stop_confirmation, intro
    db["messages"].create_index(["status", "direction", "client_id", "id"])
    db["outbound_parts"].create(
        {
            "id": int,
            "message_id": int,
            "seq": int,
            "text": str,  # as sent (SMS: GSM-7 converted)
            "status": str,  # pending | sending | sent | delivered | failed
            "provider_id": str,  # Twilio MessageSid, Telegram chat:message id
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("message_id", "messages", "id")],
        not_null={"message_id", "seq", "text", "status", "created_at"},
    )
    db["outbound_parts"].create_index(["message_id", "seq"], unique=True)
    db["outbound_parts"].create_index(["provider_id"])


@migrations()
def m005_console_users_sessions_audit(db: Database) -> None:
    """Navigator console (bot/console/): accounts, sessions, sign-in attempts, audit log."""
    db["console_users"].create(
        {
            "user_name": str,
            "display_name": str,
            "role": str,  # navigator | staff | admin
            "password_hash": str,  # Argon2id
            "active": int,
            "created_at": str,
            "updated_at": str,
            "password_changed_at": str,
        },
        pk="user_name",
        defaults={"active": 1},
        not_null={"user_name", "display_name", "role", "password_hash", "created_at"},
    )
    db["console_sessions"].create(
        {
            "key": str,  # SHA-256 of the cookie's token (the token itself is never stored)
            "user_name": str,
            "csrf_token": str,
            "created_at": str,
            "last_seen": str,
            "expires_at": str,
            "ip": str,
            "user_agent": str,
        },
        pk="key",
        foreign_keys=[("user_name", "console_users", "user_name")],
        not_null={"key", "user_name", "csrf_token", "created_at", "last_seen", "expires_at"},
    )
    db["console_sessions"].create_index(["user_name"])
    db["console_login_attempts"].create(
        {"id": int, "user_name": str, "ip": str, "outcome": str, "at": str},  # ok|bad|locked|unlock
        pk="id",
        not_null={"user_name", "outcome", "at"},
    )
    db["console_login_attempts"].create_index(["user_name", "id"])
    db["console_login_attempts"].create_index(["ip", "at"])
    db["console_audit"].create(
        {
            "id": int,
            "at": str,
            "actor": str,  # user name (or the name tried, for failed sign-ins)
            "role": str,
            "action": str,
            "handoff_id": int,
            "client_id": int,
            "ip": str,
            "detail": str,  # JSON object: ids and counts, never message text
        },
        pk="id",
        not_null={"at", "action"},
    )
    db["console_audit"].create_index(["actor", "id"])
    db["console_audit"].create_index(["handoff_id", "id"])
    db["console_audit"].create_index(["action", "id"])


@migrations()
def m006_staff_content(db: Database) -> None:
    """Staff pages (bot/staff/): training runs, and the review of messages the assistant could
    not answer (what the current model made of each, and what staff did with it)."""
    db["staff_training_runs"].create(
        {
            "id": int,
            "started_by": str,
            "started_at": str,
            "finished_at": str,
            "updated_at": str,
            "state": str,  # running | passed | failed | cancelled | interrupted | unchanged
            "step": str,  # the step running now (or the one that failed)
            "steps": str,  # JSON list: {name, label, state, started_at, finished_at, detail}
            "problems": str,  # JSON list of bot.staff.problems.Problem dicts
            "message": str,  # the outcome in plain words
            "model_file": str,
            "fingerprint": str,
            "manifest": str,  # JSON {file: sha256} of the training data it used
            "scores": str,  # JSON: held-out intent and FAQ macro-F1
            "log_tail": str,
        },
        pk="id",
        not_null={"started_at", "state"},
    )
    db["staff_training_runs"].create_index(["state", "id"])
    db["staff_message_checks"].create(
        {
            "message_id": int,
            "model": str,  # the model the message was parsed with
            "intent": str,
            "confidence": float,
            "faq": str,  # the FAQ answer the model would pick, if the intent is faq
            "faq_confidence": float,
            "checked_at": str,
        },
        pk="message_id",
        foreign_keys=[("message_id", "messages", "id")],
    )
    db["staff_review"].create(
        {
            "message_id": int,
            "state": str,  # added | dismissed
            "intent": str,  # the intent it was added to
            "by": str,
            "at": str,
        },
        pk="message_id",
        foreign_keys=[("message_id", "messages", "id")],
    )
