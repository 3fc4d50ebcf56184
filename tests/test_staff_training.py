"""The train-validate-reload job, with Rasa's commands and its HTTP API replaced by fakes (the
real thing runs once, in tests/test_staff_browser.py): the serving model is replaced only after
every step passed, any failure keeps it, one training at a time, progress and audit."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import Settings
from bot.rasa_client import RasaClient
from bot.staff import cli
from bot.staff.jobs import Busy, TrainingJobs
from bot.staff.pipeline import (
    LOAD_WAIT_SECONDS,
    Cancelled,
    LoadFailed,
    NotRunning,
    RasaLoader,
    TrainingRun,
)
from bot.staff.runs import RunStore
from bot.staff.workspace import Workspace
from bot.store import connect
from bot.training import data_fingerprint, fingerprint_path, model_is_current, model_path
from tests.conftest import free_port
from tests.test_console_support import cheap_hashing, console_client, signed_in
from tests.test_staff_support import staff_settings


class FakeRasaCommands:
    """Stands in for `rasa data validate / train / test nlu`, writing what they would write."""

    def __init__(self, validate: int = 0, f1: float = 0.93, during_train: Callable | None = None):
        self.validate = validate
        self.f1 = f1
        self.during_train = during_train
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.cancelled = threading.Event()

    def run(self, args: list[str], cwd: Path, on_line: Callable[[str], None]) -> int:
        self.calls.append(args)
        if args[:2] == ["data", "validate"]:
            on_line("2026-11-26 rasa.validator - ERROR - Issue found in 'data/nlu/basics.yml'")
            return self.validate
        if args[0] == "train":
            out, name = (
                Path(args[args.index("--out") + 1]),
                args[args.index("--fixed-model-name") + 1],
            )
            on_line("rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.")
            on_line("Epochs:  50%|#####     | 30/60 [00:10<00:10]")
            if self.during_train:
                self.during_train()
            while not self.release.wait(0.05):
                if self.cancelled.is_set():
                    raise Cancelled()
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name}.tar.gz").write_bytes(f"model from {cwd}".encode())
            return 0
        if args[:2] == ["test", "nlu"]:
            out = Path(args[args.index("--out") + 1])
            out.mkdir(parents=True, exist_ok=True)
            report = {"faq/food_foodbank": {"f1-score": 0.4}, "macro avg": {"f1-score": self.f1}}
            (out / "intent_report.json").write_text(json.dumps(report))
            (out / "response_selection_report.json").write_text(json.dumps(report))
            return 0
        raise AssertionError(f"unexpected command {args}")

    def cancel(self) -> None:
        self.cancelled.set()


class FakeLoader:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.loaded: list[tuple[Path, bytes]] = []

    def load(self, model: Path) -> None:
        if self.error:
            raise self.error
        self.loaded.append((model, model.read_bytes()))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = staff_settings(tmp_path, free_port())
    model_path(settings).parent.mkdir(parents=True, exist_ok=True)
    model_path(settings).write_bytes(b"the serving model")
    fingerprint_path(settings).write_text("an older fingerprint")
    return settings


@pytest.fixture
def runs(settings: Settings) -> Iterator[RunStore]:
    db = connect(settings.db_path)
    yield RunStore(db)
    db.close()


def run_once(
    settings: Settings,
    runs: RunStore,
    commands: FakeRasaCommands,
    loader: FakeLoader,
    force: bool = False,
) -> tuple[str, dict]:
    run_id = runs.create("kim")
    outcome = TrainingRun(
        settings, runs, run_id, Workspace.for_settings(settings), commands, loader, force
    ).execute()
    record = runs.get(run_id)
    assert record is not None
    return outcome.state, record


def serving(settings: Settings) -> bytes:
    return model_path(settings).read_bytes()


def test_a_model_that_passes_everything_is_loaded_and_kept(
    settings: Settings, runs: RunStore
) -> None:
    commands, loader = FakeRasaCommands(), FakeLoader()
    state, record = run_once(settings, runs, commands, loader)
    assert state == "passed", record
    assert [c[:2] for c in commands.calls] == [["data", "validate"], ["train", "--domain"],
                                               ["test", "nlu"]]  # fmt: skip
    [(loaded, content)] = loader.loaded
    assert loaded.parent == settings.models_dir / "candidates"  # a NEW file, not the serving one
    assert serving(settings) == content and content.startswith(b"model from ")
    previous = settings.models_dir / "assistant.previous.tar.gz"
    assert previous.read_bytes() == b"the serving model"
    assert fingerprint_path(settings).read_text() == data_fingerprint(settings.root)
    assert model_is_current(settings)  # `make run` uses it next time without training again
    assert not list((settings.models_dir / "candidates").iterdir())
    assert [s["state"] for s in record["steps"]] == ["passed"] * 6
    assert record["scores"]["faq_f1"] == 0.93 and record["message"].startswith(
        "The new model is live"
    )
    # Nothing changed since: the next run says so and trains nothing.
    again = FakeRasaCommands()
    state, record = run_once(settings, runs, again, FakeLoader())
    assert state == "unchanged" and again.calls == []
    state, _ = run_once(settings, runs, FakeRasaCommands(), FakeLoader(), force=True)
    assert state == "passed"


def test_broken_content_stops_before_rasa_and_names_the_file(
    settings: Settings, runs: RunStore
) -> None:
    faq = settings.root / "data/nlu/faq/washing_showers.yml"
    faq.write_text(faq.read_text().replace("responses:\n", "responses\n"))
    commands, loader = FakeRasaCommands(), FakeLoader()
    state, record = run_once(settings, runs, commands, loader)
    assert state == "failed" and commands.calls == [] and loader.loaded == []
    assert serving(settings) == b"the serving model"
    words = [p["words"] for p in record["problems"]]
    assert any(w.startswith("data/nlu/faq/washing_showers.yml, line ") and "not valid YAML" in w
               for w in words), words  # fmt: skip
    assert record["message"].endswith("The running model was kept.")
    assert [s["state"] for s in record["steps"]] == ["failed"] + ["skipped"] * 5


@pytest.mark.parametrize(
    ("commands", "loader", "failed_step", "words"),
    [
        (
            FakeRasaCommands(validate=1),
            FakeLoader(),
            "validate",
            "Issue found in 'data/nlu/basics.yml'",
        ),
        (FakeRasaCommands(f1=0.6), FakeLoader(), "test", "macro-F1 0.60; at least 0.85"),
        (
            FakeRasaCommands(),
            FakeLoader(LoadFailed("Rasa answered 500")),
            "load",
            "did not take it",
        ),
    ],
)
def test_any_failed_step_keeps_the_running_model(
    settings: Settings,
    runs: RunStore,
    commands: FakeRasaCommands,
    loader: FakeLoader,
    failed_step: str,
    words: str,
) -> None:
    state, record = run_once(settings, runs, commands, loader)
    assert state == "failed"
    assert serving(settings) == b"the serving model"
    assert fingerprint_path(settings).read_text() == "an older fingerprint"
    assert not list((settings.models_dir / "candidates").glob("*.tar.gz"))
    step = next(s for s in record["steps"] if s["state"] == "failed")
    assert step["name"] == failed_step
    text = record["message"] + " ".join(p["words"] for p in record["problems"])
    assert words in text, text
    if failed_step == "test":
        assert loader.loaded == [] and "Weakest: faq/food_foodbank 0.40" in text
        # The model in use was tested on the same questions, to compare.
        assert commands.calls[-1][commands.calls[-1].index("--model") + 1] == str(
            model_path(settings)
        )
        assert "the model in use now scores intents 0.60" in record["message"]


def test_with_no_assistant_running_the_model_is_kept_for_the_next_start(
    settings: Settings, runs: RunStore
) -> None:
    state, record = run_once(settings, runs, FakeRasaCommands(), FakeLoader(NotRunning("down")))
    assert state == "passed" and "uses it when it next starts" in record["message"]
    assert serving(settings).startswith(b"model from ")
    assert next(s for s in record["steps"] if s["name"] == "load")["state"] == "skipped"


def test_edits_made_while_training_wait_for_the_next_run(
    settings: Settings, runs: RunStore
) -> None:
    faq = settings.root / "data/nlu/faq/washing_showers.yml"

    def edit() -> None:
        faq.write_text(faq.read_text().replace("    - ", "    - please ", 1))

    before = data_fingerprint(settings.root)
    state, record = run_once(settings, runs, FakeRasaCommands(during_train=edit), FakeLoader())
    assert state == "passed"
    assert record["fingerprint"] == before == fingerprint_path(settings).read_text()
    assert not model_is_current(settings)  # the edit is not in this model: `make run` trains


def test_one_training_at_a_time_and_cancel_keeps_the_model(settings: Settings) -> None:
    db = connect(settings.db_path)
    commands = FakeRasaCommands()
    commands.release.clear()  # the fake training waits until told
    jobs = TrainingJobs(
        settings, Workspace.for_settings(settings), RunStore(db), lambda: commands, FakeLoader
    )
    first = jobs.start("kim")
    other = TrainingJobs(settings, Workspace.for_settings(settings), RunStore(db))
    with pytest.raises(Busy):
        jobs.start("alex")
    with pytest.raises(Busy):
        other.start("alex")  # as a second process would (the lock file)
    assert other.busy()
    deadline = time.monotonic() + 20
    while not commands.calls or commands.calls[-1][0] != "train":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert jobs.cancel()
    jobs.wait(20)
    record = RunStore(db).get(first)
    assert record and record["state"] == "cancelled"
    assert serving(settings) == b"the serving model"
    assert not jobs.busy()
    db.close()


def test_a_run_left_running_by_a_stopped_gateway_is_marked_interrupted(
    settings: Settings, runs: RunStore
) -> None:
    run_id = runs.create("kim")
    TrainingJobs(settings, Workspace.for_settings(settings), runs).tidy()
    record = runs.get(run_id)
    assert record and record["state"] == "interrupted"


def test_train_button_and_progress_over_http(settings: Settings) -> None:
    commands = FakeRasaCommands()
    with cheap_hashing(), console_client(settings) as app:
        app.app.state.staff_fakes = {"commands": lambda: commands, "loader": FakeLoader}
        headers = signed_in(app, "kim")
        started = app.post("/api/console/staff/training/start", headers=headers, json={})
        assert started.status_code == 202, started.text
        run_id = started.json()["run"]["id"]
        deadline = time.monotonic() + 30
        while True:
            status = app.get("/api/console/staff/training").json()
            if status["running"] is None:
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        last = status["recent"][0]
        assert last["id"] == run_id and last["state"] == "passed", (
            last["message"],
            last["problems"],
        )
        assert status["changes"]["pending"] is False
        page = app.get("/console/staff/training")
        assert (
            "Passed: the new model is live" in page.text
            and "Everything saved is live." in page.text
        )
        signed_in(app, "ada")
        actions = [e["action"] for e in app.get("/api/console/audit").json()["entries"]]
        assert {"staff_training_start", "staff_training_finished"} <= set(actions)


def test_command_line_check(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    assert cli.main(["--check"]) == 0
    assert "No problems." in capsys.readouterr().out
    faq = settings.root / "data/nlu/faq/washing_showers.yml"
    faq.write_text(faq.read_text().replace('  - text: "', '  - text: "Call 0121 000 0000. '))
    assert cli.main(["--check"]) == 0  # a phone number is worth a look, not a stop
    assert "0121 000 0000 is not one of the checked UK safety numbers" in capsys.readouterr().out
    faq.write_text(faq.read_text().replace("responses:\n", "responses\n"))
    assert cli.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "data/nlu/faq/washing_showers.yml, line " in out and "1 problem(s) stop training" in out


def test_loading_a_model_puts_it_to_rasa_and_the_gateway_waits_meanwhile(tmp_path: Path) -> None:
    """The real loader against a loopback stand-in for Rasa's PUT /model."""
    seen: list[tuple[str, dict, float]] = []
    answer = {"status": 204}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_PUT(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body, patient.timeout))
            self.send_response(answer["status"])
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings = staff_settings(tmp_path, 1, rasa_url_override=url)
    patient = RasaClient(url, url, settings.rasa_token, 10.0)
    model = tmp_path / "new.tar.gz"
    model.write_bytes(b"model")
    try:
        RasaLoader(settings, patient).load(model)
        assert seen == [
            (f"/model?token={settings.rasa_token}", {"model_file": str(model)}, LOAD_WAIT_SECONDS)
        ]
        assert patient.timeout == 10.0  # back to usual once loaded
        answer["status"] = 500
        with pytest.raises(LoadFailed, match="Rasa answered 500"):
            RasaLoader(settings, patient).load(model)
        assert patient.timeout == 10.0
    finally:
        server.shutdown()
        server.server_close()
        asyncio.run(patient.close())
    with pytest.raises(NotRunning):
        RasaLoader(staff_settings(tmp_path / "down", free_port())).load(model)
