"""The whole loop in real headless Chromium: client -> crisis -> navigator -> back to assistant.

Runs the gateway with uvicorn on a free loopback port (Rasa is not needed: a crisis goes straight
to the queue) and drives Debian's chromium with Playwright. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import ROOT
from tests.conftest import free_port
from tests.fakes.gateway import safety_screen_ready
from tests.test_console_support import PASSWORD, add_people, cheap_hashing, settings_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 15_000

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    safety_screen_ready()
    settings = settings_in(tmp_path_factory.mktemp("browser"), free_port())
    with cheap_hashing():
        add_people(settings)
        port = free_port()
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="none",  # the gateway has no websockets (and Rasa pins an old websockets)
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 120
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(gateway: str) -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_crisis_to_navigator_and_back(gateway: str, browser) -> None:
    expect = playwright_sync.expect
    ARTIFACTS.mkdir(exist_ok=True)
    nav_context = browser.new_context(viewport={"width": 1100, "height": 900})
    client_context = browser.new_context(viewport={"width": 390, "height": 800})
    nav = nav_context.new_page()
    client = client_context.new_page()
    try:
        # Sign in with the keyboard only: labelled fields, Tab and Enter.
        nav.goto(f"{gateway}/console/queue")
        expect(nav.get_by_role("heading", name="Sign in")).to_be_visible()
        nav.get_by_label("User name").focus()
        nav.keyboard.type("sam")
        nav.keyboard.press("Tab")
        nav.keyboard.type(PASSWORD)
        nav.keyboard.press("Enter")
        expect(nav.get_by_role("heading", name="Queue")).to_be_visible()
        nav.get_by_role("button", name="Go on duty").click()
        expect(nav.locator("#duty-state")).to_have_text("On duty")
        expect(nav.locator("#live-state")).to_have_text("Live updates: on", timeout=WAIT_MS)
        nav.evaluate("window.__noReload = true")

        # Another client talked about past harm earlier and said yes to a navigator (normal).
        for text in ("i was in care growing up and it still messes with me", "yes"):
            client.request.post(
                f"{gateway}/api/chat", data={"client_id": "browser-other", "text": text}
            )
        expect(nav.locator("#queue li.item.normal")).to_have_count(1, timeout=WAIT_MS)

        # The client writes in crisis from the web chat.
        client.goto(gateway + "/")
        client.get_by_label("Your message").fill("i want to end my life tonight")
        client.get_by_role("button", name="Send").click()
        expect(client.locator("#log li.assistant").first).to_contain_text("999", timeout=WAIT_MS)

        # It appears in the queue at once, urgent, with an alert, and without a reload.
        urgent = nav.locator("#queue li.item.urgent")
        expect(urgent).to_have_count(1, timeout=WAIT_MS)
        expect(urgent).to_contain_text("i want to end my life tonight")
        expect(urgent).to_contain_text("URGENT")
        assert nav.locator("#queue li.item").first.get_attribute("data-priority") == "urgent"
        expect(nav.locator("#live-alert")).to_be_visible()
        expect(nav.locator("#live-alert")).to_contain_text("1 urgent conversation is waiting")
        assert nav.evaluate("window.__noReload === true")
        nav.screenshot(path=str(ARTIFACTS / "console-queue.png"))

        # Claim: the client is told a named person is here.
        urgent.get_by_role("button", name="Claim conversation").click()
        expect(nav.get_by_role("heading", name="Summary")).to_be_visible()
        expect(nav.locator("#notice")).to_contain_text("You have this conversation now")
        expect(client.locator("#log")).to_contain_text(
            "Sam from the navigator team is with you now.", timeout=WAIT_MS
        )

        # A reply reaches the client, under the navigator's name.
        nav.get_by_label("Your reply").fill("Hello, I am Sam. I am here with you now.")
        nav.get_by_role("button", name="Send reply").click()
        expect(nav.locator("#notice")).to_have_text("Reply sent.")
        from_sam = client.locator("#log li.navigator")
        expect(from_sam).to_contain_text("I am here with you now.", timeout=WAIT_MS)
        assert from_sam.locator(".who").inner_text().lower().startswith("sam")

        # A private note stays with the navigators.
        nav.get_by_label("New private note").fill("Sister lives in Erdington, good support.")
        nav.get_by_role("button", name="Save note").click()
        expect(nav.locator("#notes")).to_contain_text("Sister lives in Erdington")

        # The client's next message shows up in the open conversation without a reload.
        nav.evaluate("window.__noReload = true")
        client.get_by_label("Your message").fill("thank you, that helps")
        client.get_by_role("button", name="Send").click()
        expect(nav.locator("#transcript")).to_contain_text("thank you, that helps", timeout=WAIT_MS)
        assert nav.evaluate("window.__noReload === true")
        nav.screenshot(path=str(ARTIFACTS / "console-conversation.png"))
        nav.screenshot(path=str(ARTIFACTS / "console-conversation-full.png"), full_page=True)

        # Phone-sized screen: no sideways scrolling on the conversation or the queue.
        nav.set_viewport_size({"width": 375, "height": 740})
        assert no_sideways_scroll(nav)
        nav.screenshot(path=str(ARTIFACTS / "console-conversation-phone.png"))

        # Return to the assistant: the client is told.
        nav.set_viewport_size({"width": 1100, "height": 900})
        nav.get_by_role("button", name="Return to assistant").click()
        expect(nav.locator("#notice")).to_contain_text("back with the assistant")
        expect(client.locator("#log")).to_contain_text("has passed you back to me", timeout=WAIT_MS)
        assert "Erdington" not in client.locator("#log").inner_text()

        nav.goto(f"{gateway}/console/queue")
        expect(nav.locator("#queue li.item")).to_have_count(1)  # only the other client waits
        expect(nav.locator("#queue li.item.urgent")).to_have_count(0)
        nav.set_viewport_size({"width": 375, "height": 740})
        assert no_sideways_scroll(nav)
    finally:
        nav_context.close()
        client_context.close()
