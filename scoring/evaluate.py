"""Plan × period data → lines: which surveys count, the per-event rules, the per-period rules.

Everything here is a pure function over polars LazyFrames. Rules are compiled from the plan
through the closed operation table of :mod:`scoring.rules`; no rule is named in this module. A
rule's result is a column over its source's events (the amount when it hits, null otherwise),
so every amount comes from one row that can be shown; lines are those columns, unpivoted.

Sources and their period (REFERENCE_PLAN.md): a survey by ``surveyed_at`` (counted surveys only),
a revisit by ``revisited_at``, a complaint by ``resolved_at``, a job by ``completed_at`` — the
timestamps come from the plan's ``sources`` section, months in the local zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from fractions import Fraction
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import ID_COLUMNS, new_id_type
from scoring.errors import PeriodError
from scoring.money import yuan_text_expr
from scoring.order import KeyRanks, sort_key
from scoring.rating import rate_installers
from scoring.result import LINES_SCHEMA
from scoring.rules.amounts import Resolved, resolve
from scoring.rules.compile import Aggregate, Compiler, Env, Needs
from scoring.rules.parser import parse
from scoring.rules.scope import (
    JOB_RELATIONS,
    FieldInfo,
    Scope,
    event_scope,
    installer_scope,
)
from scoring.rules.spec import EventRule, PeriodRule, Plan
from scoring.rules.templates import (
    LANGS,
    MISSING,
    Part,
    TextLayout,
    fill,
    local_day_text,
    parse_template,
    text_layouts,
    value_text,
)
from scoring.rules.types import Ty
from scoring.rules.vocab import KIND_TEXT
from scoring.split import split_amounts

SOURCE_TABLES = {
    "survey": "surveys",
    "revisit": "revisits",
    "complaint": "complaints",
    "job": "jobs",
}
SOURCE_IDS = {
    "survey": "survey_id",
    "revisit": "revisit_id",
    "complaint": "complaint_id",
    "job": "job_id",
}
SIGN = {"bonus": 1, "allowance": 1, "deduction": -1, "cap": 1, "adjustment": 1, "manual": 1}


def sign_of_kind() -> pl.Expr:
    """+1 or -1 by the line's ``kind`` (SIGN): deductions are negative amounts.

    A comparison, not a lookup per row: ``kind`` may be coded (CODED_LINE_COLUMNS).
    """
    negative = [kind for kind, sign in SIGN.items() if sign < 0]
    return pl.when(pl.col("kind").is_in(negative)).then(pl.lit(-1, pl.Int64)).otherwise(1)


@dataclass(frozen=True)
class Period:
    """A calendar month in the local zone, as the half-open UTC interval [start, end)."""

    name: str
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def parse(cls, name: str, zone: ZoneInfo) -> Period:
        match = re.fullmatch(r"(\d{4})-(\d{2})", name.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise PeriodError(f"期间须为 YYYY-MM / a period is YYYY-MM, not {name!r}")
        year, month = int(match.group(1)), int(match.group(2))
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        start = dt.datetime(year, month, 1, tzinfo=zone).astimezone(dt.UTC)
        end = dt.datetime(nxt[0], nxt[1], 1, tzinfo=zone).astimezone(dt.UTC)
        return cls(f"{year:04d}-{month:02d}", start, end)

    def contains(self, column: str | pl.Expr) -> pl.Expr:
        col = pl.col(column) if isinstance(column, str) else column
        start = pl.lit(self.start).dt.cast_time_unit("us")
        end = pl.lit(self.end).dt.cast_time_unit("us")
        return col.is_not_null() & (col >= start) & (col < end)


@dataclass(frozen=True)
class Inputs:
    """The normalised entity frames (scoring/entities.py), lazy."""

    dealers: pl.LazyFrame
    teams: pl.LazyFrame
    installers: pl.LazyFrame
    jobs: pl.LazyFrame
    job_installers: pl.LazyFrame
    surveys: pl.LazyFrame
    revisits: pl.LazyFrame
    complaints: pl.LazyFrame

    @classmethod
    def of(cls, frames: Mapping[str, pl.LazyFrame | pl.DataFrame]) -> Inputs:
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in frames]
        if missing:
            raise ValueError(f"missing input frames: {missing}")
        return cls(**{n: frames[n].lazy() for n in names})

    def table(self, name: str) -> pl.LazyFrame:
        frame: pl.LazyFrame = getattr(self, name)
        return frame

    @property
    def id_type(self) -> pl.DataType:
        """The dtype of the id columns (``String``, or the Categorical of :func:`encode_ids`)."""
        dtype: pl.DataType = self.installers.collect_schema()["installer_id"]
        return dtype


def encode_ids(frames: Mapping[str, pl.LazyFrame | pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The frames with every id column (``ID_COLUMNS``) of one Categorical (``new_id_type``).

    Frames loaded for computing come encoded already (``load_all(store, ids=...)``) and are
    handed on as they are (no copy); otherwise every id column is cast here to a new one.
    Outputs cast back to String.
    """
    schemas = {name: frame.lazy().collect_schema() for name, frame in frames.items()}
    found = {dtype for schema in schemas.values() for c, dtype in schema.items() if c in ID_COLUMNS}
    shared = next(iter(found)) if len(found) == 1 else None
    if isinstance(shared, pl.Categorical):
        return {
            name: frame if isinstance(frame, pl.DataFrame) else frame.collect()
            for name, frame in frames.items()
        }
    dtype = new_id_type()
    casts = {
        name: frames[name]
        .lazy()
        .with_columns(pl.col([c for c in ID_COLUMNS if c in schema]).cast(dtype))
        for name, schema in schemas.items()
    }
    # Once, here: every later query reads the encoded frames many times.
    return dict(zip(casts, pl.collect_all(list(casts.values())), strict=True))


