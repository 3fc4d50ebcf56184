"""The one outbound path: every message is stored first, then sent, retried, never sent twice.

Statuses of an outbound message: pending -> sending -> sent -> delivered, or failed.

- **Stored first.** Whoever writes a message (the engine, a navigator, a reminder) stores it as
  `pending`, then calls `deliver([ids])`, which sends at once. A crisis reply is never queued
  behind other clients' backlog or behind older messages waiting for a retry.
- **Never twice.** A message is claimed (`pending` -> `sending`, one UPDATE) before it is sent, so
  two callers cannot both send it. A long text goes in parts (SMS segments, Telegram's limit);
  each part is recorded as it goes with the provider's id, and a retry sends only what is left.
- **Nothing lost.** A network error, a 5xx or a 429 puts the message back to `pending` with a
  `next_attempt_at` (exponential backoff with jitter, or the provider's retry_after). A
  background worker (`run_forever`) sends what is due, oldest first for each client, so a
  client's messages keep their order; it gives up only after `give_up_after` (hours), and then
  the message is `failed` with `last_error`, which navigators see in the transcript.
- **Opt-out.** Nothing goes to a client who has stopped messages, except the STOP confirmation.
- The web chat (`web`) has no sender: its page fetches messages, so stored counts as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from bot.conversations import ConversationStore
from bot.store import utc_now

log = logging.getLogger("bot.outbound")

WEB = "web"
STOP_CONFIRMATION = "stop_confirmation"  # the one purpose that may reach an opted-out client

# Provider delivery reports (Twilio's MessageStatus) mapped to a part's status.
PROVIDER_STATUS = {
    "accepted": "sent",
    "queued": "sent",
    "scheduled": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
_FINAL = {"delivered", "failed"}


class SendError(Exception):
    """A channel could not send. Raised by senders; the outbound path decides what follows."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class RetryableSendError(SendError):
    """Worth trying again later: network error, timeout, 5xx, 429 (with retry_after)."""


class PermanentSendError(SendError):
    """Will never work as it is (bad number, bot blocked, client opted out at the provider)."""

    def __init__(self, detail: str, opted_out: bool = False) -> None:
        super().__init__(detail)
        self.opted_out = opted_out


