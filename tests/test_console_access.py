"""Every console route refuses anonymous requests and wrong roles; CSRF is enforced everywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from bot.console.routes import PUBLIC_PATHS, SPECS, Spec
from bot.console.users import ROLES
from tests.conftest import free_port
from tests.test_console_support import (
    cheap_hashing,
    console_client,
    crisis,
    login,
    login_token,
    settings_in,
    signed_in,
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with (
        cheap_hashing(),
        console_client(settings_in(tmp_path_factory.mktemp("access"), free_port())) as client,
    ):
        crisis(client, "access-1")
        yield client


def concrete(spec: Spec) -> str:
    return (
        spec.path.replace("{handoff_id:int}", "1")
        .replace("{reminder_id:int}", "1")
        .replace("{rest:path}", "no-such-thing")
    )


def allowed(spec: Spec, role: str) -> bool:
    return role == "admin" or role in spec.roles


def call(client: TestClient, spec: Spec, headers: dict[str, str] | None = None):
    method = spec.methods[0]
    return client.request(method, concrete(spec), headers=headers or {}, follow_redirects=False)


def spec_id(spec: Spec) -> str:
    return f"{spec.methods[0]} {spec.path}"


def test_every_console_route_is_guarded_or_public(app: TestClient) -> None:
    seen = 0
    for route in app.app.routes:
        path = getattr(route, "path", "")
        if not path.startswith(("/console", "/api/console")):
            continue
        seen += 1
        if path in PUBLIC_PATHS:
            continue
        assert isinstance(route, Route) and not isinstance(route, Mount), path
        assert hasattr(route.endpoint, "roles"), f"{path} is not behind guard()"
    assert seen == len(SPECS) + len(PUBLIC_PATHS)


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_anonymous_is_refused(app: TestClient, spec: Spec) -> None:
    app.cookies.clear()
    response = call(app, spec)
    if spec.kind == "page":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/console/login")
    else:
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/json")
        assert "error" in response.json()
    assert "Conversation" not in response.text and "end my life" not in response.text


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_wrong_role_is_refused_everywhere(app: TestClient, role: str) -> None:
    name = {"navigator": "sam", "staff": "kim"}[role]
    headers = signed_in(app, name)
    refused = 0
    for spec in SPECS:
        if allowed(spec, role):
            continue
        response = call(app, spec, headers)
        assert response.status_code == 403, spec_id(spec)
        if spec.kind != "page":
            assert response.headers["content-type"].startswith("application/json")
        assert "end my life" not in response.text
        refused += 1
    assert refused >= (3 if role == "navigator" else 20)


def test_navigator_cannot_read_the_audit_log(app: TestClient) -> None:
    signed_in(app, "sam")
    assert app.get("/console/audit", follow_redirects=False).status_code == 403
    response = app.get("/api/console/audit")
    assert response.status_code == 403 and "entries" not in response.json()
    signed_in(app, "ada")
    entries = app.get("/api/console/audit", params={"actor": "sam"}).json()["entries"]
    denied = [e for e in entries if e["action"] == "access_denied"]
    assert {e["detail"]["path"] for e in denied} >= {"/console/audit", "/api/console/audit"}


def test_admin_reaches_every_read_route(app: TestClient) -> None:
    signed_in(app, "ada")
    for spec in SPECS:
        if spec.methods[0] != "GET" or spec.kind == "stream" or "{rest" in spec.path:
            continue
        response = app.get(concrete(spec), follow_redirects=False)
        assert response.status_code in (200, 303), spec_id(spec)
        if spec.kind == "api":
            assert response.headers["content-type"].startswith("application/json")


def test_unknown_api_path_is_json_404_when_signed_in(app: TestClient) -> None:
    signed_in(app, "sam")
    response = app.get("/api/console/nothing/here")
    assert response.status_code == 404 and response.json()["error"]


def test_staff_sees_the_placeholder(app: TestClient) -> None:
    signed_in(app, "kim")
    home = app.get("/console", follow_redirects=False)
    assert home.headers["location"] == "/console/staff"
    page = app.get("/console/staff")
    assert page.status_code == 200 and "Staff pages" in page.text
    assert "/console/queue" not in page.text  # no link to pages the role cannot open


POSTS = [s for s in SPECS if s.methods[0] == "POST"]


@pytest.mark.parametrize("spec", POSTS, ids=spec_id)
def test_state_changes_need_the_csrf_token(app: TestClient, spec: Spec) -> None:
    good = signed_in(app, "ada")
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {**good, "Origin": "https://evil.example"}):
        response = call(app, spec, headers)
        assert response.status_code == 403, (spec_id(spec), headers)
    # The session survived all of that (logout without a token did not sign anyone out).
    assert app.get("/api/console/me").status_code == 200


def test_form_posts_need_the_csrf_field(app: TestClient) -> None:
    signed_in(app, "sam")
    assert app.post("/console/duty", data={"on_duty": "1"}).status_code == 403
    assert app.post("/console/duty", data={"on_duty": "1", "csrf_token": "x"}).status_code == 403
    me = app.get("/api/console/me").json()
    assert me["on_duty"] is False
    ok = app.post(
        "/console/duty",
        data={"on_duty": "1", "csrf_token": me["csrf_token"]},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and app.get("/api/console/me").json()["on_duty"] is True


def test_login_form_needs_its_own_token(app: TestClient) -> None:
    app.cookies.clear()
    login_token(app)  # sets the login cookie
    response = app.post(
        "/console/login",
        data={"user_name": "sam", "password": "correct horse battery", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "console_session" not in response.cookies
    assert login(app, "sam").status_code == 303
