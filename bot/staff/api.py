"""The staff pages' JSON API under /api/console/staff/ (the README (staff guide) lists every endpoint).

Errors are {"error": "words", "problems": [...]} with 400 (not saved: see problems), 404 (no such
entry), 409 (changed by someone else since you read it, or a training is running) or 413.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.console.state import Ctx
from bot.staff import actions, faqs, intents, terms
from bot.staff.checks import check_all
from bot.staff.examples import split_lines
from bot.staff.overview import training_view
from bot.staff.problems import ContentError
from bot.staff.redact import redact, without_placeholders
from bot.staff.state import staff_of
from bot.staff.textcheck import check_text

MAX_BODY_BYTES = 256 * 1024


def _ctx(request: Request) -> Ctx:
    return request.state.ctx


def _error(error: ContentError) -> JSONResponse:
    return JSONResponse(
        {"error": " ".join(error.messages[:1]) or "Not saved.", "problems": error.messages},
        status_code=error.status,
    )


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ContentError("The request is too big.", 413)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise ContentError("Send a JSON object.") from error
    if not isinstance(data, dict):
        raise ContentError("Send a JSON object.")
    return data


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ContentError(f"{name} must be a string.")
    return value


def _lines(body: dict[str, Any], name: str) -> list[str]:
    """A list of strings, or one string with an item a line."""
    value = body.get(name) or []
    if isinstance(value, str):
        return split_lines(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(f"{name} must be a list of strings.")
    return split_lines("\n".join(value))


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "") in ("1", "true", "yes")


def _q(request: Request) -> str:
    return (request.query_params.get("q") or "").strip()[:200]


async def _call(request: Request, work: Any) -> Response:
    try:
        return JSONResponse(await work(await _body(request)))
    except ContentError as error:
        return _error(error)


# FAQs ---------------------------------------------------------------------------------------
async def faq_list(request: Request) -> Response:
    ws = staff_of(request).workspace
    key = request.query_params.get("key", "")
    retired = _flag(request, "retired")
    found, broken = faqs.list_faqs(ws, _q(request), retired=retired)
    if key:
        found = [f for f in found if f.key == key]
    return JSONResponse({"faqs": [f.to_dict() for f in found], "unreadable": broken})


async def faq_create(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        faq = actions.create_faq(
            _ctx(request),
            staff_of(request),
            _str(body, "key"),
            _str(body, "topic"),
            _lines(body, "examples"),
            _str(body, "answer"),
        )
        return {"faq": faq.to_dict()}

    return await _call(request, work)


async def faq_update(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        faq = actions.update_faq(
            _ctx(request),
            staff_of(request),
            _str(body, "key"),
            _str(body, "version"),
            _lines(body, "examples"),
            _str(body, "answer"),
        )
        return {"faq": faq.to_dict()}

    return await _call(request, work)


async def faq_yaml(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        faq = actions.save_faq_yaml(
            _ctx(request),
            staff_of(request),
            _str(body, "key"),
            _str(body, "version"),
            _str(body, "yaml"),
        )
        return {"faq": faq.to_dict()}

    return await _call(request, work)


async def faq_retire(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        faq = actions.retire_faq(
            _ctx(request), staff_of(request), _str(body, "key"), _str(body, "version")
        )
        return {"faq": faq.to_dict()}

    return await _call(request, work)


async def faq_restore(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        faq = actions.restore_faq(_ctx(request), staff_of(request), _str(body, "key"))
        return {"faq": faq.to_dict()}

    return await _call(request, work)


# Glossary -----------------------------------------------------------------------------------
async def glossary_list(request: Request) -> Response:
    ws = staff_of(request).workspace
    name = request.query_params.get("term", "")
    try:
        found = terms.list_terms(ws, _q(request), retired=_flag(request, "retired"))
    except ContentError as error:
        return _error(error)
    if name:
        found = [t for t in found if t.term == name]
    return JSONResponse({"terms": [t.to_dict() for t in found]})


def _term(body: dict[str, Any]) -> terms.Term:
    return terms.Term(
        term=_str(body, "term"),
        explanation=_str(body, "explanation"),
        last_checked=_str(body, "last_checked"),
        **{name: _lines(body, name) for name in terms.LIST_FIELDS},
    )


async def glossary_create(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        saved = actions.save_term(_ctx(request), staff_of(request), _term(body))
        return {"term": saved.to_dict()}

    return await _call(request, work)


async def glossary_update(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        original = _str(body, "original") or _str(body, "term")
        saved = actions.save_term(
            _ctx(request), staff_of(request), _term(body), original, _str(body, "version")
        )
        return {"term": saved.to_dict()}

    return await _call(request, work)


async def glossary_retire(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        term = actions.retire_term(
            _ctx(request), staff_of(request), _str(body, "term"), _str(body, "version")
        )
        return {"term": term.to_dict()}

    return await _call(request, work)


async def glossary_restore(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        term = actions.restore_term(_ctx(request), staff_of(request), _str(body, "term"))
        return {"term": term.to_dict()}

    return await _call(request, work)


# Other intents ------------------------------------------------------------------------------
async def intent_list(request: Request) -> Response:
    found = intents.list_intents(staff_of(request).workspace, _q(request))
    name = request.query_params.get("name", "")
    if name:
        found = [i for i in found if i.name == name]
    return JSONResponse({"intents": [i.to_dict() for i in found]})


async def intent_update(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        intent = actions.update_intent(
            _ctx(request),
            staff_of(request),
            _str(body, "name"),
            _str(body, "version"),
            _lines(body, "examples"),
        )
        return {"intent": intent.to_dict()}

    return await _call(request, work)


# Checks and training ------------------------------------------------------------------------
async def check_text_api(request: Request) -> Response:
    """The live plain-language score of a text being typed (nothing is saved or logged)."""

    async def work(body: dict[str, Any]) -> dict[str, Any]:
        return check_text(_str(body, "text")[:5000]).to_dict()

    return await _call(request, work)


async def check_all_api(request: Request) -> Response:
    staff = staff_of(request)
    problems = await asyncio.to_thread(check_all, staff.settings.root)
    _ctx(request).audit("staff_check", via="api", problems=len(problems))
    return JSONResponse({"problems": [p.to_dict() for p in problems]})


async def training(request: Request) -> Response:
    return JSONResponse(training_view(staff_of(request)))


async def training_start(request: Request) -> Response:
    try:
        body = await _body(request)
        run_id = actions.start_training(
            _ctx(request), staff_of(request), force=body.get("force") is True
        )
    except ContentError as error:
        return _error(error)
    return JSONResponse({"run": staff_of(request).runs.get(run_id)}, status_code=202)


async def training_cancel(request: Request) -> Response:
    return JSONResponse({"cancelling": actions.cancel_training(_ctx(request), staff_of(request))})


# Review -------------------------------------------------------------------------------------
async def review(request: Request) -> Response:
    found = await staff_of(request).review().items()
    _ctx(request).audit("staff_review_view", via="api", count=len(found["messages"]))
    return JSONResponse(found)


def _message_id(body: dict[str, Any]) -> int:
    value = body.get("message_id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ContentError("message_id must be a number.")
    return value


async def review_add(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        message_id = _message_id(body)
        text = _str(body, "text")
        staff = staff_of(request)
        if not text:
            original = staff.review().message_text(message_id)
            if original is None:
                raise ContentError("That message is not in the review list.", 404)
            text = without_placeholders(redact(original))
        file = actions.review_add(_ctx(request), staff, message_id, _str(body, "intent"), text)
        return {"added": {"message_id": message_id, "intent": body.get("intent"), "file": file}}

    return await _call(request, work)


async def review_dismiss(request: Request) -> Response:
    async def work(body: dict[str, Any]) -> dict[str, Any]:
        message_id = _message_id(body)
        actions.review_dismiss(_ctx(request), staff_of(request), message_id)
        return {"dismissed": message_id}

    return await _call(request, work)