class ChannelSender(Protocol):
    def split(self, text: str) -> list[str]:
        """The parts to send for `text`, in order (one provider message each)."""

    async def send_part(self, address: str, text: str) -> str:
        """Send one part to `address`; return the provider's id. Raise SendError on failure."""


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    give_up_after: timedelta = timedelta(hours=6)
    poll_seconds: float = 2.0
    # A never-tried message younger than this belongs to the deliver() call that stored it.
    fresh_grace: timedelta = timedelta(seconds=30)
    # A message `sending` for longer than this was interrupted (a crash); see recover().
    stale_sending: timedelta = timedelta(minutes=10)
    concurrency: int = 8  # clients whose backlog the worker sends at the same time

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        backoff = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        backoff *= random.uniform(0.8, 1.2)
        return max(backoff, retry_after or 0.0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _describe(error: BaseException) -> str:
    detail = getattr(error, "detail", None) or str(error) or type(error).__name__
    return detail[:500]


class Outbound:
    def __init__(
        self,
        conversations: ConversationStore,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.conversations = conversations
        self.db = conversations.db
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.senders: dict[str, ChannelSender] = {}
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._stop: asyncio.Event | None = None
        self._stopping = False
        self.started_at = clock()  # messages `sending` from before this are a past crash's

    def register(self, channel: str, sender: ChannelSender) -> None:
        self.senders[channel] = sender

    # Sending now ---------------------------------------------------------------------------
    async def deliver(self, message_ids: list[int]) -> None:
        """Send newly stored messages now, in order for each client.

        Older messages of the same client that were stored but never tried (an introduction
        stored before this reply) go first; messages waiting for a retry do not hold these up.
        """
        groups: dict[int, list[int]] = {}
        for message_id in message_ids:
            message = self._message(message_id)
            groups.setdefault(message["client_id"], []).append(message_id)
        for client_id, ids in groups.items():
            async with self._lock(client_id):
                await self._send_in_order(self._untried_before(client_id, min(ids)) + ids)

    def _lock(self, client_id: int) -> asyncio.Lock:
        lock = self._locks.get(client_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[client_id] = lock
        return lock

    def _untried_before(self, client_id: int, before_id: int) -> list[int]:
        rows = self.db.execute(
            "SELECT id FROM messages WHERE client_id = ? AND id < ? AND direction = 'out'"
            " AND status = 'pending' AND channel != ? AND attempts = 0"
            " AND next_attempt_at IS NULL ORDER BY id",
            [client_id, before_id, WEB],
        ).fetchall()
        return [row[0] for row in rows]

    async def _send_in_order(self, ids: list[int]) -> None:
        """Send each in turn; after one must wait for a retry, the rest wait behind it."""
        for index, message_id in enumerate(ids):
            result, retry_at = await self._attempt(message_id)
            if result == "retry":
                self._hold(ids[index + 1 :], retry_at)
                return

    def _hold(self, ids: list[int], retry_at: str | None) -> None:
        for message_id in ids:
            message = self._message(message_id)
            if message["status"] != "pending":
                continue
            if (message["next_attempt_at"] or "") < (retry_at or ""):
                self._update_message(
                    message_id,
                    next_attempt_at=retry_at,
                    last_error="waiting: an earlier message to this client must go first",
                )

    async def _attempt(self, message_id: int) -> tuple[str, str | None]:
        """Try one message once: ("sent" | "retry" | "failed" | "skipped", retry time)."""
        message = self._message(message_id)
        if message["direction"] != "out" or message["status"] != "pending":
            return "skipped", None
        now = self.clock()
        if message["next_attempt_at"] and message["next_attempt_at"] > _iso(now):
            return "skipped", None  # waiting for its retry; the worker sends it
        channel = message["channel"]
        if channel == WEB:
            self._update_message(message_id, status="sent", sent_at=utc_now())
            return "sent", None
        client = self._row("SELECT opted_out FROM clients WHERE id = ?", [message["client_id"]])
        if client and client["opted_out"] and message.get("purpose") != STOP_CONFIRMATION:
            self._fail(message_id, "not sent: the client has stopped messages (STOP)")
            return "failed", None
        sender = self.senders.get(channel)
        address = self._address(message["client_id"], channel)
        try:
            with self.db.atomic():  # one commit: the claim, its parts, the first part marked
                if not self._claim(message_id):
                    return "skipped", None
                message = self._message(message_id)
                parts: list[dict[str, Any]] = []
                if sender is not None and address is not None:
                    parts = self._parts(message, sender)
                todo = [p for p in parts if p["status"] not in ("sent", "delivered")]
                if todo and todo[0]["status"] != "failed":
                    self._set_part(todo[0]["id"], status="sending")
            if sender is None:
                raise RetryableSendError(f"the {channel} channel is not set up")
            if address is None:
                raise PermanentSendError(f"the client has no {channel} address")
            if any(p["status"] == "failed" for p in todo):
                raise PermanentSendError("a part of this message could not be sent")
            await self._send_parts(message_id, parts, todo, sender, address)
        except PermanentSendError as error:
            self._fail(message_id, _describe(error))
            if error.opted_out:
                self.conversations.update_client(message["client_id"], opted_out=1)
                self.conversations.record_event(
                    message["client_id"], "opted_out", {"by": channel, "detail": error.detail}
                )
            return "failed", None
        except Exception as error:  # network, 5xx, 429 and anything unexpected: retry later
            return self._retry_or_give_up(message, _describe(error), error)
        self._settle(message_id)
        return "sent", None

    def _claim(self, message_id: int) -> bool:
        cursor = self.db.execute(
            "UPDATE messages SET status = 'sending', attempts = COALESCE(attempts, 0) + 1,"
            " updated_at = ? WHERE id = ? AND status = 'pending'",
            [utc_now(), message_id],
        )
        return cursor.rowcount == 1

    def _address(self, client_id: int, channel: str) -> str | None:
        row = self._row(
            "SELECT address FROM client_addresses WHERE client_id = ? AND channel = ?"
            " ORDER BY id LIMIT 1",
            [client_id, channel],
        )
        return row["address"] if row else None

    def _parts(self, message: dict[str, Any], sender: ChannelSender) -> list[dict[str, Any]]:
        """The message's parts, made on its first attempt (later attempts reuse them)."""
        table = self.db["outbound_parts"]
        rows = self._part_rows(message["id"])
        if rows:
            return rows
        texts = [t for t in sender.split(message["text"] or "") if t.strip()]
        if not texts:
            raise PermanentSendError("the message is empty")
        now = utc_now()
        with self.db.atomic():  # inside the claim's transaction: a savepoint
            table.insert_all(
                {
                    "message_id": message["id"],
                    "seq": seq,
                    "text": text,
                    "status": "pending",
                    "created_at": now,
                    "updated_at": now,
                }
                for seq, text in enumerate(texts)
            )
        return self._part_rows(message["id"])

    def _set_part(self, part_id: int, **fields: Any) -> None:
        self._update("outbound_parts", part_id, fields)

    # Plain SQL: this path runs for every message, and sqlite-utils' table helpers look the
    # table's columns up again on every call.
    def _row(self, sql: str, params: list[Any]) -> dict[str, Any] | None:
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def _rows(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _message(self, message_id: int) -> dict[str, Any]:
        row = self._row("SELECT * FROM messages WHERE id = ?", [message_id])
        if row is None:
            raise KeyError(f"no message {message_id}")
        return row

    def _part_rows(self, message_id: int) -> list[dict[str, Any]]:
        return self._rows(
            "SELECT * FROM outbound_parts WHERE message_id = ? ORDER BY seq", [message_id]
        )

    def _update(self, table: str, row_id: int, fields: dict[str, Any]) -> None:
        fields = {**fields, "updated_at": utc_now()}
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", [*fields.values(), row_id]
        )

    def _update_message(self, message_id: int, **fields: Any) -> None:
        self._update("messages", message_id, fields)

    async def _send_parts(
        self,
        message_id: int,
        parts: list[dict[str, Any]],
        todo: list[dict[str, Any]],
        sender: ChannelSender,
        address: str,
    ) -> None:
        """Send the parts not sent yet, in order (the first is already marked `sending`).

        After each part, one commit records its provider id and marks the next part, or the
        whole message `sent` after the last one.
        """
        first_id = next((p["provider_id"] for p in parts if p not in todo), None)
        for index, part in enumerate(todo):
            try:
                provider_id = await sender.send_part(address, part["text"])
            except PermanentSendError as error:
                self._set_part(part["id"], status="failed", error=_describe(error))
                raise
            except Exception as error:
                self._set_part(part["id"], status="pending", error=_describe(error))
                raise
            # A cancellation above leaves the part `sending`: recover() cannot know if it went.
            first_id = first_id or provider_id
            with self.db.atomic():
                self._set_part(part["id"], status="sent", provider_id=provider_id, error=None)
                if index + 1 < len(todo):
                    self._set_part(todo[index + 1]["id"], status="sending")
                else:
                    self._mark_sent(message_id, first_id)
        if not todo:
            self._mark_sent(message_id, first_id)

    def _mark_sent(self, message_id: int, provider_id: str | None) -> None:
        self._update_message(
            message_id,
            status="sent",
            provider_id=provider_id,
            sent_at=utc_now(),
            next_attempt_at=None,
            last_error=None,
        )

    def _retry_or_give_up(
        self, message: dict[str, Any], detail: str, error: Exception
    ) -> tuple[str, str | None]:
        now = self.clock()
        created = datetime.fromisoformat(message["created_at"])
        if now - created >= self.policy.give_up_after:
            self._fail(
                message["id"],
                f"gave up after {message['attempts']} tries over"
                f" {self.policy.give_up_after}: {detail}",
            )
            return "failed", None
        retry_after = getattr(error, "retry_after", None)
        retry_at = _iso(
            now + timedelta(seconds=self.policy.delay(message["attempts"], retry_after))
        )
        log.warning("message %s not sent (try %s): %s", message["id"], message["attempts"], detail)
        self._update_message(
            message["id"], status="pending", next_attempt_at=retry_at, last_error=detail
        )
        return "retry", retry_at

    def _fail(self, message_id: int, detail: str) -> None:
        log.warning("message %s failed: %s", message_id, detail)
        self._update_message(
            message_id, status="failed", last_error=detail[:500], next_attempt_at=None
        )

    # Delivery reports ----------------------------------------------------------------------
    def record_status(self, provider_id: str, status: str, error: str | None = None) -> bool:
        """A provider's report on one part (Twilio's status callback). Replays change nothing.

        Returns False when no part has that id.
        """
        rows = self._rows("SELECT * FROM outbound_parts WHERE provider_id = ?", [provider_id])
        if not rows:
            return False
        part = rows[0]
        new = PROVIDER_STATUS.get(status.lower())
        if new is None or part["status"] in _FINAL or part["status"] == new:
            return True
        if new == "sent" and part["status"] not in ("pending", "sending"):
            return True
        self._set_part(part["id"], status=new, error=error if new == "failed" else None)
        self._settle(part["message_id"])
        return True

    def _settle(self, message_id: int) -> None:
        """A sent message is delivered once every part is, failed once any part fails."""
        message = self._message(message_id)
        if message["status"] != "sent":
            return
        parts = self._part_rows(message_id)
        failed = [p for p in parts if p["status"] == "failed"]
        if failed:
            self._fail(message_id, f"not delivered: {failed[0]['error'] or 'the network said no'}")
        elif parts and all(p["status"] == "delivered" for p in parts):
            self._update_message(message_id, status="delivered", delivered_at=utc_now())

    # The retry worker ----------------------------------------------------------------------
    def recover(self, older_than: timedelta) -> int:
        """Settle messages left `sending` (by a crash or a cancelled send) for `older_than`.

        If no part was in flight, the message goes back to `pending` (nothing was sent twice).
        If one was, nobody can know whether it arrived: it is marked failed so a navigator sees
        it, rather than risking sending it twice.
        """
        return self._recover_before(self.clock() - older_than)

    def _recover_before(self, moment: datetime) -> int:
        cutoff = _iso(moment)
        rows = self.db.execute(
            "SELECT id FROM messages WHERE direction = 'out' AND status = 'sending'"
            " AND updated_at <= ?",
            [cutoff],
        ).fetchall()
        for (message_id,) in rows:
            in_flight = [p for p in self._part_rows(message_id) if p["status"] == "sending"]
            if in_flight:
                for part in in_flight:
                    self._set_part(part["id"], status="failed", error="sending was interrupted")
                self._fail(
                    message_id,
                    "sending was interrupted (the gateway stopped); it may not have arrived",
                )
            else:
                self._update_message(message_id, status="pending")
        return len(rows)

    def _due_queues(self) -> dict[int, list[int]]:
        """For each client, their pending messages from the oldest up to the first not due."""
        now = self.clock()
        now_iso, fresh_iso = _iso(now), _iso(now - self.policy.fresh_grace)
        rows = self.db.execute(
            "SELECT id, client_id, created_at, next_attempt_at FROM messages"
            " WHERE direction = 'out' AND status = 'pending' AND channel != ?"
            " ORDER BY client_id, id",
            [WEB],
        ).fetchall()
        queues: dict[int, list[int]] = {}
        blocked: set[int] = set()
        for message_id, client_id, created_at, next_attempt_at in rows:
            if client_id in blocked:
                continue
            due = next_attempt_at <= now_iso if next_attempt_at else created_at <= fresh_iso
            if due:
                queues.setdefault(client_id, []).append(message_id)
            else:
                blocked.add(client_id)
        return queues

    async def run_once(self) -> int:
        """One pass of the worker; returns how many messages were due."""
        self.recover(self.policy.stale_sending)
        queues = self._due_queues()
        if not queues:
            return 0
        gate = asyncio.Semaphore(self.policy.concurrency)

        async def drain(ids: list[int]) -> None:
            async with gate:
                await self._send_in_order(ids)

        await asyncio.gather(*(drain(ids) for ids in queues.values()))
        return sum(len(ids) for ids in queues.values())

    async def run_forever(self) -> None:
        """Retry what is due every few seconds until stop() is called."""
        self._stop = asyncio.Event()
        self._recover_before(self.started_at)  # what the last run left `sending`
        while not self._stopping:
            try:
                await self.run_once()
            except Exception:  # keep going; the next pass tries again
                log.exception("outbound retry pass failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.policy.poll_seconds)

    def stop(self) -> None:
        """Ask run_forever to finish its current pass and return."""
        self._stopping = True
        if self._stop is not None:
            self._stop.set()

    def counts(self) -> dict[str, int]:
        """Outbound messages waiting for a retry, and failed in the last day (for /healthz)."""
        since = _iso(self.clock() - timedelta(days=1))
        waiting = self.db.execute(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'pending'"
            " AND next_attempt_at IS NOT NULL"
        ).fetchone()[0]
        failed = self.db.execute(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'failed'"
            " AND updated_at >= ?",
            [since],
        ).fetchone()[0]
        return {"waiting_for_retry": waiting, "failed_last_day": failed}
