"""Where the screen's files live, and reading the labelled examples."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

import yaml

log = logging.getLogger("bot.safety")

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "data" / "safety"
NORMALISE_FILE = RULES_DIR / "normalise.yml"
CLASSIFIER_FILE = RULES_DIR / "classifier.yml"
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
DATASET_DIR = ROOT / "tests" / "data" / "safety"


def model_dir() -> Path:
    """var/safety_model, or SAFETY_MODEL_DIR (tests point it somewhere temporary)."""
    configured = os.environ.get("SAFETY_MODEL_DIR", "").strip()
    return Path(configured) if configured else ROOT / "var" / "safety_model"


def pattern_files() -> list[Path]:
    """Every YAML file in data/safety except the normalisation and classifier settings."""
    skip = {NORMALISE_FILE.name, CLASSIFIER_FILE.name}
    return sorted(p for p in RULES_DIR.glob("*.yml") if p.name not in skip)


def dataset_files() -> list[Path]:
    """Labelled lines for training and the held-out gate: every JSONL file in tests/data/safety
    (crisis_trauma, negatives, extra_train ...) except evaluation-only sets (`*eval*.jsonl`),
    which are scored on purpose with `--evaluate FILE` and must never be trained on."""
    return sorted(p for p in DATASET_DIR.glob("*.jsonl") if "eval" not in p.stem)


def read_jsonl(path: Path) -> list[dict]:
    """Rows with a text; bad lines are logged and skipped (a half-written file must not crash)."""
    rows: list[dict] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d is not JSON, skipped", path.name, n)
                continue
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                log.warning("%s:%d has no text, skipped", path.name, n)
                continue
            row.setdefault("level", "none")
            row.setdefault("categories", [])
            row["_source"] = f"{path.name}:{n}"
            rows.append(row)
    return rows


def load_rows(paths: list[Path] | None = None, split: str | None = None) -> list[dict]:
    rows: list[dict] = []
    for path in dataset_files() if paths is None else paths:
        rows.extend(read_jsonl(path))
    if split:
        rows = [r for r in rows if r.get("split") == split]
    return rows


def fingerprint(rows: list[dict], extra_files: list[Path], version: str) -> str:
    """Changes when the training lines, the rule files or the training code version change."""
    h = hashlib.sha256(version.encode())
    for r in sorted(rows, key=lambda r: (r["text"], r.get("level", ""))):
        item = [r["text"], r.get("level"), sorted(r.get("categories") or [])]
        h.update(json.dumps(item, sort_keys=True).encode())
    for p in extra_files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def extra_negative_rows() -> list[dict]:
    """Ordinary messages from the assistant's NLU examples, as level-none training rows.

    Which files and intents: data/safety/classifier.yml. Entity annotations ([x](y)) become x.
    """
    if not CLASSIFIER_FILE.is_file():
        return []
    config = (yaml.safe_load(CLASSIFIER_FILE.read_text(encoding="utf-8")) or {}).get(
        "extra_negatives"
    ) or {}
    skip = set(config.get("skip_intents") or [])
    rows: list[dict] = []
    paths = sorted({p for pattern in config.get("files") or [] for p in ROOT.glob(pattern)})
    for path in paths:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            log.warning("%s could not be read for extra negatives, skipped", path)
            continue
        for item in doc.get("nlu") or []:
            if not isinstance(item, dict) or item.get("intent") in skip:
                continue
            examples = item.get("examples")
            if not isinstance(examples, str):
                continue
            for line in examples.splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]).strip()
                if text:
                    rows.append(
                        {
                            "text": text,
                            "level": "none",
                            "categories": [],
                            "kind": "nlu_extra",
                            "split": "train",
                            "_source": f"{path.relative_to(ROOT)}:{item.get('intent')}",
                        }
                    )
    return rows
