"""``export_period``: a computed period as ``payroll-PERIOD.xlsx`` and ``payroll-PERIOD.csv``.

The only writer of payroll files. It checks the result first (see :mod:`payroll_export.checks`)
and writes nothing for a result that does not add up. Both files are written under temporary
names in the target folder and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from payroll_export.checks import check_result
from payroll_export.columns import HEADING_LANGUAGES, Headings
from payroll_export.csvfile import write_csv
from payroll_export.errors import ExportError
from payroll_export.sheets import about_sheet, lines_sheet, payroll_sheet, ranking_sheet
from payroll_export.xlsx import EXCEL_MAX_ROWS, write_xlsx
from scoring.result import Result

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportedFiles:
    """What :func:`export_period` wrote."""

    xlsx: Path
    csv: Path
    #: Worksheet names in workbook order, e.g. ``("payroll", "lines", "lines_2", …)``.
    sheets: tuple[str, ...]
    #: Files written besides the workbook and the CSV (none today; kept for callers to list).
    extra: tuple[Path, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.xlsx, self.csv, *self.extra)


def file_stem(period: str, *, draft: bool) -> str:
    """``payroll-2025-06`` for a closed period, ``payroll-2025-06-DRAFT`` for an open one."""
    return f"payroll-{period}" + ("-DRAFT" if draft else "")


def _write_together(writers: dict[Path, Callable[[Path], object]]) -> None:
    """Write each file under a temporary name, then rename them all into place.

    A failure leaves the folder as it was: no half-written file, no new workbook beside an
    old CSV.
    """
    temporary = {
        target: target.with_name(f".{target.name}.{os.getpid()}.tmp") for target in writers
    }
    try:
        for target, write in writers.items():
            write(temporary[target])
        for target, path in temporary.items():
            os.replace(path, target)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)


def export_period(
    result: Result,
    out_dir: Path,
    *,
    headings: Headings = "en",
    max_sheet_rows: int = EXCEL_MAX_ROWS,
) -> ExportedFiles:
    """Write the payroll workbook and CSV of ``result`` into ``out_dir`` (created if missing).

    ``headings="zh"`` writes Chinese column headings (sheet names stay English).
    ``max_sheet_rows`` is the most rows a worksheet holds, heading included; a longer sheet
    continues on ``NAME_2``, ``NAME_3`` … Raises :class:`ExportError` listing every problem
    when the result is inconsistent; nothing is written then.
    """
    if headings not in HEADING_LANGUAGES:
        raise ExportError(f"表头语言应为 en 或 zh / headings must be en or zh: {headings!r}")
    started = time.perf_counter()
    statements, lines, problems = check_result(result)
    if problems:
        raise ExportError(
            f"{result.period} 的结果不一致,未导出 / the result of {result.period} is "
            "inconsistent, nothing was exported",
            problems,
        )
    checked = time.perf_counter()
    sheets = [
        payroll_sheet(statements),
        lines_sheet(lines),
        ranking_sheet(result.ranking),
        about_sheet(result.period, result.about, draft=result.draft),
    ]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(result.period, draft=result.draft)
    xlsx_path = out_dir / f"{stem}.xlsx"
    csv_path = out_dir / f"{stem}.csv"
    names: tuple[str, ...] = ()

    def xlsx(path: Path) -> None:
        nonlocal names
        names = write_xlsx(
            path, sheets, title=stem, headings=headings, max_sheet_rows=max_sheet_rows
        )

    _write_together({xlsx_path: xlsx, csv_path: lambda path: write_csv(path, sheets[0], headings)})
    log.info(
        "exported %s: %d payroll rows, %d lines, check %.2f s, write %.2f s",
        stem,
        statements.height,
        lines.height,
        checked - started,
        time.perf_counter() - checked,
    )
    return ExportedFiles(xlsx=xlsx_path, csv=csv_path, sheets=names)
