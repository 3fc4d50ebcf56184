"""The regular expressions the extractor runs, built once from the word lists.

Each is a piece of UK phrasing: "half 10", "quarter to 3", "tues week", "in 2 hrs", "14/3".
Word edges treat digits as letters (B and E), so "2moro" and "10am" are single words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.reminders.lexicon import POSSESSIVE, B, E, alternation, load

MERIDIEM = r"(?P<mer>a\.?m\.?|p\.?m\.?)(?![a-z0-9])"
NOT_NUMBER_AFTER = r"(?![\d/:])(?!\.\d)"


@dataclass(frozen=True)
class Patterns:
    """Compiled patterns, built once from the word lists."""

    elapsed_and_a_half: re.Pattern[str]
    half_an_hour: re.Pattern[str]
    duration: re.Pattern[str]
    from_now: re.Pattern[str]
    week_from: re.Pattern[str]
    fortnight: re.Pattern[str]
    next_week_day: re.Pattern[str]
    day_next_week: re.Pattern[str]
    week_on_day: re.Pattern[str]
    day_after_tomorrow: re.Pattern[str]
    vague: re.Pattern[str]
    vague_clause: re.Pattern[str]
    holiday: re.Pattern[str]
    relative_day: re.Pattern[str]
    slash_date: re.Pattern[str]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    month_day_ordinal: re.Pattern[str]
    weekday: re.Pattern[str]
    between: re.Pattern[str]
    noon: re.Pattern[str]
    midnight: re.Pattern[str]
    past_to: re.Pattern[str]
    half_hour: re.Pattern[str]
    colon_time: re.Pattern[str]
    compact_time: re.Pattern[str]
    spaced_time: re.Pattern[str]
    hour_meridiem: re.Pattern[str]
    word_time: re.Pattern[str]
    oclock: re.Pattern[str]
    hour_ish: re.Pattern[str]
    prep_hour: re.Pattern[str]
    after_date_hour: re.Pattern[str]
    after_date_meridiem: re.Pattern[str]
    tonight: re.Pattern[str]
    part: re.Pattern[str]
    follow_ok: re.Pattern[str]
    units_after: re.Pattern[str]
    risky_weekday_context: re.Pattern[str]
    holiday_intro: re.Pattern[str]


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    lex = load()
    hour = lex.hour_alt
    count = lex.count_alt
    units = lex.unit_alt("minutes", "hours", "days", "weeks")
    wd = lex.weekday_alt
    month = lex.month_alt
    tomorrow = lex.tomorrow_alt
    lead = r"(?:about|around|roughly|approx|approximately|like|just)\s+"
    c = re.compile
    follow_words = (
        lex.raw["lead_words"]
        + lex.raw["tail_words"]
        + [w for ws in lex.raw["weekdays"].values() for w in ws]
        + [w for ws in lex.raw["relative_days"].values() for w in ws]
        + [w for p in lex.raw["day_parts"].values() for w in p["words"]]
        + lex.raw["tonight"]
        + [
            "with",
            "to",
            "in",
            "the",
            "ish",
            "o'clock",
            "oclock",
            "sharp",
            "then",
            "but",
            "or",
            "if",
            "please",
            "as",
            "cos",
            "because",
            "coz",
            "its",
            "it's",
            "i",
            "so",
            "&",
            "+",
        ]
    )
    return Patterns(
        elapsed_and_a_half=c(
            B + rf"in\s+(?:{lead})?(?P<n>{count})\s+(?P<u>{units})?\s*and\s+a\s+half"
            rf"(?:\s+(?P<u2>{units}))?" + E
        ),
        half_an_hour=c(B + rf"in\s+(?:{lead})?half\s+an?\s+hour" + E),
        duration=c(
            B + rf"in\s+(?:{lead})?(?:the\s+next\s+)?(?P<n>{count})\s*(?P<u>{units})"
            r"(?:(?:'s|s'|')?\s+time)?" + E
        ),
        from_now=c(B + rf"(?P<n>{count})\s*(?P<u>{units})\s+from\s+now" + E),
        week_from=c(B + rf"(?:in\s+)?a\s+week\s+(?:on\s+|from\s+)?(?P<rel>today|{tomorrow})" + E),
        fortnight=c(B + r"(?:in\s+)?a\s+fortnight(?:'?s\s+time|\s+today)?" + E),
        next_week_day=c(B + rf"next\s+week\s*,?\s*(?:on\s+)?(?:the\s+)?(?P<wd>{wd})" + E),
        day_next_week=c(B + rf"(?P<wd>{wd})\s+(?:of\s+|in\s+)?next\s+week" + E),
        week_on_day=c(
            B
            + rf"(?:a\s+week\s+(?:on\s+)?(?P<wd>{wd})|(?P<wd2>{wd})\s+week)"
            + E
            + r"(?!\s*(?:end|ly))"
        ),
        day_after_tomorrow=c(B + rf"(?:the\s+)?day\s+after\s+{tomorrow}" + E),
        vague=c(B + lex.alt("vague") + E),
        vague_clause=c(
            B
            + lex.alt("vague_clause_starts")
            + r"\s+"
            + lex.alt("vague_clause_subjects")
            + E
            + r"[^,.;!?]*?(?=\s*$|\s*[,.;!?]|\s+(?:to|about|bout|abt|"
            + lex.alt("requests")
            + ")"
            + E
            + ")"
        ),
        holiday=c(B + r"(?:on\s+)?" + lex.holiday_alt + E),
        relative_day=c(B + lex.relative_day_alt + POSSESSIVE + E),
        slash_date=c(
            r"(?<![\d£$/.:])(?P<d>[0-3]?\d)\s?[/\-]\s?(?P<m>[01]?\d)"
            r"(?:\s?[/\-]\s?(?P<y>\d{4}|\d{2}))?(?![\d/])"
        ),
        day_month=c(
            B
            + rf"(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{month})"
            + E
            + r"(?:,?\s+(?P<y>20\d\d))?"
            + E
        ),
        month_day=c(
            B
            + rf"(?P<mon>{month})\s+(?:the\s+)?(?P<d>[0-3]?\d)(?P<suf>st|nd|rd|th)?"
            + E
            + r"(?!\s*(?:[:.]\d|a\.?m|p\.?m|o'?\s*clock))(?:,?\s+(?P<y>20\d\d)"
            + E
            + ")?"
        ),
        month_day_ordinal=c(B + r"(?:the\s+)?(?P<d>[0-3]?\d)(?:st|nd|rd|th)" + E),
        weekday=c(
            B + rf"(?:(?P<mod>this\s+coming|this|next|coming|on|by|till|until|for)\s+)?"
            rf"(?P<wd>{wd})" + POSSESSIVE + E
        ),
        between=c(
            B + rf"(?:between|from)\s+(?P<h>{hour})(?:[:.](?P<m>[0-5]\d))?(?:\s*{MERIDIEM})?\s*"
            rf"(?:and|&|-|to|till|til|until)\s*"
            rf"(?P<h2>{hour})(?:[:.][0-5]\d)?(?:\s*(?P<mer2>a\.?m\.?|p\.?m\.?))?" + E
        ),
        noon=c(B + r"(?:at\s+|@\s*)?(?:12\s+)?" + lex.alt("noon") + E),
        midnight=c(B + r"(?:at\s+|@\s*)?" + lex.alt("midnight") + E),
        past_to=c(
            B
            + rf"(?P<n>{alternation(list(lex.raw['past_to_words']))}|[1-5]?\d)\s*(?:mins?|minutes?)?\s+"
            rf"(?P<dir>past|after|to)\s+(?P<h>{hour})" + E + rf"(?:\s*{MERIDIEM})?"
        ),
        half_hour=c(
            B
            + rf"half\s+(?P<h>{hour})"
            + E
            + rf"(?!\s*(?:{units}|an?\s)"
            + E
            + ")"
            + rf"(?:\s*{MERIDIEM})?"
        ),
        colon_time=c(
            r"(?<![\d£$.:/])(?P<h>[01]?\d|2[0-3])\s?[:.;]\s?(?P<m>[0-5]\d)(?![\d])"
            + rf"(?:\s*{MERIDIEM})?"
        ),
        compact_time=c(
            B + r"(?:(?P<at>at|@)\s*)?(?P<hm>\d{3,4})(?:\s*(?:(?P<mer>a\.?m\.?|p\.?m\.?)|"
            r"(?P<hrs>hrs|hours|h)))?" + E
        ),
        spaced_time=c(
            B
            + r"(?:(?P<at>at|@)\s*)?(?P<h>[01]?\d|2[0-3])\s(?P<m>[0-5]\d)"
            + E
            + rf"(?:\s*{MERIDIEM})?"
        ),
        hour_meridiem=c(B + rf"(?P<h>{hour})\s*{MERIDIEM}"),
        word_time=c(
            B + rf"(?P<h>{lex.alt('hour_words')}|[01]?\d|2[0-3])\s+"
            rf"(?P<mw>{lex.alt('minute_words')})" + E + rf"(?:\s*{MERIDIEM})?"
        ),
        oclock=c(B + rf"(?P<h>{hour})\s*o\s*'?\s*clock" + E + rf"(?:\s*{MERIDIEM})?"),
        hour_ish=c(B + rf"(?:(?:at|@|for|around|about|abt)\s+)?(?P<h>{hour})\s*-?\s*ish" + E),
        prep_hour=c(
            B + rf"(?P<prep>at|@|for|around|about|abt|by|from|before|til|till|until)\s*"
            rf"(?P<h>{hour})" + E + NOT_NUMBER_AFTER
        ),
        after_date_hour=c(rf"\s*,?\s*(?:(?:at|@)\s*)?(?P<h>{hour})" + E + NOT_NUMBER_AFTER),
        after_date_meridiem=c(r"\s*(?P<mer>a\.?m|p\.?m)\.?" + E),
        tonight=c(B + r"(?:at\s+|for\s+)?" + lex.alt("tonight") + POSSESSIVE + E),
        part=c(
            B
            + r"(?:(?P<this>this)\s+|(?:in|on|at)\s+the\s+|(?:in|at)\s+)?"
            + rf"(?P<part>{lex.part_alt})"
            + E
        ),
        follow_ok=c(r"\s*(?:$|[,.;:!?)\-]|" + alternation(follow_words) + E + ")"),
        units_after=c(rf"\s*(?:{units}|people|quid|pounds|p|pound|%|x)" + E),
        risky_weekday_context=c(
            r"\s*(?:at" + E + "|@|\\d|" + lex.part_alt + E + "|" + lex.alt("tonight") + E + ")"
        ),
        holiday_intro=c(r"(?<![a-z])(?:at|on|for|by|till|until|before|over)\s+$"),
    )
