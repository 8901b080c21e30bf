"""The monthly report as an XLSX workbook (openpyxl), with native Excel charts.

A summary sheet, then one sheet per section with its table and, where a manager would rather
look than read, a chart over the table's cells (a bar chart of the ratings, the service levels
met, the complaints by category and verdict, the survey dimensions; a pie of next month's
order shares). Headings in Chinese (default) or English.

Every text cell goes through :func:`put_text`: characters XML cannot hold are dropped, and a
text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as text
with Excel's quote prefix, so that it is shown as typed and never run as a formula. Numbers
written as exact text by the report (ratings, shares) become numbers with a format showing
the same decimals; they are not money.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from payroll_export.dealer_report.labels import (
    ABOUT,
    CHANGES,
    COMPLAINTS,
    DISPATCH,
    GRADES,
    RANKING,
    SERVICE_LEVELS,
    STATUS,
    SUMMARY,
    SURVEYS,
    TITLE,
    WORDS,
    Col,
    Section,
    value_words,
)
from scoring.dealer_report import DealerReport

#: Text that a spreadsheet would read as a formula when typed (OWASP CSV injection).
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")
#: Excel's cap on the characters of a cell.
CELL_MAX = 32_767
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)


def put_text(cell: Cell, text: object) -> None:
    """A text cell that Excel shows as it is and never runs as a formula."""
    value = _ILLEGAL.sub("", str(text))[:CELL_MAX]
    cell.value = value
    cell.data_type = "s"  # openpyxl takes "=…" for a formula otherwise
    if FORMULA_START.match(value):
        cell.quotePrefix = True


def _number(text: str, places: int, scale: int = 1) -> float | None:
    """An exact decimal text as a number for a cell (not money: a rating or a share)."""
    cleaned = text.strip().rstrip("%")
    if not _DECIMAL.match(cleaned):
        return None
    return round(float(cleaned) / scale, places + 2)


def _put(cell: Cell, col: Col, value: Any, report: DealerReport, language: str) -> None:
    if value is None:
        return
    if col.kind == "int":
        cell.value = int(value)
        return
    if col.kind == "label":
        if col.name == "check":
            titles = report.check_titles.get(str(value))
            put_text(cell, titles[0 if language == "zh" else 1] if titles else value)
        else:
            put_text(cell, value_words(value, language))
        return
    if col.kind in ("dec", "share", "percent"):
        text = str(value)
        places = len(text.rstrip("%").partition(".")[2])
        number = _number(text, places, 100 if col.kind == "percent" else 1)
        if number is None:
            put_text(cell, text)
            return
        cell.value = number
        if col.kind == "dec":
            cell.number_format = "0." + "0" * places if places else "0"
        else:
            shown = max(places - 2, 0) if col.kind == "share" else places
            cell.number_format = ("0." + "0" * shown if shown else "0") + "%"
        return
    put_text(cell, value)


def _table(
    sheet: Worksheet,
    section: Section,
    frame: pl.DataFrame,
    report: DealerReport,
    language: str,
    *,
    top: int = 1,
) -> int:
    """Write the section's table from row ``top``; returns the last row written."""
    for index, col in enumerate(section.columns, start=1):
        cell = sheet.cell(row=top, column=index)
        put_text(cell, col.zh if language == "zh" else col.en)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    row_number = top
    for row in frame.iter_rows(named=True):
        row_number += 1
        for index, col in enumerate(section.columns, start=1):
            _put(sheet.cell(row=row_number, column=index), col, row.get(col.name), report, language)
    sheet.freeze_panes = sheet.cell(row=top + 1, column=1)
    return row_number


