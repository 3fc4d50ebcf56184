"""The plain-language gate runs over the real content, and catches what it should."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bot.content_check import Text, collect, run, score

ROOT = Path(__file__).resolve().parent.parent


def test_all_client_facing_texts_pass() -> None:
    out = io.StringIO()
    code = run(out=out)
    assert code == 0, out.getvalue()


def test_it_reads_every_kind_of_content() -> None:
    sources = {
        t.source.split("/")[0] if "/" not in t.source else t.source.rsplit("/", 1)[0]
        for t in collect()
    }
    assert "domain.yml" in sources
    assert "data/nlu/faq" in sources
    assert "data/content" in sources
    assert any(t.source == "data/glossary.yml" for t in collect())


def test_it_catches_long_sentences_hard_words_and_non_gsm(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for part in ("domain.yml", "data/glossary.yml"):
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, root / part)
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "data" / "content").mkdir(parents=True)
    shutil.copy(ROOT / "data/content/safety_replies.yml", root / "data/content/safety_replies.yml")
    (root / "data/content/bad.yml").write_text(
        "long: " + " ".join(["word"] * 30) + ".\n"
        "hard: Notwithstanding institutional considerations, accommodation eligibility determinations necessitate documentation.\n"
        'curly: "Don\u2019t worry \u2014 we\u2019re here \U0001f600"\n'
    )
    out = io.StringIO()
    assert run(root, out=out) == 1
    report = out.getvalue()
    long_line = next(line for line in report.splitlines() if "bad.yml long:" in line)
    assert "a sentence of 30 words > 25" in long_line
    assert "bad.yml hard: grade" in report
    assert "bad.yml curly: not GSM-7" in report


def test_sms_segments_are_counted() -> None:
    long = "This is a short sentence. " * 25
    assert score(Text("x", "y", long.strip())).segments == 5
