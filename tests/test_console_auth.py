"""Console accounts: hashing, cookies, sign-in, lock-out, sign-out, sessions, the CLI."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import Settings
from bot.console import passwords, throttle
from bot.console.cli import main as user_cli
from bot.console.users import UserError, UserStore
from bot.store import connect
from tests.test_console_support import (
    PASSWORD,
    cheap_hashing,
    console_client,
    login,
    signed_in,
)


@pytest.fixture(autouse=True)
def quick_hash() -> Iterator[None]:
    with cheap_hashing():
        yield


@pytest.fixture
def app(settings: Settings) -> Iterator[TestClient]:
    with console_client(settings) as client:
        yield client


def db_of(app: TestClient):
    return app.app.state.services.db


def test_production_hash_is_memory_hard_argon2id() -> None:
    real = passwords.PasswordHasher()  # what HASHER is outside tests
    assert real.type.name == "ID" and real.memory_cost >= 19 * 1024 and real.time_cost >= 2
    stored = real.hash(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert real.verify(stored, PASSWORD)


def test_password_is_stored_only_as_a_hash(tmp_path: Path) -> None:
    users = UserStore(connect(tmp_path / "s.db"))
    users.add("sam", "navigator", PASSWORD, "Sam Jones")
    row = users.table.get("sam")
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]
    assert users.verify("SAM", PASSWORD).display_name == "Sam Jones"
    assert users.verify("sam", PASSWORD + "x") is None
    assert users.verify("nobody", PASSWORD) is None
    for bad in ("short", "sam", "aaaaaaaaaaaa"):
        with pytest.raises(UserError):
            users.add("other", "navigator", bad)
    with pytest.raises(UserError):
        users.add("x y", "navigator", PASSWORD)
    with pytest.raises(UserError):
        users.add("zed", "superuser", PASSWORD)


def test_fresh_install_explains_how_to_make_the_first_user(settings: Settings) -> None:
    from bot.app import create_app

    with TestClient(create_app(settings)) as client:
        page = client.get("/console/login")
    assert page.status_code == 200
    assert ".venv/bin/python -m bot user add NAME --role admin" in page.text


def test_session_cookie_flags_over_http_and_https(settings: Settings) -> None:
    with console_client(settings) as app:
        cookie = login(app, "sam").headers["set-cookie"].lower()
        assert "console_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie.split("console_login_csrf")[0]
    with console_client(settings, base_url="https://testserver") as app:
        cookie = login(app, "sam").headers["set-cookie"].lower()
        assert "secure" in cookie.split("console_login_csrf")[0]
        assert app.get("/api/console/me").status_code == 200


def test_wrong_password_and_unknown_name_look_the_same(app: TestClient) -> None:
    wrong = login(app, "sam", "not the password at all")
    unknown = login(app, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match" in wrong.text and "do not match" in unknown.text
    assert "console_session" not in wrong.cookies


def test_lock_out_after_repeated_failures(app: TestClient) -> None:
    for _ in range(throttle.MAX_FAILURES):
        assert login(app, "sam", "wrong password here").status_code == 401
    locked = login(app, "sam")  # the right password, but too late
    assert locked.status_code == 429 and "Too many tries" in locked.text
    assert app.get("/api/console/me").status_code == 401
    console = app.app.state.console
    # Tries while locked do not lengthen the lock (nobody can keep a navigator out for ever).
    before = console.throttle.failures_in_a_row("sam")
    login(app, "sam", "wrong again")
    assert console.throttle.failures_in_a_row("sam") == before
    # The lock runs out ...
    long_ago = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat()
    db_of(app).execute("UPDATE console_login_attempts SET at = ?", [long_ago])
    assert login(app, "sam").status_code == 303
    # ... and an admin can lift it at once.
    app.cookies.clear()
    for _ in range(throttle.MAX_FAILURES):
        login(app, "alex", "wrong password here")
    assert login(app, "alex").status_code == 429
    console.throttle.unlock("alex")
    assert login(app, "alex").status_code == 303
    actions = {e["action"] for e in console.audit.entries()}
    assert {"login_failed", "login_locked", "login"} <= actions


def test_lock_out_by_address_across_names(app: TestClient, monkeypatch) -> None:
    monkeypatch.setattr(throttle, "IP_MAX_FAILURES", 4)
    for name in ("a1", "a2", "a3", "a4"):
        assert login(app, name, "guess number one").status_code == 401
    assert login(app, "ada").status_code == 429


def test_sign_out_ends_the_session_and_duty(app: TestClient) -> None:
    headers = signed_in(app, "sam")
    assert app.post("/api/console/duty", json={"on_duty": True}, headers=headers).status_code == 200
    assert app.app.state.services.handoffs.someone_on_duty()
    old_cookie = app.cookies.get("console_session")
    token = app.get("/console/queue").text.split('name="csrf_token" value="')[1].split('"')[0]
    response = app.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and "/console/login" in response.headers["location"]
    assert not app.app.state.services.handoffs.someone_on_duty()
    app.cookies.set("console_session", old_cookie)
    assert app.get("/api/console/me").status_code == 401


def test_idle_session_expires(app: TestClient) -> None:
    signed_in(app, "sam")
    long_ago = (datetime.now(timezone.utc) - timedelta(hours=5)).isoformat()
    db_of(app).execute("UPDATE console_sessions SET last_seen = ?", [long_ago])
    assert app.get("/api/console/me").status_code == 401
    assert db_of(app)["console_sessions"].count == 0


def test_disabled_user_loses_access_at_once(app: TestClient) -> None:
    signed_in(app, "sam")
    app.app.state.console.users.set_active("sam", False)
    assert app.get("/api/console/me").status_code == 401
    assert login(app, "sam").status_code == 401


def test_login_redirect_stays_on_this_site(app: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example", "/console/../../x\\y"):
        response = login(app, "sam", next_path=target)
        assert response.headers["location"] == "/console", target
        app.cookies.clear()
    assert login(app, "sam", next_path="/console/handoffs/3").headers["location"] == (
        "/console/handoffs/3"
    )


def test_pages_send_security_headers(app: TestClient) -> None:
    page = app.get("/console/login")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    signed_in(app, "sam")
    assert app.get("/api/console/queue").headers["cache-control"] == "no-store"


def test_cli_adds_a_user_with_the_password_from_stdin(tmp_path: Path, monkeypatch, capsys) -> None:
    db_path = tmp_path / "cli.db"
    monkeypatch.setenv("DB_PATH", str(db_path))
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = user_cli(["add", "Sam", "--role", "navigator", "--display-name", "Sam Jones"])
    assert code == 0 and "Added navigator sam (Sam Jones)" in capsys.readouterr().out
    users = UserStore(connect(db_path))
    assert users.verify("sam", PASSWORD) is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert user_cli(["add", "kim", "--role", "staff"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert user_cli(["list"]) == 0
    assert "sam" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        user_cli(["add", "kim", "--role", "staff", "--password", PASSWORD])  # no such option


def test_main_entry_knows_the_user_command() -> None:
    from bot.__main__ import COMMANDS

    assert "user" in COMMANDS
