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

# A new FAQ that no existing one answers: keeping a dog in a hostel.
PETS_KEY = "housing_pets"
PETS_EXAMPLES = [
    "can i bring my dog to the hostel",
    "do hostels take dogs",
    "im homeless with a dog, where can we stay",
    "will a shelter let my staffy in",
    "i wont go anywhere without my dog",
    "any hostels that allow pets",
    "can my cat come with me to emergency housing",
    "nowhere will take me and my dog",
    "is there a hostel that takes dogs in birmingham",
    "do i have to give up my dog to get a room",
    "where can i stay with my pet",
    "my dog is all i have, can he stay with me",
]
PETS_ANSWER = (
    "Some hostels take dogs, but many do not. Ask before you go. A navigator can help you find a"
    " place that takes your pet. Do you want a navigator?"
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
