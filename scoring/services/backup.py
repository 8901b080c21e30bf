"""Backups of the whole store and restores from them (``scoring backup|restore PATH``).

A backup is taken while the store is in use: SQLite's online backup API copies the embedded
store into one database file; ``pg_dump`` writes a PostgreSQL store in its custom format. It
is written beside the target under a temporary name, read back as a store, and only then
given its name, so a failed backup never leaves a half file under the name asked for.

A restore checks everything before it replaces anything: the file is a backup of the kind of
the store (an SQLite file for the embedded store, a dump for PostgreSQL), it is a store of
this product at a migration this version knows (an older one is brought up to date after the
restore; a newer one is refused), and the store it replaces is empty unless ``force``. Stop
``scoring serve`` and the scheduler while restoring: the store's content is replaced under
them.

Both are recorded in the audit log (a restore in the restored store's log).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from scoring.errors import InputError, StoreError
from scoring.services.access import Caller, Right, require
from scoring.store import Store
from scoring.store import backup as copies
from scoring.store.audit import audit
from scoring.store.db import alembic_config


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: copies.Kind
    #: The store's migration, which a restore checks.
    revision: str
    size: int


def known_revisions() -> list[str]:
    """The migrations of this version, newest first."""
    from alembic.script import ScriptDirectory

    return [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


def backup(store: Store, *, caller: Caller, path: Path, force: bool = False) -> BackupInfo:
    """Copy the whole store into the file ``path``; an existing file only with ``force``."""
    require(caller, Right.BACKUP)
    if path.is_dir():
        raise InputError(f"{path} 是目录,请给出文件名 / {path} is a folder; name a file")
    if not path.parent.is_dir():
        raise InputError(f"目录不存在 / the folder does not exist: {path.parent}")
    if path.exists() and not force:
        raise InputError(
            f"文件已存在 {path},要覆盖请加 --force / {path} exists; --force replaces it"
        )
    kind: copies.Kind = "sqlite" if store.is_sqlite else "postgresql"
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        if kind == "sqlite":
            copies.sqlite_backup(store, partial)
        else:
            copies.pg_backup(store, partial)
        revision = _revision(partial, kind)
        if revision is None:
            raise StoreError(f"备份读回失败 / the backup {path} does not read back as a store")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    made = BackupInfo(path=path, kind=kind, revision=revision, size=path.stat().st_size)
    with store.begin() as conn:
        audit(conn, caller.login, "backup", str(path), {"revision": revision, "bytes": made.size})
    return made


def restore(store: Store, *, caller: Caller, path: Path, force: bool = False) -> BackupInfo:
    """Replace the store's content by the backup ``path`` (see the module's text)."""
    require(caller, Right.BACKUP)
    if not path.is_file():
        raise InputError(f"找不到备份文件 / no backup file {path}")
    kind = copies.kind_of_file(path)
    if kind is None:
        raise InputError(
            f"{path.name} 不是备份文件(既不是 SQLite 数据库,也不是 pg_dump 备份)/ {path.name} "
            "is not a backup: neither an SQLite database nor a pg_dump archive"
        )
    store_kind: copies.Kind = "sqlite" if store.is_sqlite else "postgresql"
    if kind != store_kind:
        raise InputError(
            f"{kind} 的备份不能恢复到 {store_kind} 数据库 / a backup of a {kind} store cannot be "
            f"restored into a {store_kind} store"
        )
    revision = _revision(path, kind)
    if revision is None:
        raise InputError(
            f"{path.name} 不是本系统的数据库备份 / {path.name} is not a backup of a store of this "
            "product (it has no migration version)"
        )
    known = known_revisions()
    if revision not in known:
        raise InputError(
            f"备份的数据库版本 {revision} 不是本版本所知的(可能来自更新的版本)/ the backup is at "
            f"migration {revision}, which this version does not know (a newer version made it?); "
            f"known: {', '.join(reversed(known))}"
        )
    filled = copies.data_tables_with_rows(store)
    if filled and not force:
        shown = ", ".join(filled[:5]) + (", …" if len(filled) > 5 else "")
        raise InputError(
            f"数据库不是空的({shown}),要用备份覆盖请加 --force / the store is not empty "
            f"({shown}); --force replaces its content with the backup"
        )
    if kind == "sqlite":
        copies.sqlite_restore(store, path)
    else:
        copies.pg_restore(store, path)
    store.migrate()  # a backup of an older version, brought up to this one
    with store.begin() as conn:
        audit(conn, caller.login, "restore", str(path), {"revision": revision, "replaced": filled})
    return BackupInfo(path=path, kind=kind, revision=revision, size=path.stat().st_size)


def _revision(path: Path, kind: copies.Kind) -> str | None:
    if kind == "sqlite":
        return copies.sqlite_version(path)
    return copies.pg_version(path)
