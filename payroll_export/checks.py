"""Refuse to write a payroll that does not add up.

The export is the last stop before money moves, so before writing it checks what the contract
promises: the columns are there with usable types, every row belongs to the period, every
statement's columns are the sums of its lines by kind, and ``net`` is what the formula gives.
Problems are collected and returned together; :func:`conform` also casts compatible dtypes
(any integer type to Int64, categoricals to String) to the schema's.
"""

from __future__ import annotations

import re

import polars as pl

from scoring.errors import Problem
from scoring.result import (
    KIND_TOTALS,
    LINE_KINDS,
    LINE_SOURCES,
    LINES_SCHEMA,
    STATEMENT_MONEY_COLUMNS,
    STATEMENTS_SCHEMA,
    Result,
    deduction_after_cap,
    kind_sums,
    net_of_totals,
)

GRADES = ("A", "B", "C", "D", "unrated")
PERIOD_PATTERN = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
RATING_PATTERN = r"^\d+\.\d{3}$"
#: At most this many problems of one kind are listed; the rest are counted.
MAX_LISTED = 20

#: The most characters an Excel cell holds; a longer text would make Excel repair the file.
EXCEL_CELL_CHARS = 32_767
_TOO_LONG = (
    f"文本超过 Excel 单元格上限 {EXCEL_CELL_CHARS} 字 / text longer than an Excel cell holds"
)


def conform(
    name: str, frame: pl.DataFrame, schema: pl.Schema
) -> tuple[pl.DataFrame, list[Problem]]:
    """``frame`` with the schema's columns in its order and types, or the problems why not."""
    problems: list[Problem] = []
    exprs: list[pl.Expr] = []
    for column, dtype in schema.items():
        if column not in frame.columns:
            problems.append(Problem(name, "缺少列 / missing column", column=column))
            continue
        actual = frame.schema[column]
        compatible = (
            actual == dtype
            or isinstance(actual, pl.Null)
            or (actual.is_integer() and dtype.is_integer())
            or (dtype == pl.String and isinstance(actual, pl.Categorical | pl.Enum))
        )
        if not compatible:
            problems.append(
                Problem(
                    name,
                    f"列类型应为 {dtype} / column type should be {dtype}",
                    column=column,
                    value=str(actual),
                )
            )
            continue
        exprs.append(pl.col(column).cast(dtype, strict=True))
    if problems:
        return frame, problems
    try:
        return frame.select(exprs), []
    except pl.exceptions.InvalidOperationError as error:  # e.g. a UInt64 past Int64
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return frame, [Problem(name, f"数值超出范围 / value out of range: {first}")]


def check_result(result: Result) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
    """Conformed ``(statements, lines)`` of ``result`` and every problem found in them."""
    problems: list[Problem] = []
    if not PERIOD_PATTERN.fullmatch(result.period):
        problems.append(
            Problem("result", "期间应为 YYYY-MM / period must be YYYY-MM", value=result.period)
        )
    statements, found = conform("statements", result.statements, STATEMENTS_SCHEMA)
    problems += found
    lines, found = conform("lines", result.lines, LINES_SCHEMA)
    problems += found
    if problems:
        return statements, lines, problems
    problems += _check_statements(result.period, statements)
    problems += _check_lines(result.period, lines)
    problems += _check_totals(statements, lines)
    return statements, lines, problems


def _too_long(column: str) -> pl.Expr:
    """True where a text passes Excel's cell limit (bytes first: cheap, and rarely over)."""
    text = pl.col(column)
    long = text.str.len_bytes() > EXCEL_CELL_CHARS
    return pl.when(long).then(text.str.len_chars() > EXCEL_CELL_CHARS).otherwise(False)


def _listed(
    source: str,
    reason: str,
    rows: pl.DataFrame,
    *,
    column: str,
    value: str | None = None,
) -> list[Problem]:
    """One problem per offending row (at most ``MAX_LISTED``), each at its 1-based position."""
    out: list[Problem] = []
    for row in rows.head(MAX_LISTED).iter_rows(named=True):
        shown = row.get(value) if value else None
        index = row.get("_index")
        out.append(
            Problem(
                source,
                reason,
                row=None if index is None else int(index) + 1,
                column=column,
                value=None if shown is None else str(shown),
            )
        )
    if rows.height > MAX_LISTED:
        more = rows.height - MAX_LISTED
        out.append(Problem(source, f"另有 {more} 行同样问题 / {more} more rows like this"))
    return out


