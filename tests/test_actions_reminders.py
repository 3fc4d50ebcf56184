"""Reminder actions with Tracker.from_dict and CollectingDispatcher."""

from __future__ import annotations

from datetime import datetime, timezone

from actions.reminders import (
    ActionCancelReminder,
    ActionChangeReminder,
    ActionListReminders,
    ActionSaveReminder,
    ActionStartReminder,
    ValidateReminderForm,
    match_reminder,
    yes_or_no,
)
from tests.action_helpers import (
    domain_text,
    make_tracker,
    render,
    responses,
    run_action,
    slots_from,
)

NOW = "2026-11-26T15:00:00+00:00"  # a Thursday afternoon
META = {"now": NOW}
UPCOMING = [
    {"id": 7, "what": "probation", "due": "2026-12-01T10:30:00+00:00"},
    {"id": 9, "what": "the dentist", "due": "2026-12-03T09:00:00+00:00"},
]


def test_start_reads_what_and_when_from_the_first_message() -> None:
    tracker = make_tracker("remind me about probation on tuesday at half 10", metadata=META)
    _, events = run_action(ActionStartReminder(), tracker)
    slots = slots_from(events)
    assert slots["reminder_what"] == "probation"
    assert slots["reminder_due"] == "2026-12-01T10:30:00+00:00"
    assert slots["reminder_when_words"] == "Tuesday 1 December at 10:30am"
    assert slots["reminder_confirmed"] is None


def test_start_leaves_missing_parts_for_the_form_to_ask() -> None:
    _, events = run_action(
        ActionStartReminder(), make_tracker("can u set a reminder", metadata=META)
    )
    slots = slots_from(events)
    assert slots["reminder_due"] is None and slots["reminder_when"] is None


def validate(slot: str, value: str, slots: dict | None = None, intent: str = "inform"):
    form = ValidateReminderForm()
    tracker = make_tracker(value, intent=intent, slots=slots, metadata=META,
                           active_loop="reminder_form", requested_slot=slot)  # fmt: skip
    from tests.action_helpers import DOMAIN, CollectingDispatcher  # noqa: F401

    dispatcher = CollectingDispatcher()
    method = getattr(form, f"validate_{slot}")
    return method(value, dispatcher, tracker, DOMAIN), dispatcher


def test_when_is_parsed_and_read_back_in_plain_words() -> None:
    result, _ = validate("reminder_when", "tmrw at 2", {"reminder_what": "jobcentre"})
    assert result["reminder_due"] == "2026-11-27T14:00:00+00:00"
    assert result["reminder_when_words"] == "Friday 27 November at 2pm"


def test_unclear_or_past_time_is_asked_again_kindly() -> None:
    result, dispatcher = validate("reminder_when", "when my money comes in")
    assert result == {"reminder_when": None}
    assert responses(dispatcher) == ["utter_reminder_when_unclear"]
    result, dispatcher = validate("reminder_when", "today at 9am")
    assert result == {"reminder_when": None}
    assert responses(dispatcher) in (
        ["utter_reminder_when_passed"],
        ["utter_reminder_when_unclear"],
    )


def test_no_to_the_read_back_asks_for_the_time_again() -> None:
    slots = {"reminder_what": "probation", "reminder_due": "2026-12-01T10:30:00+00:00"}
    result, dispatcher = validate("reminder_confirmed", "no", slots, intent="deny")
    assert result["reminder_confirmed"] is None and result["reminder_when"] is None
    assert responses(dispatcher) == ["utter_reminder_fix_time"]


def test_yes_far_ahead_leaves_the_day_before_question() -> None:
    slots = {"reminder_what": "probation", "reminder_due": "2026-12-01T10:30:00+00:00"}
    result, _ = validate("reminder_confirmed", "yes", slots, intent="affirm")
    assert result == {"reminder_confirmed": True}


def test_yes_for_tomorrow_skips_the_day_before_question() -> None:
    slots = {"reminder_what": "jobcentre", "reminder_due": "2026-11-27T14:00:00+00:00"}
    result, _ = validate("reminder_confirmed", "yep", slots, intent="affirm")
    assert result == {"reminder_confirmed": True, "reminder_day_before": False}


