"""The staff pages and their JSON API over HTTP: forms that save, refuse with clear words, never
overwrite someone else's change, and leave who-did-what in the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from bot.staff.routes import STAFF_ROUTES
from tests.conftest import free_port
from tests.test_console_support import cheap_hashing, console_client, signed_in
from tests.test_staff_support import NEW_ANSWER, NEW_EXAMPLES, faq_text, staff_settings

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="([^"]+)"')


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = staff_settings(tmp_path_factory.mktemp("staff-pages"), free_port())
    with cheap_hashing(), console_client(settings) as client:
        client.root = settings.root  # type: ignore[attr-defined]
        yield client


def root(app: TestClient) -> Path:
    return app.root  # type: ignore[attr-defined]


def form_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def audit(app: TestClient, action: str) -> list[dict]:
    signed_in(app, "ada")
    return app.get("/api/console/audit", params={"action": action}).json()["entries"]


def test_every_staff_page_opens_for_staff_and_not_for_navigators(app: TestClient) -> None:
    signed_in(app, "kim")
    for path, _, methods, _, kind in STAFF_ROUTES:
        if "GET" not in methods:
            continue
        response = app.get(path, follow_redirects=False)
        if path in ("/console/staff/faq", "/console/staff/faq/yaml", "/console/staff/intent",
                    "/console/staff/glossary/term"):  # fmt: skip
            assert response.status_code == 303, path  # no entry named: back to the list
            continue
        assert response.status_code == 200, path
        if kind == "page" and "assets" not in path:
            assert "Staff pages" in response.text or "<h1>" in response.text
    home = app.get("/console/staff").text
    assert "Staff pages" in home and "/console/staff/faqs" in home
    assert "/console/queue" not in home
    signed_in(app, "sam")
    assert app.get("/console/staff/faqs", follow_redirects=False).status_code == 403
    assert app.get("/api/console/staff/faqs").status_code == 403


def test_staff_add_an_faq_with_the_form_and_it_is_logged(app: TestClient) -> None:
    signed_in(app, "kim")
    page = app.get("/console/staff/faqs/new")
    response = app.post(
        "/console/staff/faqs/new",
        data={
            "csrf_token": form_token(page.text),
            "key": "housing_post_form",
            "topic": "Post without an address",
            "examples": "\n".join(NEW_EXAMPLES),
            "answer": NEW_ANSWER,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/staff/faq?key=housing_post_form")
    shown = app.get(response.headers["location"])
    assert "FAQ added. Train the assistant to make it live." in shown.text
    assert "Reading grade" in shown.text and "text message" in shown.text
    data = yaml.safe_load(faq_text(root(app), "housing_post_form"))
    assert data["responses"]["utter_faq/housing_post_form"][0]["text"] == NEW_ANSWER
    [entry] = audit(app, "staff_faq_add")
    assert entry["actor"] == "kim" and entry["role"] == "staff"
    assert entry["detail"] == {
        "key": "housing_post_form",
        "file": "data/nlu/faq/housing_post_form.yml",
        "examples": len(NEW_EXAMPLES),
    }


@pytest.mark.parametrize(
    ("answer", "extra", "expected"),
    [
        ("", "", "The answer is empty. Write what the client will read."),
        (
            NEW_ANSWER,
            "where is the nearest foodbank",
            "is already an example of FAQ food_foodbank",
        ),
    ],
)
def test_broken_faqs_are_refused_on_the_page_and_what_was_typed_stays(
    app: TestClient, answer: str, extra: str, expected: str
) -> None:
    signed_in(app, "kim")
    page = app.get("/console/staff/faqs/new")
    examples = "\n".join([*NEW_EXAMPLES, extra])
    response = app.post(
        "/console/staff/faqs/new",
        data={"csrf_token": form_token(page.text), "key": "post_broken", "topic": "",
              "examples": examples, "answer": answer},
    )  # fmt: skip
    assert response.status_code == 400
    assert expected in response.text
    assert 'role="alert"' in response.text and "This was not saved" in response.text
    assert NEW_EXAMPLES[3] in response.text  # nothing typed is lost
    assert not (root(app) / "data/nlu/faq/post_broken.yml").exists()


def test_a_stale_form_is_refused_and_the_other_edit_stands(app: TestClient) -> None:
    headers = signed_in(app, "kim")
    page = app.get("/console/staff/faq", params={"key": "washing_laundry"})
    token, version = form_token(page.text), VERSION.search(page.text).group(1)  # type: ignore[union-attr]
    current = app.get("/api/console/staff/faqs", params={"key": "washing_laundry"}).json()
    [faq] = current["faqs"]
    assert faq["version"] == version
    # Someone else saves first (through the API).
    other = app.post(
        "/api/console/staff/faqs/update",
        headers=headers,
        json={"key": "washing_laundry", "version": version,
              "examples": [*faq["examples"], "where can i wash my joggers"],
              "answer": faq["answer"]},
    )  # fmt: skip
    assert other.status_code == 200, other.text
    saved = faq_text(root(app), "washing_laundry")
    mine = app.post(
        "/console/staff/faq",
        data={"csrf_token": token, "key": "washing_laundry", "version": version,
              "examples": "\n".join(faq["examples"]), "answer": "My new answer. It is short."},
    )  # fmt: skip
    assert mine.status_code == 409
    assert "Someone else changed this FAQ after you opened it" in mine.text
    assert "My new answer. It is short." in mine.text
    assert faq_text(root(app), "washing_laundry") == saved
    stale = app.post(
        "/api/console/staff/faqs/update",
        headers=headers,
        json={"key": "washing_laundry", "version": version, "examples": faq["examples"],
              "answer": faq["answer"]},
    )  # fmt: skip
    assert stale.status_code == 409 and "Someone else changed" in stale.json()["error"]


def test_invalid_yaml_is_refused_with_its_line(app: TestClient) -> None:
    signed_in(app, "kim")
    page = app.get("/console/staff/faq/yaml", params={"key": "washing_showers"})
    before = faq_text(root(app), "washing_showers")
    response = app.post(
        "/console/staff/faq/yaml",
        data={"csrf_token": form_token(page.text), "key": "washing_showers",
              "version": VERSION.search(page.text).group(1),  # type: ignore[union-attr]
              "yaml": before.replace("nlu:\n", "nlu\n")},
    )  # fmt: skip
    assert response.status_code == 400
    assert "is not valid YAML" in response.text and "line " in response.text
    assert faq_text(root(app), "washing_showers") == before


def test_live_score_as_staff_type(app: TestClient) -> None:
    headers = signed_in(app, "kim")
    plain = app.post(
        "/api/console/staff/check-text", headers=headers, json={"text": NEW_ANSWER}
    ).json()
    assert plain["ok"] and plain["segments"] == 1 and plain["grade"] <= 6
    assert plain["summary"].startswith("Reading grade")
    curly = app.post(
        "/api/console/staff/check-text",
        headers=headers,
        json={"text": "It\u2019s fine \u2014 really. " * 20},
    ).json()
    assert not curly["ok"] and curly["segments"] >= 3
    assert any("not plain text for SMS" in p for p in curly["problems"])
    assert app.post("/api/console/staff/check-text", json={"text": "x"}).status_code == 403


def test_retire_and_restore_with_the_forms(app: TestClient) -> None:
    signed_in(app, "kim")
    page = app.get("/console/staff/faq", params={"key": "phone_charging"})
    retire = app.post(
        "/console/staff/faq/retire",
        data={"csrf_token": form_token(page.text), "key": "phone_charging",
              "version": VERSION.search(page.text).group(1)},  # type: ignore[union-attr]
        follow_redirects=False,
    )  # fmt: skip
    assert retire.status_code == 303
    assert not (root(app) / "data/nlu/faq/phone_charging.yml").exists()
    retired = app.get("/console/staff/retired")
    assert "Restore phone_charging" in retired.text
    restore = app.post(
        "/console/staff/faq/restore",
        data={"csrf_token": form_token(retired.text), "key": "phone_charging"},
        follow_redirects=False,
    )
    assert restore.status_code == 303
    assert (root(app) / "data/nlu/faq/phone_charging.yml").exists()
    actions = {
        e["action"] for e in audit(app, "staff_faq_retire") + audit(app, "staff_faq_restore")
    }
    assert actions == {"staff_faq_retire", "staff_faq_restore"}


def test_glossary_and_intents_through_the_api(app: TestClient) -> None:
    headers = signed_in(app, "kim")
    [term] = app.get("/api/console/staff/glossary", params={"term": "bailiff"}).json()["terms"]
    assert term["score"]["segments"] == 1
    body = {**term, "original": "bailiff", "aliases": [*term["aliases"], "baillif"]}
    saved = app.post("/api/console/staff/glossary/update", headers=headers, json=body)
    assert saved.status_code == 200, saved.text
    assert "baillif" in saved.json()["term"]["aliases"]
    again = app.post("/api/console/staff/glossary/update", headers=headers, json=body)
    assert again.status_code == 409
    found = app.get("/api/console/staff/glossary", params={"q": "baillif"}).json()["terms"]
    assert [t["term"] for t in found] == ["bailiff"]
    [thank] = app.get("/api/console/staff/intents", params={"name": "thank"}).json()["intents"]
    bad = app.post(
        "/api/console/staff/intents/update",
        headers=headers,
        json={"name": "thank", "version": thank["version"], "examples": thank["examples"][:2]},
    )
    assert bad.status_code == 400 and "needs at least 5" in " ".join(bad.json()["problems"])
    good = app.post(
        "/api/console/staff/intents/update",
        headers=headers,
        json={"name": "thank", "version": thank["version"],
              "examples": [*thank["examples"], "cheers me dears"]},
    )  # fmt: skip
    assert good.status_code == 200 and good.json()["intent"]["examples"][-1] == "cheers me dears"
    kinds = {
        e["action"] for e in audit(app, "staff_glossary_edit") + audit(app, "staff_intent_edit")
    }
    assert kinds == {"staff_glossary_edit", "staff_intent_edit"}


def test_check_everything_from_the_console(app: TestClient) -> None:
    headers = signed_in(app, "kim")
    problems = app.post("/api/console/staff/check", headers=headers).json()["problems"]
    assert [p for p in problems if not p["warning"]] == []
    tiny = root(app) / "data/nlu/faq/tiny.yml"
    tiny.write_text(
        'version: "3.1"\nnlu:\n- intent: faq/tiny\n  examples: |\n    - one\nresponses:\n'
        '  utter_faq/tiny:\n  - text: "Hi."\n'
    )
    try:
        page = app.get("/console/staff/training")
        shown = app.post("/console/staff/check", data={"csrf_token": form_token(page.text)})
        assert "data/nlu/faq/tiny.yml (FAQ tiny): only 1 example questions" in shown.text
    finally:
        tiny.unlink()
