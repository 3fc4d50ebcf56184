"""Where the content lives (the repository root, or a copy of it in tests) and its write lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.staff.yamlfile import ContentLock

LOCAL_ZONE = ZoneInfo("Europe/London")


@dataclass
class Workspace:
    root: Path
    lock: ContentLock

    @classmethod
    def for_settings(cls, settings: Settings) -> Workspace:
        return cls(settings.root, ContentLock(settings.var_dir / "staff" / "content.lock"))

    def path(self, rel: str | Path) -> Path:
        return self.root / rel


def today() -> str:
    return datetime.now(LOCAL_ZONE).date().isoformat()
