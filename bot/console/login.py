"""Signing in and out of the console."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console import csrf, passwords, presence
from bot.console.auth import (
    clear_session_cookie,
    current_session,
    is_https,
    safe_next,
    secure_headers,
    set_session_cookie,
)
from bot.console.render import page
from bot.console.state import Ctx, client_ip, console_of

FIRST_USER_COMMAND = ".venv/bin/python -m bot user add NAME --role admin"


def _minutes(seconds: float) -> int:
    return max(1, int(seconds + 59) // 60)


def _login_page(
    request: Request, error: str = "", status: int = 200, user_name: str = ""
) -> Response:
    token = csrf.new_token()
    response = page(
        request,
        "login.html",
        {
            "title": "Sign in",
            "login_csrf": token,
            "error": error,
            "next": safe_next(request.query_params.get("next")),
            "user_name": user_name,
            "no_users": console_of(request).users.count() == 0,
            "first_user_command": FIRST_USER_COMMAND,
        },
        status,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/console/login",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )
    return secure_headers(response)


async def login(request: Request) -> Response:
    if request.method == "GET":
        if current_session(request) is not None:
            return secure_headers(RedirectResponse("/console", status_code=303))
        return _login_page(request)
    return await _submit(request)


async def _submit(request: Request) -> Response:
    console = console_of(request)
    form = await request.form()
    user_name = str(form.get("user_name") or "").strip()[:100]
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    ip = client_ip(request)
    if not (
        csrf.origin_ok(request)
        and csrf.same_token(request.cookies.get(csrf.LOGIN_COOKIE), str(form.get(csrf.FIELD) or ""))
    ):
        console.audit.record(user_name or None, "csrf_refused", ip=ip, path="/console/login")
        return _login_page(
            request,
            "The sign-in form had expired. Please try again. (Cookies must be allowed.)",
            403,
            user_name,
        )
    wait = console.throttle.locked_for(user_name, ip)
    if wait is not None:
        console.throttle.record(user_name, ip, "locked")
        console.audit.record(user_name or None, "login_locked", ip=ip)
        return _login_page(
            request,
            f"Too many tries. Please wait {_minutes(wait.total_seconds())} minutes, then try"
            " again. An admin can unlock the account sooner.",
            429,
            user_name,
        )
    # The hash check is slow on purpose: run it in a thread so clients are not kept waiting.
    # The store is only touched here, on the event loop's thread.
    row = console.users.credentials(user_name)
    stored = row["password_hash"] if row else None
    ok = await asyncio.to_thread(passwords.verify_password, stored, password)
    user = console.users.accept(row, password) if ok else None
    if user is None:
        console.throttle.record(user_name, ip, "bad")
        console.audit.record(user_name or None, "login_failed", ip=ip)
        return _login_page(request, "That user name and password do not match.", 401, user_name)
    console.throttle.record(user.user_name, ip, "ok")
    old = current_session(request)
    if old is not None:
        console.sessions.end(old.key)
    token, session = console.sessions.create(user, ip, request.headers.get("user-agent", ""))
    console.audit.record(user.user_name, "login", role=user.role, ip=ip)
    if target == "/console" or (user.role == "staff" and not target.startswith("/console/staff")):
        target = "/console"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(csrf.LOGIN_COOKIE, path="/console/login")
    return secure_headers(response)


def sign_out(ctx: Ctx) -> None:
    """End this session; a navigator with no other session open goes off duty."""
    ctx.console.sessions.end(ctx.session.key)
    if not ctx.console.sessions.has_live_session(ctx.user.user_name) and presence.is_on_duty(
        ctx.services, ctx.user.user_name
    ):
        presence.set_duty(ctx.services, ctx.user, False)
        ctx.audit("duty_off", why="signed out")
    ctx.audit("logout")


async def logout(request: Request) -> Response:
    sign_out(request.state.ctx)
    response = RedirectResponse("/console/login?signed_out=1", status_code=303)
    clear_session_cookie(response, request)
    return response
