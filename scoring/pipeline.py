"""The whole computation of a period, in one function that calls the stages in order.

    ids → counting → per-event rules → split → per-period rules → caps → statements → ranking
    → collect → explanations (and the input checksums, unless given, on a thread beside them)

Each stage is a pure function over LazyFrames (scoring.evaluate, scoring.caps,
scoring.statements, scoring.ranking_figures, scoring.ranking); they only build a query. The
plan comes compiled (scoring.rules.compiled); the input checksums are scoring.checksums'. A
result that several later stages read is collected at its stage's end, the outputs together at
the end, so that polars shares the work.
Each stage is timed in the log (wall and CPU).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from fractions import Fraction
from typing import overload
from zoneinfo import ZoneInfo

import polars as pl

from scoring.caps import cap_lines, carried_lines
from scoring.checksums import input_checksums
from scoring.errors import CalendarError, InputError
from scoring.evaluate.counting import in_period, period_events, survey_status
from scoring.evaluate.event_rules import compile_sources, event_lines, split_lines
from scoring.evaluate.explanations import event_texts, explain_lines
from scoring.evaluate.ids import coded_lines, encode_ids
from scoring.evaluate.inputs import Inputs
from scoring.evaluate.measures import measure_values
from scoring.evaluate.period_rules import counted_rows, installer_period, period_lines, ratings
from scoring.evaluate.prepare import prepare
from scoring.order import TABLE_KEYS, KeyRanks
from scoring.period import Period
from scoring.ranking import rank_teams, team_surveys
from scoring.ranking_figures import ranking_figures
from scoring.result import LINES_SCHEMA, SURVEY_STATUS_SCHEMA, Result, as_schema
from scoring.rules.compile import Env
from scoring.rules.compiled import CompiledPlan, compiled
from scoring.rules.spec import Plan
from scoring.statements import build_statements, ordered_lines, with_prior
from scoring.workdays import WorkCalendar

log = logging.getLogger(__name__)


@contextmanager
def _stage(name: str, period: str) -> Iterator[None]:
    started, cpu = time.perf_counter(), time.process_time()
    yield
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    log.info("%s %s: %.3f s (cpu %.3f s)", period, name, wall, used)


def run(
    period: str | Period,
    plan: Plan | CompiledPlan,
    frames: Mapping[str, pl.LazyFrame | pl.DataFrame],
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo | None = None,
    prior_lines: pl.DataFrame | None = None,
    carried_in: pl.DataFrame | None = None,
    checksums: Mapping[str, dict[str, object]] | None = None,
) -> Result:
    """Compute ``period`` (``YYYY-MM``) under ``plan`` from the normalised entity ``frames``.

    ``plan``: compiled, or a loaded plan (its compiled form is used, ``rules.compiled``).
    ``frames``: dealers, teams, installers, jobs, job_installers, surveys, revisits, complaints
    (scoring/entities.py schemas). ``prior_lines``: adjustment and manual lines already known
    for this period (LINES_SCHEMA); they enter the statements beside the computed lines.
    ``carried_in``: deductions the previous period's caps carried forward (installer_id,
    amount_fen, period — see caps.carried_out); they are deducted here, before this period's caps.
    ``zone``: the local zone of periods and dates (default Asia/Shanghai, from the settings).
    ``checksums``: :func:`input_checksums` of ``frames`` when the caller has them already (a
    ``periods.Context`` computes them once at its load, for every period it computes); else
    they are computed here, on a thread beside the computation.
    Raises ``CalendarError`` when a working-day deadline needs a year the calendar lacks, and
    ``InputError`` when money cannot be split (a job without valid shares).
    """
    zone = zone or ZoneInfo("Asia/Shanghai")
    month = Period.parse(period)
    program = compiled(plan)
    env = Env(zone, calendar)
    with _stage("ids", month.name):
        inputs = Inputs.of(encode_ids(frames))
    # Unless given, the checksums of the inputs are computed meanwhile on a thread: they need
    # none of what follows, and hashlib and polars let go of the GIL.
    background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-checksums")
    try:
        pending = None if checksums is not None else background.submit(input_checksums, frames)
        # On return from _compute every intermediate of the stages is gone: only the
        # outputs are alive while the explanations, the widest columns, are filled in.
        lines, statements, ranking, surveys, texts, mean = _compute(
            month, program, inputs, env, prior_lines, carried_in
        )
        with _stage("explanations", month.name):
            explained = explain_lines(lines, texts, program.layouts)
            del lines, texts
            lines = explained.select(as_schema(LINES_SCHEMA))
            del explained
        with _stage("checksums", month.name):
            found = pending.result() if pending is not None else checksums
            assert found is not None
            about = _about(month, program.spec, zone, found, mean)
    finally:
        background.shutdown(wait=False, cancel_futures=True)
    return Result(
        period=month.name,
        lines=lines,
        statements=statements,
        ranking=ranking,
        surveys=surveys,
        about=about,
    )


def _compute(
    month: Period,
    program: CompiledPlan,
    inputs: Inputs,
    env: Env,
    prior_lines: pl.DataFrame | None,
    carried_in: pl.DataFrame | None,
) -> tuple[pl.DataFrame, ...]:
    """The stages of :func:`run`, collected: lines (ids encoded, texts not filled in),
    statements, ranking, survey status, the event texts (see explain_lines), and the period
    mean of the rating (``mu_num``, ``mu_den``; no row without a counted survey)."""
    id_type = inputs.id_type
    shares = inputs.job_installers
    plan = program.spec

    # Each stage builds a lazy query over the previous stage's result. A result that feeds
    # several later stages is collected once at the stage boundary ("materialised"): polars
    # would otherwise compute it once per consumer, which costs more than it saves.
    with _stage("counting", month.name):
        status = _materialise(survey_status(plan, inputs))
        events = period_events(plan, inputs, status, month, env.zone)
    with _stage("per-event rules", month.name):
        sources = compile_sources(program, env, month)
        prepared = {s: prepare(s, events[s], sources[s].needs, inputs) for s in events}
        before_split = _materialise(event_lines(sources, prepared, month))
        pre, texts = event_texts(before_split)
        # Its own frame, so that the rest of before_split can go once it is split.
        texts = texts.collect().lazy()
    with _stage("split", month.name):
        split, counted, measures, figures = _materialise(
            split_lines(pre, shares),
            counted_rows(events, shares, plan.rating.score),
            measure_values(plan, sources, prepared, shares),
            ranking_figures(program, inputs, events, env),
        )
        del before_split, pre  # dropping what is no longer read keeps the peak down
    with _stage("per-period rules", month.name):
        rated = _materialise(ratings(plan, counted))
        people = _materialise(
            installer_period(plan, inputs, rated, measures if plan.measures else None, split)
        )
        per_period = _materialise(coded_lines(period_lines(program, people, env, month), id_type))
        rule_lines = pl.concat([split, per_period], how="diagonal")
    with _stage("caps", month.name):
        if carried_in is not None and carried_in.height:
            carried_in_lines = carried_lines(month, carried_in, program.cap_seq, id_type)
            carried = coded_lines(carried_in_lines, id_type)
            rule_lines = pl.concat([rule_lines, _materialise(carried)], how="diagonal")
        caps = _materialise(
            coded_lines(cap_lines(program, people, rule_lines, env, month), id_type)
        )
        capped = pl.concat([rule_lines, caps], how="diagonal")
    with _stage("statements", month.name):
        # Only while sorting: a rank per code (and its table) is 36 MiB on the national month.
        ranks = KeyRanks.of({table: inputs.table(table).collect() for table in TABLE_KEYS})
        lines = _materialise(
            with_prior(ordered_lines(capped.collect(), ranks), prior_lines, id_type)
        )
        del split, per_period, rule_lines, capped, ranks
        statements = build_statements(month, lines, rated, inputs, plan.rating.unrated)
    with _stage("ranking", month.name):
        ranking = rank_teams(
            team_surveys(counted, inputs.installers),
            inputs.teams,
            inputs.dealers,
            figures,
            m=plan.ranking.m,
            good_from=plan.ranking.good_from,
            z=float(plan.ranking.z),
        )
    surveys = status.filter(in_period("surveyed_at", month, env.zone)).sort(
        "_order", nulls_last=True
    )

    outputs = [
        lines,
        statements,
        ranking.with_columns(pl.col("dealer_id", "team_id").cast(pl.String)),
        _with_schema(surveys, SURVEY_STATUS_SCHEMA),
        texts,
        rated.select("mu_num", "mu_den").head(1),
    ]
    with _stage("collect", month.name):
        return tuple(_collect(outputs))


@overload
def _materialise(frame: pl.LazyFrame, /) -> pl.LazyFrame: ...


@overload
def _materialise(
    first: pl.LazyFrame, second: pl.LazyFrame, /, *more: pl.LazyFrame
) -> tuple[pl.LazyFrame, ...]: ...


def _materialise(*frames: pl.LazyFrame) -> pl.LazyFrame | tuple[pl.LazyFrame, ...]:
    """Collect stage results together and hand them on as lazy frames over the data."""
    collected = tuple(frame.lazy() for frame in _collect(list(frames)))
    return collected[0] if len(collected) == 1 else collected


def _collect(frames: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Collect every output at once; errors raised inside polars come out clean."""
    try:
        return list(pl.collect_all(frames))
    except (CalendarError, InputError) as exc:
        # polars appends the failing expression to a UDF's message: keep the user's part.
        first = str(exc).split("\n\nThis error occurred", 1)[0].strip()
        raise type(exc)(first, list(exc.problems)) from None


def _with_schema(frame: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    return frame.select(as_schema(schema))


def _about(
    month: Period,
    plan: Plan,
    zone: ZoneInfo,
    inputs: Mapping[str, dict[str, object]],
    mean: pl.DataFrame,
) -> dict[str, object]:
    return {
        "period": month.name,
        "plan_id": plan.id,
        "plan_version": plan.version,
        "plan_effective_from": plan.effective_from.isoformat(),
        "plan_checksum": plan.checksum,
        "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "zone": str(zone.key),
        "inputs": dict(inputs),
        "rating": _rating_about(plan, mean),
    }


def _rating_about(plan: Plan, mean: pl.DataFrame) -> dict[str, object]:
    """How the ratings of the period were made, for explaining one in words: the plan's
    ``m``, its grades and minimum, and the period mean ``mu`` (exact, as ``num/den``)."""
    spec = plan.rating
    found = mean.row(0, named=True) if mean.height else None
    return {
        "m": spec.m,
        "min_surveys": spec.min_surveys,
        "unrated": spec.unrated,
        "grades": {g.grade: str(Fraction(g.at_least)) for g in spec.grades},
        "mean": f"{found['mu_num']}/{found['mu_den']}" if found else None,
    }
