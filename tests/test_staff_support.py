"""Shared helpers for the staff tests (tests/test_staff_*.py). Holds no tests itself.

Every staff test works on a COPY of the repository's content in a temporary folder: the real
data/ files are never changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import ROOT, Settings
from bot.staff.workspace import Workspace

CONTENT = ["domain.yml", "config.yml", "endpoints.yml", "credentials.yml", "data", "tests/data"]

# A new FAQ that no existing one answers: where to get post without an address.
NEW_KEY = "housing_post_address"
NEW_EXAMPLES = [
    "where can i get my post sent",
    "i need an address for my letters",
    "no fixed address, where does my mail go",
    "can i use a day centre address for post",
    "need somewhere to get my post",
    "can my letters go to the hostel",
    "i keep missing letters cos i got no address",
    "what address do i put for my post",
    "who can take my mail for me",
    "is there somewhere i can pick up post",
    "my letters keep going to my old flat",
    "getting letters when homeless",
]
NEW_ANSWER = (
    "If you have no address, some day centres and services will take your post for you. Ask"
    " them first. A navigator can help you find one. Do you want a navigator?"
)


def copy_repo(target: Path) -> Path:
    """The content files (not the code) copied into `target`, which becomes a project root."""
    for name in CONTENT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def staff_settings(
    folder: Path, dead_port: int, root: Path | None = None, **more: object
) -> Settings:
    root = root or copy_repo(folder / "repo")
    values: dict[str, object] = {
        "root": root,
        "var_dir": folder / "var",
        "models_dir": folder / "models",
        "rasa_url_override": f"http://127.0.0.1:{dead_port}",
        "action_url_override": f"http://127.0.0.1:{dead_port}",
        "rasa_timeout": 2.0,
        **more,
    }
    return Settings(**values)  # type: ignore[arg-type]


def workspace(settings: Settings) -> Workspace:
    return Workspace.for_settings(settings)


def faq_text(root: Path, key: str) -> str:
    return (root / "data" / "nlu" / "faq" / f"{key}.yml").read_text(encoding="utf-8")
