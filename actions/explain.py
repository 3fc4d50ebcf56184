"""Explaining jargon: "what does PIP mean", "whats a section 21", "they said im not priority need??"."""

from __future__ import annotations

import re
import threading
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_text
from bot.jargon import explain, find_terms, get_matcher

# Build the glossary matcher in the background when the action server starts, so the first
# client who asks what a word means does not wait for it.
threading.Thread(target=get_matcher, name="glossary-warm-up", daemon=True).start()

# How many terms one reply explains (SMS length).
MAX_TERMS = 2
# "what does X mean", "whats a X", "what is X", "explain X", "meaning of X"
ASKED_WORD = re.compile(
    r"(?:(?:what|wat|wot)\s*(?:does|do|dose)|(?:what|wat|wot)\s*(?:is|s|'s|r|are)?|explain"
    r"|meaning of|define)"
    r"\s+(?:a |an |the |me )?(?P<word>[\w' -]{2,40}?)\s*(?:mean[st]?|stand for)?\s*\??$",
    re.IGNORECASE,
)


PRONOUNS = {"that", "it", "this", "they", "them", "those", "these"}


def asked_word(text: str) -> str | None:
    match = ASKED_WORD.search(text.strip().rstrip("?!. "))
    word = match.group("word").strip() if match else None
    return None if word is None or word.lower() in PRONOUNS else word


def _line(term: str, explanation: str) -> str:
    return f"{term[:1].upper()}{term[1:]}: {explanation}"


class ActionExplainTerm(Action):
    def name(self) -> str:
        return "action_explain_term"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = latest_text(tracker)
        found = [(m.term, m.explanation) for m in find_terms(text)][:MAX_TERMS]
        if not found:
            word = asked_word(text)
            entry = explain(word) if word else None
            if entry is None:
                response = "utter_explain_unknown" if word else "utter_explain_which_word"
                dispatcher.utter_message(response=response)
                return []
            found = [(entry.term, entry.explanation)]
        for term, explanation in found:
            dispatcher.utter_message(text=_line(term, explanation))
        dispatcher.utter_message(response="utter_explain_next")
        return []