# -- counting ---------------------------------------------------------------------------------


def survey_status(plan: Plan, inputs: Inputs) -> pl.LazyFrame:
    """Every known survey and whether it counts (REFERENCE_PLAN.md, "What counts").

    Counted: its job is completed and ``completed_at <= surveyed_at <= completed_at + window``,
    and among such surveys of the job it is the latest (tie: greatest survey_id) — or the
    earliest, if the plan says so. Others get a reason: ``job_not_completed``,
    ``outside_window`` or ``superseded``. ``_order`` (Int128) sorts the surveys by time, then
    by survey_id in text order.
    """
    window = pl.duration(days=plan.counting.survey_window_days, time_unit="us")
    completed = inputs.jobs.select("job_id", pl.col("completed_at").alias("_completed_at"))
    # The latest survey of a job is the greatest (time, survey_id): one integer per survey
    # packs both (time, then the id's rank in text order), so that one aggregation finds it.
    frame = inputs.surveys.collect()
    ranks = KeyRanks.of({"surveys": frame}).keys(frame, "survey_id", "surveys")
    order = sort_key(pl.col("surveyed_at").to_physical(), pl.lit(ranks)).alias("_order")
    surveys = (
        frame.lazy()
        .select("survey_id", "job_id", "surveyed_at", order)
        .join(completed, on="job_id", how="left")
    )
    at, done = pl.col("surveyed_at"), pl.col("_completed_at")
    in_window = done.is_not_null() & at.is_not_null() & (at >= done) & (at <= done + window)
    latest = plan.counting.one_survey_per_job == "latest"
    best = pl.col("_order").max() if latest else pl.col("_order").min()
    winners = surveys.filter(in_window).group_by("job_id").agg(best.alias("_winner"))
    reason = (
        pl.when(done.is_null())
        .then(pl.lit("job_not_completed"))
        .when(~in_window)
        .then(pl.lit("outside_window"))
        .when(pl.col("_order") != pl.col("_winner"))
        .then(pl.lit("superseded"))
        .otherwise(pl.lit(None, pl.String))
    )
    return (
        surveys.join(winners, on="job_id", how="left")
        .with_columns(reason.alias("reason"))
        .select(
            "survey_id",
            "job_id",
            "surveyed_at",
            pl.col("reason").is_null().alias("counted"),
            "reason",
            "_order",
        )
    )


