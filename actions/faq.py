"""Answering an FAQ, and offering to explain jargon the question or the answer used."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_text
from bot.jargon import find_terms

RETRIEVAL_INTENT = "faq"


def selected_answer(tracker: Tracker) -> tuple[str | None, str | None]:
    """The ResponseSelector's answer text and its response key for the latest message."""
    selector = (tracker.latest_message or {}).get("response_selector") or {}
    chosen = (selector.get(RETRIEVAL_INTENT) or {}).get("response") or {}
    responses = chosen.get("responses") or []
    text = responses[0].get("text") if responses and isinstance(responses[0], dict) else None
    return text, chosen.get("intent_response_key")


def term_to_offer(question: str, answer: str) -> str | None:
    """One glossary term worth offering to explain, as written: from the question, else the answer."""
    for text in (question, answer):
        found = find_terms(text)
        if found:
            return found[0].span
    return None


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        answer, key = selected_answer(tracker)
        if not answer:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(text=answer)
        term = term_to_offer(latest_text(tracker), answer)
        if term:
            dispatcher.utter_message(response="utter_offer_explain", term=term)
        return []
