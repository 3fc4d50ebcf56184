"""One training at a time, in the background: the console's Train button and `python -m bot train`
share a lock file, so neither can start while the other runs (in this process or another)."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import fcntl
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from bot.config import Settings
from bot.console.audit import AuditLog
from bot.staff.pipeline import Commands, Loader, TrainingRun
from bot.staff.runs import RunStore
from bot.staff.workspace import Workspace
from bot.store import connect

T = TypeVar("T")
LOOP_WAIT_SECONDS = 30.0
_live: weakref.WeakSet[TrainingJobs] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    """A gateway that stops mid-training stops the training's Rasa process too."""
    for jobs in list(_live):
        jobs.cancel()


class Busy(Exception):
    """A training is running already."""


class TrainingLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def lock_path(settings: Settings) -> Path:
    return settings.var_dir / "staff" / "training.lock"


def on_loop(loop: asyncio.AbstractEventLoop, work: Callable[[], T]) -> T:
    """Run `work` on the gateway's event loop and wait for it. The store's writes then all go
    through the loop's one connection, so they never race another connection's transaction."""
    done: concurrent.futures.Future[T] = concurrent.futures.Future()

    def call() -> None:
        try:
            done.set_result(work())
        except BaseException as error:
            done.set_exception(error)

    loop.call_soon_threadsafe(call)
    return done.result(timeout=LOOP_WAIT_SECONDS)


class LoopRuns(RunStore):
    """The run records, written from the training thread through the event loop."""

    def __init__(self, runs: RunStore, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(runs.db)
        self.inner = runs
        self.loop = loop

    def update(self, run_id: int, **fields: Any) -> None:
        on_loop(self.loop, lambda: self.inner.update(run_id, **fields))

    def get(self, run_id: int) -> dict[str, Any] | None:
        return on_loop(self.loop, lambda: self.inner.get(run_id))


class TrainingJobs:
    """Starts runs in a background thread; `commands`/`loader` factories are for tests."""

    def __init__(
        self,
        settings: Settings,
        workspace: Workspace,
        runs: RunStore,
        commands: Callable[[], Commands] | None = None,
        loader: Callable[[], Loader] | None = None,
    ) -> None:
        self.settings = settings
        self.ws = workspace
        self.runs = runs
        self.commands = commands
        self.loader = loader
        self.current: TrainingRun | None = None
        self.thread: threading.Thread | None = None
        self._guard = threading.Lock()
        _live.add(self)

    def tidy(self) -> None:
        """Mark runs left 'running' by a process that has gone as interrupted."""
        lock = TrainingLock(lock_path(self.settings))
        if lock.try_acquire():
            try:
                self.runs.mark_interrupted()
            finally:
                lock.release()

    def busy(self) -> bool:
        if self.thread and self.thread.is_alive():
            return True
        lock = TrainingLock(lock_path(self.settings))
        if lock.try_acquire():
            lock.release()
            return False
        return True

    def start(self, user: str, force: bool = False) -> int:
        with self._guard:
            if self.thread and self.thread.is_alive():
                raise Busy("A training is running already. Wait for it to finish.")
            lock = TrainingLock(lock_path(self.settings))
            if not lock.try_acquire():
                raise Busy("A training is running already (started elsewhere). Wait for it.")
            try:
                self.runs.mark_interrupted()
                run_id = self.runs.create(user)
            except BaseException:
                lock.release()
                raise
            try:
                loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:  # not called from the gateway (tests, scripts)
                loop = None
            self.thread = threading.Thread(
                target=self._work, args=(run_id, lock, force, user, loop), name=f"training-{run_id}",
                daemon=True,
            )  # fmt: skip
            self.thread.start()
            return run_id

    def _work(
        self,
        run_id: int,
        lock: TrainingLock,
        force: bool,
        user: str,
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        # In the gateway, progress goes through the event loop's connection; elsewhere the thread
        # has its own connection to the store.
        db = None if loop else connect(self.settings.db_path)
        runs: RunStore = LoopRuns(self.runs, loop) if loop else RunStore(db)  # type: ignore[arg-type]
        try:
            run = TrainingRun(
                self.settings,
                runs,
                run_id,
                self.ws,
                commands=self.commands() if self.commands else None,
                loader=self.loader() if self.loader else None,
                force=force,
            )
            self.current = run
            outcome = run.execute()

            def record() -> None:
                AuditLog(runs.db).record(
                    user, "staff_training_finished", run_id=run_id, state=outcome.state
                )

            if loop:
                on_loop(loop, record)
            else:
                record()
        finally:
            self.current = None
            if db is not None:
                db.close()
            lock.release()

    def cancel(self) -> bool:
        run = self.current
        if run is None:
            return False
        run.commands.cancel()
        return True

    def wait(self, timeout: float | None = None) -> None:
        if self.thread:
            self.thread.join(timeout)

    def status(self) -> dict[str, Any]:
        recent = self.runs.recent(10)
        running = next((r for r in recent if r["state"] == "running"), None)
        return {"running": running, "recent": recent, "busy": self.busy()}