def test_stop_mid_form_ends_without_saving() -> None:
    result, _ = validate("reminder_when", "forget it")
    assert result["reminder_confirmed"] == "stopped"
    tracker = make_tracker("forget it", slots=result, metadata=META)
    dispatcher, events = run_action(ActionSaveReminder(), tracker)
    assert responses(dispatcher) == ["utter_reminder_stopped"]
    assert not any(m.get("custom") for m in dispatcher.messages)
    assert all(e["value"] is None for e in events)


def test_save_sends_the_gateway_a_create_request_and_confirms() -> None:
    slots = {
        "reminder_what": "probation",
        "reminder_due": "2026-12-01T10:30:00+00:00",
        "reminder_when_words": "Tuesday 1 December at 10:30am",
        "reminder_confirmed": True,
        "reminder_day_before": True,
    }
    dispatcher, events = run_action(
        ActionSaveReminder(), make_tracker("yes", slots=slots, metadata=META)
    )
    custom = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert custom == [{"reminder": {"op": "create", "what": "probation",
                                    "due": "2026-12-01T10:30:00+00:00", "day_before": True}}]  # fmt: skip
    assert render(dispatcher, slots)[-1] == domain_text(
        "utter_reminder_saved_with_day_before",
        reminder_what="probation",
        reminder_when_words="Tuesday 1 December at 10:30am",
    )
    assert all(e["value"] is None for e in events)


def test_list_shows_each_reminder_in_plain_words() -> None:
    dispatcher, _ = run_action(
        ActionListReminders(),
        make_tracker("what reminders have i got", metadata={**META, "reminders": UPCOMING}),
    )
    text = render(dispatcher)[0]
    assert "1. probation, Tuesday 1 December at 10:30am." in text
    assert "2. the dentist, Thursday 3 December at 9am." in text


def test_list_with_none_says_how_to_set_one() -> None:
    dispatcher, _ = run_action(ActionListReminders(), make_tracker("my reminders", metadata=META))
    assert responses(dispatcher) == ["utter_reminders_none"]


def test_cancel_finds_the_named_reminder() -> None:
    tracker = make_tracker("cancel the dentist one", metadata={**META, "reminders": UPCOMING})
    dispatcher, _ = run_action(ActionCancelReminder(), tracker)
    assert dispatcher.messages[0]["custom"] == {"reminder": {"op": "cancel", "id": 9}}
    assert render(dispatcher)[-1] == domain_text(
        "utter_reminder_cancelled", reminder_what="the dentist"
    )


def test_cancel_without_a_name_asks_which() -> None:
    tracker = make_tracker("delete my reminder", metadata={**META, "reminders": UPCOMING})
    dispatcher, _ = run_action(ActionCancelReminder(), tracker)
    assert responses(dispatcher) == ["utter_reminder_which"]
    assert not any(m.get("custom") for m in dispatcher.messages)


def test_change_moves_the_named_reminder() -> None:
    tracker = make_tracker(
        "move my probation to thursday at 2", metadata={**META, "reminders": UPCOMING}
    )
    dispatcher, _ = run_action(ActionChangeReminder(), tracker)
    assert dispatcher.messages[0]["custom"] == {
        "reminder": {"op": "reschedule", "id": 7, "due": "2026-12-03T14:00:00+00:00"}
    }
    assert render(dispatcher)[-1] == domain_text(
        "utter_reminder_moved",
        reminder_what="probation",
        reminder_when_words="Thursday 3 December at 2pm",
    )


def test_matching_and_yes_no_helpers() -> None:
    assert match_reminder("cancel probation", UPCOMING)["id"] == 7
    assert match_reminder("cancel it", UPCOMING[:1])["id"] == 7
    assert match_reminder("cancel it", UPCOMING) is None
    assert yes_or_no("Yes please", None) is True
    assert yes_or_no("nah", None) is False
    assert yes_or_no("maybe", None) is None
    assert datetime.fromisoformat(NOW).tzinfo == timezone.utc
