"""FAQ entries: one file each, data/nlu/faq/<key>.yml, holding the questions (examples of
`faq/<key>`) and the answer (`utter_faq/<key>`) together. Retired ones move to data/retired/faq/
(Rasa never reads it), with their held-out test questions, so they can be restored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from bot.staff import heldout
from bot.staff.catalog import FAQ_DIR, load_catalog
from bot.staff.examples import (
    duplicates_within,
    example_problem,
    keywords,
    make_block,
    parse_block,
)
from bot.staff.problems import ContentError
from bot.staff.textcheck import check_text
from bot.staff.workspace import Workspace, today
from bot.staff.yamlfile import (
    INDENTS,
    YamlProblem,
    atomic_write,
    dump,
    parse,
    read_doc,
    relative,
    version_of,
)

RETIRED_DIR = Path("data") / "retired" / "faq"
KEY = re.compile(r"^[a-z][a-z0-9_]{2,59}$")
MIN_EXAMPLES = 10
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CHANGED_ELSEWHERE = (
    "Someone else changed this {what} after you opened it, so your changes were NOT saved"
    " (nothing is overwritten). Open it again to see their version, then make your change."
)


@dataclass
class Faq:
    key: str
    file: str
    examples: list[str]
    answer: str
    version: str
    notes: list[str] = field(default_factory=list)  # the comment lines at the top of the file
    retired: bool = False
    held_out: list[str] = field(default_factory=list)  # only kept in a retired file

    def to_dict(self) -> dict[str, Any]:
        score = check_text(self.answer)
        return {
            "key": self.key,
            "intent": f"faq/{self.key}",
            "file": self.file,
            "examples": self.examples,
            "answer": self.answer,
            "version": self.version,
            "notes": self.notes,
            "retired": self.retired,
            "score": score.to_dict(),
        }

    def matches(self, query: str) -> bool:
        haystack = " ".join([self.key.replace("_", " "), self.answer, *self.examples]).lower()
        return all(word in haystack for word in query.lower().split())


def faq_file(ws: Workspace, key: str, retired: bool = False) -> Path:
    return ws.path(RETIRED_DIR if retired else FAQ_DIR) / f"{key}.yml"


def _notes(text: str) -> list[str]:
    notes = []
    for line in text.splitlines():
        if line.startswith("#"):
            notes.append(line.lstrip("#").strip())
        elif line.strip().startswith(("nlu:", "responses:")):
            break
    return notes


def _from_data(key: str, data: Any, rel: str, text: str, retired: bool) -> Faq:
    """Read an FAQ from a parsed file (either loader); refuses a file that is not shaped right."""
    problems = structure_problems(key, data)
    if problems:
        raise ContentError([f"{rel}: {p}" for p in problems])
    item = _intent_item(key, data)
    answer = str(_answer_holder(key, data)["text"])
    return Faq(
        key=key,
        file=rel,
        examples=parse_block(item.get("examples")),
        answer=" ".join(answer.split()),
        version=version_of(text),
        notes=_notes(text),
        retired=retired,
        held_out=parse_block(data.get("held_out")) if retired else [],
    )


def _intent_item(key: str, data: Any) -> Any:
    for item in data.get("nlu") or []:
        if isinstance(item, dict) and item.get("intent") == f"faq/{key}":
            return item
    return None


def _answer_holder(key: str, data: Any) -> Any:
    variants = (data.get("responses") or {}).get(f"utter_faq/{key}")
    if isinstance(variants, list) and variants and isinstance(variants[0], dict):
        return variants[0]
    return None


def structure_problems(key: str, data: Any) -> list[str]:
    """What is wrong with the shape of an FAQ file (empty when it is right)."""
    if not isinstance(data, dict):
        return ["the file must be a mapping with version, nlu and responses"]
    problems = []
    intents = [i.get("intent") for i in data.get("nlu") or [] if isinstance(i, dict)]
    if intents != [f"faq/{key}"]:
        problems.append(
            f"the file must hold exactly one intent, faq/{key} (the file's name), under nlu:"
            f" found {', '.join(map(str, intents)) or 'none'}"
        )
    responses = data.get("responses")
    names = list(responses) if isinstance(responses, dict) else []
    if names != [f"utter_faq/{key}"]:
        problems.append(
            f"the file must hold exactly one answer, utter_faq/{key}, under responses: found"
            f" {', '.join(map(str, names)) or 'none'}"
        )
    holder = _answer_holder(key, data)
    if names == [f"utter_faq/{key}"] and (
        holder is None or not isinstance(holder.get("text"), str)
    ):
        problems.append(f'utter_faq/{key} needs a "- text:" with the answer')
    return problems


def read_faq(ws: Workspace, key: str, retired: bool = False) -> Faq | None:
    path = faq_file(ws, key, retired)
    if not KEY.match(key) or not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    rel = relative(path, ws.root)
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise ContentError(parse_problem(text, rel)) from error
    return _from_data(key, data, rel, text, retired)


def parse_problem(text: str, rel: str) -> str:
    try:
        parse(text, rel)
    except YamlProblem as problem:
        return str(problem)
    return f"{rel} is not valid YAML."


def list_faqs(ws: Workspace, query: str = "", retired: bool = False) -> tuple[list[Faq], list[str]]:
    """FAQs (matching the search words, if any), and the files that could not be read."""
    folder = ws.path(RETIRED_DIR if retired else FAQ_DIR)
    found, broken = [], []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        try:
            faq = read_faq(ws, path.stem, retired)
        except ContentError as error:
            broken.append(str(error))
            continue
        if faq and (not query or faq.matches(query)):
            found.append(faq)
    return found, broken


def check_faq(
    ws: Workspace, key: str, examples: list[str], answer: str, skip_conflicts: bool = False
) -> list[str]:
    """Everything that stops this FAQ being saved, in plain words."""
    problems = []
    reserved = keywords(ws.root)
    problems += [p for p in (example_problem(e, reserved) for e in examples) if p]
    problems += [f'"{e}" is in the list twice: keep one.' for e in duplicates_within(examples)]
    if len(examples) < MIN_EXAMPLES:
        problems.append(
            f"There are {len(examples)} example questions; an FAQ needs at least {MIN_EXAMPLES},"
            " written the way clients really text (short forms, typos, slang)."
        )
    if not answer.strip():
        problems.append("The answer is empty. Write what the client will read.")
    else:
        problems += check_text(answer).problems
        if re.search(r"[{}]", answer):
            problems.append("The answer has { or } in it, which the assistant reads as a slot.")
    if not skip_conflicts:
        problems += load_catalog(ws.root).conflicts(f"faq/{key}", examples)
    return problems


def _check_key(key: str) -> None:
    if not KEY.match(key):
        raise ContentError(
            "The name must be 3 to 60 small letters, digits or _ and start with a letter, like"
            " housing_pets (topic first, then what it is about)."
        )


def _new_file_text(key: str, examples: list[str], answer: str, notes: str) -> str:
    data = CommentedMap()
    data["version"] = DoubleQuotedScalarString("3.1")
    item = CommentedMap()
    item["intent"] = f"faq/{key}"
    item["examples"] = make_block(examples)
    data["nlu"] = CommentedSeq([item])
    data["responses"] = CommentedMap(
        {f"utter_faq/{key}": CommentedSeq([CommentedMap(text=DoubleQuotedScalarString(answer))])}
    )
    data.yaml_set_comment_before_after_key("nlu", before=notes)
    return dump(data, INDENTS[0])


def create_faq(
    ws: Workspace, key: str, examples: list[str], answer: str, topic: str, user: str
) -> Faq:
    key = key.strip().lower()
    _check_key(key)
    answer = " ".join(answer.split())
    topic = " ".join(topic.split()).rstrip(".") or key.replace("_", " ").capitalize()
    with ws.lock.hold():
        path = faq_file(ws, key)
        if path.exists():
            raise ContentError(f"There is already an FAQ called {key}. Open it to edit it.", 409)
        if faq_file(ws, key, retired=True).exists():
            raise ContentError(
                f"An FAQ called {key} was retired. Restore it from the retired list, or pick"
                " another name.",
                409,
            )
        problems = check_faq(ws, key, examples, answer)
        if problems:
            raise ContentError(problems)
        notes = f"{topic}. Added in the staff console by {user} on {today()}."
        atomic_write(path, _new_file_text(key, examples, answer, notes))
        faq = read_faq(ws, key)
    assert faq is not None
    return faq


def _set_answer(holder: Any, answer: str) -> None:
    old = holder.get("text")
    kind = type(old) if isinstance(old, ScalarString) else DoubleQuotedScalarString
    holder["text"] = kind(answer)


def update_faq(
    ws: Workspace, key: str, version: str, examples: list[str], answer: str
) -> tuple[Faq, dict[str, Any]]:
    """Save new examples and answer; refuses if the file changed since `version` was read."""
    answer = " ".join(answer.split())
    with ws.lock.hold():
        path = faq_file(ws, key)
        if not KEY.match(key) or not path.is_file():
            raise ContentError(f"There is no FAQ called {key} (it may have been retired).", 404)
        doc = read_doc(path, ws.root)
        if doc.version != version:
            raise ContentError(CHANGED_ELSEWHERE.format(what="FAQ"), 409)
        before = _from_data(key, doc.data, doc.rel, doc.text, False)
        problems = check_faq(ws, key, examples, answer)
        if problems:
            raise ContentError(problems)
        _intent_item(key, doc.data)["examples"] = make_block(examples)
        _set_answer(_answer_holder(key, doc.data), answer)
        atomic_write(path, doc.render())
        after = read_faq(ws, key)
    assert after is not None
    old, new = set(before.examples), set(examples)
    changes = {
        "examples": len(examples),
        "examples_added": len(new - old),
        "examples_removed": len(old - new),
        "answer_changed": before.answer != after.answer,
    }
    return after, changes


def save_faq_yaml(ws: Workspace, key: str, version: str, text: str) -> Faq:
    """Save the whole file as staff wrote it, if it is valid YAML, shaped right and passes the
    same checks as the form."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip() + "\n"
    with ws.lock.hold():
        path = faq_file(ws, key)
        if not KEY.match(key) or not path.is_file():
            raise ContentError(f"There is no FAQ called {key} (it may have been retired).", 404)
        rel = relative(path, ws.root)
        if version_of(path.read_text(encoding="utf-8")) != version:
            raise ContentError(CHANGED_ELSEWHERE.format(what="FAQ"), 409)
        try:
            data = parse(text, rel)
        except YamlProblem as problem:
            raise ContentError(str(problem)) from problem
        faq = _from_data(key, data, rel, text, False)
        problems = check_faq(ws, key, faq.examples, faq.answer)
        if problems:
            raise ContentError(problems)
        atomic_write(path, text)
    return faq


