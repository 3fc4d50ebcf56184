"""The local web chat: a page at / and its JSON API under /api/chat."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
