"""Times in plain words for clients, always in UK time: "Tuesday 10 March at 10:30am"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def clock_words(moment: datetime) -> str:
    """'10am', '10:30am', '12pm' (midday), '6:15pm'."""
    local = moment.astimezone(LONDON)
    hour = local.hour % 12 or 12
    minutes = "" if local.minute == 0 else f":{local.minute:02d}"
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def when_words(moment: datetime) -> str:
    """'Tuesday 10 March at 10:30am'."""
    local = moment.astimezone(LONDON)
    return f"{local.strftime('%A')} {local.day} {local.strftime('%B')} at {clock_words(local)}"
