"""The example messages of the assistant's other intents (greet, request_human, set_reminder...),
in data/nlu/*.yml outside the FAQ folder. Staff edit the examples; new intents need a developer
(they need rules in the dialogue too), so staff add new questions as FAQs instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.staff import faqs
from bot.staff.catalog import FAQ_DIR, NLU_DIR, load_catalog, read_blocks
from bot.staff.examples import duplicates_within, example_problem, keywords, make_block, normalise
from bot.staff.problems import ContentError, entry_label
from bot.staff.workspace import Workspace
from bot.staff.yamlfile import atomic_write, read_doc, relative, version_of

MIN_EXAMPLES = 5
INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")


@dataclass
class Intent:
    name: str
    file: str
    examples: list[str]
    guidance: list[str] = field(default_factory=list)  # the comment written above it

    @property
    def version(self) -> str:
        return intent_version(self.name, self.examples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "examples": self.examples,
            "guidance": self.guidance,
            "version": self.version,
        }

    def matches(self, query: str) -> bool:
        haystack = " ".join([self.name.replace("_", " "), *self.examples]).lower()
        return all(word in haystack for word in query.lower().split())


def intent_version(name: str, examples: list[str]) -> str:
    return version_of(json.dumps([name, examples]))


def intent_files(ws: Workspace) -> list[Path]:
    faq_dir = ws.path(FAQ_DIR)
    return [
        p
        for p in sorted(ws.path(NLU_DIR).rglob("*.yml"))
        if p.is_file() and faq_dir not in p.parents
    ]


def guidance(text: str) -> dict[str, list[str]]:
    """The comment lines written straight above each `- intent:` line."""
    found: dict[str, list[str]] = {}
    comments: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
            continue
        match = INTENT_LINE.match(line)
        if match:
            found[match.group(1)] = comments
        if stripped or match:
            comments = []
    return found


def list_intents(ws: Workspace, query: str = "") -> list[Intent]:
    out = []
    for path in intent_files(ws):
        blocks, _ = read_blocks(path, ws.root)
        notes = guidance(path.read_text(encoding="utf-8"))
        for block in blocks:
            if block.is_faq:
                continue
            intent = Intent(
                block.intent, block.file, list(block.examples), notes.get(block.intent, [])
            )
            if not query or intent.matches(query):
                out.append(intent)
    return out


def read_intent(ws: Workspace, name: str) -> Intent | None:
    return next((i for i in list_intents(ws) if i.name == name), None)


def check_intent(ws: Workspace, name: str, examples: list[str]) -> list[str]:
    reserved = keywords(ws.root)
    problems = [p for p in (example_problem(e, reserved) for e in examples) if p]
    problems += [f'"{e}" is in the list twice: keep one.' for e in duplicates_within(examples)]
    if len(examples) < MIN_EXAMPLES:
        problems.append(
            f"There are {len(examples)} examples; {entry_label(name)} needs at least"
            f" {MIN_EXAMPLES} so the assistant can still recognise it."
        )
    problems += load_catalog(ws.root).conflicts(name, examples)
    return problems


def update_intent(
    ws: Workspace, name: str, version: str, examples: list[str]
) -> tuple[Intent, dict[str, Any]]:
    """Save new examples for one intent; refuses if they changed since `version` was read."""
    with ws.lock.hold():
        current = read_intent(ws, name)
        if current is None:
            raise ContentError(f"There is no intent called {name} that staff can edit.", 404)
        if current.version != version:
            raise ContentError(faqs.CHANGED_ELSEWHERE.format(what="intent"), 409)
        problems = check_intent(ws, name, examples)
        if problems:
            raise ContentError(problems)
        path = ws.path(current.file)
        doc = read_doc(path, ws.root)
        for item in doc.data.get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") == name:
                item["examples"] = make_block(examples)
        atomic_write(path, doc.render())
        after = read_intent(ws, name)
    assert after is not None
    old, new = set(current.examples), set(examples)
    return after, {
        "file": relative(path, ws.root),
        "examples": len(examples),
        "examples_added": len(new - old),
        "examples_removed": len(old - new),
    }


def add_example(ws: Workspace, intent: str, text: str) -> str:
    """Add one example to an intent or an FAQ (the review page's one click); returns the file."""
    with ws.lock.hold():
        if intent.startswith("faq/"):
            faq = faqs.read_faq(ws, intent[4:])
            if faq is None:
                raise ContentError(f"There is no FAQ called {intent[4:]}.", 404)
            if normalise(text) in {normalise(e) for e in faq.examples}:
                raise ContentError(f"That is already an example of {entry_label(intent)}.", 409)
            faqs.update_faq(ws, faq.key, faq.version, [*faq.examples, text], faq.answer)
            return faq.file
        current = read_intent(ws, intent)
        if current is None:
            raise ContentError(f"There is no intent called {intent}.", 404)
        if normalise(text) in {normalise(e) for e in current.examples}:
            raise ContentError(f"That is already an example of {entry_label(intent)}.", 409)
        _, changes = update_intent(ws, intent, current.version, [*current.examples, text])
        return str(changes["file"])
