"""The dealers' monthly reports (每月例会通报): built, scoped and written for every face.

- :func:`build` gives one :class:`~scoring.dealer_report.DealerReport` per dealer asked for
  (default: every dealer the caller may see). A dealer user gets only its own dealers: a
  dealer outside its scope is not found, like an unknown one (nothing says it exists).
- :func:`write` writes each report as ``report-PERIOD-DEALER.xlsx`` and ``.html`` and
  records it in the audit log.
- :func:`after_close` is the scheduler's: every dealer's report of a period just closed,
  under the configured reports folder. A report that cannot be written is logged and
  recorded in the audit log (``dealer_report_failed``); it never touches the closed period.

The month is read once for all its reports: the stored ranking and statements (the frozen
result of a closed period, or the draft of an open one; never computed here, see
:class:`~scoring.services.statements.NotComputed`), last month's when it was computed, the
records, and the service levels as of the day the ranking's figures are as of.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl
from sqlalchemy import Connection

from payroll_export.dealer_report import write_html, write_xlsx
from scoring import service_levels
from scoring.dealer_report import DealerReport, ReportInputs, build_reports
from scoring.dealer_report.build import local_now
from scoring.dealer_report.sections import STATEMENT_COLUMNS, ranking_frame
from scoring.errors import InputError, NotFoundError
from scoring.period import Period
from scoring.periods import plan_for, plan_from_stored
from scoring.services.access import Caller, Right, require
from scoring.services.runtime import Runtime
from scoring.services.statements import NotComputed, Source, source_in
from scoring.store import Store, results
from scoring.store import audit as store_audit
from scoring.store.directory import dealer_exists
from scoring.store.records import load_all
from scoring.timefmt import local_time

log = logging.getLogger(__name__)

Format = Literal["xlsx", "html"]
FORMATS: tuple[Format, ...] = ("xlsx", "html")
Headings = Literal["zh", "en"]
#: Statements read at once (a month's, in pages of this size).
_PAGE = 100_000


def format_of(text: str) -> Format:
    if text == "xlsx":
        return "xlsx"
    if text == "html":
        return "html"
    raise InputError(f"格式只能是 xlsx 或 html / format is xlsx or html, not {text!r}")


def headings_of(text: str) -> Headings:
    if text == "zh":
        return "zh"
    if text == "en":
        return "en"
    raise InputError(f"表头语言只能是 zh 或 en / headings are zh or en, not {text!r}")


def _dealers_asked(
    store: Store, caller: Caller, dealer_ids: Sequence[str] | None
) -> list[str] | None:
    """The dealers asked for, each known and in scope (else not found); None: all in scope."""
    if dealer_ids is None:
        return None
    chosen = list(dict.fromkeys(dealer_ids))
    if not chosen:
        raise InputError("至少指定一个经销商 / name at least one dealer")
    with store.begin() as conn:
        for dealer_id in chosen:
            if not caller.sees_dealer(dealer_id) or not dealer_exists(conn, dealer_id):
                raise NotFoundError(f"没有这个经销商 / no dealer {dealer_id!r}")
    return chosen


def _statements(conn: Connection, source: Source) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    while True:
        page, total = results.list_statements(
            conn, source.status, source.period, scope=None, offset=len(rows), limit=_PAGE
        )
        rows.extend({name: row.get(name) for name in STATEMENT_COLUMNS} for row in page)
        if not page or len(rows) >= total:
            break
    schema = {name: pl.String for name in STATEMENT_COLUMNS}
    return pl.DataFrame(rows, schema=schema)


def _month(conn: Connection, period: Period) -> tuple[Source, pl.DataFrame, pl.DataFrame]:
    source = source_in(conn, period)
    ranked, _ = results.ranking(conn, source.status, period.name, dealer_ids=None)
    return source, ranking_frame(ranked), _statements(conn, source)


def gather(
    store: Store, *, caller: Caller, period: Period, runtime: Runtime, as_of: dt.date | None
) -> ReportInputs:
    """What the month's reports are built from (see the module); :class:`NotComputed` when
    the month has neither a closed result nor a draft."""
    require(caller, Right.READ_RANKING)
    require(caller, Right.SERVICE_LEVELS)
    with store.snapshot() as conn:
        source, ranking, statements = _month(conn, period)
        ranking_before: pl.DataFrame | None
        statements_before: pl.DataFrame | None
        try:
            _, ranking_before, statements_before = _month(conn, period.previous())
        except NotComputed:
            ranking_before = statements_before = None
    plan = plan_from_stored(plan_for(store, period.name, actor=caller.login, persist=False))
    frames = load_all(store)
    levels = None
    if plan.service_levels:
        stored_day = ranking.get_column("sla_as_of").drop_nulls()
        day = as_of or (
            dt.date.fromisoformat(stored_day[0])
            if stored_day.len()
            else dt.datetime.now(tz=runtime.zone).date()
        )
        levels = service_levels.evaluate(
            plan, frames, period=period, as_of=day, zone=runtime.zone, calendar=runtime.calendar
        )
    dealers = frames["dealers"]
    names = dict(
        zip(
            dealers.get_column("dealer_id").cast(pl.String).to_list(),
            dealers.get_column("name").cast(pl.String).to_list(),
            strict=True,
        )
    )
    return ReportInputs(
        period=period,
        status=source.label,
        plan=plan,
        plan_label=source.plan,
        computed_at=local_time(source.computed_at, runtime.zone) or None,
        dealer_names=names,
        ranking=ranking,
        statements=statements,
        ranking_before=ranking_before,
        statements_before=statements_before,
        frames=frames,
        levels=levels,
        zone=runtime.zone,
        generated_at=local_now(runtime.zone),
    )


def build(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    runtime: Runtime,
    dealer_ids: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> list[DealerReport]:
    """The reports of ``dealer_ids`` (default: every dealer the caller may see), in order."""
    require(caller, Right.READ_RANKING)
    require(caller, Right.SERVICE_LEVELS)
    asked = _dealers_asked(store, caller, dealer_ids)
    data = gather(store, caller=caller, period=period, runtime=runtime, as_of=as_of)
    if asked is None:
        asked = sorted(d for d in data.dealer_names if caller.sees_dealer(d))
    return build_reports(data, asked)


@dataclass(frozen=True)
class ReportFiles:
    dealer_id: str
    paths: dict[str, Path]


def write_files(
    reports: Sequence[DealerReport],
    out_dir: Path,
    *,
    formats: Sequence[Format] = FORMATS,
    headings: Headings = "zh",
) -> list[ReportFiles]:
    """Each report in each format into ``out_dir`` (created when missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for report in reports:
        paths: dict[str, Path] = {}
        if "xlsx" in formats:
            paths["xlsx"] = write_xlsx(report, out_dir / f"{report.stem}.xlsx", headings=headings)
        if "html" in formats:
            paths["html"] = write_html(report, out_dir / f"{report.stem}.html")
        written.append(ReportFiles(report.dealer_id, paths))
    return written


def write(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    runtime: Runtime,
    out_dir: Path,
    dealer_ids: Sequence[str] | None = None,
    formats: Sequence[Format] = FORMATS,
    headings: Headings = "zh",
    as_of: dt.date | None = None,
) -> list[ReportFiles]:
    """:func:`build`, then the files in ``out_dir``; audited (``dealer_report``)."""
    reports = build(
        store, caller=caller, period=period, runtime=runtime, dealer_ids=dealer_ids, as_of=as_of
    )
    written = write_files(reports, out_dir, formats=formats, headings=headings)
    with store.begin() as conn:
        store_audit.audit(
            conn,
            caller.login,
            "dealer_report",
            period.name,
            {"dealers": [r.dealer_id for r in reports], "formats": list(formats)},
        )
    return written


@dataclass
class AfterClose:
    """What :func:`after_close` did: the files per dealer, and the dealers that failed."""

    folder: Path | None
    written: list[ReportFiles] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def after_close(store: Store, *, runtime: Runtime, period: Period) -> AfterClose:
    """Every dealer's report of a closed ``period`` into ``runtime.reports_dir/PERIOD``.
    Never raises: whatever fails is logged and recorded in the audit log, and the closed
    period is never touched (only read)."""
    if runtime.reports_dir is None:
        return AfterClose(None)
    folder = runtime.reports_dir / period.name
    done = AfterClose(folder)
    caller = Caller.system("scheduler")
    try:
        reports = build(store, caller=caller, period=period, runtime=runtime)
    except Exception as exc:  # recorded, never raised into the close
        log.exception("monthly reports of %s could not be built", period)
        done.failed["*"] = f"{type(exc).__name__}: {exc}"
        _record(store, period, done)
        return done
    for report in reports:
        try:
            done.written.extend(write_files([report], folder))
        except Exception as exc:  # one dealer's failure spares the others
            log.exception(
                "monthly report of %s for %s could not be written", period, report.dealer_id
            )
            done.failed[report.dealer_id] = f"{type(exc).__name__}: {exc}"
    _record(store, period, done)
    return done


def _record(store: Store, period: Period, done: AfterClose) -> None:
    try:
        with store.begin() as conn:
            if done.written:
                store_audit.audit(
                    conn,
                    "scheduler",
                    "dealer_report",
                    period.name,
                    {"dealers": [w.dealer_id for w in done.written], "folder": str(done.folder)},
                )
            if done.failed:
                store_audit.audit(
                    conn, "scheduler", "dealer_report_failed", period.name, done.failed
                )
    except Exception:  # the log keeps it when the store cannot
        log.exception("the monthly reports of %s could not be recorded", period)
