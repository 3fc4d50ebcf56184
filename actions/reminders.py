"""Reminder actions: set (with a form that asks only for what is missing), list, cancel, change.

The actions never touch the store: they send the gateway a custom payload
{"reminder": {"op": "create" | "cancel" | "reschedule", ...}} and the gateway applies it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_intent, latest_text, now, reminders
from bot.reminders.parse import parse_reminder
from bot.reminders.spoken import when_words

REMINDER_KEY = "reminder"
FORM_SLOTS = (
    "reminder_what", "reminder_when", "reminder_due", "reminder_when_words",
    "reminder_confirmed", "reminder_day_before",
)  # fmt: skip
STOPPED = "stopped"
YES = {"yes", "y", "yeah", "yep", "yea", "ye", "ok", "okay", "sure", "correct", "right", "aye",
       "yes please", "thats right", "that's right", "go on", "please", "ya"}  # fmt: skip
NO = {"no", "n", "nah", "nope", "wrong", "not right", "no thanks", "na"}
STOP = {"stop", "cancel", "forget it", "never mind", "nevermind", "leave it", "dont bother",
        "don't bother", "no reminder", "cancel that", "forget that"}  # fmt: skip
# The day-before text is offered only when the appointment is more than this far away.
DAY_BEFORE_MINIMUM = timedelta(hours=30)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def yes_or_no(text: str, intent: str | None) -> bool | None:
    cleaned = _words(text)
    if cleaned in YES or (intent == "affirm" and cleaned not in NO):
        return True
    if cleaned in NO or intent == "deny":
        return False
    return None


def is_stop(text: str) -> bool:
    return _words(text) in STOP


def _stopped() -> dict[str, Any]:
    """Fill every form slot so the form ends; action_save_reminder sees the marker."""
    return {
        "reminder_what": STOPPED,
        "reminder_when": STOPPED,
        "reminder_confirmed": STOPPED,
        "reminder_day_before": False,
    }


def _time_slots(text: str, due: datetime) -> dict[str, Any]:
    return {
        "reminder_when": text,
        "reminder_due": due.isoformat(),
        "reminder_when_words": when_words(due),
    }


class ActionStartReminder(Action):
    """Read what and when from the client's first message, so the form asks only for the rest."""

    def name(self) -> str:
        return "action_start_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        text = latest_text(tracker)
        parsed = parse_reminder(text, now(tracker))
        slots: dict[str, Any] = {slot: None for slot in FORM_SLOTS}
        if parsed.what:
            slots["reminder_what"] = parsed.what
        if parsed.due and parsed.due > now(tracker):
            slots.update(_time_slots(text, parsed.due))
        return [SlotSet(name, value) for name, value in slots.items()]


