"""GSM-7 conversion, SMS length and segments, and splitting long texts where the meaning allows."""

from __future__ import annotations

import re

import pytest

from bot.channels.gsm import (
    MAX_PARTS,
    PART_GSM,
    PART_UCS2,
    is_gsm,
    segment_count,
    sms_length,
    sms_parts,
    to_gsm,
)
from bot.channels.split import fit_prefix, split_sentences, split_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It\u2019s \u2018fine\u2019", "It's 'fine'"),
        ("\u201cSafe\u201d place", '"Safe" place'),
        ("9am \u2013 5pm \u2014 Mon\u2011Fri", "9am - 5pm - Mon-Fri"),
        ("Wait\u2026", "Wait..."),
        ("non\u00a0breaking\u2009space", "non breaking space"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("Thanks \U0001f642", "Thanks :)"),
        ("Sorry \U0001f622.", "Sorry :(."),
        ("See you \U0001f44d\U0001f3e0\U0001f68c", "See you (y)"),
        ("\u2764\ufe0f you", "<3 you"),
        ("\U0001f1ec\U0001f1e7 flag", "flag"),
        ("caf\u00e9 \u00fcber \u00e0 \u00c9mile", "caf\u00e9 \u00fcber \u00e0 \u00c9mile"),  # GSM
        ("\u0141\u00f3d\u017a, S\u00e3o, na\u00efve", "Lodz, Sao, naive"),  # not GSM: letters
        ("\u20ac5 {ok} [x]", "\u20ac5 {ok} [x]"),  # extension table
        ("tab\there\r\nnext", "tab here\nnext"),
    ],
)
def test_converts_to_gsm7(text: str, expected: str) -> None:
    converted = to_gsm(text)
    assert converted.text == expected
    assert converted.encoding == "GSM-7" and is_gsm(converted.text)


def test_other_scripts_stay_readable_as_ucs2() -> None:
    urdu = "\u0622\u067e \u06a9\u06cc\u0633\u06d2 \u06c1\u06cc\u06ba\u061f \u2014 ok"
    converted = to_gsm(urdu)
    assert converted.encoding == "UCS-2"
    assert converted.text == "\u0622\u067e \u06a9\u06cc\u0633\u06d2 \u06c1\u06cc\u06ba\u061f - ok"
    long = " ".join([converted.text] * 8)
    parts = sms_parts(long)
    assert len(parts) > 1
    assert all(p.encoding == "UCS-2" and sms_length(p.text, "UCS-2") <= PART_UCS2 for p in parts)


def test_length_and_segments_count_like_the_network() -> None:
    assert sms_length("a{b}") == 6  # { and } take two characters each
    assert segment_count("x" * 160) == 1
    assert segment_count("x" * 161) == 2
    assert segment_count("x" * 306) == 2
    assert segment_count("x" * 307) == 3
    assert segment_count("[" * 80) == 1 and segment_count("[" * 81) == 2
    assert segment_count("\u0622" * 70, "UCS-2") == 1
    assert segment_count("\u0622" * 71, "UCS-2") == 2


def test_a_text_that_fits_one_sms_goes_whole() -> None:
    text = "x " * 79 + "yz"  # 160 characters
    assert [p.text for p in sms_parts(text)] == [text.strip()]


def greedy_parts(text: str, limit: int, units: list[str] | None = None) -> int:
    """The fewest parts that hold `units` (default: the words of `text`) in order, joined by
    spaces; greedy packing is optimal for this."""
    count, length = 1, 0
    for unit in units or text.split():
        needed = sms_length(unit) + (1 if length else 0)
        if length + needed > limit:
            count, length = count + 1, sms_length(unit)
        else:
            length += needed
    return count


SENTENCES = [
    "You can get a hot meal at the day centre.",
    "It is free and you do not need to book.",
    "Staff can help you charge your phone and have a shower.",
    "Ask for a navigator if you want help with forms.",
    "They can go through each one with you, step by step.",
    "If you are in danger, call 999.",
    "Samaritans are free on 116 123, day and night.",
]


@pytest.mark.parametrize("count", range(3, len(SENTENCES) + 1))
def test_long_texts_split_into_the_fewest_parts_at_sentence_ends(count: int) -> None:
    text = " ".join(SENTENCES[:count])
    parts = [p.text for p in sms_parts(text)]
    assert " ".join(parts) == text  # nothing lost, nothing added
    assert all(sms_length(p) <= PART_GSM for p in parts)
    assert len(parts) == greedy_parts(text, PART_GSM)  # as few as possible
    if greedy_parts(text, PART_GSM, units=SENTENCES[:count]) == len(parts):
        # whole sentences fit in that few parts, so no sentence may be cut
        assert all(re.search(r"[.!?]$", p) for p in parts)


def test_a_cut_prefers_a_sentence_end_over_a_word_gap() -> None:
    text = "Short one. " + "word " * 25 + "end of it."
    parts = split_text(text, 153)
    assert parts[0] == "Short one." or parts[0].endswith(".")


def test_long_words_are_cut_only_when_they_must_be() -> None:
    link = "https://example.org/" + "a" * 300
    parts = [p.text for p in sms_parts(f"Read this: {link} thanks")]
    assert "".join(parts).replace("Read this: ", "").replace(" thanks", "") == link
    assert all(sms_length(p) <= PART_GSM for p in parts)
    assert len(parts) == 3


def test_very_long_texts_are_capped_with_a_note() -> None:
    text = " ".join(SENTENCES * 20)
    note = "(Message cut short.)"
    parts = [p.text for p in sms_parts(text, note)]
    assert len(parts) == MAX_PARTS
    assert parts[-1].endswith(note)
    assert all(sms_length(p) <= PART_GSM for p in parts)
    assert " ".join(parts).startswith(" ".join(SENTENCES))


def test_fit_prefix_keeps_whole_words() -> None:
    assert fit_prefix("one two three four", lambda s: len(s) <= 9) == "one two"
    assert fit_prefix("one two", lambda s: False) == ""


def test_fewer_sms_wins_over_cutting_only_at_sentences() -> None:
    sentences = ["This is a sentence about housing."] * 12 + ["Call 116 123 now if you need to."]
    text = " ".join(sentences)
    parts = [p.text for p in sms_parts(text)]
    assert greedy_parts(text, PART_GSM, units=sentences) == 4
    assert len(parts) == greedy_parts(text, PART_GSM) == 3
    assert " ".join(parts) == text


def test_split_sentences_keeps_sentences_whole_when_it_can() -> None:
    assert split_sentences("One. Two! Three? Four.", 12) == ["One. Two!", "Three? Four."]
    assert split_sentences("a" * 30 + ". b.", 12) == ["a" * 12, "a" * 12, "aaaaaa. b."]
    assert split_sentences("  ", 12) == [] and split_sentences("Short.", 12) == ["Short."]
