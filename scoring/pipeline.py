"""The whole computation of a period, in one function that calls the stages in order.

    ids → counting → per-event rules → split → per-period rules → caps → statements → ranking
    → collect → explanations (and the input checksums, unless given, on a thread beside them)

Each stage is a pure function over LazyFrames (scoring.evaluate, scoring.caps, scoring.rating,
scoring.ranking); they only build a query. A result that several later stages read is
collected at its stage's end, the outputs together at the end, so that polars shares the work.
Each stage is timed in the log (wall and CPU).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import overload
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from scoring.caps import cap_lines, carried_lines
from scoring.errors import CalendarError, InputError
from scoring.evaluate import (
    CODED_LINE_COLUMNS,
    SOURCE_IDS,
    SOURCE_TABLES,
    TEXT_INDEX,
    CompiledSource,
    Inputs,
    Period,
    attributed,
    coded_lines,
    compile_sources,
    counted_rows,
    decode_extras,
    encode_ids,
    event_lines,
    event_text_layouts,
    event_texts,
    explain_lines,
    installer_period,
    measure_values,
    period_events,
    period_lines,
    prepare,
    ratings,
    split_lines,
    survey_status,
)
from scoring.order import LAST, TABLE_KEYS, KeyRanks, in_key_order, sort_key
from scoring.ranking import rank_teams, team_surveys
from scoring.result import (
    LINES_SCHEMA,
    STATEMENTS_SCHEMA,
    SURVEY_STATUS_SCHEMA,
    Result,
    as_schema,
)
from scoring.rules.compile import Compiler, Env, Needs
from scoring.rules.parser import parse
from scoring.rules.scope import relation_scope
from scoring.rules.spec import Plan
from scoring.rules.templates import TextLayout
from scoring.workdays import WorkCalendar

log = logging.getLogger(__name__)

#: Input tables recorded in ``Result.about`` with their key columns (canonical row order).
INPUT_KEYS: dict[str, tuple[str, ...]] = {
    "dealers": ("dealer_id",),
    "teams": ("team_id",),
    "installers": ("installer_id",),
    "jobs": ("job_id",),
    "job_installers": ("job_id", "installer_id"),
    "surveys": ("survey_id",),
    "revisits": ("revisit_id",),
    "complaints": ("complaint_id",),
}
_KIND_COLUMNS = {
    "bonus": "bonus_fen",
    "deduction": "deduction_before_cap_fen",
    "cap": "deduction_waived_by_cap_fen",
    "allowance": "grievance_allowance_fen",
    "adjustment": "prior_period_adjustment_fen",
    "manual": "manual_adjustment_fen",
}


@contextmanager
def _stage(name: str, period: str) -> Iterator[None]:
    started, cpu = time.perf_counter(), time.process_time()
    yield
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    log.info("%s %s: %.3f s (cpu %.3f s)", period, name, wall, used)


def run(
    period: str,
    plan: Plan,
    frames: Mapping[str, pl.LazyFrame | pl.DataFrame],
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo | None = None,
    prior_lines: pl.DataFrame | None = None,
    carried_in: pl.DataFrame | None = None,
    checksums: Mapping[str, dict[str, object]] | None = None,
) -> Result:
    """Compute ``period`` (``YYYY-MM``) under ``plan`` from the normalised entity ``frames``.

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
    month = Period.parse(period, zone)
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
        layouts = event_text_layouts(plan)
        lines, statements, ranking, surveys, texts = _compute(
            month, plan, layouts, inputs, env, prior_lines, carried_in
        )
        with _stage("explanations", month.name):
            explained = explain_lines(lines, texts, layouts)
            del lines, texts
            lines = explained.select(as_schema(LINES_SCHEMA))
            del explained
        with _stage("checksums", month.name):
            found = pending.result() if pending is not None else checksums
            assert found is not None
            about = _about(month, plan, zone, found)
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
    plan: Plan,
    layouts: Mapping[str, TextLayout],
    inputs: Inputs,
    env: Env,
    prior_lines: pl.DataFrame | None,
    carried_in: pl.DataFrame | None,
) -> tuple[pl.DataFrame, ...]:
    """The stages of :func:`run`, collected: lines (ids encoded, texts not filled in),
    statements, ranking, survey status, and the event texts (see explain_lines)."""
    id_type = inputs.id_type
    shares = inputs.job_installers

    # Each stage builds a lazy query over the previous stage's result. A result that feeds
    # several later stages is collected once at the stage boundary ("materialised"): polars
    # would otherwise compute it once per consumer, which costs more than it saves.
    with _stage("counting", month.name):
        status = _materialise(survey_status(plan, inputs))
        events = period_events(plan, inputs, status, month)
    with _stage("per-event rules", month.name):
        compiled = compile_sources(plan, env, month, layouts)
        prepared = {s: prepare(s, events[s], compiled[s].needs, inputs) for s in events}
        before_split = _materialise(event_lines(compiled, prepared, month))
        pre, texts = event_texts(before_split)
        # Its own frame, so that the rest of before_split can go once it is split.
        texts = texts.collect().lazy()
    with _stage("split", month.name):
        split, counted, measures, figures = _materialise(
            split_lines(pre, shares),
            counted_rows(events, shares, plan.rating.score),
            _measures(plan, compiled, prepared, shares),
            ranking_figures(plan, inputs, events, env),
        )
        del before_split, pre  # dropping what is no longer read keeps the peak down
    with _stage("per-period rules", month.name):
        rated = _materialise(ratings(plan, counted))
        people = _materialise(
            installer_period(plan, inputs, rated, measures if plan.measures else None, split)
        )
        per_period = _materialise(coded_lines(period_lines(plan, people, env, month), id_type))
        rule_lines = pl.concat([split, per_period], how="diagonal")
    with _stage("caps", month.name):
        if carried_in is not None and carried_in.height:
            seq = len(plan.rules) + len(plan.period_rules)
            carried = coded_lines(carried_lines(month, carried_in, seq, id_type), id_type)
            rule_lines = pl.concat([rule_lines, _materialise(carried)], how="diagonal")
        caps = _materialise(coded_lines(cap_lines(plan, people, rule_lines, env, month), id_type))
        capped = pl.concat([rule_lines, caps], how="diagonal")
    with _stage("statements", month.name):
        # Only while sorting: a rank per code (and its table) is 36 MiB on the national month.
        ranks = KeyRanks.of({table: inputs.table(table).collect() for table in TABLE_KEYS})
        lines = _materialise(_with_prior(_ordered(capped.collect(), ranks), prior_lines, id_type))
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
    surveys = status.filter(month.contains("surveyed_at")).sort("_order", nulls_last=True)

    outputs = [
        lines,
        statements,
        ranking.with_columns(pl.col("dealer_id", "team_id").cast(pl.String)),
        _with_schema(surveys, SURVEY_STATUS_SCHEMA),
        texts,
    ]
    with _stage("collect", month.name):
        return tuple(_collect(outputs))


