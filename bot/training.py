"""Training the Rasa model, only when its training data changed."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.config import ROOT, Settings

MODEL_NAME = "assistant"
# What Rasa trains on. Other YAML under data/ (content, glossary, rota, safety lexicons) is the
# gateway's, and Rasa never reads it.
TRAINING_INPUTS = ["domain.yml", "config.yml", "data/nlu", "data/rules.yml", "data/stories.yml"]


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def training_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.yml") if p.is_file())
        elif path.is_file():
            files.append(path)
    return files


def data_fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    return settings.models_dir / f"{MODEL_NAME}.tar.gz"


def fingerprint_path(settings: Settings) -> Path:
    return settings.models_dir / f"{MODEL_NAME}.fingerprint"


def model_is_current(settings: Settings) -> bool:
    stamp = fingerprint_path(settings)
    return (
        model_path(settings).is_file()
        and stamp.is_file()
        and stamp.read_text().strip() == data_fingerprint(settings.root)
    )


def rasa_env(settings: Settings) -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, threads sized for a 2-core machine."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "TF_INTRA_OP_PARALLELISM_THREADS": env.get("TF_INTRA_OP_PARALLELISM_THREADS", "2"),
            "TF_INTER_OP_PARALLELISM_THREADS": env.get("TF_INTER_OP_PARALLELISM_THREADS", "1"),
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "2"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "ACTION_ENDPOINT_URL": f"{settings.action_url}/webhook",
            "TRACKER_DB": str(settings.tracker_db_path),
            "PYTHONPATH": str(settings.root),
        }
    )
    return env


def train(settings: Settings, out: Path | None = None, name: str = MODEL_NAME) -> Path:
    """Run `rasa train`; returns the model file. Raises CalledProcessError on failure."""
    out = out or settings.models_dir
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = data_fingerprint(settings.root)
    command = [
        rasa_executable(), "train",
        "--domain", "domain.yml", "--config", "config.yml",
        "--data", "data/nlu", "data/rules.yml", "data/stories.yml",
        "--out", str(out), "--fixed-model-name", name,
    ]  # fmt: skip
    subprocess.run(command, cwd=settings.root, env=rasa_env(settings), check=True)
    if out == settings.models_dir and name == MODEL_NAME:
        fingerprint_path(settings).write_text(fingerprint)
    return out / f"{name}.tar.gz"


@contextlib.contextmanager
def training_lock(settings: Settings) -> Iterator[None]:
    """One training into models/ at a time (tests, `make run` and staff may all ask at once)."""
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with (settings.models_dir / ".train.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def train_if_changed(settings: Settings) -> Path:
    with training_lock(settings):
        if model_is_current(settings):
            print(f"Training data unchanged: using {model_path(settings)}")
            return model_path(settings)
        print("Training data changed (or no model yet): training the Rasa model...")
        return train(settings)
