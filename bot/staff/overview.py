"""What the training page shows: the run now (if any), recent runs, and what changed since the
model in use was trained."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bot.staff.pipeline import file_hashes
from bot.staff.state import Staff
from bot.training import data_fingerprint, fingerprint_path, model_path


def changes_since_model(staff: Staff) -> dict[str, Any]:
    settings = staff.settings
    stamp = fingerprint_path(settings)
    kept = stamp.read_text().strip() if stamp.is_file() else ""
    current = data_fingerprint(settings.root)
    files: list[dict[str, str]] = []
    last = staff.runs.last_kept()
    if kept != current and last and last.get("fingerprint") == kept and last.get("manifest"):
        before = last["manifest"]
        now = file_hashes(settings.root)
        files = [{"file": f, "change": "new"} for f in sorted(set(now) - set(before))]
        files += [{"file": f, "change": "removed"} for f in sorted(set(before) - set(now))]
        files += [
            {"file": f, "change": "changed"}
            for f in sorted(set(now) & set(before))
            if now[f] != before[f]
        ]
    model = model_path(settings)
    trained_at = (
        datetime.fromtimestamp(model.stat().st_mtime, timezone.utc).isoformat()
        if model.is_file()
        else None
    )
    return {
        "pending": kept != current,
        "files": files,
        "model_file": str(model),
        "model_exists": model.is_file(),
        "model_at": trained_at,
    }


def training_view(staff: Staff) -> dict[str, Any]:
    status = staff.jobs.status()
    return {**status, "changes": changes_since_model(staff)}
