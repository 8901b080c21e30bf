"""Write generated tables as input files: English CSV, or Chinese names, headers and labels.

The Chinese variant uses the entity's Chinese name as the file name (``工单.csv``), each field's
alias as header (``工单号``) and the Chinese labels of enums, scores (``非常满意``) and booleans
(``是``/``否``), so that an importer can be tested for "Chinese XLSX gives the same records as
English CSV". Chinese CSV files start with a BOM, as Excel on a Chinese desktop writes them.
XLSX files have typed cells like a real export (numbers, dates and times as Excel values) unless
``typed_cells=False``; they are written with openpyxl and meant for small scales.
写出输入文件:英文 CSV,或中文文件名、中文表头、中文标签(CSV 带 BOM;XLSX 单元格按类型写入)。
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl
from openpyxl import Workbook

from scoring import entities
from scoring.demo_data.tables import TIMESTAMP_FORMAT
from scoring.entities import SCORE_LABELS, Entity, Field, Kind
from scoring.money import fen_to_decimal, parse_yuan

XLSX_MAX_ROWS = 1_048_575  # a sheet's rows after the header
BOOLEAN_LABELS = {"true": "是", "false": "否"}


def write_files(
    tables: Mapping[str, pl.DataFrame],
    directory: Path,
    *,
    fmt: Literal["csv", "xlsx"] = "csv",
    chinese: bool = False,
    typed_cells: bool = True,
) -> list[Path]:
    """Write each table as ``<entity>.csv`` / ``.xlsx`` into ``directory`` (created if needed),
    in the dependency order of the entities; with ``chinese`` the names, headers and labels are
    Chinese. Returns the paths written."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"格式应为 csv 或 xlsx / fmt must be csv or xlsx: {fmt!r}")
    unknown = sorted(set(tables) - set(entities.BY_NAME))
    if unknown:
        known = ", ".join(entities.BY_NAME)
        raise ValueError(f"未知实体 / unknown entities {unknown}; known: {known}")
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for entity in entities.ENTITIES:
        if entity.name not in tables:
            continue
        frame = tables[entity.name]
        if chinese:
            frame = to_chinese(entity, frame)
        path = directory / f"{entity.alias if chinese else entity.name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path, include_bom=chinese)
        else:
            _write_xlsx(path, entity, frame, chinese=chinese, typed_cells=typed_cells)
        written.append(path)
    return written


def to_chinese(entity: Entity, frame: pl.DataFrame) -> pl.DataFrame:
    """Chinese labels for enums, scores and booleans, and the Chinese alias as each header.
    Columns that are not fields of the entity are kept unchanged."""
    exprs: list[pl.Expr] = []
    for column in frame.columns:
        try:
            field = entity.field(column)
        except KeyError:
            exprs.append(pl.col(column))
            continue
        labels = _labels(field)
        expr = pl.col(column).replace(labels) if labels else pl.col(column)
        exprs.append(expr.alias(field.alias))
    return frame.select(exprs)


def _labels(field: Field) -> dict[str, str]:
    if field.kind is Kind.SCORE:
        return SCORE_LABELS
    if field.kind is Kind.BOOL:
        return BOOLEAN_LABELS
    return field.labels


def _write_xlsx(
    path: Path, entity: Entity, frame: pl.DataFrame, *, chinese: bool, typed_cells: bool
) -> None:
    if frame.height > XLSX_MAX_ROWS:
        raise ValueError(
            f"{entity.name}: {frame.height} 行超过 XLSX 上限 / rows exceed the XLSX limit "
            f"of {XLSX_MAX_ROWS}; write CSV instead"
        )
    by_header = {(f.alias if chinese else f.name): f for f in entity.fields}
    columns: list[list[Any]] = []
    for header in frame.columns:
        series = frame[header]
        field = by_header.get(header)
        if typed_cells and field is not None:
            columns.append(_typed(series, field, chinese=chinese))
        else:
            columns.append(series.to_list())
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(entity.alias if chinese else entity.name)
    sheet.append(frame.columns)
    for row in zip(*columns, strict=True):
        sheet.append(row)
    workbook.save(path)


def _typed(series: pl.Series, field: Field, *, chinese: bool) -> list[Any]:
    """The Excel value of each text cell: numbers, dates and times as such, the rest as text."""
    if field.kind is Kind.TIMESTAMP:
        values: list[Any] = series.str.to_datetime(TIMESTAMP_FORMAT, strict=True).to_list()
        return values
    if field.kind is Kind.DATE:
        days: list[Any] = series.str.to_date("%Y-%m-%d", strict=True).to_list()
        return days
    convert: Callable[[str], Any] | None = None
    if field.kind is Kind.MONEY:
        convert = _money
    elif field.kind is Kind.INT or (field.kind is Kind.SCORE and not chinese):
        convert = int
    elif field.kind is Kind.BOOL and not chinese:
        convert = _boolean
    texts: list[str | None] = series.to_list()
    if convert is None:
        return texts
    return [None if text is None else convert(text) for text in texts]


def _money(text: str) -> Any:
    return fen_to_decimal(parse_yuan(text))


def _boolean(text: str) -> bool:
    return text == "true"
