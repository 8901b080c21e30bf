"""``sla-PERIOD.csv`` and ``sla-PERIOD.xlsx``: a period's service-level checks (CONTRACT.md,
"Service levels"). 服务承诺检查:逐条记录与团队汇总。

The workbook has the sheets ``checks`` (one row per check, record and team) and ``by_team``
(per dealer, team and check: met, breached, pending, all, and the share met); the CSV (UTF-8
with a byte-order mark) is the ``checks`` sheet. They are written by the payroll export's own
writers, so text cells are guarded against formula injection the same way, long sheets continue
on ``checks_2`` …, and both files appear at once (temporary names renamed into place).
``due_date`` is the ISO date, ``done_at`` the local ISO 8601 time with its offset, both as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from payroll_export.columns import (
    HEADING_LANGUAGES,
    CellKind,
    Column,
    Headings,
    Sheet,
    frame_column,
)
from payroll_export.csvfile import write_csv
from payroll_export.errors import ExportError
from payroll_export.export import _write_together
from payroll_export.xlsx import EXCEL_MAX_ROWS, write_xlsx
from scoring.service_levels import ServiceLevels

_T, _I, _D = CellKind.TEXT, CellKind.INTEGER, CellKind.DECIMAL

#: ``checks`` sheet: (frame column, Column).
CHECKS_COLUMNS: tuple[tuple[str, Column], ...] = (
    ("period", Column("period", "期间", _T, 9, repeated=True)),
    ("check", Column("check", "检查项", _T, 20, repeated=True)),
    ("record_id", Column("record_id", "记录编号", _T, 16)),
    ("job_id", Column("job_id", "工单号", _T, 16)),
    ("team_id", Column("team_id", "团队编号", _T, 12, repeated=True)),
    ("dealer_id", Column("dealer_id", "经销商编号", _T, 12, repeated=True)),
    ("due_date", Column("due_date", "截止日期", _T, 12, repeated=True)),
    ("done_at", Column("done_at", "完成时间", _T, 26)),
    ("status", Column("status", "状态", _T, 10, repeated=True)),
)

#: ``by_team`` sheet: (frame column, Column).
BY_TEAM_COLUMNS: tuple[tuple[str, Column], ...] = (
    ("period", Column("period", "期间", _T, 9, repeated=True)),
    ("dealer_id", Column("dealer_id", "经销商编号", _T, 12, repeated=True)),
    ("team_id", Column("team_id", "团队编号", _T, 12, repeated=True)),
    ("check", Column("check", "检查项", _T, 20, repeated=True)),
    ("met", Column("met", "按时完成", _I, 10)),
    ("breached", Column("breached", "超时", _I, 10)),
    ("pending", Column("pending", "未到期", _I, 10)),
    ("checks", Column("checks", "检查数", _I, 10)),
    ("share_met", Column("share_met", "按时完成率", _D, 12, places=3)),
)


@dataclass(frozen=True, slots=True)
class SlaFiles:
    """What :func:`write_service_levels` wrote."""

    xlsx: Path
    csv: Path
    sheets: tuple[str, ...]


def sla_stem(period: str) -> str:
    return f"sla-{period}"


def _sheet(name: str, frame: pl.DataFrame, spec: tuple[tuple[str, Column], ...]) -> Sheet:
    return Sheet(
        name,
        frame.select(pl.col(source).alias(frame_column(i)) for i, (source, _) in enumerate(spec)),
        tuple(column for _, column in spec),
    )


def checks_sheet(levels: ServiceLevels) -> Sheet:
    frame = levels.checks.with_columns(
        pl.col("due_date").dt.to_string("%Y-%m-%d"),
        pl.col("done_at").dt.to_string("%Y-%m-%dT%H:%M:%S%:z"),
    )
    return _sheet("checks", frame, CHECKS_COLUMNS)


def by_team_sheet(levels: ServiceLevels) -> Sheet:
    return _sheet("by_team", levels.by_team, BY_TEAM_COLUMNS)


def write_service_levels(
    levels: ServiceLevels,
    out_dir: Path,
    *,
    headings: Headings = "en",
    max_sheet_rows: int = EXCEL_MAX_ROWS,
) -> SlaFiles:
    """Write ``sla-PERIOD.xlsx`` and ``sla-PERIOD.csv`` into ``out_dir`` (created if missing)."""
    if headings not in HEADING_LANGUAGES:
        raise ExportError(f"表头语言应为 en 或 zh / headings must be en or zh: {headings!r}")
    sheets = [checks_sheet(levels), by_team_sheet(levels)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = sla_stem(levels.period)
    xlsx_path, csv_path = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.csv"
    names: tuple[str, ...] = ()

    def xlsx(path: Path) -> None:
        nonlocal names
        names = write_xlsx(
            path, sheets, title=stem, headings=headings, max_sheet_rows=max_sheet_rows
        )

    _write_together({xlsx_path: xlsx, csv_path: lambda path: write_csv(path, sheets[0], headings)})
    return SlaFiles(xlsx=xlsx_path, csv=csv_path, sheets=names)
