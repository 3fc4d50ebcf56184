"""The channels' words (data/content/channels.yml) and the keywords clients send."""

from __future__ import annotations

import re

import pytest

from bot import content
from bot.channels.gsm import is_gsm, segment_count
from bot.channels.texts import channel_text, keyword

KEYS = [
    "intro",
    "help",
    "stop_confirmed",
    "start_confirmed",
    "stop_check",
    "media_reply",
    "media_with_words",
    "group_refusal",
    "cut_short",
]
ALLOWED_NUMBERS = {"999", "55", "116 123", "85258", "111", "0808 2000 247"}


@pytest.mark.parametrize("channel", ["sms", "telegram"])
@pytest.mark.parametrize("key", KEYS)
def test_every_text_is_plain_gsm7_and_at_most_two_sms(key: str, channel: str) -> None:
    text = channel_text(key, channel)
    assert text and text.isascii() and is_gsm(text)
    assert segment_count(text) <= 2, f"{key} is {len(text)} characters"
    assert "{" not in text
    for number in re.findall(r"\d[\d ]*\d|\d", text):
        assert number.strip() in ALLOWED_NUMBERS


@pytest.mark.parametrize("channel, how", [("sms", "STOP"), ("telegram", "/stop")])
def test_the_introduction_says_what_this_is_and_how_to_stop(channel: str, how: str) -> None:
    intro = channel_text("intro", channel).lower()
    assert "computer helper" in intro and "real people" in intro  # automated, people behind
    assert "keep" in intro and "only our team" in intro  # what is kept and who sees it
    assert how.lower() in intro


def test_stop_confirmation_says_how_to_come_back() -> None:
    assert "START" in channel_text("stop_confirmed", "sms")
    assert "/start" in channel_text("stop_confirmed", "telegram")


@pytest.mark.parametrize(
    "text, opted_out, expected",
    [
        ("STOP", False, "stop"),
        (" stop. ", False, "stop"),
        ("Stop!", False, "stop"),
        ("/stop", False, "stop"),
        ("/stop@navigator_bot", False, "stop"),
        ("unsubscribe", False, "stop"),
        ("stop, i want to die", False, None),
        ("please stop texting me", False, None),
        ("END", False, "stop_check"),
        ("quit", False, "stop_check"),
        ("cancel", False, "stop_check"),
        ("cancel my reminder", False, None),
        ("START", False, "start"),
        ("yes", False, None),
        ("yes", True, "start"),
        ("unstop", True, "start"),
        ("HELP", False, "help"),
        ("help me please", False, None),
        ("", False, None),
    ],
)
def test_keywords_are_whole_messages_only(text: str, opted_out: bool, expected: str) -> None:
    assert keyword(text, opted_out) == expected


def test_channel_specific_text_falls_back_to_the_shared_one() -> None:
    data = content.load("channels")
    assert "media_reply" in data and "media_reply_sms" not in data
    assert channel_text("media_reply", "sms") == channel_text("media_reply", "telegram")
    assert channel_text("intro", "sms") != channel_text("intro", "telegram")
