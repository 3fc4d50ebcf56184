"""Client-facing words kept in data files (data/content/*.yml), loaded once and filled in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT

CONTENT_DIR = ROOT / "data" / "content"


class ContentError(KeyError):
    """A text the code asked for is missing from the content files."""


_cache: dict[Path, tuple[float, dict[str, Any]]] = {}


def load(name: str) -> dict[str, Any]:
    """The mapping in data/content/<name>.yml, read again whenever staff change the file."""
    path = CONTENT_DIR / f"{name}.yml"
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ContentError(f"{path} must hold a mapping of names to texts")
    _cache[path] = (mtime, data)
    return data


def text(file: str, key: str, **values: Any) -> str:
    """One text from data/content/<file>.yml with {placeholders} filled in."""
    data = load(file)
    if key not in data:
        raise ContentError(f"data/content/{file}.yml has no text named {key!r}")
    template = str(data[key]).strip()
    return template.format(**values) if values else template


def content_path(name: str) -> Path:
    return CONTENT_DIR / f"{name}.yml"
