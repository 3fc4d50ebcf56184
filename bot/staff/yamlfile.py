"""The YAML data files staff edit: read and written round-trip (comments and layout kept),
versioned by a hash of their bytes, written atomically, one writer at a time.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.staff.problems import ContentError

# (mapping, sequence, offset) indents used in this repository: Rasa files put "- " at the key's
# indent (2, 2, 0); the glossary indents lists under their key (2, 4, 2).
INDENTS = ((2, 2, 0), (2, 4, 2))
WIDTH = 4096  # never re-wrap long lines: answers stay on one line as staff wrote them


class YamlProblem(ContentError):
    """A file that is not valid YAML, in plain words with its line and column."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line


def version_of(text: str | bytes) -> str:
    """A short hash that changes whenever the content changes (sent with every edit form)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:16]


def make_yaml(indent: tuple[int, int, int] = INDENTS[0]) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def yaml_error_parts(error: Exception) -> tuple[int | None, str]:
    """(line, what is wrong and how to fix it) for a YAML parser error, in plain words."""
    # Where the parser started the thing it could not finish (e.g. a key without its colon) is
    # nearer the mistake than where it gave up.
    mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    column = f" (column {mark.column + 1})" if mark is not None else ""
    hint = (
        "Check the indentation (spaces, never tabs), that every list item starts with '- ',"
        " and that text containing a colon (:) or a # is inside double quotes."
    )
    if "duplicate key" in str(error).lower():
        hint = "A name appears twice in the same place: keep one."
    return line, f"not valid YAML: {what}{column}. {hint}"


def plain_yaml_error(file: str, error: Exception) -> YamlProblem:
    line, words = yaml_error_parts(error)
    where = f", line {line}" if line else ""
    return YamlProblem(file, f"{file}{where} is {words}", line)


def parse(text: str, file: str, indent: tuple[int, int, int] = INDENTS[0]) -> Any:
    try:
        return make_yaml(indent).load(text)
    except (MarkedYAMLError, YAMLError) as error:
        raise plain_yaml_error(file, error) from error
    except Exception as error:  # ruamel raises a few plain errors too (e.g. bad characters)
        raise plain_yaml_error(file, error) from error


def dump(data: Any, indent: tuple[int, int, int]) -> str:
    out = io.StringIO()
    make_yaml(indent).dump(data, out)
    return out.getvalue()


def detect_indent(text: str) -> tuple[int, int, int]:
    """The indent settings this file uses, from its first block list under a key."""
    previous = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        item = re.match(r"^( *)- ", line)
        key = re.match(r"^( *)[^\s#-][^#]*:\s*$", previous)
        if item and key:
            offset = len(item.group(1)) - len(key.group(1))
            return INDENTS[1] if offset >= 2 else INDENTS[0]
        previous = line
    return INDENTS[0]


@dataclass
class Doc:
    """One YAML file as read: its text, its round-trip data and the version it had."""

    path: Path
    rel: str
    text: str
    data: Any
    indent: tuple[int, int, int]

    @property
    def version(self) -> str:
        return version_of(self.text)

    def render(self) -> str:
        return dump(self.data, self.indent)


def read_doc(path: Path, root: Path) -> Doc:
    rel = relative(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblem(rel, f"{rel} is not plain UTF-8 text.") from error
    data = parse(text, rel)
    return Doc(path, rel, text, data, detect_indent(text))


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename it over the old one, so a
    reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class ContentLock:
    """One writer at a time over the data files: threads in this process and other processes
    (the gateway, `python -m bot train`) alike. Edits are quick, so one lock for all files."""

    def __init__(self, lock_file: Path) -> None:
        self.lock_file = lock_file
        self._thread_lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth:  # this thread holds it already (an edit inside an edit)
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
            with self.lock_file.open("a") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _trailing_token(node: Any) -> tuple[Any, Any] | None:
    """(owner map, key) whose comment slot holds what is written after this list item."""
    if isinstance(node, dict) and node:
        key = list(node)[-1]
        value = node[key]
        if isinstance(value, dict | list) and value and not _is_flow(value):
            return _trailing_token(value[-1] if isinstance(value, list) else value)
        return node, key
    return None


def _is_flow(value: Any) -> bool:
    fa = getattr(value, "fa", None)
    return bool(fa and fa.flow_style())


def _get_comment(owner: Any, key: Any) -> Any:
    items = getattr(getattr(owner, "ca", None), "items", {})
    tokens = items.get(key)
    return tokens[2] if tokens and len(tokens) > 2 else None


def pop_item(seq: list[Any], index: int) -> Any:
    """Remove one item from a round-trip list, keeping the comments written after it (such as
    the next section's heading) by moving them to the item before."""
    item = seq[index]
    slot = _trailing_token(item)
    after = _get_comment(*slot) if slot else None
    del seq[index]
    if after is None or index == 0:
        return item
    before = _trailing_token(seq[index - 1])
    if before is None:
        return item
    owner, key = before
    tokens = owner.ca.items.setdefault(key, [None, None, None, None])
    while len(tokens) < 3:
        tokens.append(None)
    mine = tokens[2]
    if mine is None or not mine.value.strip():
        tokens[2] = after
    elif after.value.strip():
        mine.value = mine.value.rstrip("\n") + "\n" + after.value.lstrip("\n")
    return item
