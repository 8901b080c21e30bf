"""The monthly report as one HTML page that prints well (jinja2, autoescaped).

Chinese first with the English beside it in smaller type; the same sections as the workbook,
with bars drawn in CSS where the workbook has charts (no script, no external file: the page is
whole by itself, saved or printed). Every value from the data is escaped by jinja2's
autoescape; the template is the package's own (``templates/dealer_report.html.j2``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from payroll_export.dealer_report.labels import (
    ABOUT,
    CHANGES,
    COMPLAINTS,
    DISPATCH,
    GRADES,
    RANKING,
    SERVICE_LEVELS,
    STATUS,
    SURVEYS,
    TITLE,
    VALUES,
    WORDS,
    Col,
    Section,
)
from scoring.dealer_report import DealerReport
from scoring.dealer_report.sections import percent_text, share_fraction


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("payroll_export.dealer_report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Cell:
    text: str
    en: str = ""
    number: bool = False


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    #: Width in percent of the bar's full length, 0-100.
    width: int


def _cell(col: Col, value: Any, report: DealerReport) -> Cell:
    if value is None:
        return Cell("", number=col.kind != "text")
    if col.kind == "label":
        if col.name == "check":
            zh, en = report.check_titles.get(str(value), (str(value), ""))
        else:
            zh, en = VALUES.get(str(value), (str(value), ""))
        return Cell(zh, en if en != zh else "")
    if col.kind == "share":
        return Cell(percent_text(str(value)) or "", number=True)
    if col.kind == "int" and col.name == "rank_change" and int(value) > 0:
        return Cell(f"+{value}", number=True)
    return Cell(str(value), number=col.kind != "text")


def _rows(section: Section, frame: pl.DataFrame, report: DealerReport) -> list[list[Cell]]:
    return [
        [_cell(col, row.get(col.name), report) for col in section.columns]
        for row in frame.iter_rows(named=True)
    ]


def _width(part: float, whole: float) -> int:
    if whole <= 0:
        return 0
    return max(0, min(100, round(100 * part / whole)))


def _rating_bars(ranking: pl.DataFrame) -> list[Bar]:
    bars = []
    for row in ranking.filter(pl.col("rating").is_not_null()).iter_rows(named=True):
        value = share_fraction(row["rating"])
        assert value is not None
        bars.append(Bar(row["team_name"] or row["team_id"], row["rating"], _width(float(value), 5)))
    return bars


def _share_bars(report: DealerReport) -> list[Bar]:
    bars = []
    totals = report.service_levels.filter(pl.col("check") == "all")
    for row in totals.iter_rows(named=True):
        value = share_fraction(row["share_met"])
        if value is None:
            continue
        shown = percent_text(row["share_met"]) or ""
        bars.append(Bar(row["team_name"] or row["team_id"], shown, _width(float(value), 1)))
    return bars


def _complaint_bars(report: DealerReport) -> list[Bar]:
    rows = report.complaints.filter(pl.col("category") != "total")
    most = max(rows.get_column("total").to_list() or [0])
    return [
        Bar(
            VALUES.get(row["category"], (row["category"],))[0],
            str(row["total"]),
            _width(row["total"], most),
        )
        for row in rows.iter_rows(named=True)
        if row["total"]
    ]


def _dispatch_bars(report: DealerReport) -> list[Bar]:
    if report.dispatch is None:
        return []
    return [
        Bar(row["team_name"] or row["team_id"], row["share"], _width(row["share_bp"], 10_000))
        for row in report.dispatch.iter_rows(named=True)
    ]


def render(report: DealerReport) -> str:
    """The page's text."""
    sections = [
        (RANKING, report.ranking),
        (CHANGES, report.changes),
        (SERVICE_LEVELS, report.service_levels),
        (COMPLAINTS, report.complaints),
        (SURVEYS, report.surveys),
        (WORDS, report.words),
        (GRADES, report.grades),
    ]
    if report.dispatch is not None:
        sections.append((DISPATCH, report.dispatch))
    charts = {
        "ranking": ("评分", "rating", _rating_bars(report.ranking)),
        "service_levels": ("达成率", "share met", _share_bars(report)),
        "complaints": ("投诉数", "complaints", _complaint_bars(report)),
        "dispatch": ("建议份额", "suggested share", _dispatch_bars(report)),
    }
    status = STATUS.get(report.status, (report.status, report.status))
    return (
        environment()
        .get_template("dealer_report.html.j2")
        .render(
            report=report,
            title=TITLE,
            about=ABOUT,
            status=status,
            sections=[
                {"section": s, "rows": _rows(s, frame, report), "chart": charts.get(s.key)}
                for s, frame in sections
            ],
        )
    )


def write_html(report: DealerReport, path: Path) -> Path:
    """Write the page to ``path`` (UTF-8, through a temporary file renamed into place)."""
    text = render(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
