"""Importing files: read and validate each file, check references, store the batch atomically.

Policy for a file with rejected rows (CONTRACT.md leaves it to us): by default the valid rows go
in and the rejected ones do not. Each row of an input file stands for one record on its own, and
holding back a month's two million valid surveys because one row has a typo would stop payroll
for nothing; the rejected rows are reported with file, row, column and reason, written to a
rejects file that HR fixes and re-imports as it is, kept in the store, and the command exits
non-zero. With ``all_or_nothing`` a batch with any rejected row stores nothing at all.

A file that cannot be read at all (missing, not CSV/XLSX, unknown entity) stops the batch before
anything is stored. A file missing a required column is read, and all its rows are rejected with
one file-level problem naming the column, so that HR adds it to the rejects file and re-imports.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import BY_NAME, ENTITIES, Entity, entity_for_name
from scoring.errors import InputError, Problem
from scoring.ingest import Parsed, check_references, read_file, write_rejects
from scoring.store import Store
from scoring.store.records import BatchOutcome, FileOutcome, FileWrite, apply_batch, load_ids

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx", ".xlsm")
#: Called with a message, the steps done and the steps in all (one per file, then storing).
Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    """What an import did, per file, and every problem found."""

    batch_id: int | None
    files: list[FileOutcome]
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    stored: bool = True
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the input files inside given folders (sorted, Excel locks skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("~$")
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise InputError(f"文件不存在 / no such file or folder: {path}")
    if not found:
        raise InputError("没有可导入的文件 / no files to import (.csv or .xlsx)")
    return found


def entity_of(path: Path, explicit: str | None) -> Entity:
    """The entity a file holds: ``--entity``, else its name (``surveys.rejected.csv`` too)."""
    name = explicit if explicit else path.name.split(".")[0]
    entity = entity_for_name(name)
    if entity is None:
        known = ", ".join(f"{e.name} ({e.alias})" for e in ENTITIES)
        source = "--entity" if explicit else "文件名 / file name"
        raise InputError(
            f"{path.name}: 无法识别数据类型 / cannot tell which data this is from {source} "
            f"{name!r}; 可用 / known: {known}"
        )
    return entity


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_rejects(parsed: Parsed, folder: Path) -> Path | None:
    """The rejects file; a folder that cannot be written is a user error (a setting), raised
    before anything is stored."""
    try:
        return write_rejects(parsed, folder)
    except OSError as exc:
        raise InputError(
            f"无法写入拒收行目录 {folder}(SCORING_REJECTS_DIR 或 --rejects-dir),未导入任何数据 / "
            f"cannot write the rejected rows to {folder} (SCORING_REJECTS_DIR or --rejects-dir); "
            f"nothing was imported: {exc.strerror or exc}"
        ) from None


def import_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    actor: str,
    zone: ZoneInfo,
    rejects_dir: Path,
    entity: str | None = None,
    sheet: str | None = None,
    all_or_nothing: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import files or folders into ``store`` as one batch."""
    started = time.perf_counter()
    say = progress or (lambda _msg, _done, _total: None)
    files = expand_paths(paths)
    order = {e.name: i for i, e in enumerate(ENTITIES)}
    typed = sorted(((entity_of(p, entity), p) for p in files), key=lambda ep: order[ep[0].name])

    # Ids a reference may name: those stored, loaded when first needed, plus those accepted
    # earlier in this batch.
    known: dict[str, pl.Series] = {}
    in_batch: dict[str, list[pl.Series]] = {}
    parsed_files: list[tuple[Path, Parsed]] = []
    steps = len(typed) + 1
    for done, (ent, path) in enumerate(typed):
        say(f"读取 / reading {path.name}", done, steps)
        parsed = read_file(path, ent, zone=zone, sheet=sheet)
        needed = {f.references for f in ent.fields if f.references}
        for ref in needed:
            assert ref is not None
            if ref not in known:
                known[ref] = pl.concat([load_ids(store, BY_NAME[ref]), *in_batch.get(ref, [])])
        parsed = check_references(parsed, known)
        # The text of the accepted rows is no longer needed; a national month is gigabytes.
        parsed = dataclasses.replace(parsed, raw=None)
        ids = parsed.frame.get_column(ent.id_column)
        in_batch.setdefault(ent.name, []).append(ids)
        if ent.name in known:
            # Duplicates do no harm to a membership test; making 3M ids unique costs time.
            known[ent.name] = pl.concat([known[ent.name], ids])
        parsed_files.append((path, parsed))

    # A note (a hidden first sheet skipped) is reported first with the file's problems; it
    # rejects nothing and is not stored with the rows' problems.
    problems = {
        str(path): [*p.notes, *p.problems] for path, p in parsed_files if p.problems or p.notes
    }
    for path, parsed in parsed_files:
        for note in parsed.notes:
            log.warning("%s: %s", path.name, note.reason)
    any_rejected = any(p.rejected.height for _, p in parsed_files)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    writes: list[FileWrite] = []
    for path, parsed in parsed_files:
        rejects_path: Path | None = None
        if parsed.rejected.height:
            rejects_path = _write_rejects(parsed, rejects_dir / stamp)
        frame = parsed.frame
        if all_or_nothing and any_rejected:
            frame = frame.head(0)
        writes.append(
            FileWrite(
                entity=parsed.entity,
                path=str(path),
                sha256=sha256_of(path),
                sheet=parsed.sheet,
                rows=parsed.frame.height + parsed.rejected.height,
                frame=frame,
                job_installers=parsed.job_installers,
                rejected=parsed.rejected,
                problems=parsed.problems,
                rejects_path=str(rejects_path) if rejects_path else None,
            )
        )
    if all_or_nothing and any_rejected:
        outcomes = [
            FileOutcome(
                path=w.path,
                entity=w.entity.name,
                rows=w.rows,
                rejected=w.rejected.height,
                rejects_path=w.rejects_path,
            )
            for w in writes
        ]
        return ImportReport(
            batch_id=None,
            files=outcomes,
            problems=problems,
            stored=False,
            seconds=time.perf_counter() - started,
        )
    say("写入 / storing", steps - 1, steps)
    outcome: BatchOutcome = apply_batch(store, writes, actor=actor)
    return ImportReport(
        batch_id=outcome.batch_id,
        files=outcome.files,
        problems=problems,
        seconds=time.perf_counter() - started,
    )