def period_events(
    plan: Plan, inputs: Inputs, status: pl.LazyFrame, period: Period
) -> dict[str, pl.LazyFrame]:
    """The events of each source that belong to ``period`` (surveys: counted ones only)."""
    events: dict[str, pl.LazyFrame] = {}
    for source, table in SOURCE_TABLES.items():
        frame = inputs.table(table)
        stamp = plan.sources.of(source).period_by
        frame = frame.filter(period.contains(stamp))
        if source == "survey":
            counted = status.filter(pl.col("counted")).select("survey_id")
            frame = frame.join(counted, on="survey_id", how="semi")
        events[source] = frame
    return events


# -- preparing event frames -------------------------------------------------------------------


def decode_extras(frame: pl.LazyFrame, extras: Mapping[str, set[str]]) -> pl.LazyFrame:
    """Columns ``<extra column>:<header>`` from the JSON ``extra`` text (unknown input columns)."""
    columns: list[pl.Expr] = []
    for column, headers in extras.items():
        ordered = sorted(headers)
        struct = pl.col(column).str.json_decode(pl.Struct({h: pl.String for h in ordered}))
        columns += [struct.struct.field(h).alias(f"{column}:{h}") for h in ordered]
    return frame.with_columns(columns) if columns else frame


def _aggregate(agg: Aggregate, inputs: Inputs) -> pl.LazyFrame:
    """One per-job fact over all known related records, whatever their period."""
    related = decode_extras(inputs.table(JOB_RELATIONS[agg.relation]), agg.needs.extras)
    condition = agg.condition if agg.condition is not None else pl.lit(True)
    value = condition.any() if agg.op == "any" else condition.sum().cast(pl.Int64)
    return related.group_by("job_id").agg(value.alias(agg.column))


def prepare(source: str, events: pl.LazyFrame, needs: Needs, inputs: Inputs) -> pl.LazyFrame:
    """The events with every column their rules read: job fields, extras, per-job facts."""
    frame = events
    if source != "job":
        wanted = sorted(c[4:] for c in needs.columns if c.startswith("job."))
        job_extras = {k: v for k, v in needs.extras.items() if k.startswith("job.")}
        if job_extras:
            wanted.append("extra")
        wanted = sorted(set(wanted) - {"job_id"})
        if wanted:
            jobs = inputs.jobs.select("job_id", *[pl.col(c).alias(f"job.{c}") for c in wanted])
            frame = frame.join(jobs, on="job_id", how="left")
        if "job.job_id" in needs.columns:
            frame = frame.with_columns(pl.col("job_id").alias("job.job_id"))
    frame = decode_extras(frame, needs.extras)
    for agg in needs.aggregates.values():
        frame = frame.join(_aggregate(agg, inputs), on="job_id", how="left")
    return frame


# -- explanations -----------------------------------------------------------------------------


def _param_text(value: object, lang: str) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, list | tuple):
        sep = "、" if lang == "zh" else ", "
        return sep.join(_param_text(v, lang) for v in value)
    return str(value)


@dataclass
class TemplateValues:
    """Text expressions for the placeholders of one rule's templates, per language."""

    zone: str
    scope: Scope
    specials: Mapping[str, Mapping[str, pl.Expr]]  # lang → name → expr
    params: Mapping[str, object]
    needs: Needs

    def lookup(self, name: str, lang: str) -> pl.Expr:
        if name in self.specials[lang]:
            return self.specials[lang][name]
        if name.startswith("params."):
            return pl.lit(_param_text(self.params[name[7:]], lang), dtype=pl.String)
        info: FieldInfo
        if name.startswith("job.") and self.scope.job is not None:
            info = self.scope.job.fields[name[4:]]
        else:
            info = self.scope.fields[name]
        self.needs.columns.add(info.column)
        if info.den_column is not None:
            return pl.col("rating")
        return value_text(info, info.column, lang, self.zone)

    def render(self, parts: list[Part], lang: str) -> pl.Expr:
        values = {p.name: self.lookup(p.name, lang) for p in parts if p.name is not None}
        return fill(parts, values)


def _rule_title(rule: EventRule | PeriodRule, lang: str) -> str:
    if rule.title is None:
        return rule.id
    return rule.title.zh if lang == "zh" else rule.title.en


def _kind_text(kind: pl.Expr, lang: str) -> pl.Expr:
    return kind.replace_strict(KIND_TEXT[lang], default=kind, return_dtype=pl.String)


