"""The staff pages (HTML under /console/staff): plain forms that work without JavaScript; the
script only adds the live plain-language score and training progress."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from bot.console.state import Ctx
from bot.staff import actions, faqs, intents, terms
from bot.staff.checks import check_all
from bot.staff.examples import split_lines
from bot.staff.overview import training_view
from bot.staff.problems import ContentError
from bot.staff.render import STATIC_DIR, page
from bot.staff.review import REASON_WORDS
from bot.staff.state import Staff, staff_of
from bot.staff.textcheck import check_text

NOTICES = {
    "faq_added": "FAQ added. Train the assistant to make it live.",
    "faq_saved": "FAQ saved. Train the assistant to make the change live.",
    "faq_retired": "FAQ retired. The assistant stops giving this answer after the next training.",
    "faq_restored": "FAQ restored. Train the assistant to make it live again.",
    "term_added": "Glossary term added.",
    "term_saved": "Glossary term saved.",
    "term_retired": "Glossary term retired.",
    "term_restored": "Glossary term restored.",
    "intent_saved": "Examples saved. Train the assistant to make the change live.",
    "training": "Training started. This page shows how it goes.",
    "cancelled": "Cancelling the training. The running model stays.",
    "added": "Added as an example. Train the assistant to make it live.",
    "dismissed": "Taken off the list.",
}


def _ctx(request: Request) -> Ctx:
    return request.state.ctx


def _back(path: str, notice: str = "", **params: str) -> RedirectResponse:
    query = urlencode({**params, **({"notice": notice} if notice else {})})
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


def _notice(request: Request) -> str:
    return NOTICES.get(request.query_params.get("notice", ""), "")


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _q(request: Request) -> str:
    return (request.query_params.get("q") or "").strip()[:200]


# Home -------------------------------------------------------------------------------------
def _terms(staff: Staff, query: str = "", retired: bool = False) -> tuple[list[terms.Term], str]:
    """Glossary terms, or none and why (a glossary file broken by a hand edit)."""
    try:
        return terms.list_terms(staff.workspace, query, retired), ""
    except ContentError as error:
        return [], str(error)


async def home(request: Request) -> Response:
    staff = staff_of(request)
    ws = staff.workspace
    listed, broken = faqs.list_faqs(ws)
    glossary, problem = _terms(staff)
    _ctx(request).audit("staff_view")
    return page(
        request,
        "staff_home.html",
        {
            "title": "Staff pages",
            "faq_count": len(listed),
            "broken": broken + ([problem] if problem else []),
            "term_count": len(glossary),
            "intent_count": len(intents.list_intents(ws)),
            "training": training_view(staff),
        },
    )


# FAQs ---------------------------------------------------------------------------------------
async def faq_list(request: Request) -> Response:
    staff = staff_of(request)
    query = _q(request)
    found, broken = faqs.list_faqs(staff.workspace, query)
    return page(
        request,
        "faq_list.html",
        {
            "title": "FAQs",
            "faqs": [f.to_dict() for f in found],
            "broken": broken,
            "q": query,
            "notice": _notice(request),
        },
    )


def _faq_form(
    request: Request,
    values: dict[str, Any],
    errors: list[str] | None = None,
    status: int = 200,
    new: bool = False,
) -> Response:
    return page(
        request,
        "faq_edit.html",
        {
            "title": "Add an FAQ" if new else f"FAQ {values.get('key', '')}",
            "new": new,
            "v": values,
            "score": check_text(values.get("answer", "")) if values.get("answer") else None,
            "errors": errors or [],
            "notice": _notice(request),
            "min_examples": faqs.MIN_EXAMPLES,
        },
        status,
    )


async def faq_new(request: Request) -> Response:
    if request.method == "GET":
        return _faq_form(request, {"key": "", "topic": "", "examples": "", "answer": ""}, new=True)
    form = await _form(request)
    values = {k: form.get(k, "") for k in ("key", "topic", "examples", "answer")}
    try:
        faq = actions.create_faq(
            _ctx(request),
            staff_of(request),
            values["key"],
            values["topic"],
            split_lines(values["examples"]),
            values["answer"],
        )
    except ContentError as error:
        return _faq_form(request, values, error.messages, error.status, new=True)
    return _back("/console/staff/faq", "faq_added", key=faq.key)


def _faq_values(faq: faqs.Faq) -> dict[str, Any]:
    return {
        "key": faq.key,
        "file": faq.file,
        "version": faq.version,
        "examples": "\n".join(faq.examples),
        "answer": faq.answer,
        "notes": faq.notes,
    }


async def faq_edit(request: Request) -> Response:
    staff = staff_of(request)
    if request.method == "GET":
        key = request.query_params.get("key", "")
        try:
            faq = faqs.read_faq(staff.workspace, key)
        except ContentError as error:
            return page(request, "error.html", {"title": "Cannot open", "message": str(error)})
        if faq is None:
            return _back("/console/staff/faqs")
        return _faq_form(request, _faq_values(faq))
    form = await _form(request)
    values = {k: form.get(k, "") for k in ("key", "version", "examples", "answer")}
    current = (
        faqs.read_faq(staff.workspace, values["key"]) if faqs.KEY.match(values["key"]) else None
    )
    values.update(file=current.file if current else "", notes=current.notes if current else [])
    try:
        actions.update_faq(
            _ctx(request),
            staff,
            values["key"],
            values["version"],
            split_lines(values["examples"]),
            values["answer"],
        )
    except ContentError as error:
        return _faq_form(request, values, error.messages, error.status)
    return _back("/console/staff/faq", "faq_saved", key=values["key"])


async def faq_yaml(request: Request) -> Response:
    staff = staff_of(request)
    if request.method == "GET":
        key = request.query_params.get("key", "")
        path = faqs.faq_file(staff.workspace, key)
        if not faqs.KEY.match(key) or not path.is_file():
            return _back("/console/staff/faqs")
        text = path.read_text(encoding="utf-8")
        values = {"key": key, "yaml": text, "version": faqs.version_of(text), "file": str(path)}
        return page(request, "faq_yaml.html", {"title": f"FAQ {key} as YAML", "v": values})
    form = await _form(request)
    values = {k: form.get(k, "") for k in ("key", "version", "yaml")}
    try:
        actions.save_faq_yaml(
            _ctx(request), staff, values["key"], values["version"], values["yaml"]
        )
    except ContentError as error:
        return page(
            request,
            "faq_yaml.html",
            {"title": f"FAQ {values['key']} as YAML", "v": values, "errors": error.messages},
            error.status,
        )
    return _back("/console/staff/faq", "faq_saved", key=values["key"])


async def faq_retire(request: Request) -> Response:
    staff = staff_of(request)
    form = await _form(request)
    key = form.get("key", "")
    try:
        actions.retire_faq(_ctx(request), staff, key, form.get("version", ""))
    except ContentError as error:
        try:
            faq = faqs.read_faq(staff.workspace, key)
        except ContentError:
            faq = None
        if faq is None:
            return page(request, "error.html", {"title": "Not retired", "message": str(error)}, 404)
        return _faq_form(request, _faq_values(faq), error.messages, error.status)
    return _back("/console/staff/faqs", "faq_retired")


async def retired(request: Request) -> Response:
    staff = staff_of(request)
    found, broken = faqs.list_faqs(staff.workspace, retired=True)
    return page(
        request,
        "retired.html",
        {
            "title": "Retired content",
            "faqs": found,
            "broken": broken,
            "terms": _terms(staff, retired=True)[0],
            "notice": _notice(request),
        },
    )


async def _restore(request: Request, what: str) -> Response:
    staff = staff_of(request)
    form = await _form(request)
    try:
        if what == "faq":
            faq = actions.restore_faq(_ctx(request), staff, form.get("key", ""))
            return _back("/console/staff/faq", "faq_restored", key=faq.key)
        term = actions.restore_term(_ctx(request), staff, form.get("term", ""))
        return _back("/console/staff/glossary/term", "term_restored", term=term.term)
    except ContentError as error:
        found, broken = faqs.list_faqs(staff.workspace, retired=True)
        return page(
            request,
            "retired.html",
            {
                "title": "Retired content",
                "faqs": found,
                "broken": broken,
                "terms": _terms(staff, retired=True)[0],
                "errors": error.messages,
            },
            error.status,
        )


async def faq_restore(request: Request) -> Response:
    return await _restore(request, "faq")


async def term_restore(request: Request) -> Response:
    return await _restore(request, "term")


# Glossary -----------------------------------------------------------------------------------
async def glossary_list(request: Request) -> Response:
    staff = staff_of(request)
    query = _q(request)
    found, problem = _terms(staff, query)
    return page(
        request,
        "glossary_list.html",
        {
            "title": "Glossary",
            "terms": found,
            "q": query,
            "notice": _notice(request),
            "errors": [problem] if problem else [],
        },
    )


def _term_values(term: terms.Term) -> dict[str, Any]:
    values: dict[str, Any] = {
        "term": term.term,
        "original": term.term,
        "version": term.version,
        "explanation": term.explanation,
        "last_checked": term.last_checked,
    }
    for name in terms.LIST_FIELDS:
        values[name] = "\n".join(getattr(term, name))
    return values


def _term_from(values: dict[str, str]) -> terms.Term:
    return terms.Term(
        term=values.get("term", ""),
        explanation=values.get("explanation", ""),
        last_checked=values.get("last_checked", ""),
        **{name: split_lines(values.get(name, "")) for name in terms.LIST_FIELDS},
    )


def _term_form(
    request: Request,
    values: dict[str, Any],
    errors: list[str] | None = None,
    status: int = 200,
    new: bool = False,
) -> Response:
    return page(
        request,
        "glossary_edit.html",
        {
            "title": "Add a glossary term" if new else f"Glossary: {values.get('term', '')}",
            "new": new,
            "v": values,
            "score": check_text(values["explanation"]) if values.get("explanation") else None,
            "errors": errors or [],
            "notice": _notice(request),
        },
        status,
    )


TERM_FIELDS = ("term", "explanation", "last_checked", *terms.LIST_FIELDS)


async def term_new(request: Request) -> Response:
    if request.method == "GET":
        values = {name: "" for name in TERM_FIELDS}
        values["last_checked"] = terms.today()
        return _term_form(request, values, new=True)
    form = await _form(request)
    values = {name: form.get(name, "") for name in TERM_FIELDS}
    try:
        saved = actions.save_term(_ctx(request), staff_of(request), _term_from(values))
    except ContentError as error:
        return _term_form(request, values, error.messages, error.status, new=True)
    return _back("/console/staff/glossary/term", "term_added", term=saved.term)


async def term_edit(request: Request) -> Response:
    staff = staff_of(request)
    if request.method == "GET":
        found, _ = _terms(staff)
        name = request.query_params.get("term", "")
        term = next((t for t in found if t.term == name), None)
        if term is None:
            return _back("/console/staff/glossary")
        return _term_form(request, _term_values(term))
    form = await _form(request)
    values = {name: form.get(name, "") for name in (*TERM_FIELDS, "original", "version")}
    try:
        saved = actions.save_term(
            _ctx(request), staff, _term_from(values), values["original"], values["version"]
        )
    except ContentError as error:
        return _term_form(request, values, error.messages, error.status)
    return _back("/console/staff/glossary/term", "term_saved", term=saved.term)


async def term_retire(request: Request) -> Response:
    staff = staff_of(request)
    form = await _form(request)
    name = form.get("term", "")
    try:
        actions.retire_term(_ctx(request), staff, name, form.get("version", ""))
    except ContentError as error:
        term = next((t for t in _terms(staff)[0] if t.term == name), None)
        if term is None:
            return page(request, "error.html", {"title": "Not retired", "message": str(error)}, 404)
        return _term_form(request, _term_values(term), error.messages, error.status)
    return _back("/console/staff/glossary", "term_retired")


# Other intents ------------------------------------------------------------------------------
async def intent_list(request: Request) -> Response:
    staff = staff_of(request)
    query = _q(request)
    return page(
        request,
        "intent_list.html",
        {
            "title": "What else the assistant recognises",
            "intents": intents.list_intents(staff.workspace, query),
            "q": query,
            "notice": _notice(request),
        },
    )


def _intent_form(
    request: Request, values: dict[str, Any], errors: list[str] | None = None, status: int = 200
) -> Response:
    return page(
        request,
        "intent_edit.html",
        {
            "title": f"Intent {values.get('name', '')}",
            "v": values,
            "errors": errors or [],
            "notice": _notice(request),
            "min_examples": intents.MIN_EXAMPLES,
        },
        status,
    )


async def intent_edit(request: Request) -> Response:
    staff = staff_of(request)
    if request.method == "GET":
        intent = intents.read_intent(staff.workspace, request.query_params.get("name", ""))
        if intent is None:
            return _back("/console/staff/intents")
        values = {**intent.to_dict(), "examples": "\n".join(intent.examples)}
        return _intent_form(request, values)
    form = await _form(request)
    values: dict[str, Any] = {k: form.get(k, "") for k in ("name", "version", "examples")}
    current = intents.read_intent(staff.workspace, values["name"])
    values.update(
        file=current.file if current else "", guidance=current.guidance if current else []
    )
    try:
        actions.update_intent(
            _ctx(request), staff, values["name"], values["version"], split_lines(values["examples"])
        )
    except ContentError as error:
        return _intent_form(request, values, error.messages, error.status)
    return _back("/console/staff/intent", "intent_saved", name=values["name"])


# Training -----------------------------------------------------------------------------------
def _training_page(
    request: Request,
    staff: Staff,
    errors: list[str] | None = None,
    status: int = 200,
    checked: list[dict[str, Any]] | None = None,
) -> Response:
    return page(
        request,
        "training.html",
        {
            "title": "Train the assistant",
            "t": training_view(staff),
            "errors": errors or [],
            "notice": _notice(request),
            "checked": checked,
        },
        status,
    )


async def training(request: Request) -> Response:
    staff = staff_of(request)
    if request.method == "GET":
        return _training_page(request, staff)
    form = await _form(request)
    try:
        actions.start_training(_ctx(request), staff, force=form.get("force") == "1")
    except ContentError as error:
        return _training_page(request, staff, error.messages, error.status)
    return _back("/console/staff/training", "training")


async def training_cancel(request: Request) -> Response:
    actions.cancel_training(_ctx(request), staff_of(request))
    return _back("/console/staff/training", "cancelled")


async def check_now(request: Request) -> Response:
    staff = staff_of(request)
    problems = await asyncio.to_thread(check_all, staff.settings.root)
    _ctx(request).audit("staff_check", problems=len(problems))
    return _training_page(request, staff, checked=[p.to_dict() for p in problems])


# Review -------------------------------------------------------------------------------------
def _choices(staff: Staff) -> list[dict[str, str]]:
    listed, _ = faqs.list_faqs(staff.workspace)
    out = [{"value": f"faq/{f.key}", "label": f"FAQ: {f.key}"} for f in listed]
    out += [
        {"value": i.name, "label": f"Intent: {i.name}"}
        for i in intents.list_intents(staff.workspace)
    ]
    return out


async def review(request: Request, errors: list[str] | None = None, status: int = 200) -> Response:
    staff = staff_of(request)
    found = await staff.review().items()
    _ctx(request).audit("staff_review_view", count=len(found["messages"]))
    return page(
        request,
        "review.html",
        {
            "title": "Messages to review",
            "r": found,
            "choices": _choices(staff),
            "reasons": REASON_WORDS,
            "errors": errors or [],
            "notice": "" if errors else _notice(request),
        },
        status,
    )


def _message_id(form: dict[str, str]) -> int:
    try:
        return int(form.get("message_id", ""))
    except ValueError:
        return 0


async def review_add(request: Request) -> Response:
    form = await _form(request)
    try:
        actions.review_add(
            _ctx(request),
            staff_of(request),
            _message_id(form),
            form.get("intent", ""),
            form.get("text", ""),
        )
    except ContentError as error:
        return await review(request, error.messages, error.status)
    return _back("/console/staff/review", "added")


async def review_dismiss(request: Request) -> Response:
    form = await _form(request)
    try:
        actions.review_dismiss(_ctx(request), staff_of(request), _message_id(form))
    except ContentError as error:
        return await review(request, error.messages, error.status)
    return _back("/console/staff/review", "dismissed")


# Assets (behind the same guard as the pages) --------------------------------------------------
async def script(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "staff.js", media_type="text/javascript")


async def stylesheet(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "staff.css", media_type="text/css")