def _measures(
    plan: Plan,
    compiled: Mapping[str, CompiledSource],
    prepared: Mapping[str, pl.LazyFrame],
    shares: pl.LazyFrame,
) -> pl.LazyFrame:
    found = measure_values(plan, compiled, prepared, shares)
    if found is not None:
        return found
    return pl.LazyFrame(schema={"installer_id": shares.collect_schema()["installer_id"]})


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


def _ordered(lines: pl.DataFrame, ranks: KeyRanks) -> pl.LazyFrame:
    """The computed lines by installer, rule, job and source id (ids in text order)."""
    ids = lines.select("installer_id", "_seq", "job_id", "source", "source_id")
    installer = ranks.keys(ids, "installer_id", "installers")
    job = ranks.keys(ids, "job_id", "jobs")
    # A line's rule (_seq) fixes its source: sources never mix under one rule.
    source = ranks.keys_by_source(ids, "source_id", "source", SOURCE_TABLES)
    # installer and _seq in the first part, an Int64: a rank (null: last) is below 2**32,
    # and a rule number below 2**31.
    rank = pl.lit(installer).fill_null(LAST).cast(pl.Int64)
    first = rank * 2**31 + pl.col("_seq")
    order = ids.select(sort_key(first, pl.lit(job), pl.lit(source))).to_series()
    del ids, installer, job, source
    keyed = lines.lazy().with_columns(pl.lit(order).alias("_order"))
    return keyed.sort("_order", nulls_last=True)


def _with_prior(
    lines: pl.LazyFrame, prior: pl.DataFrame | None, id_type: pl.DataType
) -> pl.LazyFrame:
    """The computed lines (in their order), then the prior adjustment/manual lines, in
    LINES_SCHEMA order (ids and CODED_LINE_COLUMNS of ``id_type``: the engine's)."""
    parts = [lines.select(*LINES_SCHEMA, "_seq", TEXT_INDEX, "share_text")]
    if prior is not None and prior.height:
        coded = ("installer_id", "job_id", *CODED_LINE_COLUMNS)
        types = {**LINES_SCHEMA, **dict.fromkeys(coded, id_type)}
        parts.append(prior.lazy().select(as_schema(types)))
    return pl.concat(parts, how="diagonal")


