"""Imports: files into the store as one batch (see scoring/importer.py), and what a batch did:
its files, the problems of its rejected rows, and its rejects files to download."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from scoring.errors import NotFoundError
from scoring.importer import ImportReport, Progress, import_paths
from scoring.ingest.read import REJECTED_SUFFIX
from scoring.services.access import Caller, Right, require
from scoring.services.runtime import Runtime
from scoring.store import Store
from scoring.store import imports as store_imports


def import_files(
    store: Store,
    *,
    caller: Caller,
    paths: Sequence[Path],
    runtime: Runtime,
    entity: str | None = None,
    sheet: str | None = None,
    all_or_nothing: bool = False,
    rejects_dir: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    require(caller, Right.IMPORT)
    return import_paths(
        store,
        paths,
        actor=caller.login,
        zone=runtime.zone,
        rejects_dir=rejects_dir or runtime.rejects_dir,
        entity=entity,
        sheet=sheet,
        all_or_nothing=all_or_nothing,
        progress=progress,
    )


#: Batches listed on the import page, and problems shown on a batch's page (the rejects file
#: has every rejected row).
RECENT_BATCHES = 20
SHOWN_PROBLEMS = 500


@dataclass(frozen=True)
class BatchFile:
    """One file of a batch: what became of its rows."""

    position: int
    #: The file's own name (an upload's name, not the temporary path it was read from).
    name: str
    entity: str
    sheet: str | None
    rows: int
    accepted: int
    replaced: int
    unchanged: int
    rejected: int
    #: Whether its rejects file can be downloaded (:func:`rejects_file`).
    has_rejects: bool


@dataclass(frozen=True)
class BatchProblem:
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    sheet: str | None


@dataclass(frozen=True)
class BatchReport:
    batch_id: int
    started_at: int
    finished_at: int
    actor: str
    files: list[BatchFile]
    #: The first :data:`SHOWN_PROBLEMS` problems, by file and row.
    problems: list[BatchProblem]
    problems_total: int

    def total(self, what: str) -> int:
        return sum(int(getattr(f, what)) for f in self.files)


def recent_batches(
    store: Store, *, caller: Caller, limit: int = RECENT_BATCHES
) -> list[dict[str, Any]]:
    """The newest import batches first, with their counts."""
    require(caller, Right.IMPORT)
    with store.begin() as conn:
        return store_imports.recent_batches(conn, limit=limit)


def _name(path: str) -> str:
    return PurePath(path.replace("\\", "/")).name


def _kept_rejects(recorded: str | None, rejects_dir: Path) -> Path | None:
    """The rejects file a batch recorded, when it is still there, inside the service's rejects
    folder (never another path a record may name) and named like a rejects file."""
    if not recorded:
        return None
    folder = rejects_dir.resolve()
    path = Path(recorded).resolve()
    if not path.is_relative_to(folder) or not path.name.endswith(f"{REJECTED_SUFFIX}.csv"):
        return None
    return path if path.is_file() else None


def batch_report(
    store: Store, *, caller: Caller, batch_id: int, runtime: Runtime, limit: int = SHOWN_PROBLEMS
) -> BatchReport:
    """What one import batch did, per file, with the problems of its rejected rows."""
    require(caller, Right.IMPORT)
    with store.begin() as conn:
        batch = store_imports.get_batch(conn, batch_id)
        if batch is None:
            raise NotFoundError(f"没有这批导入 / no import batch #{batch_id}")
        files = store_imports.batch_files(conn, batch_id)
        problems, total = store_imports.batch_problems(conn, batch_id, limit=limit)
    names = {int(f["position"]): _name(f["path"]) for f in files}
    return BatchReport(
        batch_id=batch_id,
        started_at=int(batch["started_at"]),
        finished_at=int(batch["finished_at"]),
        actor=str(batch["actor"]),
        files=[
            BatchFile(
                position=int(f["position"]),
                name=names[int(f["position"])],
                entity=str(f["entity"]),
                sheet=f["sheet"],
                rows=int(f["rows"]),
                accepted=int(f["accepted"]),
                replaced=int(f["replaced"]),
                unchanged=int(f["unchanged"]),
                rejected=int(f["rejected"]),
                has_rejects=_kept_rejects(f["rejects_path"], runtime.rejects_dir) is not None,
            )
            for f in files
        ],
        problems=[
            BatchProblem(
                file=names.get(int(p["position"]), "?"),
                row=p["row_number"],
                column=p["column_name"],
                value=p["value"],
                reason=str(p["reason"]),
                sheet=p["sheet"],
            )
            for p in problems
        ],
        problems_total=total,
    )


def rejects_file(
    store: Store, *, caller: Caller, batch_id: int, position: int, runtime: Runtime
) -> Path:
    """The rejects file of one file of a batch (its rejected rows with their reasons, for HR to
    fix and import again): only a file the batch recorded, inside the rejects folder."""
    require(caller, Right.IMPORT)
    with store.begin() as conn:
        found = store_imports.batch_file(conn, batch_id, position)
    if found is None:
        raise NotFoundError(f"没有这个导入文件 / no file {position} in import batch #{batch_id}")
    path = _kept_rejects(found["rejects_path"], runtime.rejects_dir)
    if path is None:
        raise NotFoundError(
            f"这个文件没有可下载的拒收行文件 / file {_name(found['path'])} of batch #{batch_id} "
            "has no rejects file to download"
        )
    return path
