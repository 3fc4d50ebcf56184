"""The staff pages' parts, built once per gateway app (like the console's own state)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from starlette.requests import Request

from bot.config import Settings
from bot.services import Services
from bot.staff.jobs import TrainingJobs
from bot.staff.pipeline import RasaLoader
from bot.staff.review import RasaParser, Review
from bot.staff.runs import RunStore
from bot.staff.workspace import Workspace

_lock = threading.Lock()


@dataclass
class Staff:
    settings: Settings
    services: Services
    workspace: Workspace
    runs: RunStore
    jobs: TrainingJobs

    @classmethod
    def build(cls, request: Request) -> Staff:
        services: Services = request.app.state.services
        settings = services.settings
        workspace = Workspace.for_settings(settings)
        runs = RunStore(services.db)
        # Tests put fake Rasa commands and a fake loader here (app.state.staff_fakes).
        fakes = getattr(request.app.state, "staff_fakes", None) or {}
        jobs = TrainingJobs(
            settings,
            workspace,
            runs,
            commands=fakes.get("commands"),
            loader=fakes.get("loader") or (lambda: RasaLoader(settings, services.rasa)),
        )
        jobs.tidy()
        return cls(settings, services, workspace, runs, jobs)

    def review(self) -> Review:
        rasa = self.services.rasa
        return Review(
            self.services.db, self.settings.root, RasaParser(rasa.rasa_url, rasa.token, rasa.http)
        )


def staff_of(request: Request) -> Staff:
    state = request.app.state
    staff = getattr(state, "staff", None)
    if staff is None or staff.services is not state.services:
        with _lock:
            staff = getattr(state, "staff", None)
            if staff is None or staff.services is not state.services:
                staff = Staff.build(request)
                state.staff = staff
    return staff
