"""Copies of a whole store: SQLite's online backup API for the embedded store, ``pg_dump`` and
``pg_restore`` for PostgreSQL. The policy (rights, checks, messages) is in
:mod:`scoring.services.backup`; here is only how each kind of store is copied and read.

- An SQLite backup is one self-contained database file (rollback journal, no WAL beside it),
  taken page by page while the store stays usable. A restore copies it back the same way.
- A PostgreSQL backup is ``pg_dump``'s custom format. A restore replaces the ``public``
  schema and runs the dump's script with ``psql`` in one transaction: either the whole backup
  is in place or nothing changed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from scoring.errors import StoreError
from scoring.store import db
from scoring.store.db import Store
from scoring.store.gate import gate_for

Kind = Literal["sqlite", "postgresql"]
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
#: Tables a fresh store fills by itself: their rows do not make a store "not empty".
BOOKKEEPING = frozenset({"alembic_version", "store_locks"})
_COPY = re.compile(r"^COPY [\w.\"]*alembic_version \(version_num\) FROM stdin;$", re.MULTILINE)


class BackupToolMissing(StoreError):
    """``pg_dump``, ``pg_restore`` or ``psql`` is not installed."""


def kind_of_file(path: Path) -> Kind | None:
    """The kind of store a backup file is for, by its first bytes (None: neither)."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def data_tables_with_rows(store: Store) -> list[str]:
    """The tables of ``store`` holding any row, bookkeeping left out (empty: a fresh store)."""
    with store.connect() as conn:
        names = sorted(set(inspect(conn).get_table_names()) - BOOKKEEPING)
        return [
            name
            for name in names
            if conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None
        ]


# -- SQLite -----------------------------------------------------------------------------------


def sqlite_file(store: Store) -> Path:
    database = store.engine.url.database
    if not database or database == ":memory:":
        raise StoreError("内存数据库无法备份 / an in-memory store cannot be backed up")
    return Path(database)


@contextlib.contextmanager
def _sqlite(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection of Python's SQLite (the library SQLAlchemy uses: see gate.py)."""
    where = f"file:{path}?mode=ro" if read_only else str(path)
    conn = sqlite3.connect(
        where, uri=read_only, timeout=db.BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )
    try:
        yield conn
    finally:
        conn.close()


def sqlite_backup(store: Store, target: Path) -> None:
    """Copy the store into the new file ``target`` (a file of its own, no WAL)."""
    source = sqlite_file(store)
    with gate_for(str(source)).hold("sqlalchemy"):
        with _sqlite(source) as src, _sqlite(target) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            found = dst.execute("PRAGMA quick_check").fetchone()
    if found is None or found[0] != "ok":
        raise StoreError(f"备份文件校验失败 / the backup did not check out: {found}")


def sqlite_version(path: Path) -> str | None:
    """The migration a backup file is at (None: not a store of this product)."""
    try:
        with _sqlite(path, read_only=True) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError:
        return None
    if row is None or "import_batches" not in tables:
        return None
    return str(row[0])


def sqlite_restore(store: Store, source: Path) -> None:
    """Replace the store's content by the backup file ``source``, page by page."""
    target = sqlite_file(store)
    store.close()
    gate = gate_for(str(target))
    with gate.hold("sqlalchemy"):
        gate.close_idle()  # other stores of this process on the file: leaving WAL needs it
        with _sqlite(source, read_only=True) as src, _sqlite(target) as dst:
            # A WAL database cannot take pages of another size: leave WAL for the copy.
            dst.execute("PRAGMA journal_mode=DELETE")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        db.forget_journal_mode(str(target))


# -- PostgreSQL -------------------------------------------------------------------------------


def pg_tool(name: str) -> Path:
    """A PostgreSQL client program: the newest under /usr/lib/postgresql, else on PATH (a
    dump needs a ``pg_dump`` at least as new as the server)."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise BackupToolMissing(
            f"找不到 PostgreSQL 客户端程序 {name},请安装 postgresql-client / the PostgreSQL "
            f"client program {name} was not found on PATH or under /usr/lib/postgresql/*/bin; "
            "install postgresql-client"
        )
    return Path(found)


def _libpq(store: Store) -> tuple[str, dict[str, str]]:
    """The store as a libpq URI without its password, and the environment carrying it (a
    password on a command line is visible to every user of the machine)."""
    url = make_url(store.url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
        url = url.set(password=None)
    return url.render_as_string(hide_password=False), env


def _run(command: Sequence[str | Path], *, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[:3])
        raise StoreError(f"{Path(str(command[0])).name} 失败 / failed: {detail}")
    return done.stdout


def pg_backup(store: Store, target: Path) -> None:
    uri, env = _libpq(store)
    _run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            target,
            "--dbname",
            uri,
        ],
        env=env,
    )


def pg_version(path: Path) -> str | None:
    """The migration a dump is at (None: not a dump of a store of this product)."""
    tool = pg_tool("pg_restore")
    try:
        script = _run([tool, "--data-only", "--table=alembic_version", "--file=-", path])
    except StoreError:  # not a dump pg_restore can read
        return None
    match = _COPY.search(script)
    if match is None:
        return None
    rows = script[match.end() :].lstrip("\n").splitlines()
    if not rows or rows[0] == "\\.":
        return None
    return rows[0].strip() or None


def pg_restore(store: Store, source: Path) -> None:
    """Replace the store's ``public`` schema by the dump, in one transaction."""
    uri, env = _libpq(store)
    psql = pg_tool("psql")
    store.close()
    with tempfile.TemporaryDirectory(prefix="scoring-restore-") as folder:
        script = Path(folder) / "restore.sql"
        _run(
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--schema=public",
                "--file",
                script,
                source,
            ]
        )
        clear = Path(folder) / "clear.sql"
        clear.write_text("DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
        _run(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--file",
                clear,
                "--file",
                script,
                "--dbname",
                uri,
            ],
            env=env,
        )