def retire_faq(ws: Workspace, key: str, version: str, user: str) -> Faq:
    """Move the FAQ (and its held-out test questions) out of the training data."""
    with ws.lock.hold():
        path = faq_file(ws, key)
        if not KEY.match(key) or not path.is_file():
            raise ContentError(f"There is no FAQ called {key} (it may be retired already).", 404)
        doc = read_doc(path, ws.root)
        if doc.version != version:
            raise ContentError(CHANGED_ELSEWHERE.format(what="FAQ"), 409)
        held_out = heldout.take(ws, f"faq/{key}")
        if held_out:
            doc.data["held_out"] = make_block(held_out)
        note = f"Retired in the staff console by {user} on {today()}."
        text = f"# {note}\n" + doc.render()
        target = faq_file(ws, key, retired=True)
        atomic_write(target, text)
        path.unlink()
        faq = read_faq(ws, key, retired=True)
    assert faq is not None
    return faq


def restore_faq(ws: Workspace, key: str) -> Faq:
    with ws.lock.hold():
        source = faq_file(ws, key, retired=True)
        if not KEY.match(key) or not source.is_file():
            raise ContentError(f"There is no retired FAQ called {key}.", 404)
        if faq_file(ws, key).exists():
            raise ContentError(f"An FAQ called {key} is in use already.", 409)
        doc = read_doc(source, ws.root)
        faq = _from_data(key, doc.data, doc.rel, doc.text, True)
        problems = check_faq(ws, key, faq.examples, faq.answer)
        if problems:
            raise ContentError(["It cannot come back as it is:", *problems])
        if "held_out" in doc.data:
            del doc.data["held_out"]
        lines = doc.render().splitlines(keepends=True)
        text = "".join(line for line in lines if not line.startswith("# Retired in the staff"))
        atomic_write(faq_file(ws, key), text)
        if faq.held_out:
            heldout.give_back(ws, f"faq/{key}", faq.held_out)
        source.unlink()
        restored = read_faq(ws, key)
    assert restored is not None
    return restored
