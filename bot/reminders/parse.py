"""Parse a reminder request: when it is due and what it is about.

    >>> p = parse_reminder("remind me about probation on tuesday at half 10", now=...)
    >>> p.due, p.what   # aware datetime in Europe/London (or None), "probation"

A hand-written rule parser for UK texting; the word lists are data (data/reminders/words.yaml)
and the rules below are the service's own, written up for staff in data/reminders/README.md.

Rules
- Everything is in Europe/London. `now` may carry any offset; it is read as London time.
- Parts of the day: morning 09:00, midday/noon/lunchtime 12:00, afternoon 14:00, evening,
  night and tonight 18:00. A day with no time (a weekday, "tomorrow", "the 14th") is 09:00.
- A bare hour: 7-11 is morning, 12 is noon, 1-6 is afternoon ("at 3" is 15:00), unless am/pm,
  a 24-hour time ("09:30", "15:00"), or a part of the day ("8 tonight", "6 in the morning")
  says otherwise. "half 10" is 10:30; "quarter to 3" is 14:45 (the rule goes by the named hour).
  A window ("between 8 and 12", "from 10 to 12") is due at its start.
- A weekday, with or without "next"/"this", is the first such day after today (never today:
  say "today" for today). "next week tuesday" / "tuesday next week" is the Tuesday of next
  week (weeks start on Monday). "tuesday week" / "a week on tuesday" is a week after that.
- "the 14th" is the next 14th whose time has not passed (this month or a later one); "14/3",
  "14/03", "14 march", "march 14th" are day first, this year or, once passed, next year.
  A date with its year that has passed gives None.
- A time with no day is today, or tomorrow once it has passed today. A time on a day that
  is explicitly today ("today at 9", "tonight", "this morning") that has passed gives None.
- "in N minutes/hours" is elapsed time (added in UTC); "in N days/weeks" moves the calendar
  date and keeps the rules above for the time (09:00 if none is given).
- Clock changes: a local time that does not exist (01:00-01:59 on the day the clocks go
  forward) moves forward by an hour ("1.30am" -> 02:30 BST); a local time that happens twice
  (01:00-01:59 on the day they go back) is the first, BST one, or the second, GMT one if the
  first has passed.
- Vague times ("later", "soon", "sometime next week", "when my money comes in") with no clock
  time give due None, and the assistant asks. No time words at all also give None.
- `what` is the text less the request ("can u remind me"), the time words with their little
  words ("on", "at", "in the") and small words at the ends ("about", "to", "pls", "x"), in the
  client's own spelling and case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.reminders.extract import find_mentions, normalise
from bot.reminders.resolve import LONDON, resolve
from bot.reminders.what import clean_what, request_span, widen


@dataclass(frozen=True)
class ParsedReminder:
    """A parsed request: `due` is aware (Europe/London) or None; `what` may be ""."""

    due: datetime | None
    what: str

    def to_dict(self) -> dict[str, Any]:
        return {"due": self.due.isoformat() if self.due else None, "what": self.what}


def parse_reminder(text: str, now: datetime | None = None) -> ParsedReminder:
    """Parse `text` relative to `now` (aware; default the current time)."""
    if now is None:
        now = datetime.now(timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    norm = normalise(text)
    mentions = find_mentions(norm)
    removed = [(widen(norm, m.start), m.end) for m in mentions]
    request = request_span(norm)
    if request:
        removed.append(request)
    due = resolve(mentions, now)
    return ParsedReminder(
        due=due.astimezone(LONDON) if due else None, what=clean_what(text, removed)
    )