def build_statements(
    period: Period,
    lines: pl.LazyFrame,
    rated: pl.LazyFrame,
    inputs: Inputs,
    unrated: str,
) -> pl.LazyFrame:
    """One row per installer with any line or any counted survey (STATEMENTS_SCHEMA).

    Each money column is the sum of the installer's lines of one kind, so that
    ``net = bonus - deduction + grievance_allowance + prior_period_adjustment +
    manual_adjustment`` is exactly the sum of the installer's lines.
    """
    amount = pl.col("amount_fen")
    # Deduction columns are amounts without sign (CONTRACT.md); every other kind keeps its sign.
    sums = lines.group_by("installer_id").agg(
        (amount.filter(pl.col("kind") == kind).sum() * (-1 if kind == "deduction" else 1))
        .cast(pl.Int64)
        .alias(column)
        for kind, column in _KIND_COLUMNS.items()
    )
    rated_cols = rated.select(
        "installer_id", "surveys", "rating_num", "rating_den", "rating", "grade"
    )
    people = pl.concat(
        [lines.select("installer_id"), rated.select("installer_id")], how="vertical"
    ).unique()
    teams = inputs.teams.select("team_id", pl.col("name").alias("team_name"), "dealer_id")
    installers = inputs.installers.select("installer_id", "name", "team_id", "employment")
    money = list(_KIND_COLUMNS.values())
    frame = (
        people.join(installers, on="installer_id", how="left")
        .join(teams, on="team_id", how="left")
        .join(rated_cols, on="installer_id", how="left")
        .join(sums, on="installer_id", how="left")
        .with_columns(
            pl.lit(period.name).alias("period"),
            pl.col("surveys").fill_null(0).cast(pl.Int64),
            pl.col("grade").fill_null(unrated),
            pl.col(money).fill_null(0),
        )
        .with_columns(
            (pl.col("deduction_before_cap_fen") - pl.col("deduction_waived_by_cap_fen")).alias(
                "deduction_fen"
            )
        )
        .with_columns(
            (
                pl.col("bonus_fen")
                - pl.col("deduction_fen")
                + pl.col("grievance_allowance_fen")
                + pl.col("prior_period_adjustment_fen")
                + pl.col("manual_adjustment_fen")
            ).alias("net_fen")
        )
    )
    return frame.select(as_schema(STATEMENTS_SCHEMA)).sort("installer_id")


def ranking_figures(
    plan: Plan, inputs: Inputs, events: Mapping[str, pl.LazyFrame], env: Env
) -> pl.LazyFrame:
    """The side figures of the team ranking (REFERENCE_PLAN.md, "Team ranking").

    Per team: jobs of its installers completed in the period (each job once per team),
    complaints with the installer at fault resolved in the period and charged to the team, and
    of its completed jobs those with a revisit that reached the customer within the window.
    """
    spec = plan.ranking
    shares = inputs.job_installers
    team_of = inputs.installers.select("installer_id", "team_id")
    done = events["job"].select("job_id", "completed_at")
    team_jobs = (
        done.join(shares.select("job_id", "installer_id"), on="job_id", how="inner")
        .join(team_of, on="installer_id", how="inner")
        .select("team_id", "job_id")
        .unique()
    )
    completed = team_jobs.group_by("team_id").agg(pl.len().cast(pl.Int64).alias("completed_jobs"))

    needs = Needs()
    scope = relation_scope("complaint").with_params(plan.parameters)
    at_fault = Compiler(scope, env, needs, spec.at_fault).condition(parse(spec.at_fault))
    complaints = decode_extras(events["complaint"], needs.extras).filter(at_fault)
    charged = attributed(complaints, "charged_installer", shares, SOURCE_IDS["complaint"])
    faults = (
        charged.join(team_of, on="installer_id", how="inner")
        .unique(subset=["team_id", "_event"])
        .group_by("team_id")
        .agg(pl.len().cast(pl.Int64).alias("complaints_at_fault"))
    )

    needs = Needs()
    scope = relation_scope("revisit").with_params(plan.parameters)
    text = spec.revisit_reached
    reached = Compiler(scope, env, needs, text).condition(parse(text))
    window = pl.duration(days=spec.revisit_within_days, time_unit="us")
    revisits = decode_extras(inputs.revisits, needs.extras).filter(reached)
    reached_jobs = (
        revisits.select("job_id", "revisited_at")
        .join(done, on="job_id", how="inner")
        .filter(
            (pl.col("revisited_at") >= pl.col("completed_at"))
            & (pl.col("revisited_at") <= pl.col("completed_at") + window)
        )
        .select("job_id")
        .unique()
    )
    revisit_counts = (
        team_jobs.join(reached_jobs, on="job_id", how="semi")
        .group_by("team_id")
        .agg(pl.len().cast(pl.Int64).alias("revisit_reached_jobs"))
    )
    return completed.join(faults, on="team_id", how="full", coalesce=True).join(
        revisit_counts, on="team_id", how="full", coalesce=True
    )


