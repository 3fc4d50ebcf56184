"""What staff can do, shared by the pages and the JSON API: each change is made through the
content modules and written to the audit log (who, what, when; names and counts, never texts)."""

from __future__ import annotations

from typing import Any

from bot.console.state import Ctx
from bot.staff import faqs, intents, terms
from bot.staff.jobs import Busy
from bot.staff.problems import ContentError
from bot.staff.redact import redact
from bot.staff.state import Staff


def _refresh_glossary() -> None:
    """This process's glossary matcher reads the file again on next use."""
    from bot.jargon import get_matcher

    get_matcher.cache_clear()


def create_faq(
    ctx: Ctx, staff: Staff, key: str, topic: str, examples: list[str], answer: str
) -> faqs.Faq:
    faq = faqs.create_faq(staff.workspace, key, examples, answer, topic, ctx.user.user_name)
    ctx.audit("staff_faq_add", key=faq.key, file=faq.file, examples=len(faq.examples))
    return faq


def update_faq(
    ctx: Ctx, staff: Staff, key: str, version: str, examples: list[str], answer: str
) -> faqs.Faq:
    faq, changes = faqs.update_faq(staff.workspace, key, version, examples, answer)
    ctx.audit("staff_faq_edit", key=key, file=faq.file, **changes)
    return faq


def save_faq_yaml(ctx: Ctx, staff: Staff, key: str, version: str, text: str) -> faqs.Faq:
    faq = faqs.save_faq_yaml(staff.workspace, key, version, text)
    ctx.audit("staff_faq_edit", key=key, file=faq.file, via="yaml", examples=len(faq.examples))
    return faq


def retire_faq(ctx: Ctx, staff: Staff, key: str, version: str) -> faqs.Faq:
    faq = faqs.retire_faq(staff.workspace, key, version, ctx.user.user_name)
    ctx.audit("staff_faq_retire", key=key, file=faq.file, held_out=len(faq.held_out))
    return faq


def restore_faq(ctx: Ctx, staff: Staff, key: str) -> faqs.Faq:
    faq = faqs.restore_faq(staff.workspace, key)
    ctx.audit("staff_faq_restore", key=key, file=faq.file)
    return faq


def save_term(
    ctx: Ctx, staff: Staff, term: terms.Term, original: str = "", version: str = ""
) -> terms.Term:
    saved = terms.save_term(staff.workspace, term, original, version)
    action = "staff_glossary_edit" if original else "staff_glossary_add"
    detail: dict[str, Any] = {"term": saved.term, "file": str(terms.GLOSSARY)}
    if original and original != saved.term:
        detail["was"] = original
    ctx.audit(action, **detail)
    _refresh_glossary()
    return saved


def retire_term(ctx: Ctx, staff: Staff, term: str, version: str) -> terms.Term:
    retired = terms.retire_term(staff.workspace, term, version)
    ctx.audit("staff_glossary_retire", term=term, file=str(terms.GLOSSARY))
    _refresh_glossary()
    return retired


def restore_term(ctx: Ctx, staff: Staff, term: str) -> terms.Term:
    restored = terms.restore_term(staff.workspace, term)
    ctx.audit("staff_glossary_restore", term=term, file=str(terms.GLOSSARY))
    _refresh_glossary()
    return restored


def update_intent(
    ctx: Ctx, staff: Staff, name: str, version: str, examples: list[str]
) -> intents.Intent:
    intent, changes = intents.update_intent(staff.workspace, name, version, examples)
    ctx.audit("staff_intent_edit", intent=name, **changes)
    return intent


def start_training(ctx: Ctx, staff: Staff, force: bool = False) -> int:
    try:
        run_id = staff.jobs.start(ctx.user.user_name, force=force)
    except Busy as error:
        raise ContentError(str(error), 409) from error
    ctx.audit("staff_training_start", run_id=run_id, force=force)
    return run_id


def cancel_training(ctx: Ctx, staff: Staff) -> bool:
    cancelled = staff.jobs.cancel()
    if cancelled:
        ctx.audit("staff_training_cancel")
    return cancelled


def review_add(ctx: Ctx, staff: Staff, message_id: int, intent: str, text: str) -> str:
    """Add a client's message (identifying details hidden) as an example of an intent."""
    review = staff.review()
    original = review.message_text(message_id)
    if original is None:
        raise ContentError("That message is not in the review list.", 404)
    example = " ".join(text.split())
    if not example:
        raise ContentError("The example is empty.")
    if redact(example) != example or "[" in example:
        raise ContentError(
            "The example still has something in it that could identify someone (a name,"
            " number, email or address) or a [hidden] mark: take it out first."
        )
    file = intents.add_example(staff.workspace, intent, example)
    review.mark(message_id, "added", ctx.user.user_name, intent)
    ctx.audit("staff_review_add", message_id=message_id, intent=intent, file=file)
    return file


def review_dismiss(ctx: Ctx, staff: Staff, message_id: int) -> None:
    review = staff.review()
    if review.message_text(message_id) is None:
        raise ContentError("That message is not in the review list.", 404)
    review.mark(message_id, "dismissed", ctx.user.user_name)
    ctx.audit("staff_review_dismiss", message_id=message_id)
