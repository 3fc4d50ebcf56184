"""Splitting words typed without spaces (bot/safety/segment.py), on a small made-up word table."""

from __future__ import annotations

import pytest

from bot.safety.segment import Segmenter, common_word_costs

COSTS = {
    "he": 6.0,
    "is": 5.0,
    "in": 5.0,
    "the": 4.0,
    "bathroom": 11.0,
    "collapsed": 12.0,
    "king": 10.0,
    "standing": 10.0,
    "sand": 11.0,
    "ra": 15.0,
    "my": 6.0,
    "bf": 12.0,
    "rare": 15.5,
    "i": 6.0,
    "jump": 10.0,
    "ness": 13.0,
    "and": 4.0,
    "cant": 12.0,
}


@pytest.fixture
def seg() -> Segmenter:
    return Segmenter(
        costs=COSTS,
        anchors=frozenset({"he", "is", "in", "the", "my", "i", "and"}),
        text_speak=frozenset({"bf"}),
        min_length=4,
        max_piece_cost=14.0,
    )


def test_splits_a_run_of_common_words(seg):
    assert seg.split("inthebathroom") == ["in", "the", "bathroom"]
    assert seg.split("hecollapsed") == ["he", "collapsed"]


def test_short_text_speak_pieces_are_allowed(seg):
    assert seg.split("mybf") == ["my", "bf"]


def test_leaves_alone_what_it_should(seg):
    assert seg.split("kingstanding") is None  # no anchor piece: a place name
    assert seg.split("sandra") is None  # a two-letter piece that is not an anchor
    assert seg.split("the") is None  # too short
    assert seg.split("bathroom") is None  # already a word
    assert seg.split("inrare") is None  # a piece rarer than max_piece_cost
    assert seg.split("in2the") is None  # not all letters
    assert seg.split("zzqq") is None  # no split at all
    assert seg.split("jumpiness") is None  # a one-letter piece after a word that is not an anchor


def test_a_one_letter_piece_after_an_anchor_is_fine(seg):
    assert seg.split("andicant") == ["and", "i", "cant"]


def test_the_real_word_table_loads_offline():
    costs = common_word_costs(-16.0)
    assert costs["the"] < costs["bathroom"] < 16.0
    assert "kingstanding" not in costs
