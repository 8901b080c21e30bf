"""References between files: a survey names a job that exists, a job names installers that do.

Done after reading, because what exists depends on the store and on the files imported before
in the same import (dealers → teams → installers → jobs → surveys, revisits, complaints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import polars as pl

from scoring.entities import BY_NAME, Field, Kind
from scoring.errors import Problem
from scoring.ingest.model import ROW, Parsed


def reference_reason(field: Field, value: str) -> str:
    target = BY_NAME[field.references] if field.references else None
    if target is None:  # pragma: no cover - only called for reference fields
        raise ValueError(field.name)
    return f"引用的{target.alias}不存在 / {target.id_column} {value!r} does not exist"


def check_references(parsed: Parsed, known: Mapping[str, pl.Series]) -> Parsed:
    """Reject the valid rows that name an id not in ``known`` (entity name → existing ids).

    ``jobs.installer_ids`` is checked installer by installer; an optional reference
    (``complaints.installer_id``) is checked only when given. ``known`` must have every
    entity the file refers to: a missing one is a programming error and raises ``KeyError``.
    """
    fields = [f for f in parsed.entity.fields if f.references]
    if not fields or parsed.frame.height == 0:
        return parsed
    header = {field: header for header, field in parsed.columns.items()}
    unknown: list[pl.DataFrame] = []  # _row, field name, value
    for field in fields:
        target = field.references or ""
        if target not in known:
            raise KeyError(f"check_references needs the known ids of {target!r}")
        # Repeated ids change nothing for an anti join: no need to make them unique first.
        ids = known[target].cast(pl.String).rename("_id").to_frame()
        if field.kind is Kind.SHARES:
            missing = _unknown_installers(parsed, ids)
        else:
            named = parsed.frame.select(ROW, pl.col(field.column).alias("_value")).filter(
                pl.col("_value").is_not_null()
            )
            missing = named.join(ids, left_on="_value", right_on="_id", how="anti")
        unknown.append(missing.select(ROW, pl.lit(field.name).alias("_field"), "_value"))

    bad = pl.concat(unknown).sort(ROW, maintain_order=True)
    if bad.height == 0:
        return parsed
    new_problems = [
        Problem(
            source=parsed.source,
            sheet=parsed.sheet,
            row=row,
            column=header.get(field_name, field_name),
            value=value,
            reason=reference_reason(parsed.entity.field(field_name), value),
        )
        for row, field_name, value in bad.iter_rows()
    ]
    bad_rows = bad.get_column(ROW).unique().implode()
    frame = parsed.frame.filter(~pl.col(ROW).is_in(bad_rows))
    raw = parsed.raw if parsed.raw is not None else parsed.rejected.clear()
    rejected = pl.concat([parsed.rejected, raw.filter(pl.col(ROW).is_in(bad_rows))]).sort(ROW)
    job_installers = parsed.job_installers
    if job_installers is not None:
        job_installers = job_installers.join(
            frame.select(pl.col(parsed.entity.id_column).alias("job_id")), on="job_id", how="semi"
        )
    problems = sorted(
        [*parsed.problems, *new_problems],
        key=lambda p: (p.row is not None, p.row or 0),
    )
    return replace(
        parsed, frame=frame, rejected=rejected, job_installers=job_installers, problems=problems
    )


def _unknown_installers(parsed: Parsed, ids: pl.DataFrame) -> pl.DataFrame:
    """(_row, installer id) for every installer of a valid job that is not in ``ids``.

    The installers are checked first (few are unknown, usually none), and only those are
    matched to the row of their job; ``job_installers`` is in row order, and so is the result.
    """
    if parsed.job_installers is None:
        raise ValueError("a jobs Parsed without job_installers")
    id_column = parsed.entity.id_column
    missing = parsed.job_installers.select("job_id", "installer_id").join(
        ids, left_on="installer_id", right_on="_id", how="anti", maintain_order="left"
    )
    return missing.join(
        parsed.frame.select(ROW, pl.col(id_column).alias("job_id")),
        on="job_id",
        how="inner",
        maintain_order="left",
    ).select(ROW, pl.col("installer_id").alias("_value"))
