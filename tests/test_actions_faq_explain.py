"""action_answer_faq and action_explain_term with Tracker.from_dict and CollectingDispatcher."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.explain import ActionExplainTerm, asked_word
from actions.faq import ActionAnswerFaq
from bot.jargon import explain
from tests.action_helpers import domain_text, make_tracker, render, responses, run_action


def faq_tracker(text: str, answer: str | None) -> Tracker:
    tracker = make_tracker(text, intent="faq")
    selector: dict[str, Any] = {"faq": {"response": {"responses": [{"text": answer}] if answer else [],
                                                      "intent_response_key": "faq/x"}}}  # fmt: skip
    tracker.latest_message["response_selector"] = selector
    return tracker


def test_faq_answer_is_sent_and_jargon_in_the_question_is_offered() -> None:
    answer = "You can ask the council for help. They must look at your case."
    dispatcher, _ = run_action(
        ActionAnswerFaq(), faq_tracker("they said im not priority need??", answer)
    )
    said = render(dispatcher)
    assert said[0] == answer
    assert said[1] == domain_text("utter_offer_explain", term="priority need")


def test_faq_answer_offers_a_term_its_own_answer_uses() -> None:
    answer = "Ask about PIP at the jobcentre. It helps with extra costs."
    dispatcher, _ = run_action(ActionAnswerFaq(), faq_tracker("money for being ill", answer))
    assert render(dispatcher)[1] == domain_text("utter_offer_explain", term="PIP")


def test_faq_answer_without_jargon_adds_nothing() -> None:
    answer = "Most libraries have free wifi and computers you can use."
    dispatcher, _ = run_action(ActionAnswerFaq(), faq_tracker("where can i get wifi", answer))
    assert render(dispatcher) == [answer]


def test_missing_answer_falls_back_kindly() -> None:
    dispatcher, _ = run_action(ActionAnswerFaq(), faq_tracker("???", None))
    assert responses(dispatcher) == ["utter_default"]


def test_explain_term_found_in_the_message() -> None:
    dispatcher, _ = run_action(
        ActionExplainTerm(), make_tracker("whats PIP", intent="explain_term")
    )
    said = render(dispatcher)
    entry = explain("pip")
    assert entry is not None
    assert said[0].endswith(entry.explanation)
    assert responses(dispatcher)[-1] == "utter_explain_next"


def test_explain_unknown_word_is_honest() -> None:
    dispatcher, _ = run_action(
        ActionExplainTerm(), make_tracker("what does flibbertigibbet mean", intent="explain_term")
    )
    assert responses(dispatcher) == ["utter_explain_unknown"]


def test_explain_with_no_word_asks_which() -> None:
    dispatcher, _ = run_action(
        ActionExplainTerm(), make_tracker("what does that mean", intent="explain_term")
    )
    assert responses(dispatcher) == ["utter_explain_which_word"]


def test_asked_word_patterns() -> None:
    assert asked_word("wot is MAPPA") == "MAPPA"
    assert asked_word("whats a section 21?") == "section 21"
    assert asked_word("what does that mean") is None
