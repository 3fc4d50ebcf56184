"""Example messages of an intent: Rasa's "- text" block, clean-up, and the rules one example meets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml
from ruamel.yaml.scalarstring import LiteralScalarString

MAX_EXAMPLE_CHARS = 300
# Rasa reads "[text](entity)" and "[text]{...}" inside examples as entity labels.
ENTITY_MARKUP = re.compile(r"\][({]")
# Whole messages that mean "stop texting me" on SMS: handled with care before the assistant
# (data/content/channels.yml). Used when that file cannot be read.
DEFAULT_KEYWORDS = ("stop", "stopall", "unsubscribe", "optout", "revoke", "end", "quit", "cancel")
KEYWORD_LISTS = ("stop_words", "stop_check_words")


def parse_block(block: object) -> list[str]:
    """The examples in a Rasa `examples: |` block, in order."""
    if not isinstance(block, str):
        return []
    out = []
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            out.append(stripped[2:].strip())
        elif stripped == "-":
            out.append("")
    return out


def make_block(examples: Iterable[str]) -> LiteralScalarString:
    return LiteralScalarString("".join(f"- {e}\n" for e in examples))


def clean(text: str) -> str:
    """One example as staff typed or pasted it: bullets and extra spaces removed."""
    text = text.replace("\r", " ").replace("\t", " ").strip()
    text = re.sub(r"^[-*\u2022]\s+", "", text)
    return " ".join(text.split())


def split_lines(text: str) -> list[str]:
    """Examples from a text box: one a line, blank lines ignored."""
    return [c for c in (clean(line) for line in (text or "").splitlines()) if c]


def normalise(text: str) -> str:
    """How examples are compared: case, apostrophes and punctuation do not make a new example."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def keywords(root: Path) -> set[str]:
    path = root / "data" / "content" / "channels.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    words = {normalise(str(w)) for name in KEYWORD_LISTS for w in (data.get(name) or [])}
    return words or set(DEFAULT_KEYWORDS)


def example_problem(text: str, reserved: set[str]) -> str | None:
    """Why this example cannot be used, in plain words (None when it is fine)."""
    if not text.strip():
        return "an example is empty"
    if len(text) > MAX_EXAMPLE_CHARS:
        return f'"{text[:40]}..." is longer than {MAX_EXAMPLE_CHARS} characters: use a shorter one'
    if ENTITY_MARKUP.search(text):
        return f'"{text}" has "](" or "]{{" in it, which Rasa reads as markup: reword it'
    if normalise(text) in reserved:
        return (
            f'"{text}" on its own is an SMS "stop" word, which the gateway handles with care'
            " before the assistant sees it: it cannot be an example"
        )
    if not normalise(text):
        return f'"{text}" has no words in it'
    return None


def duplicates_within(examples: list[str]) -> list[str]:
    """Examples that appear more than once in the list (compared normalised), as first written."""
    seen: set[str] = set()
    twice = []
    for example in examples:
        key = normalise(example)
        if key in seen and example not in twice:
            twice.append(example)
        seen.add(key)
    return twice