# -- amounts ----------------------------------------------------------------------------------


def _key(value: str, ty: Ty) -> object:
    if ty is Ty.INT:
        return int(value)
    if ty is Ty.BOOL:
        return value.lower() == "true"
    return value


def amount_exprs(resolved: Resolved, scope: Scope, needs: Needs) -> tuple[pl.Expr, pl.Expr]:
    """(fen, kind) of a rule for each row: fixed, or looked up by a field's value."""
    if resolved.fixed is not None or resolved.by is None:
        return pl.lit(resolved.fixed, dtype=pl.Int64), pl.lit(resolved.kind, dtype=pl.String)
    by = resolved.by
    info = scope.job.fields[by[4:]] if by.startswith("job.") and scope.job else scope.fields[by]
    needs.columns.add(info.column)
    column = pl.col(info.column)
    keys = {_key(k, info.ty): v for k, v in resolved.table.items()}
    default_fen = resolved.default[0] if resolved.default else None
    default_kind = resolved.default[1] if resolved.default else resolved.kind
    fen = column.replace_strict(
        {k: v[0] for k, v in keys.items()}, default=default_fen, return_dtype=pl.Int64
    )
    kind = column.replace_strict(
        {k: v[1] for k, v in keys.items()}, default=default_kind, return_dtype=pl.String
    )
    return fen, kind


# -- per-event rules --------------------------------------------------------------------------


@dataclass
class CompiledSource:
    """The rules and measures over one source, compiled, and the columns they need."""

    source: str
    needs: Needs
    rules: list[tuple[int, EventRule, pl.Expr, pl.Expr, pl.Expr, dict[str, pl.Expr]]]
    measures: dict[str, pl.Expr]


def compile_sources(
    plan: Plan, env: Env, period: Period, layouts: Mapping[str, TextLayout]
) -> dict[str, CompiledSource]:
    """Compile every per-event rule and measure, grouped by source; the explanations'
    per-event segments as ``layouts`` (event_text_layouts(plan)) says."""
    rules_by_id = plan.rules_by_id()
    out: dict[str, CompiledSource] = {}
    for source in SOURCE_TABLES:
        out[source] = CompiledSource(source, Needs(), [], {})
    for seq, rule in enumerate(plan.rules):
        compiled = out[rule.source]
        scope = event_scope(rule.source).with_params(plan.parameters)
        hit = Compiler(scope, env, compiled.needs, rule.when).condition(parse(rule.when))
        fen, kind = amount_exprs(resolve(rule, rules_by_id), scope, compiled.needs)
        texts = _event_texts(rule, seq, scope, compiled.needs, env, period, plan, layouts)
        compiled.rules.append((seq, rule, hit, fen, kind, texts))
    for name, measure in plan.measures.items():
        compiled = out[measure.count]
        scope = event_scope(measure.count).with_params(plan.parameters)
        compiled.measures[name] = Compiler(scope, env, compiled.needs, measure.where).condition(
            parse(measure.where)
        )
    return out


def event_text_layouts(plan: Plan) -> dict[str, TextLayout]:
    """How the event explanations of ``plan`` are kept per event and completed per line."""
    return text_layouts(
        {seq: {"zh": rule.explain.zh, "en": rule.explain.en} for seq, rule in enumerate(plan.rules)}
    )


def _event_texts(
    rule: EventRule,
    seq: int,
    scope: Scope,
    needs: Needs,
    env: Env,
    period: Period,
    plan: Plan,
    layouts: Mapping[str, TextLayout],
) -> dict[str, pl.Expr]:
    """The per-event segments of the rule's explanations (TextLayout.columns of each language)."""
    stamp = plan.sources.of(rule.source).period_by
    needs.columns.add(stamp)
    specials: dict[str, dict[str, pl.Expr]] = {}
    for lang in LANGS:
        specials[lang] = {
            "rule_id": pl.lit(rule.id),
            "rule": pl.lit(_rule_title(rule, lang)),
            "kind": _kind_text(pl.col("kind"), lang),
            "period": pl.lit(period.name),
            "amount": yuan_text_expr(pl.col("amount_fen")),
            "date": local_day_text(stamp, lang, env.zone_name),
            "source_id": pl.col(SOURCE_IDS[rule.source]).cast(pl.String),
        }
    values = TemplateValues(env.zone_name, scope, specials, plan.parameters, needs)
    texts: dict[str, pl.Expr] = {}
    for lang, layout in layouts.items():
        for i in layout.per_event:
            texts[layout.column(i)] = values.render(layout.segment(seq, i), lang)
    return texts


