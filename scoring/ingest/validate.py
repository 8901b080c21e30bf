"""The validation pass: text table → typed columns, problems, and which rows are rejected.

One lazy polars query trims the cells, converts every field (step k of all fields together),
builds ``extra`` and evaluates every check as a Boolean column; it is collected once. Only
then are the rows with a problem turned into a problem frame, one small filter per check, with
the trimmed text of the cell taken again from the few rows with a problem (so the query keeps
no text column it does not need). Duplicate ids and the job_installers rows are done on the
collected frame.

Fast paths (``values.py``, ``moments.py``): a field whose common cells can be read straight
from the untrimmed cell (``install``, ``5``, ``true``, ``2025-10-12T14:30:00``) is trimmed and
converted the general way only on its other cells. ``validate(..., fast=False)`` turns them off;
``tests/test_ingest_fast.py`` checks that both give the same frames and problems.

Policy: a row with any problem is rejected whole, and a file-level problem (see ``headers.py``)
rejects every row; every problem is still collected, so one import shows all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import Entity, Kind
from scoring.ingest.columns import extra_column, raw_column, text_column
from scoring.ingest.conversion import Check, Conversion, trimmed
from scoring.ingest.headers import HeaderMap
from scoring.ingest.model import ROW
from scoring.ingest.problems import combine, file_problem, problem_frame
from scoring.ingest.rules import implied_values, row_checks
from scoring.ingest.shares import job_installers as shares_job_installers
from scoring.ingest.source import TextTable
from scoring.ingest.text import CONTROL, MAX_TEXT, too_long
from scoring.ingest.values import conversion_for

DUPLICATE_ZH = "编号在文件中重复,另见第 "
DUPLICATE_EN = " 行 / the id appears more than once in the file, also in row "
_SHOWN_ROWS = 5
_FLAG = "__bad__{}"
_EXTRA_FIELD = "__extra_field__{}"
_REPEATED = "__repeated__"
_REJECTED = "__rejected__"


@dataclass(frozen=True)
class Validated:
    frame: pl.DataFrame
    job_installers: pl.DataFrame | None
    rejected: pl.DataFrame
    problems: pl.DataFrame


def validate(
    table: TextTable, layout: HeaderMap, entity: Entity, zone: ZoneInfo, *, fast: bool = True
) -> Validated:
    """Type and check ``table``; ``fast=False`` turns the fast paths off (for the tests)."""
    order = {f.name: i for i, f in enumerate(entity.fields)}
    header = {name: layout.header_of[column] for name, column in layout.fields.items()}

    # The cells as read, under names of ours (no header can collide with a working column).
    cells = [c for c in table.frame.columns if c != ROW]
    raw = {column: raw_column(i) for i, column in enumerate(cells)}
    query = table.frame.lazy().select(ROW, *(pl.col(c).alias(raw[c]) for c in cells))

    conversions: list[Conversion] = []
    texts: dict[str, pl.Expr] = {}
    filled_of: dict[str, pl.Expr] = {}
    for f in entity.fields:
        source = layout.fields.get(f.name)
        cell = pl.col(raw[source]) if source else None
        conversion = conversion_for(f, zone, raw=cell if fast else None)
        conversions.append(conversion)
        text = pl.col(text_column(f.name))
        filled_of[f.name] = text.is_not_null()
        if conversion.read is not None:
            filled_of[f.name] = pl.col(conversion.read).is_not_null() | text.is_not_null()
        else:
            texts[text_column(f.name)] = (
                cell.str.strip_chars() if cell is not None else pl.lit(None, pl.String())
            )
    extras = list(layout.extra.items())
    for i, (column, _) in enumerate(extras):
        # Unknown columns are free text (rules may read them): the same rule and limit.
        texts[extra_column(i)] = (
            pl.col(raw[column]).str.strip_chars().str.replace_all(CONTROL, "").str.strip_chars()
        )
    # trimmed(), in two steps so that each cell is stripped once (polars does not share the
    # strip between the condition and the value of a when/then).
    query = query.with_columns(**texts).with_columns(
        pl.when(pl.col(name).str.len_bytes() > 0).then(pl.col(name)).alias(name) for name in texts
    )

    for step in range(max(len(c.steps) for c in conversions)):
        merged: dict[str, pl.Expr] = {}
        for conversion in conversions:
            if step < len(conversion.steps):
                merged |= conversion.steps[step]
        query = query.with_columns(**merged)
    query = query.with_columns(_extra(extras))
    # A row whose cells are all empty is not a record (Excel leaves them behind): dropped.
    # Conversions are row by row, so dropping them after converting changes nothing.
    filled = [filled_of[f.name] for f in entity.fields if f.name in layout.fields]
    filled += [pl.col(extra_column(i)).is_not_null() for i in range(len(extras))]
    if filled:
        query = query.filter(pl.any_horizontal(filled))

    checks: list[Check] = [c for conversion in conversions for c in conversion.checks]
    checks += row_checks(entity, filled_of, set(layout.fields))
    for i, (_, written) in enumerate(extras):
        name = _EXTRA_FIELD.format(i)  # problems name the column by its header
        header[name] = written
        order[name] = len(order)
        length = pl.col(extra_column(i)).str.len_chars()
        checks.append(Check(name, length > MAX_TEXT, too_long(MAX_TEXT)))
    flags = [_FLAG.format(i) for i in range(len(checks))]
    query = query.with_columns(
        [check.bad.fill_null(False).alias(flag) for check, flag in zip(checks, flags, strict=True)]
    )
    # The id is a string field: its text column has every cell (no fast path leaves it out).
    id_text = pl.col(text_column(entity.id_field.name))
    # Ids of equal hash first (integers, fast), then the exact test on those rows only: rows of
    # equal ids have equal hashes, so the exact test sees every copy (the others are null).
    maybe = id_text.is_not_null() & id_text.hash().is_duplicated()
    repeated = (maybe & pl.when(maybe).then(id_text).is_duplicated()).alias(_REPEATED)
    query = query.with_columns(repeated).with_columns(
        pl.any_horizontal([*flags, _REPEATED]).alias(_REJECTED)
    )
    # Keep only what the rest needs: the text and working columns of the conversions die here
    # (a problem shows the text of its cell, taken again from the few rows with a problem).
    schema = entity.schema
    kept = [ROW, *schema.names()]
    kept += [name for conversion in conversions for name in conversion.keep]
    collected = query.select(*dict.fromkeys(kept), *flags, _REPEATED, _REJECTED).collect()

    # The trimmed text of every field of the rows with a problem: the value a problem shows.
    hit_rows = collected.filter(pl.col(_REJECTED)).select(ROW)
    cells_of_hits = table.frame.join(hit_rows, on=ROW, how="semi").select(
        ROW,
        *(
            trimmed(pl.col(column)).alias(text_column(name))
            for name, column in layout.fields.items()
        ),
    )
    hits = collected.lazy()
    found = [
        hits.filter(pl.col(flag))
        .join(cells_of_hits.lazy(), on=ROW, how="left", maintain_order="left")
        .select(
            problem_frame(
                pl.col(ROW),
                column=header.get(check.field),
                value=pl.col(text_column(check.field)) if check.field in layout.fields else None,
                reason=check.reason,
                order=order[check.field],
            )
        )
        for check, flag in zip(checks, flags, strict=True)
        if collected.get_column(flag).any()
    ]
    problems = pl.collect_all(found) if found else []
    problems += [file_problem(p.reason, column=p.column, order=-1) for p in layout.problems]
    id_field = entity.id_field.name
    if id_field in layout.fields:
        problems.append(_duplicate_ids(collected, cells_of_hits, id_field, header[id_field]))
    all_problems = combine(problems)

    rejected_mask = collected.get_column(_REJECTED)
    if layout.problems:
        rejected_mask = pl.repeat(True, collected.height, eager=True)
        rejected_rows = collected.select(ROW)
    else:
        rejected_rows = hit_rows
    # Nothing rejected (the usual case): the valid rows are the collected frame, not a copy.
    valid = collected.lazy().filter(~rejected_mask) if rejected_rows.height else collected.lazy()
    implied = implied_values(entity)
    frame = valid.select(
        *(
            implied.get(name, pl.col(name)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ),
        pl.col(ROW).cast(pl.Int64),
    ).collect()
    job_installers = None
    shares_field = next((f for f in entity.fields if f.kind is Kind.SHARES), None)
    if shares_field is not None:
        job_installers = shares_job_installers(
            valid, field=shares_field.name, output=shares_field.column, job_id=entity.id_column
        )
    rejected = table.frame.join(rejected_rows, on=ROW, how="semi", maintain_order="left")
    return Validated(frame, job_installers, rejected, all_problems)


def _extra(extras: list[tuple[str, str]]) -> pl.Expr:
    """``extra``: the unknown columns as a JSON object {header: text}, null when all empty."""
    if not extras:
        return pl.lit(None, pl.String()).alias("extra")
    cells = [pl.col(extra_column(i)).alias(header) for i, (_, header) in enumerate(extras)]
    filled = pl.any_horizontal([pl.col(extra_column(i)).is_not_null() for i in range(len(extras))])
    return pl.when(filled).then(pl.struct(cells).struct.json_encode()).alias("extra")


def _duplicate_ids(
    collected: pl.DataFrame, cells: pl.DataFrame, id_field: str, header: str
) -> pl.DataFrame:
    """Every row of a repeated id is a problem, naming the other rows with that id.

    ``cells``: the trimmed texts of the rows with a problem (those rows include these).
    """
    text = text_column(id_field)
    repeated = (
        collected.select(ROW, _REPEATED)
        .filter(pl.col(_REPEATED))
        .join(cells.select(ROW, text), on=ROW, how="left", maintain_order="left")
        .select(ROW, text)
    )
    if repeated.height == 0:
        return repeated.select(
            problem_frame(pl.col(ROW), column=header, value=None, reason="", order=0)
        )
    rows = repeated.group_by(text).agg(pl.col(ROW).alias("_rows"))
    others = pl.col("_rows").list.set_difference(pl.concat_list(ROW)).list.sort()
    shown = others.list.head(_SHOWN_ROWS).list.eval(pl.element().cast(pl.String)).list.join(", ")
    more = pl.when(others.list.len() > _SHOWN_ROWS).then(pl.lit(", …")).otherwise(pl.lit(""))
    named = repeated.join(rows, on=text, how="left").with_columns(
        pl.concat_str([shown, more]).alias("_others")
    )
    reason = pl.concat_str(
        [pl.lit(DUPLICATE_ZH), pl.col("_others"), pl.lit(DUPLICATE_EN), pl.col("_others")]
    )
    return named.select(
        problem_frame(pl.col(ROW), column=header, value=pl.col(text), reason=reason, order=0)
    )
