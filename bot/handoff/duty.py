"""Who is on duty now, and when the team is next at work (data/team/rota.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.config import ROOT

ROTA_PATH = ROOT / "data" / "team" / "rota.yml"
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class RotaError(ValueError):
    """The rota file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Shift:
    weekday: int
    start: time
    end: time


def _parse_time(value: Any, where: str) -> time:
    try:
        hours, minutes = str(value).strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as error:
        raise RotaError(f"{where}: {value!r} is not a time like 09:00") from error


@dataclass(frozen=True)
class Rota:
    zone: ZoneInfo
    shifts: tuple[Shift, ...]

    @classmethod
    def load(cls, path: Path = ROTA_PATH) -> Rota:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise RotaError(f"{path}: cannot read the rota ({error})") from error
        zone = ZoneInfo(str(data.get("timezone") or "Europe/London"))
        shifts: list[Shift] = []
        for day, hours in (data.get("working_hours") or {}).items():
            if str(day).lower() not in DAYS:
                raise RotaError(f"{path}: working_hours has an unknown day {day!r}")
            if hours:
                if len(hours) != 2:
                    raise RotaError(f"{path}: {day} needs a start and an end time")
                where = f"{path}: {day}"
                shifts.append(
                    Shift(
                        DAYS.index(str(day).lower()),
                        _parse_time(hours[0], where),
                        _parse_time(hours[1], where),
                    )
                )
        for entry in data.get("on_call") or []:
            day = str(entry.get("day", "")).lower()
            if day not in DAYS:
                raise RotaError(f"{path}: on_call has an unknown day {entry.get('day')!r}")
            where = f"{path}: on_call {day}"
            shifts.append(
                Shift(
                    DAYS.index(day),
                    _parse_time(entry.get("from"), where),
                    _parse_time(entry.get("to"), where),
                )
            )
        return cls(zone, tuple(sorted(shifts, key=lambda s: (s.weekday, s.start))))

    def in_hours(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        return any(
            s.weekday == local.weekday() and s.start <= local.time() < s.end for s in self.shifts
        )

    def next_start(self, now: datetime) -> datetime | None:
        """The next time a shift begins after `now` (local time), or None if the rota is empty."""
        local = now.astimezone(self.zone)
        for offset in range(0, 8):
            day = (local + timedelta(days=offset)).date()
            for shift in self.shifts:
                if shift.weekday != day.weekday():
                    continue
                start = datetime.combine(day, shift.start, tzinfo=self.zone)
                if start > local:
                    return start
        return None


def describe_time(moment: datetime, now: datetime) -> str:
    """Plain words for when: '9am today', '9am tomorrow', '9:30am on Monday'."""
    local_now = now.astimezone(moment.tzinfo)
    hour = moment.strftime("%I").lstrip("0")
    minutes = "" if moment.minute == 0 else f":{moment.minute:02d}"
    clock = f"{hour}{minutes}{moment.strftime('%p').lower()}"
    days = (moment.date() - local_now.date()).days
    if days == 0:
        return f"{clock} today"
    if days == 1:
        return f"{clock} tomorrow"
    return f"{clock} on {moment.strftime('%A')}"