def _bar(
    sheet: Worksheet,
    title: str,
    *,
    categories: int,
    series: Sequence[int],
    header_row: int,
    last_row: int,
    anchor: str,
    percent: bool = False,
    stacked: bool = False,
) -> None:
    """A bar chart of columns ``series`` (their headings name the series) over the rows
    ``header_row + 1 .. last_row``, categories from column ``categories``."""
    if last_row <= header_row:
        return
    chart = BarChart()
    chart.type = "col"
    chart.title = title
    chart.height, chart.width = 8, 18
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    for column in series:
        data = Reference(sheet, min_col=column, min_row=header_row, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
    cats = Reference(sheet, min_col=categories, min_row=header_row + 1, max_row=last_row)
    chart.set_categories(cats)
    if percent:
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
    sheet.add_chart(chart, anchor)


def _column(section: Section, name: str) -> int:
    return next(i for i, c in enumerate(section.columns, start=1) if c.name == name)


def _title(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def _summary(book: Workbook, report: DealerReport, language: str) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = _title(language, *SUMMARY)
    name = report.dealer_name or report.dealer_id
    put_text(sheet.cell(row=1, column=1), f"{name} {report.period} {_title(language, *TITLE)}")
    sheet.cell(row=1, column=1).font = _TITLE
    status = STATUS.get(report.status, (report.status, report.status))
    facts = [
        ("dealer", f"{report.dealer_id} {report.dealer_name or ''}".strip()),
        ("period", report.period),
        ("status", _title(language, *status)),
        ("plan", report.plan or ""),
        ("computed_at", report.computed_at or ""),
        ("generated_at", report.generated_at),
        ("sla_as_of", report.sla_as_of or ""),
        ("previous_period", report.previous_period),
    ]
    row = 2
    for key, value in facts:
        row += 1
        put_text(sheet.cell(row=row, column=1), _title(language, *ABOUT[key]))
        sheet.cell(row=row, column=1).font = _BOLD
        put_text(sheet.cell(row=row, column=2), value)
    for zh, en in report.notes:
        row += 1
        put_text(sheet.cell(row=row, column=1), _title(language, *ABOUT["notes"]))
        put_text(sheet.cell(row=row, column=2), _title(language, zh, en))
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 60


def workbook(report: DealerReport, *, headings: str = "zh") -> Workbook:
    """The report's workbook (see the module)."""
    language = "zh" if headings == "zh" else "en"
    book = Workbook()
    _summary(book, report, language)

    def sheet_of(section: Section, frame: pl.DataFrame) -> tuple[Worksheet, int]:
        sheet = book.create_sheet(section.sheet(language))
        return sheet, _table(sheet, section, frame, report, language)

    right = get_column_letter(len(RANKING.columns) + 2) + "2"
    sheet, last = sheet_of(RANKING, report.ranking.filter(pl.col("rank").is_not_null()))
    _bar(
        sheet,
        _title(language, "团队评分", "Team ratings"),
        categories=_column(RANKING, "team_name"),
        series=[_column(RANKING, "rating")],
        header_row=1,
        last_row=last,
        anchor=right,
    )
    unranked = report.ranking.filter(pl.col("rank").is_null())
    if unranked.height:
        start = last + 2
        put_text(
            sheet.cell(row=start, column=1),
            _title(language, "未排名(无计入问卷)", "Not ranked (no counted survey)"),
        )
        _table(sheet, RANKING, unranked, report, language, top=start + 1)

    sheet, last = sheet_of(CHANGES, report.changes)
    _bar(
        sheet,
        _title(language, "评分环比", "Rating, last month and this month"),
        categories=_column(CHANGES, "team_name"),
        series=[_column(CHANGES, "rating_before"), _column(CHANGES, "rating")],
        header_row=1,
        last_row=last,
        anchor=get_column_letter(len(CHANGES.columns) + 2) + "2",
    )

    totals = report.service_levels.filter(pl.col("check") == "all")
    sheet, last = sheet_of(SERVICE_LEVELS, report.service_levels)
    if totals.height:
        # The chart reads a small table of each team's checks together, beside the detail.
        left = len(SERVICE_LEVELS.columns) + 2
        put_text(sheet.cell(row=1, column=left), _title(language, "团队名称", "team"))
        put_text(sheet.cell(row=1, column=left + 1), _title(language, "达成率", "share met"))
        for offset, row in enumerate(totals.iter_rows(named=True), start=2):
            put_text(sheet.cell(row=offset, column=left), row["team_name"] or row["team_id"])
            _put(
                sheet.cell(row=offset, column=left + 1),
                SERVICE_LEVELS.columns[-1],
                row["share_met"],
                report,
                language,
            )
        _bar(
            sheet,
            _title(language, "服务承诺达成率", "Service levels met"),
            categories=left,
            series=[left + 1],
            header_row=1,
            last_row=totals.height + 1,
            anchor=get_column_letter(left + 3) + "2",
            percent=True,
        )

    sheet, last = sheet_of(COMPLAINTS, report.complaints)
    verdicts = [_column(COMPLAINTS, c.name) for c in COMPLAINTS.columns[1:-1]]
    _bar(
        sheet,
        _title(language, "投诉类别与责任认定", "Complaints by category and verdict"),
        categories=1,
        series=verdicts,
        header_row=1,
        last_row=last - 1,  # not the total row
        anchor=get_column_letter(len(COMPLAINTS.columns) + 2) + "2",
        stacked=True,
    )

    sheet, last = sheet_of(SURVEYS, report.surveys)
    _bar(
        sheet,
        _title(language, "问卷各维度平均分", "Survey dimensions, mean score"),
        categories=_column(SURVEYS, "team_name"),
        series=[
            _column(SURVEYS, name)
            for name in ("attitude", "punctuality", "professionalism", "cleanliness")
        ],
        header_row=1,
        last_row=last,
        anchor=get_column_letter(len(SURVEYS.columns) + 2) + "2",
    )

    sheet_of(WORDS, report.words)
    sheet_of(GRADES, report.grades)

    if report.dispatch is not None:
        sheet, last = sheet_of(DISPATCH, report.dispatch)
        if last > 1:
            pie = PieChart()
            pie.title = _title(language, "下月派单建议份额", "Suggested order shares")
            pie.height, pie.width = 9, 14
            column = _column(DISPATCH, "share")
            pie.add_data(
                Reference(sheet, min_col=column, min_row=1, max_row=last), titles_from_data=True
            )
            pie.set_categories(
                Reference(sheet, min_col=_column(DISPATCH, "team_name"), min_row=2, max_row=last)
            )
            sheet.add_chart(pie, get_column_letter(len(DISPATCH.columns) + 2) + "2")
    return book


def write_xlsx(report: DealerReport, path: Path, *, headings: str = "zh") -> Path:
    """Write the workbook to ``path`` (through a temporary file renamed into place)."""
    book = workbook(report, headings=headings)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        book.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