def _check_statements(period: str, statements: pl.DataFrame) -> list[Problem]:
    src = "statements"
    frame = statements.with_row_index("_index")
    problems: list[Problem] = []
    checks: list[tuple[str, pl.Expr, str]] = [
        ("期间不符 / row of another period", pl.col("period") != period, "period"),
        ("工号为空 / empty installer_id", pl.col("installer_id").is_null(), "installer_id"),
        (
            "工号重复 / installer_id appears twice",
            pl.col("installer_id").is_duplicated() & pl.col("installer_id").is_not_null(),
            "installer_id",
        ),
        (
            "评分应为三位小数 / rating must have three decimals",
            pl.col("rating").is_not_null() & ~pl.col("rating").str.contains(RATING_PATTERN),
            "rating",
        ),
        (
            f"等级应为 {'/'.join(GRADES)} / unknown grade",
            ~pl.col("grade").is_in(GRADES).fill_null(False),
            "grade",
        ),
        (
            "问卷数为空或为负 / surveys empty or negative",
            pl.col("surveys").is_null() | (pl.col("surveys") < 0),
            "surveys",
        ),
    ]
    for column, dtype in statements.schema.items():
        if column in STATEMENT_MONEY_COLUMNS:
            checks.append(("金额为空 / empty amount", pl.col(column).is_null(), column))
        elif dtype == pl.String:
            checks.append((_TOO_LONG, _too_long(column), column))
    for reason, bad, column in checks:
        rows = frame.filter(bad.fill_null(True))
        problems += _listed(src, reason, rows, column=column, value=column)
    if problems:
        return problems
    deduction = deduction_after_cap()
    net = net_of_totals()
    problems += _listed(
        src,
        "扣款应等于封顶前扣款减封顶免扣 / deduction must be before_cap minus waived_by_cap",
        frame.filter(pl.col("deduction_fen") != deduction),
        column="deduction_fen",
        value="installer_id",
    )
    problems += _listed(
        src,
        "实发合计与各项不符 / net is not bonus - deduction + allowance + adjustments",
        frame.filter(pl.col("net_fen") != net),
        column="net_fen",
        value="installer_id",
    )
    return problems


def _check_lines(period: str, lines: pl.DataFrame) -> list[Problem]:
    src = "lines"
    frame = lines.with_row_index("_index")
    checks: list[tuple[str, pl.Expr, str]] = [
        ("期间不符 / line of another period", pl.col("period") != period, "period"),
        ("工号为空 / empty installer_id", pl.col("installer_id").is_null(), "installer_id"),
        ("金额为空 / empty amount", pl.col("amount_fen").is_null(), "amount_fen"),
        (
            f"类型应为 {'/'.join(LINE_KINDS)} / unknown kind",
            ~pl.col("kind").is_in(LINE_KINDS).fill_null(False),
            "kind",
        ),
        (
            f"来源应为 {'/'.join(LINE_SOURCES)} / unknown source",
            ~pl.col("source").is_in(LINE_SOURCES).fill_null(False),
            "source",
        ),
    ]
    for column, dtype in lines.schema.items():
        if dtype == pl.String:
            checks.append((_TOO_LONG, _too_long(column), column))
    bad_any = pl.any_horizontal([bad.fill_null(True) for _, bad, _ in checks])
    suspects = frame.filter(bad_any)
    problems: list[Problem] = []
    for reason, bad, column in checks:
        rows = suspects.filter(bad.fill_null(True))
        problems += _listed(src, reason, rows, column=column, value=column)
    return problems


def _check_totals(statements: pl.DataFrame, lines: pl.DataFrame) -> list[Problem]:
    """Each statement column equals the signed sum of its lines; no line without a statement."""
    sums = lines.group_by("installer_id").agg(kind_sums())
    joined = statements.with_row_index("_index").join(
        sums, on="installer_id", how="full", suffix="_lines", coalesce=True
    )
    problems = _listed(
        "lines",
        "有明细但无对应工资行 / lines of an installer without a payroll row",
        joined.filter(pl.col("_index").is_null()),
        column="installer_id",
        value="installer_id",
    )
    joined = joined.filter(pl.col("_index").is_not_null())
    for total in KIND_TOTALS:
        column, kind = total.column, total.kind
        from_lines = pl.col(f"{column}_lines").fill_null(0)
        problems += _listed(
            "statements",
            f"与 {kind} 明细合计不符 / differs from the sum of its {kind} lines",
            joined.filter(pl.col(column) != from_lines),
            column=column,
            value="installer_id",
        )
    return problems
