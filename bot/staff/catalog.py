"""Every intent's examples across the NLU files: who owns which example, and conflicts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.staff.examples import normalise, parse_block
from bot.staff.problems import Problem, entry_label
from bot.staff.yamlfile import relative

NLU_DIR = Path("data") / "nlu"
FAQ_DIR = NLU_DIR / "faq"
HELDOUT_DIR = Path("tests") / "data" / "nlu"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class IntentBlock:
    """One `- intent:` item of an NLU file."""

    intent: str
    file: str
    examples: tuple[str, ...]

    @property
    def is_faq(self) -> bool:
        return self.intent.startswith("faq/")


@dataclass
class Catalog:
    blocks: list[IntentBlock] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def owners(self) -> dict[str, list[tuple[IntentBlock, str]]]:
        """Normalised example -> the blocks it appears in (with the example as written)."""
        found: dict[str, list[tuple[IntentBlock, str]]] = defaultdict(list)
        for block in self.blocks:
            for example in block.examples:
                found[normalise(example)].append((block, example))
        return found

    def intents(self) -> dict[str, list[IntentBlock]]:
        by: dict[str, list[IntentBlock]] = defaultdict(list)
        for block in self.blocks:
            by[block.intent].append(block)
        return by

    def conflicts(self, intent: str, examples: list[str]) -> list[str]:
        """Examples that already belong to another intent, each in plain words."""
        owners = self.owners()
        out = []
        for example in examples:
            others = [(b, e) for b, e in owners.get(normalise(example), []) if b.intent != intent]
            if others:
                block, written = others[0]
                same = "" if written == example else f' (as "{written}")'
                out.append(
                    f'"{example}" is already an example of {entry_label(block.intent)}'
                    f"{same} in {block.file}. One message can belong to one intent only:"
                    " remove it here or there."
                )
        return out


def read_blocks(path: Path, root: Path) -> tuple[list[IntentBlock], list[Problem]]:
    rel = relative(path, root)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        return [], [Problem(rel, "", f"not valid YAML: {what}", line)]
    if not isinstance(data, dict):
        return [], [Problem(rel, "", "expected a mapping with an nlu: list at the top")]
    blocks = []
    for item in data.get("nlu") or []:
        if isinstance(item, dict) and isinstance(item.get("intent"), str):
            blocks.append(
                IntentBlock(item["intent"], rel, tuple(parse_block(item.get("examples"))))
            )
    return blocks, []


def nlu_files(root: Path, folder: Path = NLU_DIR) -> list[Path]:
    return sorted(p for p in (root / folder).rglob("*.yml") if p.is_file())


def load_catalog(root: Path, folder: Path = NLU_DIR) -> Catalog:
    catalog = Catalog()
    for path in nlu_files(root, folder):
        blocks, problems = read_blocks(path, root)
        catalog.blocks += blocks
        catalog.problems += problems
    return catalog
