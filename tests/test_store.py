"""The store: migrations, WAL, identity, idempotent inbound messages."""

from __future__ import annotations

from pathlib import Path

from bot.conversations import ConversationStore
from bot.store import connect, migrations


def test_store_is_wal_with_busy_timeout_and_migrated(tmp_path: Path) -> None:
    db = connect(tmp_path / "s.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert not migrations.pending(db)
    for table in ("clients", "client_addresses", "messages", "handoffs", "handoff_notes"):
        assert db[table].exists()


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    connect(tmp_path / "s.db").close()
    db = connect(tmp_path / "s.db")
    names = [m.name for m in migrations.applied(db)]
    assert len(names) == len(set(names)) == len(migrations._migrations)


def test_client_identity_by_channel_address(tmp_path: Path) -> None:
    store = ConversationStore(connect(tmp_path / "s.db"))
    first, new = store.client_for("web", "a")
    again, new_again = store.client_for("web", "a")
    other, _ = store.client_for("sms", "a")
    assert new and not new_again
    assert first["id"] == again["id"] != other["id"]


def test_provider_retries_are_stored_once(tmp_path: Path) -> None:
    store = ConversationStore(connect(tmp_path / "s.db"))
    client, _ = store.client_for("sms", "+447700900001")
    first = store.add_inbound(client["id"], "sms", "hello", external_id="SM1")
    assert first is not None
    assert store.add_inbound(client["id"], "sms", "hello", external_id="SM1") is None
    assert [m["text"] for m in store.transcript(client["id"])] == ["hello"]


def test_odd_text_is_kept_exactly(tmp_path: Path) -> None:
    store = ConversationStore(connect(tmp_path / "s.db"))
    client, _ = store.client_for("web", "b")
    texts = [
        "",
        "😀" * 50,
        "x" * 20_000,
        "\udcff bad surrogate".encode("utf-8", "replace").decode(),
    ]
    for text in texts:
        store.add_inbound(client["id"], "web", text)
    assert [m["text"] for m in store.transcript(client["id"])] == texts
