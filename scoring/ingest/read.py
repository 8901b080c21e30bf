"""Read one input file into a :class:`Parsed`: the entry point of the ingest stage.

read (source.py) → map headers (headers.py) → convert and check (validate.py) → Parsed.
Pure apart from reading the one file; the store calls it and writes what it accepts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import Entity, entity_for_name
from scoring.errors import Problem
from scoring.ingest.csvrows import RowProblem
from scoring.ingest.headers import map_headers
from scoring.ingest.model import ROW, Parsed
from scoring.ingest.problems import ORDER, PROBLEM_SCHEMA, combine, to_problems
from scoring.ingest.source import read_table
from scoring.ingest.validate import validate
from scoring.ingest.xlsx_numbers import apply_numbers

#: The suffix ``write_rejects`` puts in the name of a rejects file (``jobs.rejected.csv``).
REJECTED_SUFFIX = ".rejected"


def detect_entity(path: Path) -> Entity | None:
    """The entity a file is for, from its name: ``surveys.csv``, ``满意度回访问卷.xlsx``, and the
    rejects file written for it (``surveys.rejected.csv``), so a fixed file re-imports as is."""
    return entity_for_name(source_stem(path.name))


def source_stem(name: str) -> str:
    """The stem of a file name, without the suffix of a rejects file: ``surveys`` for both
    ``surveys.csv`` and ``surveys.rejected.csv``."""
    stem = Path(name).stem
    if stem.lower().endswith(REJECTED_SUFFIX):
        stem = stem[: -len(REJECTED_SUFFIX)]
    return stem


def read_file(path: Path, entity: Entity, *, zone: ZoneInfo, sheet: str | None = None) -> Parsed:
    """Read, type and validate ``path`` as rows of ``entity``.

    Valid rows come back typed in ``frame``; rows with any problem come back in ``rejected`` as
    written, and ``problems`` lists every problem with its file, sheet, row, column and value.
    A missing required column (or two columns for one field) is one problem with no row and
    rejects every row of the file. Raises :class:`~scoring.errors.InputError` when the file
    cannot be read at all (missing, not CSV/XLSX, empty, no header, unknown sheet).
    """
    table = read_table(path, sheet=sheet)
    names = [c for c in table.frame.columns if c != "_row"]
    layout = map_headers(list(table.headers), names, entity)
    if layout.ignored:
        kept = [i for i, name in enumerate(names) if name not in layout.ignored]
        table = replace(
            table,
            headers=tuple(table.headers[i] for i in kept),
            frame=table.frame.drop(list(layout.ignored)),
        )
    table, rounded = apply_numbers(table, layout, entity)
    # Rows the reader rejected (a broken quote, a wrong cell count, invalid bytes, an id Excel
    # had rounded) are not validated: their cells are not what the user meant. They are
    # rejected as they are.
    broken = combine([read_problems(table.problems), rounded])
    readable = table
    if broken.height:
        readable = replace(table, frame=table.frame.join(broken, on=ROW, how="anti"))
    checked = validate(readable, layout, entity, zone)
    rejected, problems = checked.rejected, checked.problems
    if broken.height:
        unread = table.frame.join(broken.select(ROW), on=ROW, how="semi")
        rejected = pl.concat([rejected, unread]).sort(ROW)
        problems = combine([problems, broken.select(PROBLEM_SCHEMA.names())])
    return Parsed(
        entity=entity,
        source=table.source,
        sheet=table.sheet,
        frame=checked.frame,
        job_installers=checked.job_installers,
        rejected=rejected,
        problems=to_problems(problems, source=table.source, sheet=table.sheet),
        notes=tuple(Problem(table.source, note, sheet=table.sheet) for note in table.notes),
        columns=layout.columns,
        headers=table.headers,
        raw=table.frame,
    )


def read_problems(found: tuple[RowProblem, ...]) -> pl.DataFrame:
    """The rows rejected while reading, as a problem frame (no column: the row is broken)."""
    return pl.DataFrame(
        {
            ROW: [p.row for p in found],
            "column": [None] * len(found),
            "value": [None] * len(found),
            "reason": [p.reason for p in found],
            ORDER: [-1] * len(found),
        },
        schema=PROBLEM_SCHEMA,
    )