# -- about --------------------------------------------------------------------------------------


def _column_bytes(series: pl.Series) -> list[bytes | memoryview]:
    """The values of a column as bytes whose layout we define (little-endian Int64, UTF-8)."""
    nulls = series.is_null().to_numpy().astype("uint8").tobytes()
    if isinstance(series.dtype, pl.Categorical):
        series = series.cast(pl.String)  # encoded ids (load_all): their text is the value
    dtype = series.dtype
    if dtype == pl.String:
        # Arrow's large_string is the text's UTF-8 bytes end to end plus Int64 offsets: the
        # lengths are the offsets' differences, and the bytes are hashed where they lie.
        text = series.fill_null("").to_arrow()
        if not len(text):
            return [nulls, b"", b""]
        offsets = np.frombuffer(
            text.buffers()[1], dtype="<i8", count=len(text) + 1, offset=text.offset * 8
        )
        lengths = np.diff(offsets).astype("<i8").tobytes()
        data = memoryview(text.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
        return [nulls, lengths, data]
    if isinstance(dtype, pl.Datetime):
        series = series.dt.cast_time_unit("us")
    values = series.to_physical().cast(pl.Int64).fill_null(0).to_numpy().astype("<i8").tobytes()
    return [nulls, values]


def _type_name(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return f"datetime[us,{dtype.time_zone or ''}]"
    if dtype == pl.String or isinstance(dtype, pl.Categorical):
        return "string"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    raise TypeError(f"no canonical form for {dtype}")


def table_checksum(frame: pl.DataFrame, keys: tuple[str, ...]) -> str:
    """sha256 of a canonical form: columns by name, rows by key, values as defined bytes.

    Stable across processes and polars versions (unlike ``pl.hash``): it depends only on the
    column names, their kind (text, integer, date, timestamp, boolean) and the values. Ids
    encoded as a Categorical are text here: polars sorts and compares them by their text.
    """
    digest = hashlib.sha256()
    present = [k for k in keys if k in frame.columns] or frame.columns
    in_order = frame.height < 2 or in_key_order(frame, present)
    ordered = frame if in_order else frame.sort(present, nulls_last=True)
    digest.update(f"rows={frame.height}".encode())
    for name in sorted(frame.columns):
        series = ordered.get_column(name)
        digest.update(f"|{name}:{_type_name(series.dtype)}|".encode())
        for chunk in _column_bytes(series):
            digest.update(len(chunk).to_bytes(8, "little"))
            digest.update(chunk)
    return digest.hexdigest()


def input_checksums(
    frames: Mapping[str, pl.LazyFrame | pl.DataFrame], *, threads: int = 1
) -> dict[str, dict[str, object]]:
    """Rows and :func:`table_checksum` of each input table of ``frames``.

    ``threads`` > 1 checks that many tables at once (hashlib and polars let go of the GIL):
    for a caller with nothing else to do meanwhile, such as a load.
    """

    def one(name: str) -> dict[str, object]:
        frame = frames[name].lazy().collect()
        return {"rows": frame.height, "sha256": table_checksum(frame, INPUT_KEYS[name])}

    if threads <= 1:
        return {name: one(name) for name in INPUT_KEYS}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="scoring-checksums") as pool:
        futures = {name: pool.submit(one, name) for name in INPUT_KEYS}
        return {name: futures[name].result() for name in INPUT_KEYS}


def _about(
    month: Period, plan: Plan, zone: ZoneInfo, inputs: Mapping[str, dict[str, object]]
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
    }
