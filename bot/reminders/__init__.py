"""Reminders: parse a client's request ("remind me about probation on tues at half 10").

The parser is `bot.reminders.parse.parse_reminder`; its rules are in that module's docstring
and, for staff, in data/reminders/README.md. The store and the dispatcher live beside it.
"""

from bot.reminders.parse import ParsedReminder, parse_reminder

__all__ = ["ParsedReminder", "parse_reminder"]
