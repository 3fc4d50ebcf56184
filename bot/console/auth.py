"""Who may see what: every console page and API call goes through `guard`.

- Nobody signed in: pages redirect to the sign-in page, API calls get 401 JSON.
- Signed in with a role that does not fit: 403 (and an audit entry).
- A state-changing request without the session's CSRF token, or from another site: 403.
Admins may do everything; navigators the queue and conversations; staff their own pages.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bot.console import csrf, presence
from bot.console.render import page
from bot.console.sessions import COOKIE, Session
from bot.console.state import Ctx, client_ip, console_of, services_of

Endpoint = Callable[[Request], Awaitable[Response]]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; media-src 'self' data:; frame-ancestors 'none'; base-uri 'none';"
        " form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def secure_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE, token, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def current_session(request: Request) -> Session | None:
    return console_of(request).sessions.get(request.cookies.get(COOKIE))


def error_response(request: Request, kind: str, status: int, message: str) -> Response:
    if kind == "page":
        response: Response = page(
            request, "error.html", {"title": message, "message": message}, status
        )
    else:
        response = JSONResponse({"error": message}, status_code=status)
    return secure_headers(response)


def safe_next(value: str | None) -> str:
    """Only a console path on this site (never another host) may be a redirect target."""
    if (
        value
        and value.startswith("/console")
        and not value.startswith("/console/login")
        and "//" not in value
        and "\\" not in value
    ):
        return value
    return "/console"


def guard(roles: tuple[str, ...], kind: str) -> Callable[[Endpoint], Endpoint]:
    """Wrap an endpoint: signed-in user with a fitting role; CSRF on state changes."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            session = current_session(request)
            if session is None:
                if kind == "page":
                    target = request.url.path
                    if request.method == "GET" and request.url.query:
                        target += "?" + request.url.query
                    login = "/console/login?next=" + quote(safe_next(target), safe="/")
                    response: Response = RedirectResponse(login, status_code=303)
                    clear_session_cookie(response, request)
                    return secure_headers(response)
                return error_response(request, kind, 401, "Please sign in first.")
            ctx = Ctx(services_of(request), console_of(request), session, client_ip(request))
            request.state.ctx = ctx
            if not session.user.has_role(roles):
                ctx.audit("access_denied", path=request.url.path, method=request.method)
                return error_response(request, kind, 403, "Your role cannot open this.")
            if not await csrf.check(request, session.csrf_token):
                ctx.audit("csrf_refused", path=request.url.path, method=request.method)
                return error_response(
                    request,
                    kind,
                    403,
                    "This form or request was not accepted (security check). Reload the page"
                    " and try again.",
                )
            presence.sweep(ctx.services, ctx.console.sessions)
            return secure_headers(await endpoint(request))

        guarded.roles = roles  # type: ignore[attr-defined]
        guarded.kind = kind  # type: ignore[attr-defined]
        return guarded

    return wrap
