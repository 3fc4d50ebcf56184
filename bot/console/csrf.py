"""Cross-site request forgery checks for every state-changing console request.

Signed in: each session has a secret token; forms send it as `csrf_token`, API calls as the
`X-CSRF-Token` header. Signing in (no session yet) uses a double-submit token: a random value in
a short-lived cookie that the login form must repeat. Either way, a browser `Origin` header from
another site is refused too.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
LOGIN_COOKIE = "console_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def origin_ok(request: Request) -> bool:
    """No Origin header (old browsers, command-line tools) or one naming this very host."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def submitted_token(request: Request) -> str | None:
    """The token a request carries: the header, else the form field (the form is cached)."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    return None


async def check(request: Request, expected: str) -> bool:
    if request.method in SAFE_METHODS:
        return True
    return origin_ok(request) and same_token(expected, await submitted_token(request))
