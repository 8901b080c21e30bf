"""scoring backup PATH and scoring restore PATH (issue 16), on both kinds of store: a closed
period restored into a fresh store exports byte for byte as before; a restore checks the file
before it replaces anything and refuses a store that is not empty unless --force."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.services.backup import known_revisions
from scoring.store import backup as copies
from scoring.store import open_store
from tests import inputs

PERIOD = "2025-10"


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def refused(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    return result.output


def fresh_url(store_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Another empty store of the same kind."""
    if store_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    return str(request.getfixturevalue("pg_server").create_database())


def exported(url: str, folder: Path) -> dict[str, bytes]:
    run(url, "export", PERIOD, "--out", str(folder))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def batches(url: str) -> int:
    with open_store(url) as store, store.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM import_batches").scalar_one())


def close_month(url: str, tmp_path: Path) -> str:
    run(url, "import", str(inputs.write(tmp_path / "in")))
    run(url, "close", PERIOD)
    return url


@pytest.fixture
def closed(store_url: str, tmp_path: Path) -> str:
    """A store of each kind with the inline month imported and closed."""
    return close_month(store_url, tmp_path)


def test_a_closed_period_exports_byte_for_byte_after_a_restore(
    closed: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    before = exported(closed, tmp_path / "before")
    assert any(name.endswith(".xlsx") for name in before) and "DRAFT" not in "".join(before)
    target = tmp_path / "store.backup"
    said = run(closed, "backup", str(target))
    assert str(target) in said and known_revisions()[0] in said
    assert not list(tmp_path.glob(".store.backup.*"))  # no partial file left behind
    restored = fresh_url(closed, request, tmp_path)
    run(restored, "restore", str(target))
    assert exported(restored, tmp_path / "after") == before
    # The restored store knows the period is closed: closing again is refused.
    assert "closed" in refused(restored, "close", PERIOD).lower()


def test_a_store_that_is_not_empty_is_replaced_only_with_force(closed: str, tmp_path: Path) -> None:
    target = tmp_path / "store.backup"
    run(closed, "backup", str(target))
    run(closed, "import", str(inputs.write(tmp_path / "again")))
    assert batches(closed) == 2
    said = refused(closed, "restore", str(target))
    assert "not empty" in said and "--force" in said
    assert batches(closed) == 2  # nothing replaced
    run(closed, "restore", str(target), "--force")
    assert batches(closed) == 1  # as backed up


def test_a_backup_is_not_written_over_an_existing_file(closed: str, tmp_path: Path) -> None:
    target = tmp_path / "store.backup"
    target.write_bytes(b"keep me")
    assert "exists" in refused(closed, "backup", str(target))
    assert target.read_bytes() == b"keep me"
    run(closed, "backup", str(target), "--force")
    assert copies.kind_of_file(target) is not None


def _foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    return path


def test_files_that_are_not_backups_of_this_product_are_refused_before_anything(
    closed: str, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"PK\x03\x04 not a store at all")
    assert "not a backup" in refused(closed, "restore", str(junk), "--force")
    if closed.startswith("sqlite"):
        other = _foreign_sqlite(tmp_path / "other.db")
        assert "not a backup of a store of this product" in refused(
            closed, "restore", str(other), "--force"
        )
    assert batches(closed) == 1


def test_a_backup_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    """The check is the same for both kinds; an SQLite file is the easy one to alter."""
    closed = close_month(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    target = tmp_path / "store.backup"
    run(closed, "backup", str(target))
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    said = refused(closed, "restore", str(target), "--force")
    assert "0099_future" in said and "does not know" in said
    assert batches(closed) == 1


def test_a_backup_of_the_other_kind_of_store_is_refused(
    closed: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = tmp_path / "store.backup"
    run(closed, "backup", str(target))
    if closed.startswith("sqlite"):
        other = str(request.getfixturevalue("pg_server").create_database())
    else:
        other = f"sqlite:///{tmp_path / 'other.db'}"
    assert "cannot be restored into" in refused(other, "restore", str(target))


def test_missing_postgresql_tools_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copies.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(copies.shutil, "which", lambda _name: None)
    with pytest.raises(copies.BackupToolMissing, match="pg_dump was not found"):
        copies.pg_tool("pg_dump")
