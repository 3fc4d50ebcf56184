"""Helpers for tests that need the trained Rasa model (trained once, reused while data is unchanged)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.config import Settings
from bot.training import rasa_env, rasa_executable, train_if_changed

ROOT = Path(__file__).resolve().parent.parent


def repo_settings(**overrides: object) -> Settings:
    """Settings that use the repository's models/ (so `make run` reuses what tests trained)."""
    return Settings(models_dir=ROOT / "models", **overrides)  # type: ignore[arg-type]


def ensure_model() -> Path:
    return train_if_changed(repo_settings())


def run_rasa(args: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [rasa_executable(), *args],
        cwd=ROOT,
        env=rasa_env(repo_settings()),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
