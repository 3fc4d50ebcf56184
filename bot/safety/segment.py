"""Split words typed without spaces: "hescollapsed inthebathroom" -> "hes collapsed in the bathroom".

People in a hurry, on a cracked screen or a small keyboard, often leave the spaces out, and then
no pattern or model word can match. A run-together token is split when it is not a word itself,
every piece is a common English word, and at least one piece is a short everyday word ("my",
"the", "and", "im" ...: the `anchors` in normalise.yml). The anchor rule is what keeps names and
place names whole: "kingstanding" and "nechells" have no anchor piece, so they are left alone.

Word costs are negative log frequencies from spacy-lookups-data (installed with spaCy's lookup
lemmatiser, so nothing extra is needed offline). The best split is the cheapest (Viterbi).
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_LONGEST_PIECE = 20


@lru_cache(maxsize=4)
def common_word_costs(min_log_prob: float) -> dict[str, float]:
    """Lower-case ASCII words more frequent than exp(min_log_prob), with cost -log(probability).

    Read once a process (about a second): 50,000 words from spacy-lookups-data's English table.
    An empty table (the package missing) simply turns splitting off.
    """
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - installed with the project
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    if not path.is_file():  # pragma: no cover
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        probs: dict[str, float] = json.load(fh)
    return {
        w: -p
        for w, p in probs.items()
        if p > min_log_prob and w.isascii() and w.isalpha() and w.islower()
    }


@dataclass(frozen=True)
class Segmenter:
    """Settings from normalise.yml (`run_together`) and the word costs to split with."""

    costs: dict[str, float]
    anchors: frozenset[str]
    text_speak: frozenset[str] = frozenset()  # short pieces allowed too: "bf", "rn"
    min_length: int = 4
    max_piece_cost: float = 14.0

    @classmethod
    def from_config(cls, config: dict, extra_words: dict[str, float]) -> Segmenter | None:
        """None when the config turns splitting off (no `run_together` section). `extra_words`:
        text-speak ("hes", "bf") with its cost, pieces that are not in the frequency table."""
        if not config:
            return None
        costs = dict(common_word_costs(float(config.get("min_log_prob", -16.0))))
        for word, cost in extra_words.items():
            costs.setdefault(word, cost)
        return cls(
            costs=costs,
            anchors=frozenset(str(w).lower() for w in config.get("anchors") or []),
            text_speak=frozenset(extra_words),
            min_length=int(config.get("min_length", 4)),
            max_piece_cost=float(config.get("max_piece_cost", 14.0)),
        )

    def split(self, token: str) -> list[str] | None:
        """The pieces of a run-together token, or None to leave it as it is."""
        if len(token) < self.min_length or not token.isalpha() or token in self.costs:
            return None
        pieces = self._cheapest_split(token)
        if pieces is None or len(pieces) < 2:
            return None
        if not any(p in self.anchors for p in pieces):
            return None  # names and places: "kingstanding" is not "king standing"
        for i, p in enumerate(pieces):
            if len(p) == 1 and i > 0 and pieces[i - 1] not in self.anchors:
                return None  # "jumpiness" is not "jump i ness"; "andicant" is "and i cant"
            if p in self.anchors:
                continue
            if len(p) == 1 or (len(p) == 2 and p not in self.text_speak):
                return None  # "sandra" is not "sand ra", "wasn" is not "was n"
            if self.costs[p] > self.max_piece_cost:
                return None  # every piece a common word
        return pieces

    def _cheapest_split(self, token: str) -> list[str] | None:
        n = len(token)
        best = [0.0] + [math.inf] * n
        back = [0] * (n + 1)
        for end in range(1, n + 1):
            for start in range(max(0, end - _LONGEST_PIECE), end):
                if best[start] == math.inf:
                    continue
                cost = self.costs.get(token[start:end])
                if cost is not None and best[start] + cost < best[end]:
                    best[end] = best[start] + cost
                    back[end] = start
        if best[n] == math.inf:
            return None
        pieces: list[str] = []
        end = n
        while end > 0:
            pieces.append(token[back[end] : end])
            end = back[end]
        return pieces[::-1]
