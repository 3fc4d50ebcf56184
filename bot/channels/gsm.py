"""GSM-7 for SMS: convert text to the characters every phone shows, count segments, split.

One SMS holds 160 GSM-7 characters; a longer text travels as 153-character segments. Curly
quotes, long dashes, ellipses and emoji are not GSM-7: a single one makes the whole message
UCS-2, where a segment holds only 70 (67) characters, so they are converted first. Text in
another script (Urdu, Chinese, ...) cannot be converted without losing its meaning: it is sent
as UCS-2 rather than turned into question marks.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.channels.split import fit_prefix, split_text

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€")  # each takes two characters (an escape, then the character)

SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67
MAX_PARTS = 10  # about Twilio's 1,600-character limit for one message body

_REPLACE = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u0060\u02bc", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008", " "),
    **dict.fromkeys("\u2009\u200a\u202f\u205f\u3000\t", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f\u00ad", ""),
    "\u2026": "...",
    "\u2022": "-",
    "\u00b7": "-",
    "\u2044": "/",
    "\u00d7": "x",
    "\u00f7": "/",
    "\u00a9": "(c)",
    "\u00ae": "(R)",
    "\u2122": "TM",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2713": "v",
    "\u2714": "v",
    "\u0142": "l",
    "\u0141": "L",
    "\u0111": "d",
    "\u0110": "D",
    "\u00e7": "c",
    "\u00f0": "d",
    "\u00fe": "th",
    "\u0153": "oe",
    "\u0152": "OE",
    "\r\n": "\n",
}
# A few emoji have a plain-text twin; the rest carry no words and are dropped.
_EMOJI_TEXT = {
    **dict.fromkeys("\U0001f642\U0001f60a\u263a\U0001f600\U0001f603\U0001f604\U0001f601", ":)"),
    **dict.fromkeys("\U0001f641\u2639\U0001f622\U0001f62d\U0001f61e\U0001f614", ":("),
    **dict.fromkeys("\u2764\u2665\U0001f499\U0001f49a\U0001f49c\U0001f9e1\U0001f49b", "<3"),
    "\U0001f609": ";)",
    "\U0001f44d": "(y)",
}
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001f1e6-\U0001f1ff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
    "\U000e0020-\U000e007f\u20e3]"
)
_REPLACE_RE = re.compile("|".join(re.escape(k) for k in sorted(_REPLACE, key=len, reverse=True)))


@dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str  # "GSM-7" | "UCS-2"

    @property
    def length(self) -> int:
        return sms_length(self.text, self.encoding)

    @property
    def segments(self) -> int:
        return segment_count(self.text, self.encoding)


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def sms_length(text: str, encoding: str = "GSM-7") -> int:
    """Characters as the network counts them: GSM-7 extended ones count twice; UCS-2 counts
    UTF-16 units."""
    if encoding == "UCS-2":
        return len(text.encode("utf-16-le")) // 2
    return sum(2 if c in GSM_EXTENDED else 1 for c in text)


def segment_count(text: str, encoding: str = "GSM-7") -> int:
    length = sms_length(text, encoding)
    single, part = (SINGLE_UCS2, PART_UCS2) if encoding == "UCS-2" else (SINGLE_GSM, PART_GSM)
    if length <= single:
        return 1 if length else 0
    return -(-length // part)


def _transliterate(char: str) -> str:
    if char in GSM_BASIC or char in GSM_EXTENDED:
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped if stripped and is_gsm(stripped) else char


def _emoji_to_text(text: str) -> str:
    """Emoji with a plain twin become it, set apart from the words around it by spaces."""
    out: list[str] = []
    for index, char in enumerate(text):
        plain = _EMOJI_TEXT.get(char)
        if plain is None:
            out.append(char)
            continue
        if out and not out[-1].isspace():
            out.append(" ")
        out.append(plain)
        following = text[index + 1 : index + 2]
        if following and not following.isspace() and following not in ".,!?":
            out.append(" ")
    return "".join(out)


def to_gsm(text: str) -> SmsText:
    """`text` in GSM-7 where it can be (quotes, dashes, ellipses, emoji, accents converted)."""
    text = _emoji_to_text(text)
    text = _REPLACE_RE.sub(lambda m: _REPLACE[m.group(0)], text)
    text = _EMOJI.sub("", text)
    text = re.sub(r"[ ]{2,}", " ", text)
    text = re.sub(r" *\n *", "\n", text).strip()
    if is_gsm(text):
        return SmsText(text, "GSM-7")
    converted = "".join(_transliterate(c) for c in text)
    if is_gsm(converted):
        return SmsText(converted, "GSM-7")
    return SmsText(text, "UCS-2")


def sms_parts(text: str, cut_note: str = "", max_parts: int = MAX_PARTS) -> list[SmsText]:
    """The SMS to send for `text`: converted, and split when it does not fit one SMS.

    A text that fits one SMS goes whole. A longer one is split at sentence ends into parts of at
    most one segment each (153 GSM-7 characters), as few as the meaning allows; each part is
    sent as its own SMS, so no word is cut across two. Past `max_parts`, the last part ends with
    `cut_note` (the full text stays in the store, where a navigator can read it).
    """
    converted = to_gsm(text)
    encoding = converted.encoding
    single, part = (SINGLE_UCS2, PART_UCS2) if encoding == "UCS-2" else (SINGLE_GSM, PART_GSM)
    if not converted.text:
        return []
    if converted.length <= single:
        return [converted]

    def measure(value: str) -> int:
        return sms_length(value, encoding)

    parts = split_text(converted.text, part, measure)
    if len(parts) > max_parts:
        note = to_gsm(cut_note).text if cut_note else ""

        def fits(prefix: str) -> bool:
            return len(split_text(f"{prefix} {note}", part, measure)) <= max_parts

        parts = split_text(f"{fit_prefix(converted.text, fits)} {note}", part, measure)
    return [SmsText(p, encoding) for p in parts]
