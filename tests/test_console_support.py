"""Shared helpers for the console tests (tests/test_console_*.py). Holds no tests itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from starlette.testclient import TestClient

from bot.app import create_app
from bot.config import Settings
from bot.console import passwords
from bot.console.users import UserStore
from bot.store import connect

PASSWORD = "correct horse battery"
# user name -> (role, display name)
PEOPLE = {
    "sam": ("navigator", "Sam Jones"),
    "alex": ("navigator", "Alex Khan"),
    "kim": ("staff", "Kim Lee"),
    "ada": ("admin", "Ada Price"),
}
CRISIS = "i want to end my life tonight"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def cheap_hashing() -> Iterator[None]:
    """Argon2 with tiny costs, so tests that sign in many times stay quick."""
    real = passwords.HASHER
    passwords.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        passwords.HASHER = real


def settings_in(folder: Path, dead_port: int) -> Settings:
    return Settings(
        var_dir=folder / "var",
        models_dir=folder / "models",
        rasa_url_override=f"http://127.0.0.1:{dead_port}",
        action_url_override=f"http://127.0.0.1:{dead_port}",
        rasa_timeout=2.0,
    )


def add_people(settings: Settings) -> None:
    db = connect(settings.db_path)
    users = UserStore(db)
    for name, (role, display) in PEOPLE.items():
        if users.get(name) is None:
            users.add(name, role, PASSWORD, display)
    db.close()


@contextmanager
def console_client(settings: Settings, base_url: str = "http://testserver") -> Iterator[TestClient]:
    add_people(settings)
    with TestClient(create_app(settings), base_url=base_url) as client:
        yield client


def login_token(client: TestClient) -> str:
    page = client.get("/console/login")
    match = TOKEN.search(page.text)
    assert match, "the login form has no CSRF token"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "") -> Any:
    token = login_token(client)
    return client.post(
        "/console/login",
        data={"user_name": name, "password": password, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def signed_in(client: TestClient, name: str) -> dict[str, str]:
    """Sign `client` in as `name`; returns the headers for state-changing API calls."""
    client.cookies.clear()
    response = login(client, name)
    assert response.status_code == 303, response.text
    me = client.get("/api/console/me").json()
    return {"X-CSRF-Token": me["csrf_token"]}


def crisis(client: TestClient, client_id: str, text: str = CRISIS) -> dict[str, Any]:
    response = client.post("/api/chat", json={"client_id": client_id, "text": text})
    assert response.status_code == 200
    handoff = response.json()["handoff"]
    assert handoff and handoff["priority"] == "urgent", response.json()
    return handoff


def client_messages(client: TestClient, client_id: str) -> list[dict[str, Any]]:
    return client.get(f"/api/chat/{client_id}/messages").json()["messages"]