def event_lines(
    compiled: Mapping[str, CompiledSource],
    prepared: Mapping[str, pl.LazyFrame],
    period: Period,
) -> pl.LazyFrame:
    """One row per (rule, event) that hits, before the split: the event's whole amount."""
    # The events' id type (String, or the Categorical of encode_ids) for typed nulls.
    id_type = prepared["job"].collect_schema()["job_id"]
    frames: list[pl.LazyFrame] = []
    for source, comp in compiled.items():
        if not comp.rules:
            continue
        frame = prepared[source]
        id_column = SOURCE_IDS[source]
        for seq, rule, hit, fen, kind, texts in comp.rules:
            charged = (
                pl.col("installer_id")
                if rule.split == "charged_installer"
                else pl.lit(None, id_type)
            )
            base = frame.with_columns(
                pl.when(hit).then(fen).alias("amount_fen"), kind.alias("kind")
            ).filter(pl.col("amount_fen").is_not_null() & (pl.col("amount_fen") != 0))
            frames.append(
                base.select(
                    pl.lit(seq, dtype=pl.Int32).alias("_seq"),
                    pl.lit(period.name).cast(id_type).alias("period"),
                    pl.lit(rule.id).cast(id_type).alias("rule_id"),
                    pl.col("kind").cast(id_type),
                    pl.col("amount_fen"),
                    pl.lit(source).cast(id_type).alias("source"),
                    pl.col(id_column).cast(id_type).alias("source_id"),
                    pl.col("job_id"),
                    charged.cast(id_type).alias("_charged"),
                    *[text.alias(name) for name, text in texts.items()],
                )
            )
    if not frames:
        return pl.LazyFrame(schema=_pre_split_schema(id_type))
    return pl.concat(frames, how="vertical")


def _pre_split_schema(id_type: pl.DataType) -> pl.Schema:
    """The columns of event_lines (ids of ``id_type``), for a plan without per-event rules
    (and so without explanation segments)."""
    return pl.Schema(
        [
            ("_seq", pl.Int32()),
            ("period", id_type),
            ("rule_id", id_type),
            ("kind", id_type),
            ("amount_fen", pl.Int64()),
            ("source", id_type),
            ("source_id", id_type),
            ("job_id", id_type),
            ("_charged", id_type),
        ]
    )


#: Text columns of the lines that are held in the id type while they are computed, as
#: ``job_id`` and ``installer_id`` are: few distinct values (or ids) over millions of lines,
#: which every join, filter, concat and sort would otherwise move as strings (national month:
#: the split and the lines' sort took twice as long). LINES_SCHEMA casts them back at the end.
CODED_LINE_COLUMNS = ("period", "rule_id", "kind", "source", "source_id")


def coded_lines(frame: pl.LazyFrame, id_type: pl.DataType) -> pl.LazyFrame:
    """``frame`` (lines) with its CODED_LINE_COLUMNS of ``id_type``."""
    names = set(frame.collect_schema().names())
    return frame.with_columns(
        pl.col(name).cast(id_type) for name in CODED_LINE_COLUMNS if name in names
    )


#: Row number of a line's event in the table of event explanation texts (see split_lines).
TEXT_INDEX = "_text"


