"""The validation pass: text table → typed columns, problems, and which rows are rejected.

One lazy polars query trims every cell, converts every field (step k of all fields together),
builds ``extra`` and evaluates every check as a Boolean column; it is collected once. Only
then are the rows with a problem turned into a problem frame, one small filter per check.
Duplicate ids and the job_installers rows are done on the collected frame.

Policy: a row with any problem is rejected whole, and a file-level problem (see ``headers.py``)
rejects every row; every problem is still collected, so one import shows all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import Entity, Kind
from scoring.ingest.columns import extra_column, text_column
from scoring.ingest.conversion import Check
from scoring.ingest.headers import HeaderMap
from scoring.ingest.model import ROW
from scoring.ingest.problems import combine, file_problem, problem_frame
from scoring.ingest.rules import row_checks
from scoring.ingest.shares import job_installers as shares_job_installers
from scoring.ingest.source import TextTable
from scoring.ingest.values import conversion_for

DUPLICATE_ZH = "编号在文件中重复,另见第 "
DUPLICATE_EN = " 行 / the id appears more than once in the file, also in row "
_SHOWN_ROWS = 5
_FLAG = "__bad__{}"
_REPEATED = "__repeated__"
_REJECTED = "__rejected__"


@dataclass(frozen=True)
class Validated:
    frame: pl.DataFrame
    job_installers: pl.DataFrame | None
    rejected: pl.DataFrame
    problems: pl.DataFrame


def clean_text(column: str) -> pl.Expr:
    """The cell trimmed, an empty cell as null."""
    trimmed = pl.col(column).str.strip_chars()
    return pl.when(trimmed.str.len_bytes() > 0).then(trimmed)


def validate(table: TextTable, layout: HeaderMap, entity: Entity, zone: ZoneInfo) -> Validated:
    order = {f.name: i for i, f in enumerate(entity.fields)}
    header = {name: layout.header_of[column] for name, column in layout.fields.items()}
    text_of = {f.name: pl.col(text_column(f.name)) for f in entity.fields}

    texts = [pl.col(ROW)]
    for f in entity.fields:
        source = layout.fields.get(f.name)
        texts.append(
            (clean_text(source) if source else pl.lit(None, pl.String())).alias(text_column(f.name))
        )
    extras = list(layout.extra.items())
    texts += [clean_text(column).alias(extra_column(i)) for i, (column, _) in enumerate(extras)]
    # A row whose cells are all empty is not a record (Excel leaves them behind): dropped.
    filled = [pl.col(text_column(f.name)) for f in entity.fields if f.name in layout.fields]
    filled += [pl.col(extra_column(i)) for i in range(len(extras))]
    query = table.frame.lazy().select(texts)
    if filled:
        query = query.filter(pl.any_horizontal([c.is_not_null() for c in filled]))

    conversions = [conversion_for(f, zone) for f in entity.fields]
    for step in range(max(len(c.steps) for c in conversions)):
        merged: dict[str, pl.Expr] = {}
        for conversion in conversions:
            if step < len(conversion.steps):
                merged |= conversion.steps[step]
        query = query.with_columns(**merged)
    query = query.with_columns(_extra(extras))

    checks: list[Check] = [c for conversion in conversions for c in conversion.checks]
    checks += row_checks(entity, text_of, set(layout.fields))
    flags = [_FLAG.format(i) for i in range(len(checks))]
    query = query.with_columns(
        [check.bad.fill_null(False).alias(flag) for check, flag in zip(checks, flags, strict=True)]
    )
    id_text = pl.col(text_column(entity.id_field.name))
    repeated = (id_text.is_not_null() & id_text.is_duplicated()).alias(_REPEATED)
    query = query.with_columns(repeated).with_columns(
        pl.any_horizontal([*flags, _REPEATED]).alias(_REJECTED)
    )
    # Keep only what the rest needs: working columns of the conversions die here.
    schema = entity.schema
    kept = [ROW, *(text_column(f.name) for f in entity.fields), *schema.names()]
    kept += [name for conversion in conversions for name in conversion.keep]
    collected = query.select(*dict.fromkeys(kept), *flags, _REPEATED, _REJECTED).collect()

    hits = collected.lazy()
    found = [
        hits.filter(pl.col(flag)).select(
            problem_frame(
                pl.col(ROW),
                column=header.get(check.field),
                value=pl.col(text_column(check.field)),
                reason=check.reason,
                order=order[check.field],
            )
        )
        for check, flag in zip(checks, flags, strict=True)
    ]
    problems = pl.collect_all(found) if found else []
    problems += [file_problem(p.reason, column=p.column, order=-1) for p in layout.problems]
    id_field = entity.id_field.name
    if id_field in layout.fields:
        problems.append(_duplicate_ids(collected, id_field, header[id_field]))
    all_problems = combine(problems)

    rejected_mask = collected.get_column(_REJECTED)
    if layout.problems:
        rejected_mask = pl.repeat(True, collected.height, eager=True)
    valid = collected.lazy().filter(~rejected_mask)
    frame = valid.select(
        *(pl.col(name).cast(dtype) for name, dtype in schema.items()),
        pl.col(ROW).cast(pl.Int64),
    ).collect()
    job_installers = None
    shares_field = next((f for f in entity.fields if f.kind is Kind.SHARES), None)
    if shares_field is not None:
        job_installers = shares_job_installers(
            valid, field=shares_field.name, job_id=entity.id_column
        )
    rejected_rows = collected.filter(rejected_mask).select(ROW)
    rejected = table.frame.join(rejected_rows, on=ROW, how="semi", maintain_order="left")
    return Validated(frame, job_installers, rejected, all_problems)


def _extra(extras: list[tuple[str, str]]) -> pl.Expr:
    """``extra``: the unknown columns as a JSON object {header: text}, null when all empty."""
    if not extras:
        return pl.lit(None, pl.String()).alias("extra")
    cells = [pl.col(extra_column(i)).alias(header) for i, (_, header) in enumerate(extras)]
    filled = pl.any_horizontal([pl.col(extra_column(i)).is_not_null() for i in range(len(extras))])
    return pl.when(filled).then(pl.struct(cells).struct.json_encode()).alias("extra")


def _duplicate_ids(collected: pl.DataFrame, id_field: str, header: str) -> pl.DataFrame:
    """Every row of a repeated id is a problem, naming the other rows with that id."""
    text = text_column(id_field)
    repeated = collected.filter(pl.col(_REPEATED)).select(ROW, text)
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
