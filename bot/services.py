"""Builds the gateway's parts once and wires them together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from bot.channels.registry import Channels
from bot.config import Settings
from bot.conversations import ConversationStore
from bot.engine import Assistant, Engine
from bot.handoff.desk import NavigatorDesk
from bot.handoff.duty import Rota
from bot.handoff.notifier import EventHub, LogNotifier, Notifiers
from bot.handoff.oncall import OnCallNotifier, PartSender
from bot.handoff.service import HandoffService
from bot.outbound import Outbound, RetryPolicy
from bot.rasa_client import RasaClient
from bot.reminders.dispatch import ReminderDispatcher
from bot.reminders.store import ReminderStore
from bot.store import connect


@dataclass
class Services:
    settings: Settings
    db: Database
    conversations: ConversationStore
    events: EventHub
    handoffs: HandoffService
    rasa: RasaClient
    outbound: Outbound
    reminders: ReminderStore
    dispatcher: ReminderDispatcher
    engine: Engine
    desk: NavigatorDesk
    channels: Channels | None = None

    async def close(self) -> None:
        await self.rasa.close()
        self.db.close()


def build_services(settings: Settings, assistant: Assistant | None = None) -> Services:
    db = connect(settings.db_path)
    conversations = ConversationStore(db)
    events = EventHub()
    notifiers = Notifiers(LogNotifier(), events)
    handoffs = HandoffService(db, conversations, notifiers, Rota.load())
    rasa = RasaClient(
        settings.rasa_url, settings.action_url, settings.rasa_token, settings.rasa_timeout
    )
    outbound = Outbound(
        conversations,
        RetryPolicy(
            base_seconds=settings.outbound_retry_base_seconds,
            max_seconds=settings.outbound_retry_max_seconds,
            give_up_after=timedelta(hours=settings.outbound_give_up_hours),
            poll_seconds=settings.outbound_poll_seconds,
        ),
    )
    reminders = ReminderStore(db)
    dispatcher = ReminderDispatcher(
        reminders, conversations, outbound, poll_seconds=settings.reminder_poll_seconds
    )
    engine = Engine(conversations, handoffs, assistant or rasa, outbound, reminders)
    channels = Channels(settings, conversations, engine, outbound)
    on_call = on_call_targets(settings, channels)
    if on_call:
        notifiers.notifiers.append(
            OnCallNotifier(on_call, settings.public_url or settings.gateway_url)
        )
    return Services(
        settings,
        db,
        conversations,
        events,
        handoffs,
        rasa,
        outbound,
        reminders,
        dispatcher,
        engine,
        NavigatorDesk(handoffs, conversations, outbound),
        channels=channels,
    )


def on_call_targets(settings: Settings, channels: Channels) -> list[tuple[PartSender, str]]:
    """Where urgent alerts go: ONCALL_SMS_NUMBER and/or ONCALL_TELEGRAM_CHAT_ID, if set up."""
    targets: list[tuple[PartSender, str]] = []
    if settings.oncall_sms_number and channels.sms is not None:
        targets.append((channels.sms, settings.oncall_sms_number))
    if settings.oncall_telegram_chat_id and channels.telegram is not None:
        targets.append((channels.telegram, settings.oncall_telegram_chat_id))
    return targets
