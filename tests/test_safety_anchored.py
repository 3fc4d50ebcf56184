"""The anchored matcher (bot/safety/anchored.py) finds exactly what one plain spaCy Matcher
holding every pattern finds: choosing which patterns to run must never skip a match."""

from __future__ import annotations

import random

from spacy.matcher import Matcher

from bot.safety.anchored import AnchoredMatcher
from bot.safety.data import load_rows, pattern_files
from bot.safety.patterns import PatternCompiler, load_groups
from bot.safety.screener import Screener


def test_anchored_matcher_finds_what_a_plain_matcher_finds() -> None:
    screener = Screener(model=None)
    vocab = screener.nlp.vocab
    groups, sets = load_groups(pattern_files())
    compiler = PatternCompiler(sets, screener.rules.analyse)
    anchored = AnchoredMatcher(vocab)
    plain = Matcher(vocab)
    for group in groups:
        for pattern in group.patterns or []:
            for tokens in compiler.compile(pattern):
                anchored.add(group.id, tokens)
                plain.add(group.id, [tokens])
    rows = load_rows()
    texts = [r["text"] for r in random.Random(5).sample(rows, 400)]
    texts += ["", "!!!", "i am 34, and he is 25.", "had a bottle of wine and 12 diazepam"]
    found_any = 0
    for text in texts:
        _, doc = screener.analyse(text)
        expected = sorted(set(plain(doc)))
        assert sorted(set(anchored(doc))) == expected, text
        found_any += bool(expected)
    assert found_any > 100  # the comparison is about real matches, not empty lists
