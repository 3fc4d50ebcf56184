"""Turn the time words found in a message into one due time in Europe/London.

Calendar steps ("tomorrow", "tuesday", "in 3 days") move the local date and then set the local
clock, so "tomorrow at 10am" is 10:00 on the wall clock even across a clock change. Elapsed
steps ("in 2 hours") are added in UTC. A local time that does not exist (the hour skipped when
the clocks go forward) moves forward by the gap; a local time that happens twice (the hour
repeated when the clocks go back) is the first one, still in summer time, or the second one
if the first has already passed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.reminders.extract import Mention
from bot.reminders.lexicon import DayPart, Holiday

LONDON = ZoneInfo("Europe/London")
DEFAULT_MINUTES = 9 * 60  # a day with no time given
DATE_KINDS = ("date", "holiday", "monthday", "days", "weekday")  # most specific first


def local_datetime(day: date, minutes: int, fold: int = 0) -> datetime:
    """The aware London time `minutes` after local midnight of `day`, gaps moved forward."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    # fold=0: in the spring gap zoneinfo uses the winter offset, so the round trip through UTC
    # lands an hour later on the wall clock; in the autumn overlap it picks the first (BST) one.
    return naive.replace(tzinfo=LONDON, fold=fold).astimezone(timezone.utc).astimezone(LONDON)


def local_datetimes(day: date, minutes: int) -> list[datetime]:
    """The times the wall clock shows this on `day`: two in the autumn overlap, else one."""
    first, second = local_datetime(day, minutes), local_datetime(day, minutes, fold=1)
    # In the spring gap fold=1 gives an earlier instant, not a second one: ignore it there.
    if second.astimezone(timezone.utc) > first.astimezone(timezone.utc):
        return [first, second]
    return [first]


def easter_sunday(year: int) -> date:
    """Easter Sunday (Gregorian), by the anonymous Gregorian algorithm."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    L = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * L) // 451
    month, day = divmod(h + L - 7 * m + 114, 31)
    return date(year, month, day + 1)


def clock_minutes(value: dict, part: DayPart | None) -> int:
    """Minutes after midnight for a clock mention, with the bare-hour conventions.

    am/pm wins; then a 24-hour time (13:00, 09:30); then a part of the day ("at 8 tonight");
    else a bare hour 7-11 is morning, 12 is noon and 1-6 is afternoon.
    """
    hour, minute, half = value["hour"], value["minute"], value["half"]
    if half == "am":
        h = hour % 12
    elif half == "pm":
        h = hour % 12 + 12
    elif value["h24"] or hour == 0 or hour >= 13:
        h = hour
    elif part is not None and part.half == "pm":
        h = hour + 12 if hour != 12 else (24 if part.name == "night" else 12)  # 12 at night
    elif part is not None:
        h = hour
    else:
        h = hour if 7 <= hour <= 12 else hour + 12
    return h * 60 + minute


def _real_dates(triples: Iterable[tuple[int, int, int]]) -> Iterator[date]:
    """The (year, month, day) triples that are real dates: no 30 February."""
    for year, month, day in triples:
        if day <= calendar.monthrange(year, month)[1]:
            yield date(year, month, day)


def _date_candidates(mention: Mention, today: date) -> Iterator[date]:
    """Dates the mention may mean, earliest first; the caller takes the first still to come."""
    v = mention.value
    if mention.kind == "days":
        yield today + timedelta(days=v["days"])
    elif mention.kind == "weekday":
        ahead = (v["weekday"] - today.weekday() - 1) % 7 + 1  # 1..7: never today
        if v["mode"] == "next_week":
            monday = today + timedelta(days=7 - today.weekday())
            yield monday + timedelta(days=v["weekday"])
        elif v["mode"] == "week_on":
            yield today + timedelta(days=ahead + 7)
        else:
            yield today + timedelta(days=ahead)
    elif mention.kind == "date":
        years = [v["year"]] if v["year"] else [today.year, today.year + 1]
        yield from _real_dates((year, v["month"], v["day"]) for year in years)
    elif mention.kind == "monthday":
        months = (today.month - 1 + i for i in range(13))  # this month and the next twelve
        yield from _real_dates((today.year + m // 12, m % 12 + 1, v["day"]) for m in months)
    elif mention.kind == "holiday":
        holiday: Holiday = v["holiday"]
        for year in (today.year, today.year + 1):
            if holiday.easter is not None:
                yield easter_sunday(year) + timedelta(days=holiday.easter)
            else:
                yield date(year, holiday.month, holiday.day)


def resolve(mentions: list[Mention], now: datetime) -> datetime | None:
    """The due time the mentions describe, or None when there is no definite time."""
    local_now = now.astimezone(LONDON)
    today = local_now.date()
    first = {}
    for mention in mentions:
        first.setdefault(mention.kind, mention)

    if "elapsed" in first:
        delta = timedelta(minutes=first["elapsed"].value["minutes"])
        due = (now.astimezone(timezone.utc) + delta).astimezone(LONDON)
        return due.replace(microsecond=0)

    part_mention = first.get("part")
    part: DayPart | None = part_mention.value["part"] if part_mention else None
    if "clock" in first:
        minutes: int | None = clock_minutes(first["clock"].value, part)
    elif "midnight" in first:
        minutes = 24 * 60
    elif part is not None:
        minutes = part.hour * 60 + part.minute
    else:
        minutes = None

    if "vague" in first and "clock" not in first and "midnight" not in first:
        return None

    dated = next((first[k] for k in DATE_KINDS if k in first), None)
    if dated is not None:
        candidates = list(_date_candidates(dated, today))
        if minutes is None:
            minutes = DEFAULT_MINUTES
    elif part_mention is not None and part_mention.value["today"]:
        candidates = [today]  # "tonight", "this morning": today only
    elif minutes is not None:
        candidates = [today, today + timedelta(days=1)]  # a time passed today means tomorrow
    else:
        return None

    now_utc = now.astimezone(timezone.utc)
    for day in candidates:
        for due in local_datetimes(day, minutes):
            # Compare in UTC: same-zone comparison uses wall clocks, wrong in the autumn fold.
            if due.astimezone(timezone.utc) > now_utc:
                return due
    return None
