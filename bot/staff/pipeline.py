"""Check, train, test, load, keep: one training run, from a snapshot of the content.

The run copies the training data into a work folder first (so edits made while it trains go into
the next run, and the fingerprint it records is exactly what it trained on), trains into a NEW
model file, and touches the serving model only after every check passed: then Rasa loads the new
model over its HTTP API (PUT /model, no restart) and the file replaces models/assistant.tar.gz
with its fingerprint, so `make run` uses it next time. Any failure leaves the running model alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import yaml

from bot.config import Settings
from bot.rasa_client import RasaClient
from bot.staff.catalog import HELDOUT_DIR, load_catalog
from bot.staff.checks import blocking, check_all
from bot.staff.problems import Problem
from bot.staff.runs import RunStore
from bot.staff.workspace import Workspace
from bot.staff.yamlfile import atomic_write
from bot.store import utc_now
from bot.training import (
    MODEL_NAME,
    TRAINING_INPUTS,
    data_fingerprint,
    fingerprint_path,
    model_path,
    rasa_env,
    rasa_executable,
    training_files,
)

MIN_MACRO_F1 = 0.85  # as tests/test_rasa_model.py
# Copied into the snapshot besides the training inputs: what the checks read.
EXTRA_INPUTS = ["data/glossary.yml", "data/content", str(HELDOUT_DIR)]
DATA_ARGS = [name for name in TRAINING_INPUTS if name not in ("domain.yml", "config.yml")]
LOG_LINES = 40
LOAD_WAIT_SECONDS = 180.0  # how long the gateway waits for Rasa while a new model loads
PROGRESS_EVERY_SECONDS = 2.0
COMPONENT_WORDS = {
    "DIETClassifier": "learning the intents",
    "ResponseSelector": "learning the FAQ answers",
    "TEDPolicy": "learning the conversations",
    "CountVectorsFeaturizer": "reading the words",
    "MemoizationPolicy": "learning the conversations",
    "RulePolicy": "learning the rules",
}


class Cancelled(Exception):
    """Staff pressed Cancel."""


class NotRunning(Exception):
    """No Rasa server answered: the new model is used when it starts."""


class LoadFailed(Exception):
    """Rasa answered, but did not load the new model."""


class Commands(Protocol):
    def run(self, args: list[str], cwd: Path, on_line: Callable[[str], None]) -> int: ...

    def cancel(self) -> None: ...


class Loader(Protocol):
    def load(self, model: Path) -> None: ...


class RasaCommands:
    """Runs `rasa ...` at a lower priority than the serving processes, streaming its output."""

    def __init__(self, settings: Settings) -> None:
        self.env = rasa_env(settings)
        # Rasa's training cache: components whose inputs did not change are reused.
        self.env.setdefault("RASA_CACHE_DIRECTORY", str(settings.root / ".rasa" / "cache"))
        self.process: subprocess.Popen[str] | None = None
        self.cancelled = threading.Event()

    def run(self, args: list[str], cwd: Path, on_line: Callable[[str], None]) -> int:
        if self.cancelled.is_set():
            raise Cancelled()
        nice = shutil.which("nice")
        self.process = subprocess.Popen(
            [*([nice, "-n", "10"] if nice else []), rasa_executable(), *args],  # clients first
            cwd=cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            on_line(line.rstrip())
        code = self.process.wait()
        if self.cancelled.is_set():
            raise Cancelled()
        return code

    def cancel(self) -> None:
        """Stop the running command (without waiting: the caller may be the event loop)."""
        self.cancelled.set()
        process = self.process
        if process and process.poll() is None:
            process.terminate()
            timer = threading.Timer(10.0, lambda: process.poll() is None and process.kill())
            timer.daemon = True
            timer.start()


class RasaLoader:
    """PUT /model on the running Rasa server (bot/rasa_client.py), with its API token.

    Rasa loads the new model before it lets go of the old one, but it answers nothing while it
    loads (tens of seconds for a big model). `patient` is the gateway's own client: while the
    model loads it waits longer than usual, so clients' messages are answered a little late
    instead of getting the "having trouble" reply.
    """

    def __init__(self, settings: Settings, patient: RasaClient | None = None) -> None:
        self.settings = settings
        self.patient = patient

    def load(self, model: Path) -> None:
        usual = self.patient.timeout if self.patient else None
        if self.patient and usual is not None:
            self.patient.timeout = max(usual, LOAD_WAIT_SECONDS)
        try:
            asyncio.run(self._load(model))
        finally:
            if self.patient and usual is not None:
                self.patient.timeout = usual

    async def _load(self, model: Path) -> None:
        s = self.settings
        client = RasaClient(s.rasa_url, s.action_url, s.rasa_token, s.rasa_timeout)
        try:
            await client.replace_model(str(model.resolve()))
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise NotRunning(str(error)) from error
        except httpx.HTTPStatusError as error:
            detail = error.response.text[:300]
            raise LoadFailed(f"Rasa answered {error.response.status_code}: {detail}") from error
        except httpx.HTTPError as error:
            raise LoadFailed(f"{type(error).__name__}: {error}") from error
        finally:
            await client.close()


@dataclass
class Outcome:
    state: str
    message: str
    problems: list[Problem]


def file_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in training_files(root)
    }


def copy_inputs(root: Path, target: Path) -> None:
    for name in [*TRAINING_INPUTS, *EXTRA_INPUTS]:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def heldout_for(snapshot: Path, out: Path) -> tuple[Path, int]:
    """The held-out files, less questions for intents the model does not have."""
    trained = set(load_catalog(snapshot).intents())
    out.mkdir(parents=True, exist_ok=True)
    left_out = 0
    for path in sorted((snapshot / HELDOUT_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = [i for i in data.get("nlu") or [] if isinstance(i, dict)]
        keep = [i for i in items if i.get("intent") in trained]
        left_out += len(items) - len(keep)
        if keep:
            data["nlu"] = keep
            (out / path.name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out, left_out


def macro_f1(report: Path) -> float | None:
    if not report.is_file():
        return None
    data = json.loads(report.read_text())
    return float(data.get("macro avg", {}).get("f1-score", 0.0))


def weakest(report: Path, limit: int = 4) -> list[str]:
    if not report.is_file():
        return []
    data = json.loads(report.read_text())
    rows = [
        (k, v["f1-score"])
        for k, v in data.items()
        if isinstance(v, dict) and "f1-score" in v and k not in ("macro avg", "weighted avg",
                                                                  "micro avg")
    ]  # fmt: skip
    return [f"{k} {f:.2f}" for k, f in sorted(rows, key=lambda r: r[1])[:limit] if f < 0.8]


class TrainingRun:
    """One run of the steps; reports progress into the run's record."""

    def __init__(
        self,
        settings: Settings,
        runs: RunStore,
        run_id: int,
        workspace: Workspace,
        commands: Commands | None = None,
        loader: Loader | None = None,
        force: bool = False,
        on_progress: Callable[[dict[str, object]], None] | None = None,
    ) -> None:
        self.settings = settings
        self.runs = runs
        self.run_id = run_id
        self.ws = workspace
        self.commands = commands or RasaCommands(settings)
        self.loader = loader or RasaLoader(settings)
        self.force = force
        self.on_progress = on_progress
        self.work = settings.var_dir / "staff" / "runs" / str(run_id)
        self.log: list[str] = []
        self.steps = (runs.get(run_id) or {}).get("steps") or []
        self._last_flush = 0.0
        self._detail = ""

    # Progress ------------------------------------------------------------------------------
    def _step(self, name: str, state: str, detail: str = "") -> None:
        now = utc_now()
        self._detail = ""  # what Rasa is doing now: set again from its output
        for step in self.steps:
            if step["name"] == name:
                step["state"] = state
                step["detail"] = detail
                step["started_at" if state == "running" else "finished_at"] = now
        fields: dict[str, object] = {"steps": self.steps, "step": name}
        self.runs.update(self.run_id, **fields)
        self._report()

    def _skip_rest(self) -> None:
        for step in self.steps:
            if step["state"] in ("waiting", "running"):
                step["state"] = "skipped" if step["state"] == "waiting" else "failed"

    def _line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        self.log = (self.log + [line[:300]])[-LOG_LINES:]
        for component, words in COMPONENT_WORDS.items():
            if f"train component '{component}'" in line and "Starting" in line:
                self._detail = words
        if line.startswith("Epochs:") and "%" in line and self._detail:
            percent = line.split("%")[0].split()[-1]
            self._set_detail(f"{self._detail}: {percent}%")
        elif self._detail:
            self._set_detail(self._detail)
        if time.monotonic() - self._last_flush > PROGRESS_EVERY_SECONDS:
            self._flush()

    def _set_detail(self, detail: str) -> None:
        for step in self.steps:
            if step["state"] == "running":
                step["detail"] = detail

    def _flush(self) -> None:
        self._last_flush = time.monotonic()
        self.runs.update(self.run_id, steps=self.steps, log_tail="\n".join(self.log))
        self._report()

    def _report(self) -> None:
        if self.on_progress:
            self.on_progress({"steps": self.steps})

    # The run -------------------------------------------------------------------------------
    def execute(self) -> Outcome:
        try:
            outcome = self._execute()
        except Cancelled:
            outcome = Outcome("cancelled", "Cancelled. The running model was kept.", [])
        except Exception as error:  # a bug or a broken machine: still never touch the model
            outcome = Outcome(
                "failed",
                f"Training stopped on an unexpected error: {type(error).__name__}: {error}."
                " The running model was kept.",
                [],
            )
        if outcome.state != "passed":
            self._skip_rest()
        self.runs.update(
            self.run_id,
            state=outcome.state,
            message=outcome.message,
            problems=[p.to_dict() for p in outcome.problems],
            steps=self.steps,
            log_tail="\n".join(self.log),
            finished_at=utc_now(),
        )
        self._report()
        shutil.rmtree(self.work, ignore_errors=True)
        return outcome

    def _fail(self, step: str, message: str, problems: list[Problem]) -> Outcome:
        self._step(step, "failed", message)
        return Outcome("failed", message + " The running model was kept.", problems)

    def _execute(self) -> Outcome:
        snapshot = self.work / "content"
        shutil.rmtree(self.work, ignore_errors=True)
        snapshot.mkdir(parents=True)
        self._step("check", "running", "Reading the content")
        with self.ws.lock.hold():
            copy_inputs(self.settings.root, snapshot)
        fingerprint = data_fingerprint(snapshot)
        self.runs.update(self.run_id, fingerprint=fingerprint, manifest=file_hashes(snapshot))
        problems = check_all(snapshot)
        stop = blocking(problems)
        if stop:
            return self._fail(
                "check", f"{len(stop)} problem(s) in the content must be fixed first.", problems
            )
        self._step("check", "passed", f"{len(problems)} warning(s)" if problems else "No problems")

        current = fingerprint_path(self.settings)
        if (
            not self.force
            and model_path(self.settings).is_file()
            and current.is_file()
            and current.read_text().strip() == fingerprint
        ):
            return Outcome(
                "unchanged",
                "Nothing in the training data changed since the running model was trained.",
                problems,
            )

        self._step("validate", "running", "rasa data validate")
        code = self.commands.run(
            ["data", "validate", "--domain", "domain.yml", "--config", "config.yml",
             "--data", *DATA_ARGS],
            snapshot,
            self._line,
        )  # fmt: skip
        if code != 0:
            found = [line for line in self.log if "rror" in line or "Issue" in line][-8:]
            found = found or self.log[-8:]
            return self._fail(
                "validate",
                "Rasa found problems in the training data.",
                problems + [Problem("", "rasa data validate", line) for line in found],
            )
        self._step("validate", "passed", "No problems")

        candidates = self.settings.models_dir / "candidates"
        name = f"{MODEL_NAME}-{time.strftime('%Y%m%d-%H%M%S')}-run{self.run_id}"
        model = candidates / f"{name}.tar.gz"
        self._step("train", "running", "Starting (this takes several minutes)")
        self._detail = ""
        code = self.commands.run(
            ["train", "--domain", "domain.yml", "--config", "config.yml", "--data", *DATA_ARGS,
             "--out", str(candidates), "--fixed-model-name", name],
            snapshot,
            self._line,
        )  # fmt: skip
        if code != 0 or not model.is_file():
            model.unlink(missing_ok=True)
            return self._fail(
                "train",
                "Training did not finish.",
                problems + [Problem("", "rasa train", line) for line in self.log[-8:]],
            )
        self.runs.update(self.run_id, model_file=str(model))
        self._step("train", "passed", "Done")

        try:
            return self._test_load_keep(snapshot, model, fingerprint, problems)
        finally:
            model.unlink(missing_ok=True)  # kept models were moved away already

    def _test_load_keep(
        self, snapshot: Path, model: Path, fingerprint: str, problems: list[Problem]
    ) -> Outcome:
        self._step("test", "running", "rasa test nlu")
        heldout, left_out = heldout_for(snapshot, self.work / "heldout")
        results = self.work / "results"
        code, intent_f1, faq_f1 = self._nlu_scores(snapshot, heldout, model, results)
        scores = {"intent_f1": intent_f1, "faq_f1": faq_f1, "left_out": left_out}
        self.runs.update(self.run_id, scores=scores)
        if code != 0 or intent_f1 is None or faq_f1 is None:
            return self._fail(
                "test",
                "The test on held-out questions did not run.",
                problems + [Problem("", "rasa test nlu", line) for line in self.log[-8:]],
            )
        low = []
        if intent_f1 < MIN_MACRO_F1:
            weak = ", ".join(weakest(results / "intent_report.json"))
            low.append(
                Problem(
                    "tests/data/nlu",
                    "intents",
                    f"the new model recognised the intent of questions it never saw with"
                    f" macro-F1 {intent_f1:.2f}; at least {MIN_MACRO_F1} is needed."
                    + (f" Weakest: {weak}." if weak else "")
                    + " Add more varied examples there, or make intents less alike.",
                )
            )
        if faq_f1 < MIN_MACRO_F1:
            weak = ", ".join(weakest(results / "response_selection_report.json"))
            low.append(
                Problem(
                    "tests/data/nlu",
                    "FAQ answers",
                    f"the new model picked the right FAQ answer with macro-F1 {faq_f1:.2f}; at"
                    f" least {MIN_MACRO_F1} is needed."
                    + (f" Weakest: {weak}." if weak else "")
                    + " Add more varied examples to those FAQs, or make two alike FAQs differ.",
                )
            )
        if low:
            message = "The new model did worse than allowed."
            before = self._serving_scores(snapshot, heldout)
            if before:
                message += (
                    f" On the same questions the model in use now scores intents {before[0]:.2f},"
                    f" FAQ answers {before[1]:.2f}; the new one {intent_f1:.2f} and {faq_f1:.2f}."
                )
                scores.update(serving_intent_f1=before[0], serving_faq_f1=before[1])
                self.runs.update(self.run_id, scores=scores)
            return self._fail("test", message, problems + low)
        self._step("test", "passed", f"intents {intent_f1:.2f}, FAQ answers {faq_f1:.2f}")

        self._step("load", "running", "PUT /model")
        loaded = True
        try:
            self.loader.load(model)
            self._step("load", "passed", "The running assistant uses it now (no restart)")
        except NotRunning:
            loaded = False
            self._step("load", "skipped", "The assistant is not running: it will use it at start")
        except LoadFailed as error:
            return self._fail("load", f"The running assistant did not take it ({error}).", [])

        self._step("keep", "running", "")
        self.keep(model, fingerprint)
        self._step("keep", "passed", str(model_path(self.settings)))
        message = (
            "The new model is live. The assistant answers with it now."
            if loaded
            else "The new model passed and is kept; the assistant uses it when it next starts."
        )
        return Outcome("passed", message, problems)

    def _serving_scores(self, snapshot: Path, heldout: Path) -> tuple[float, float] | None:
        """The model in use, on the same questions: did this change make things worse?"""
        serving = model_path(self.settings)
        if not serving.is_file():
            return None
        self._step("test", "running", "testing the model in use, to compare")
        code, intent_f1, faq_f1 = self._nlu_scores(
            snapshot, heldout, serving, self.work / "results-serving"
        )
        if code != 0 or intent_f1 is None or faq_f1 is None:
            return None
        return intent_f1, faq_f1

    def _nlu_scores(
        self, snapshot: Path, heldout: Path, model: Path, out: Path
    ) -> tuple[int, float | None, float | None]:
        """`rasa test nlu` on the held-out questions: exit code, intent and FAQ macro-F1."""
        code = self.commands.run(
            ["test", "nlu", "--nlu", str(heldout), "--model", str(model), "--out", str(out),
             "--no-plot"],
            snapshot,
            self._line,
        )  # fmt: skip
        return (
            code,
            macro_f1(out / "intent_report.json"),
            macro_f1(out / "response_selection_report.json"),
        )

    def keep(self, model: Path, fingerprint: str) -> None:
        """Make the new model the one `make run` uses (the old one is kept as *.previous)."""
        target = model_path(self.settings)
        if target.is_file():
            shutil.copy2(target, target.with_name(f"{MODEL_NAME}.previous.tar.gz"))
        os.replace(model, target)
        atomic_write(fingerprint_path(self.settings), fingerprint)
