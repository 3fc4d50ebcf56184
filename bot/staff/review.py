"""What clients asked that the assistant could not answer, for staff to turn into examples.

A message is listed when the assistant answered it with "I did not understand" (utter_default),
"I cannot help with that" (utter_out_of_scope) or "I do not know that word" (utter_explain_unknown),
or when the model running now is unsure about it (Rasa's /model/parse, asked with the API token;
the answer is kept per model in staff_message_checks, so each message is asked about once per
model). Messages the safety screen flagged, and messages that went to navigators, are never
listed. Staff see the text with identifying details hidden (bot/staff/redact.py), never who sent it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlite_utils import Database

from bot.staff.redact import redact, without_placeholders
from bot.store import utc_now

REVIEW_DAYS = 30
LOW_CONFIDENCE = 0.6
LOW_FAQ_CONFIDENCE = 0.5
CHECK_BUDGET_SECONDS = 6.0
CHECK_AT_ONCE = 4
MAX_LISTED = 200
REPLY_REASONS = {
    "utter_default": "fallback",
    "utter_out_of_scope": "out_of_scope",
    "utter_explain_unknown": "unknown_word",
}
REASON_WORDS = {
    "fallback": "The assistant said it did not understand",
    "out_of_scope": "The assistant said it cannot help with that",
    "unknown_word": "The assistant did not know the word (a glossary entry may help)",
    "low_confidence": "The assistant is not sure what this means",
}
# Replies after which the client's next message answers a question (a time, a yes): the model
# is rightly unsure about those, so they are not listed for being low-confidence.
ASKING_PREFIXES = ("utter_ask_", "utter_reminder_", "utter_explain_which")


@dataclass
class ModelCheck:
    intent: str
    confidence: float
    faq: str
    faq_confidence: float


def domain_replies(root: Path) -> dict[str, str]:
    """Response name -> its first text, from domain.yml."""
    try:
        data = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    out = {}
    for name, variants in (data.get("responses") or {}).items():
        if isinstance(variants, list) and variants and isinstance(variants[0], dict):
            out[str(name)] = " ".join(str(variants[0].get("text", "")).split())
    return out


def _asks(text: str) -> bool:
    return "?" in text or "YES or NO" in text or "Please say" in text


class RasaParser:
    """Asks the running Rasa what it makes of a text (POST /model/parse with the token)."""

    def __init__(self, rasa_url: str, token: str, http: httpx.AsyncClient) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.http = http

    async def model(self) -> str | None:
        try:
            response = await self.http.get(
                f"{self.rasa_url}/status", params={"token": self.token}, timeout=3.0
            )
            response.raise_for_status()
            status = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        return str(status.get("fingerprint") or status.get("model_file") or "") or None

    async def parse(self, text: str) -> ModelCheck | None:
        try:
            response = await self.http.post(
                f"{self.rasa_url}/model/parse",
                params={"token": self.token},
                json={"text": text},
                timeout=10.0,
            )
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        intent = data.get("intent") or {}
        chosen = ((data.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return ModelCheck(
            intent=str(intent.get("name") or ""),
            confidence=float(intent.get("confidence") or 0.0),
            faq=str(chosen.get("intent_response_key") or ""),
            faq_confidence=float(chosen.get("confidence") or 0.0),
        )


class Review:
    def __init__(self, db: Database, root: Path, parser: RasaParser | None) -> None:
        self.db = db
        self.root = root
        self.parser = parser

    def candidates(self, days: int = REVIEW_DAYS, limit: int = 500) -> list[dict[str, Any]]:
        since = time.time() - days * 86400
        since_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(since))
        rows = self.db.execute(
            """
            SELECT m.id, m.text, m.created_at,
              (SELECT o.text FROM messages o
                WHERE o.client_id = m.client_id AND o.id > m.id AND o.direction = 'out'
                  AND o.sender = 'assistant'
                  AND o.id < COALESCE((SELECT MIN(n.id) FROM messages n
                                       WHERE n.client_id = m.client_id AND n.id > m.id
                                         AND n.direction = 'in'), 9223372036854775807)
                ORDER BY o.id LIMIT 1) AS reply,
              (SELECT p.text FROM messages p
                WHERE p.client_id = m.client_id AND p.id < m.id AND p.direction = 'out'
                ORDER BY p.id DESC LIMIT 1) AS asked
            FROM messages m
            LEFT JOIN staff_review r ON r.message_id = m.id
            WHERE m.direction = 'in' AND m.sender = 'client' AND m.status = 'answered'
              AND COALESCE(m.safety_level, 'none') = 'none' AND r.message_id IS NULL
              AND TRIM(COALESCE(m.text, '')) != '' AND m.created_at >= ?
            ORDER BY m.id DESC LIMIT ?
            """,
            [since_iso, limit],
        )
        columns = [c[0] for c in rows.description]
        return [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]

    def stored_checks(self, model: str, ids: list[int]) -> dict[int, ModelCheck]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            "SELECT message_id, intent, confidence, faq, faq_confidence FROM staff_message_checks"
            f" WHERE model = ? AND message_id IN ({marks})",
            [model, *ids],
        ).fetchall()
        return {r[0]: ModelCheck(r[1], r[2], r[3] or "", r[4] or 0.0) for r in rows}

    async def check(self, items: list[dict[str, Any]]) -> tuple[str | None, dict[int, ModelCheck]]:
        """What the running model makes of each message (asked once per model, within a budget)."""
        if self.parser is None:
            return None, {}
        model = await self.parser.model()
        if model is None:
            return None, {}
        known = self.stored_checks(model, [i["id"] for i in items])
        todo = [i for i in items if i["id"] not in known]
        deadline = time.monotonic() + CHECK_BUDGET_SECONDS
        gate = asyncio.Semaphore(CHECK_AT_ONCE)

        async def one(item: dict[str, Any]) -> None:
            async with gate:
                if time.monotonic() > deadline:
                    return
                found = await self.parser.parse(item["text"][:2000])  # type: ignore[union-attr]
            if found is not None:
                known[item["id"]] = found

        await asyncio.gather(*(one(i) for i in todo))
        fresh = [i["id"] for i in todo if i["id"] in known]
        if fresh:
            with self.db.atomic():
                self.db["staff_message_checks"].upsert_all(
                    [
                        {
                            "message_id": mid,
                            "model": model,
                            "intent": known[mid].intent,
                            "confidence": known[mid].confidence,
                            "faq": known[mid].faq,
                            "faq_confidence": known[mid].faq_confidence,
                            "checked_at": utc_now(),
                        }
                        for mid in fresh
                    ],
                    pk="message_id",
                )
        return model, known

    async def items(self) -> dict[str, Any]:
        replies = domain_replies(self.root)
        reasons = {
            replies[name]: reason for name, reason in REPLY_REASONS.items() if name in replies
        }
        asking = {t for n, t in replies.items() if n.startswith(ASKING_PREFIXES) and _asks(t)}
        candidates = self.candidates()
        model, checks = await self.check(candidates)
        listed = []
        for item in candidates:
            reply = " ".join((item["reply"] or "").split())
            check = checks.get(item["id"])
            reason = reasons.get(reply)
            if reason is None and check is not None and not self._answering(item, asking):
                unsure = check.intent == "nlu_fallback" or check.confidence < LOW_CONFIDENCE
                if check.intent == "faq" and check.faq_confidence < LOW_FAQ_CONFIDENCE:
                    unsure = True
                reason = "low_confidence" if unsure else None
            if reason is None:
                continue
            hidden = redact(item["text"])
            listed.append(
                {
                    "id": item["id"],
                    "at": item["created_at"],
                    "text": hidden,
                    "example": without_placeholders(hidden)[:300],
                    "reason": reason,
                    "reason_words": REASON_WORDS[reason],
                    "understood": _understood(check),
                }
            )
            if len(listed) >= MAX_LISTED:
                break
        unchecked = sum(1 for i in candidates if i["id"] not in checks)
        return {
            "messages": listed,
            "model": model,
            "model_running": model is not None,
            "unchecked": unchecked if model else len(candidates),
            "days": REVIEW_DAYS,
        }

    @staticmethod
    def _answering(item: dict[str, Any], asking: set[str]) -> bool:
        asked = " ".join((item.get("asked") or "").split())
        if asked in asking:
            return True
        # Templates with {slots} ("I will remind you about {what}...") compare by their start.
        return any("{" in a and asked.startswith(a.split("{")[0]) for a in asking)

    def message_text(self, message_id: int) -> str | None:
        row = self.db.execute(
            "SELECT text FROM messages WHERE id = ? AND direction = 'in' AND sender = 'client'"
            " AND COALESCE(safety_level, 'none') = 'none' AND status = 'answered'",
            [message_id],
        ).fetchone()
        return row[0] if row else None

    def mark(self, message_id: int, state: str, by: str, intent: str = "") -> None:
        with self.db.atomic():
            self.db["staff_review"].upsert(
                {"message_id": message_id, "state": state, "intent": intent or None, "by": by,
                 "at": utc_now()},
                pk="message_id",
            )  # fmt: skip


def _understood(check: ModelCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    out: dict[str, Any] = {"intent": check.intent, "confidence": round(check.confidence, 2)}
    if check.intent == "faq" and check.faq:
        out.update(faq=check.faq, faq_confidence=round(check.faq_confidence, 2))
    return out