class ValidateReminderForm(FormValidationAction):
    def name(self) -> str:
        return "validate_reminder_form"

    def validate_reminder_what(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if is_stop(text):
            return _stopped()
        parsed = parse_reminder(text, now(tracker))
        slots: dict[str, Any] = {"reminder_what": parsed.what or text[:200]}
        if parsed.due and parsed.due > now(tracker) and not tracker.get_slot("reminder_due"):
            slots.update(_time_slots(text, parsed.due))
        if not slots["reminder_what"]:
            return {"reminder_what": None}
        return slots

    def validate_reminder_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if tracker.get_slot("reminder_due") and text == tracker.get_slot("reminder_when"):
            return {"reminder_when": text}  # filled from the first message
        if is_stop(text):
            return _stopped()
        parsed = parse_reminder(text, now(tracker))
        if parsed.due is None:
            dispatcher.utter_message(response="utter_reminder_when_unclear")
            return {"reminder_when": None}
        if parsed.due <= now(tracker):
            dispatcher.utter_message(response="utter_reminder_when_passed")
            return {"reminder_when": None}
        return _time_slots(text, parsed.due)

    def validate_reminder_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "")
        if value == STOPPED or is_stop(text):
            return _stopped()
        answer = yes_or_no(text, latest_intent(tracker))
        if answer is None:
            dispatcher.utter_message(response="utter_reminder_yes_or_no")
            return {"reminder_confirmed": None}
        if not answer:
            dispatcher.utter_message(response="utter_reminder_fix_time")
            return {"reminder_confirmed": None, "reminder_when": None, "reminder_due": None}
        slots: dict[str, Any] = {"reminder_confirmed": True}
        due = datetime.fromisoformat(tracker.get_slot("reminder_due"))
        if due - now(tracker) < DAY_BEFORE_MINIMUM:
            slots["reminder_day_before"] = False  # too soon for a day-before text: do not ask
        return slots

    def validate_reminder_day_before(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value is False or value is True:
            return {"reminder_day_before": value}
        answer = yes_or_no(str(value or ""), latest_intent(tracker))
        if answer is None:
            dispatcher.utter_message(response="utter_reminder_yes_or_no")
            return {"reminder_day_before": None}
        return {"reminder_day_before": answer}


class ActionSaveReminder(Action):
    """Ask the gateway to store the confirmed reminder, then clear the form."""

    def name(self) -> str:
        return "action_save_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if tracker.get_slot("reminder_confirmed") is not True or not tracker.get_slot(
            "reminder_due"
        ):
            dispatcher.utter_message(response="utter_reminder_stopped")
            return reset
        day_before = tracker.get_slot("reminder_day_before") is True
        dispatcher.utter_message(
            json_message={
                REMINDER_KEY: {
                    "op": "create",
                    "what": tracker.get_slot("reminder_what"),
                    "due": tracker.get_slot("reminder_due"),
                    "day_before": day_before,
                }
            }
        )
        dispatcher.utter_message(
            response="utter_reminder_saved_with_day_before"
            if day_before
            else "utter_reminder_saved",
            reminder_what=tracker.get_slot("reminder_what"),
            reminder_when_words=tracker.get_slot("reminder_when_words"),
        )
        return reset


def _listing(items: list[dict[str, Any]]) -> str:
    return " ".join(
        f"{n}. {r['what']}, {when_words(datetime.fromisoformat(r['due']))}."
        for n, r in enumerate(items, start=1)
    )


def match_reminder(text: str, items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The reminder the client means: named by its `what`, or the only one there is."""
    cleaned = _words(text)
    scored = sorted(
        ((fuzz.partial_ratio(_words(r["what"]), cleaned), r) for r in items if r.get("what")),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if scored and scored[0][0] >= 75 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    if len(items) == 1:
        return items[0]
    return None


class ActionListReminders(Action):
    def name(self) -> str:
        return "action_list_reminders"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        items = reminders(tracker)
        if not items:
            dispatcher.utter_message(response="utter_reminders_none")
        else:
            dispatcher.utter_message(response="utter_reminders_list", reminder_list=_listing(items))
        return []


def _reminder_named(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
    """The reminder the client's message names; otherwise say what there is, and None."""
    items = reminders(tracker)
    if not items:
        dispatcher.utter_message(response="utter_reminders_none")
        return None
    chosen = match_reminder(latest_text(tracker), items)
    if chosen is None:
        dispatcher.utter_message(
            response="utter_reminder_which", reminder_list=_listing(items), example=items[0]["what"]
        )
    return chosen


class ActionCancelReminder(Action):
    def name(self) -> str:
        return "action_cancel_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        chosen = _reminder_named(dispatcher, tracker)
        if chosen is not None:
            dispatcher.utter_message(
                json_message={REMINDER_KEY: {"op": "cancel", "id": chosen["id"]}}
            )
            dispatcher.utter_message(
                response="utter_reminder_cancelled", reminder_what=chosen["what"]
            )
        return []


class ActionChangeReminder(Action):
    def name(self) -> str:
        return "action_change_reminder"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        chosen = _reminder_named(dispatcher, tracker)
        if chosen is None:
            return []
        due = parse_reminder(latest_text(tracker), now(tracker)).due
        if due is None or due <= now(tracker):
            dispatcher.utter_message(
                response="utter_reminder_move_when", reminder_what=chosen["what"]
            )
            return []
        dispatcher.utter_message(
            json_message={
                REMINDER_KEY: {"op": "reschedule", "id": chosen["id"], "due": due.isoformat()}
            }
        )
        dispatcher.utter_message(
            response="utter_reminder_moved",
            reminder_what=chosen["what"],
            reminder_when_words=when_words(due),
        )
        return []