def event_texts(before_split: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(lines without texts, texts): the pre-split lines numbered, their texts apart.

    The texts (the per-event segments of TextLayout) are the biggest columns of a line, and
    the split, the joins and the sort need none of them: the lines carry the number of their
    event's texts (``_text``) instead, and :func:`explain_lines` completes them at the end,
    once, for the final lines only.
    """
    numbered = before_split.with_row_index(TEXT_INDEX)
    columns = [c for c in numbered.collect_schema().names() if c.startswith("explanation_")]
    lines = numbered.drop(*columns)
    texts = numbered.select(TEXT_INDEX, *[pl.col(c).alias(f"_{c}") for c in columns])
    return lines, texts


def split_lines(pre: pl.LazyFrame, shares: pl.LazyFrame) -> pl.LazyFrame:
    """Event amounts → installer lines: charged to one installer, or split by the job's shares.

    An event charged to one installer, or on a job with a single installer holding the whole
    share, goes to that installer unchanged; only the others go through ``split_amounts``
    (with the shares of their jobs only), which is exact but does far more work per row.
    ``pre`` are event lines without their texts (see :func:`event_texts`); the result keeps
    their ``_text`` and adds ``share_text`` for :func:`explain_lines`.
    """
    whole = (pl.col("share_den") > 0) & (pl.col("share_num") == pl.col("share_den"))
    sole = (
        shares.group_by("job_id")
        .agg(
            pl.len().alias("_n"),
            pl.col("installer_id").first().alias("_sole"),
            whole.all().alias("_whole"),
        )
        .filter((pl.col("_n") == 1) & pl.col("_whole"))
        .select("job_id", "_sole")
    )
    # Both branches below read ``routed``: collected once here, since polars 2.1 would compute
    # it once per branch (measured on the national month: split 10 s CPU → about 4 s).
    routed = pre.join(sole, on="job_id", how="left").collect().lazy()
    alone = pl.col("_charged").is_not_null() | pl.col("_sole").is_not_null()
    direct = routed.filter(alone).with_columns(
        pl.coalesce("_charged", "_sole").alias("installer_id"),
        pl.lit("100%").alias("share_text"),
    )
    to_split = routed.filter(~alone).drop("_charged", "_sole")
    their_shares = shares.join(to_split.select("job_id").unique(), on="job_id", how="semi")
    shared = split_amounts(to_split, their_shares, by=["rule_id", "source", "source_id", "job_id"])
    columns = [
        "_seq",
        "period",
        "installer_id",
        "rule_id",
        "kind",
        "amount_fen",
        "source",
        "source_id",
        "job_id",
        TEXT_INDEX,
        "share_text",
    ]
    both = pl.concat([direct.select(columns), shared.select(columns)], how="vertical")
    sign = sign_of_kind()
    return both.with_columns(
        (pl.col("amount_fen") * sign).alias("amount_fen"),
        pl.lit(None, pl.String).alias("corrects_period"),
    )


#: Lines whose explanations are filled in at once (see explain_lines).
EXPLAIN_ROWS = 262_144


def _by_rule(keys: Mapping[int, str], rules: int, expr: Callable[[str], pl.Expr]) -> pl.Expr:
    """Per line of an event rule, ``expr`` of its rule number's (``_seq``) key in ``keys``;
    empty text for a rule without one. When all ``rules`` rules have the same key, that one
    expression, with no test per line."""
    seqs_of: dict[str, list[int]] = {}
    for seq, key in keys.items():
        seqs_of.setdefault(key, []).append(seq)
    if len(seqs_of) == 1 and len(keys) == rules:
        return expr(next(iter(seqs_of)))
    found: pl.Expr = pl.lit("", pl.String)
    for key, seqs in seqs_of.items():
        found = pl.when(pl.col("_seq").is_in(seqs)).then(expr(key)).otherwise(found)
    return found


def explain_lines(
    lines: pl.DataFrame,
    texts: pl.DataFrame,
    layouts: Mapping[str, TextLayout],
    *,
    rows_at_once: int = EXPLAIN_ROWS,
) -> pl.DataFrame:
    """The lines with the texts of their events completed (per installer: share, part, id).

    Lines with a ``_text`` number put together their event's segments (:func:`event_texts`),
    the literal ones of their rule (``_seq``) and the line's own values between them, as
    ``layouts`` (event_text_layouts) says; the others keep the texts they have. One
    ``concat_str`` per language: no search in the text.
    ``rows_at_once`` lines at a time: the texts are the widest columns, and completing them
    makes a copy on the way (gathered, then put together); a slice at a time keeps those
    copies small instead of the size of the whole month.
    """
    sign = sign_of_kind()
    values = {
        "share": pl.col("share_text"),
        "part": yuan_text_expr(pl.col("amount_fen") * sign),  # before its sign
        "installer_id": pl.col("installer_id").cast(pl.String),
    }

    def literal(text: str) -> pl.Expr:
        return pl.lit(text, pl.String)

    def value(name: str) -> pl.Expr:
        return values[name].fill_null(MISSING)  # a missing value reads as in any template

    filled: dict[str, pl.Expr] = {}
    gathered_columns: list[str] = []
    for lang, layout in layouts.items():
        pieces: list[pl.Expr] = []
        for i in range(layout.values + 1):
            if i in layout.per_event:
                pieces.append(pl.col(f"_event_{layout.column(i)}"))
            else:
                pieces.append(_by_rule(layout.literal[i], layout.rules, literal))
            if i < layout.values:
                pieces.append(_by_rule(layout.names[i], layout.rules, value))
        gathered_columns += layout.columns
        name = f"explanation_{lang}"
        filled[name] = (
            pl.when(pl.col(TEXT_INDEX).is_not_null())
            .then(pl.concat_str(pieces))
            .otherwise(pl.col(name))
        )
    # One chunk each: the texts come in many (one or more per rule), and a gather across
    # chunks looks up each row's chunk (national month: 2.9 s a column instead of 0.06 s).
    by_event = {c: texts.get_column(f"_{c}").rechunk() for c in gathered_columns}
    parts: list[pl.DataFrame] = []
    for start in range(0, lines.height, rows_at_once):
        part = lines.slice(start, rows_at_once)
        index = part.get_column(TEXT_INDEX)
        gathered = {f"_event_{c}": by_event[c].gather(index) for c in gathered_columns}
        # Both languages in one query: polars fills them on two threads.
        parts.append(
            part.lazy().with_columns(**gathered).with_columns(**filled).drop(*gathered).collect()
        )
    # Slices of one frame, each whole: joined without copying (one chunk per slice).
    return pl.concat(parts, how="vertical", rechunk=False) if parts else lines


# -- per-installer values -----------------------------------------------------------------------


def attributed(
    frame: pl.LazyFrame, mode: str, shares: pl.LazyFrame, id_column: str
) -> pl.LazyFrame:
    """(event id, installer_id) pairs: every installer of the job, or the charged one when set."""
    everyone = frame.select(pl.col(id_column).alias("_event"), "job_id").join(
        shares.select("job_id", "installer_id"), on="job_id", how="inner"
    )
    if mode != "charged_installer":
        return everyone.select("_event", "installer_id")
    charged = frame.filter(pl.col("installer_id").is_not_null()).select(
        pl.col(id_column).alias("_event"), "installer_id"
    )
    uncharged = (
        frame.filter(pl.col("installer_id").is_null())
        .select(pl.col(id_column).alias("_event"), "job_id")
        .join(shares.select("job_id", "installer_id"), on="job_id", how="inner")
    )
    return pl.concat([charged, uncharged.select("_event", "installer_id")], how="vertical")


def measure_values(
    plan: Plan,
    compiled: Mapping[str, CompiledSource],
    prepared: Mapping[str, pl.LazyFrame],
    shares: pl.LazyFrame,
) -> pl.LazyFrame | None:
    """``installer_id`` and one ``measure:<name>`` count per measure of the plan."""
    result: pl.LazyFrame | None = None
    for name, measure in plan.measures.items():
        where = compiled[measure.count].measures[name]
        id_column = SOURCE_IDS[measure.count]
        events = prepared[measure.count].filter(where)
        pairs = attributed(events, measure.to, shares, id_column).unique()
        counts = pairs.group_by("installer_id").agg(
            pl.len().cast(pl.Int64).alias(f"measure:{name}")
        )
        result = (
            counts
            if result is None
            else result.join(counts, on="installer_id", how="full", coalesce=True)
        )
    return result


def counted_rows(
    events: Mapping[str, pl.LazyFrame], shares: pl.LazyFrame, score: str
) -> pl.LazyFrame:
    """One row per (counted survey, installer of its job): survey_id, installer_id, overall."""
    return (
        events["survey"]
        .filter(pl.col(score).is_not_null())
        .select("survey_id", "job_id", pl.col(score).cast(pl.Int64).alias("overall"))
        .join(shares.select("job_id", "installer_id"), on="job_id", how="inner")
        .select("survey_id", "installer_id", "overall")
    )


def ratings(plan: Plan, counted: pl.LazyFrame) -> pl.LazyFrame:
    spec = plan.rating
    return rate_installers(
        counted,
        m=spec.m,
        min_surveys=spec.min_surveys,
        grades=[(g.grade, Fraction(g.at_least)) for g in spec.grades],
        unrated=spec.unrated,
    )


def installer_period(
    plan: Plan,
    inputs: Inputs,
    rated: pl.LazyFrame,
    measures: pl.LazyFrame | None,
    event_installers: pl.LazyFrame,
) -> pl.LazyFrame:
    """One row per installer known or involved in the period, with rating, grade and measures."""
    ids = pl.concat(
        [
            inputs.installers.select("installer_id"),
            event_installers.select("installer_id"),
            rated.select("installer_id"),
            *([measures.select("installer_id")] if measures is not None else []),
        ],
        how="vertical",
    ).unique()
    frame = (
        ids.join(inputs.installers, on="installer_id", how="left")
        .join(
            rated.select("installer_id", "surveys", "rating_num", "rating_den", "rating", "grade"),
            on="installer_id",
            how="left",
        )
        .with_columns(
            pl.col("surveys").fill_null(0),
            pl.col("grade").fill_null(plan.rating.unrated),
        )
    )
    if measures is not None:
        frame = frame.join(measures, on="installer_id", how="left")
    names = [f"measure:{n}" for n in plan.measures]
    if names:
        frame = frame.with_columns(pl.col(names).fill_null(0))
    return frame


def installer_scope_of(plan: Plan) -> Scope:
    grades = (*(g.grade for g in plan.rating.grades), plan.rating.unrated)
    return installer_scope({n: Ty.INT for n in plan.measures}, grades).with_params(plan.parameters)


def period_lines(plan: Plan, people: pl.LazyFrame, env: Env, period: Period) -> pl.LazyFrame:
    """Lines of the per-installer, per-period rules (grade bonus, clean month, ...)."""
    scope = installer_scope_of(plan)
    rules_by_id = plan.rules_by_id()
    id_type = people.collect_schema()["installer_id"]
    frames: list[pl.LazyFrame] = []
    for seq, rule in enumerate(plan.period_rules, start=len(plan.rules)):
        needs = Needs()
        hit = Compiler(scope, env, needs, rule.when).condition(parse(rule.when))
        fen, kind = amount_exprs(resolve(rule, rules_by_id), scope, needs)
        specials = {
            lang: {
                "rule_id": pl.lit(rule.id),
                "rule": pl.lit(_rule_title(rule, lang)),
                "kind": _kind_text(pl.col("kind"), lang),
                "installer_id": pl.col("installer_id").cast(pl.String),
                "period": pl.lit(period.name),
                "amount": yuan_text_expr(pl.col("amount_fen")),
            }
            for lang in ("zh", "en")
        }
        values = TemplateValues(env.zone_name, scope, specials, plan.parameters, needs)
        base = people.with_columns(
            pl.when(hit).then(fen).alias("amount_fen"), kind.alias("kind")
        ).filter(pl.col("amount_fen").is_not_null() & (pl.col("amount_fen") != 0))
        sign = sign_of_kind()
        frames.append(
            base.select(
                pl.lit(seq, dtype=pl.Int32).alias("_seq"),
                pl.lit(period.name).alias("period"),
                "installer_id",
                pl.lit(rule.id).alias("rule_id"),
                "kind",
                (pl.col("amount_fen") * sign).alias("amount_fen"),
                pl.lit("period").alias("source"),
                pl.lit(period.name).alias("source_id"),
                pl.lit(None, id_type).alias("job_id"),
                pl.lit(None, pl.String).alias("corrects_period"),
                values.render(parse_template(rule.explain.zh), "zh").alias("explanation_zh"),
                values.render(parse_template(rule.explain.en), "en").alias("explanation_en"),
            )
        )
    if not frames:
        return pl.LazyFrame(schema=pl.Schema([("_seq", pl.Int32()), *LINES_SCHEMA.items()]))
    return pl.concat(frames, how="vertical")
