"""Held-out test questions (tests/data/nlu/): never trained on, used to check a new model.

Retiring an FAQ takes its held-out questions along (the check would count them as failures);
restoring it gives them back.
"""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.staff.catalog import HELDOUT_DIR
from bot.staff.examples import make_block, parse_block
from bot.staff.workspace import Workspace
from bot.staff.yamlfile import INDENTS, atomic_write, dump, pop_item, read_doc

FAQ_HELDOUT = HELDOUT_DIR / "faq_heldout.yml"


def take(ws: Workspace, intent: str) -> list[str]:
    """Remove this intent's held-out questions from every held-out file; returns them."""
    taken: list[str] = []
    folder = ws.path(HELDOUT_DIR)
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        doc = read_doc(path, ws.root)
        items = doc.data.get("nlu") if isinstance(doc.data, dict) else None
        if not isinstance(items, list):
            continue
        changed = False
        for index in reversed(range(len(items))):
            item = items[index]
            if isinstance(item, dict) and item.get("intent") == intent:
                taken = parse_block(item.get("examples")) + taken
                pop_item(items, index)
                changed = True
        if changed:
            atomic_write(path, doc.render())
    return taken


def give_back(ws: Workspace, intent: str, examples: list[str]) -> None:
    path = ws.path(FAQ_HELDOUT)
    item = CommentedMap()
    item["intent"] = intent
    item["examples"] = make_block(examples)
    if not path.is_file():
        data = CommentedMap()
        data["version"] = DoubleQuotedScalarString("3.1")
        data["nlu"] = CommentedSeq([item])
        atomic_write(path, dump(data, INDENTS[0]))
        return
    doc = read_doc(path, ws.root)
    items = doc.data.get("nlu")
    if not isinstance(items, CommentedSeq):
        items = doc.data["nlu"] = CommentedSeq()
    items.fa.set_block_style()
    items.append(item)
    atomic_write(path, doc.render())
