"""The channels' words (data/content/channels.yml) and the keywords clients may send."""

from __future__ import annotations

import re

from bot import content

FILE = "channels"


def channel_text(key: str, channel: str) -> str:
    """`key`'s text for `channel`: `<key>_<channel>` when there is one, else `<key>`."""
    data = content.load(FILE)
    specific = f"{key}_{channel}"
    return content.text(FILE, specific if specific in data else key)


def _normalise(text: str) -> str:
    cleaned = text.strip().lower().lstrip("/")
    cleaned = re.sub(r"@\w+$", "", cleaned)  # Telegram's /stop@SomeBot
    cleaned = re.sub(r"^[\s\"'(]+|[\s.!?\"')]+$", "", cleaned)
    return " ".join(cleaned.split())


def keyword(text: str, opted_out: bool = False) -> str | None:
    """The keyword ("stop", "start", "help", "stop_check") the whole message is, if any."""
    word = _normalise(text)
    if not word or len(word) > 20:
        return None
    data = content.load(FILE)

    def listed(name: str) -> bool:
        return word in {str(w).lower() for w in data.get(name, [])}

    if listed("stop_words"):
        return "stop"
    if listed("start_words") or (opted_out and listed("opt_in_words")):
        return "start"
    if listed("help_words"):
        return "help"
    if listed("stop_check_words"):
        return "stop_check"
    return None
