"""The dialogue model itself: data validation, held-out NLU quality, and test stories.

These train the model once if the training data changed (a few minutes), then reuse it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.rasa_model import ROOT, ensure_model, run_rasa

pytestmark = pytest.mark.slow
MIN_MACRO_F1 = 0.85


@pytest.fixture(scope="module")
def model() -> Path:
    return ensure_model()


def test_rasa_data_validate() -> None:
    result = run_rasa(
        ["data", "validate", "--domain", "domain.yml", "--config", "config.yml",
         "--data", "data/nlu", "data/rules.yml", "data/stories.yml"],
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_held_out_nlu_examples(model: Path, tmp_path: Path) -> None:
    """Intent and FAQ answer quality on examples the model never trained on."""
    out = tmp_path / "nlu"
    result = run_rasa(
        ["test", "nlu", "--nlu", "tests/data/nlu", "--model", str(model), "--out", str(out)]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    intents = json.loads((out / "intent_report.json").read_text())
    responses = json.loads((out / "response_selection_report.json").read_text())
    intent_f1 = intents["macro avg"]["f1-score"]
    response_f1 = responses["macro avg"]["f1-score"]
    print(f"held-out intent macro-F1 {intent_f1:.3f}, FAQ response macro-F1 {response_f1:.3f}")
    weak = {k: round(v["f1-score"], 2) for k, v in responses.items()
            if isinstance(v, dict) and "f1-score" in v and v["f1-score"] < 0.7}  # fmt: skip
    assert intent_f1 >= MIN_MACRO_F1, f"intent macro-F1 {intent_f1:.3f}"
    assert response_f1 >= MIN_MACRO_F1, f"FAQ macro-F1 {response_f1:.3f}; weakest: {weak}"


def test_conversation_stories(model: Path, tmp_path: Path) -> None:
    result = run_rasa(
        ["test", "core", "--stories", "tests/stories", "--model", str(model),
         "--out", str(tmp_path / "core"), "--fail-on-prediction-errors"]
    )  # fmt: skip
    failed = tmp_path / "core" / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, detail + result.stderr[-2000:]
    assert (ROOT / "tests" / "stories").is_dir()
