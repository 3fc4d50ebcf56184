"""Hide details that could identify a client before staff read their message: phone numbers,
email addresses, postcodes, names after "my name is" and the like, house addresses, long
reference numbers (NHS, National Insurance, bank), dates of birth. Hidden parts become [phone],
[name] and so on. Not perfect (a name in the middle of a sentence can slip through), so the
review page shows messages to staff only, never client ids.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{7,}\d(?![\w])")
LONG_NUMBER = re.compile(r"\b\d{6,}\b")
BIRTH = re.compile(
    r"\b(?:dob|d\.o\.b\.?|date of birth|born on|born)\s*(?:is|:|-)?\s*"
    r"(?:\d{1,2}(?:st|nd|rd|th)?[\s/.-]+(?:\d{1,2}|[a-z]{3,9})[\s/.-]+\d{2,4})",
    re.IGNORECASE,
)
STREET = re.compile(
    r"\b\d{1,4}[a-z]?,?\s+(?:[a-z']+\s+){0,3}(?:road|rd|street|st|avenue|ave|lane|ln|close|"
    r"drive|dr|way|grove|crescent|cres|place|court|ct|terrace|gardens|walk|hill|row|square)\b",
    re.IGNORECASE,
)
NAME_CUE = re.compile(
    r"\b(my name is|my names|my name's|name is|names|name's|i am called|i'm called|im called|"
    r"call me|this is|it's|its|i am|i'm|im)\s+",
    re.IGNORECASE,
)
# Cues that only count when the next word starts with a capital (else "im homeless" would hide).
WEAK_CUES = {"this is", "it's", "its", "i am", "i'm", "im", "names", "name is"}
_NOT_NAMES = """a an the and but or so i im i'm my me from in at on of to for with not no yes is
was here there back just really very too please pls can could need want trying going been homeless
hungry ok okay fine good bad scared worried stuck sorry new looking"""
NOT_NAMES = set(_NOT_NAMES.split())  # noqa: SIM905 (easier to read and extend as words)
MAX_NAME_WORDS = 3


def _hide_names(text: str) -> str:
    out, last = [], 0
    for cue in NAME_CUE.finditer(text):
        if cue.start() < last:
            continue
        weak = cue.group(1).lower() in WEAK_CUES
        words = list(re.finditer(r"[A-Za-z][A-Za-z'-]*", text[cue.end() :]))
        taken = []
        for word in words[:MAX_NAME_WORDS]:
            gap = text[cue.end() + (taken[-1].end() if taken else 0) : cue.end() + word.start()]
            if gap.strip():  # punctuation ends the name
                break
            if word.group().lower() in NOT_NAMES or (weak and not word.group()[0].isupper()):
                break
            taken.append(word)
        if not taken:
            continue
        out.append(text[last : cue.end()])
        out.append("[name]")
        last = cue.end() + taken[-1].end()
    out.append(text[last:])
    return "".join(out)


def redact(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = URL.sub("[link]", text)
    text = BIRTH.sub("[date of birth]", text)
    text = NI_NUMBER.sub("[NI number]", text)
    text = POSTCODE.sub("[postcode]", text)
    text = STREET.sub("[address]", text)
    text = PHONE.sub(_phone, text)
    text = LONG_NUMBER.sub("[number]", text)
    return _hide_names(text)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[phone]" if len(digits) >= 9 else match.group()


def without_placeholders(text: str) -> str:
    """The redacted message as a training example: the [hidden] parts left out."""
    text = " ".join(re.sub(r"\[[a-zA-Z ]+\]", " ", text).split())
    return re.sub(r"\s+([,.!?;:])", r"\1", text).strip(" ,;:")
