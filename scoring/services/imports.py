"""Imports: files into the store as one batch (see scoring/importer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scoring.importer import ImportReport, Progress, import_paths
from scoring.services.access import Caller, Right, require
from scoring.services.runtime import Runtime
from scoring.store import Store


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
