"""The project's own checks over all content, before any training: every file is valid YAML,
every FAQ is shaped right with enough examples, no example belongs to two intents, every
client-facing text passes the plain-language gate, and the glossary passes its check.

Each problem names the file, the entry and what is wrong in plain words (bot/staff/problems.py).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.content_check import MAX_MEDIAN_GRADE, Text, fill, score
from bot.jargon.glossary import GlossaryError, check_glossary, load_glossary
from bot.staff.catalog import FAQ_DIR, HELDOUT_DIR, NLU_DIR, Catalog, load_catalog
from bot.staff.examples import (
    duplicates_within,
    example_problem,
    keywords,
    normalise,
    parse_block,
)
from bot.staff.faqs import MIN_EXAMPLES, structure_problems
from bot.staff.problems import Problem, entry_label
from bot.staff.textcheck import check_text, unknown_numbers
from bot.staff.yamlfile import relative, yaml_error_parts

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SINGLE_FILES = ("domain.yml", "config.yml", "data/rules.yml", "data/stories.yml",
                "data/glossary.yml")  # fmt: skip
FOLDERS = (NLU_DIR, Path("data") / "content", HELDOUT_DIR)


def yaml_files(root: Path) -> list[Path]:
    files = [root / name for name in SINGLE_FILES if (root / name).is_file()]
    for folder in FOLDERS:
        if (root / folder).is_dir():
            files += sorted(p for p in (root / folder).rglob("*.yml") if p.is_file())
    return files


def read_all(root: Path) -> tuple[dict[Path, Any], list[Problem]]:
    """Every content file parsed, and a problem for each one that is not valid YAML."""
    parsed: dict[Path, Any] = {}
    problems = []
    for path in yaml_files(root):
        rel = relative(path, root)
        try:
            parsed[path] = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        except UnicodeDecodeError:
            problems.append(Problem(rel, "", "the file is not plain UTF-8 text."))
        except yaml.YAMLError as error:
            line, words = yaml_error_parts(error)
            problems.append(Problem(rel, "", words, line))
    return parsed, problems


def faq_problems(root: Path, parsed: dict[Path, Any]) -> Iterator[Problem]:
    folder = root / FAQ_DIR
    for path, data in parsed.items():
        if path.parent != folder:
            continue
        rel, key = relative(path, root), path.stem
        entry = f"FAQ {key}"
        shape = structure_problems(key, data)
        for text in shape:
            yield Problem(rel, entry, text)
        if shape:
            continue
        item = next(i for i in data["nlu"] if isinstance(i, dict))
        examples = parse_block(item.get("examples"))
        if len(examples) < MIN_EXAMPLES:
            yield Problem(
                rel,
                entry,
                f"only {len(examples)} example questions; an FAQ needs at least {MIN_EXAMPLES}.",
            )
        answer = " ".join(str(data["responses"][f"utter_faq/{key}"][0]["text"]).split())
        if not answer:
            yield Problem(rel, entry, "the answer is empty.")
        elif "{" in answer or "}" in answer:
            yield Problem(rel, entry, "the answer has { or } in it, which Rasa reads as a slot.")


def example_problems(catalog: Catalog, reserved: set[str]) -> Iterator[Problem]:
    faq_folder = str(FAQ_DIR)
    for block in catalog.blocks:
        entry = entry_label(block.intent)
        if block.is_faq and not block.file.startswith(faq_folder):
            yield Problem(
                block.file, entry, f"FAQ questions belong in {faq_folder}/{block.intent[4:]}.yml."
            )
        for example in block.examples:
            problem = example_problem(example, reserved)
            if problem:
                yield Problem(block.file, entry, problem)
        for example in duplicates_within(list(block.examples)):
            yield Problem(block.file, entry, f'"{example}" is listed twice: keep one.')
    for key, owners in catalog.owners().items():
        intents = {b.intent for b, _ in owners}
        if len(intents) < 2 or not key:
            continue
        (first, written), *others = owners
        for block, example in others:
            if block.intent == first.intent:
                continue
            yield Problem(
                block.file,
                entry_label(block.intent),
                f'"{example}" is also an example of {entry_label(first.intent)} in {first.file}'
                f' ("{written}"). One message can belong to one intent only: remove one.',
            )


def heldout_problems(catalog: Catalog, heldout: Catalog) -> Iterator[Problem]:
    trained = catalog.intents()
    owners = catalog.owners()
    for block in heldout.blocks:
        if block.intent not in trained:
            yield Problem(
                block.file,
                entry_label(block.intent),
                "these test questions are for an intent that is not trained; the check leaves"
                " them out.",
                warning=True,
            )
            continue
        for example in block.examples:
            for owner, _ in owners.get(normalise(example), []):
                same = owner.intent == block.intent
                yield Problem(
                    block.file,
                    entry_label(block.intent),
                    f'the test question "{example}" is also a training example of'
                    f" {entry_label(owner.intent)} in {owner.file}"
                    + ("; the test learns nothing from it." if same else ": they disagree."),
                    warning=same,
                )


def client_texts(root: Path, parsed: dict[Path, Any]) -> Iterator[Text]:
    """Every client-facing text, as bot/content_check.py collects them, for any root."""
    from bot.safety_reply import crisis_reply

    for path, data in parsed.items():
        rel = relative(path, root)
        if not isinstance(data, dict):
            continue
        if rel == "domain.yml" or rel.startswith(str(NLU_DIR)):
            for name, variants in (data.get("responses") or {}).items():
                for variant in variants or []:
                    if isinstance(variant, dict) and variant.get("text"):
                        yield Text(rel, str(name), fill(str(variant["text"]).strip()))
        elif rel == "data/glossary.yml":
            for entry in data.get("terms") or []:
                if isinstance(entry, dict) and entry.get("explanation"):
                    yield Text(rel, str(entry.get("term")), str(entry["explanation"]).strip())
        elif rel.startswith("data/content/"):
            if path.stem == "safety_replies":
                for category in data.get("categories") or {}:
                    yield Text(rel, category, crisis_reply([category]))
                continue
            yield from _strings(rel, data, "")


def _strings(rel: str, value: Any, name: str) -> Iterator[Text]:
    if isinstance(value, str) and value.strip():
        yield Text(rel, name, fill(value.strip()))
    elif isinstance(value, dict):
        for key, inner in value.items():
            if not str(key).endswith("_words"):
                yield from _strings(rel, inner, f"{name}.{key}" if name else str(key))


def content_problems(root: Path, parsed: dict[Path, Any]) -> Iterator[Problem]:
    texts = list(client_texts(root, parsed))
    grades = []
    for text in texts:
        grades.append(score(text).grade)
        for problem in check_text(text.text).problems:
            yield Problem(text.source, text.name, problem)
        for number in unknown_numbers(text.text):
            yield Problem(
                text.source,
                text.name,
                f"{number} is not one of the checked UK safety numbers: check it is right.",
                warning=True,
            )
    median = statistics.median(grades) if grades else 0.0
    if median > MAX_MEDIAN_GRADE:
        yield Problem(
            "(all texts)",
            "",
            f"the median reading grade of all {len(texts)} client texts is {median:.1f}; at most"
            f" {MAX_MEDIAN_GRADE:g}. Make the hardest ones simpler (`python -m bot content"
            " check` lists them).",
        )


def glossary_problems(root: Path) -> Iterator[Problem]:
    path = root / "data" / "glossary.yml"
    if not path.is_file():
        return
    try:
        glossary = load_glossary(path)
    except GlossaryError as error:
        yield Problem("data/glossary.yml", "", str(error))
        return
    for problem in check_glossary(glossary):
        entry, _, text = problem.partition(": ")
        yield Problem("data/glossary.yml", f"term {entry}" if text else "", text or problem)


def check_all(root: Path) -> list[Problem]:
    """All problems in the content under `root` (warnings included: see Problem.warning)."""
    parsed, problems = read_all(root)
    broken = {p.file for p in problems}
    reserved = keywords(root)
    catalog = load_catalog(root)
    catalog.blocks = [b for b in catalog.blocks if b.file not in broken]
    heldout = load_catalog(root, HELDOUT_DIR)
    heldout.blocks = [b for b in heldout.blocks if b.file not in broken]
    problems += faq_problems(root, parsed)
    problems += example_problems(catalog, reserved)
    problems += heldout_problems(catalog, heldout)
    problems += content_problems(root, parsed)
    if "data/glossary.yml" not in broken:
        problems += glossary_problems(root)
    return problems


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if not p.warning]
