"""The explanation texts of the lines, from the plan's templates.

An event template is cut at the values known only per line (``{share}``, ``{part}``,
``{installer_id}``: ``templates.TextLayout``). The segments that read event fields are rendered
once per event (:func:`event_segments`); the lines carry the row of their event's segments
(``_text``, :func:`event_texts`) through the split and the sort, and :func:`explain_lines`
puts each line's text together at the end. Per-period rules and caps render whole templates
(:class:`TemplateValues`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from scoring.evaluate.amounts import sign_of_kind
from scoring.evaluate.inputs import SOURCE_IDS
from scoring.money import yuan_text_expr
from scoring.period import Period
from scoring.rules.compile import Env, Needs
from scoring.rules.compiled import CompiledPlan, CompiledRule
from scoring.rules.scope import FieldInfo, Scope
from scoring.rules.spec import Cap, EventRule, PeriodRule
from scoring.rules.templates import (
    LANGS,
    MISSING,
    Part,
    TextLayout,
    fill,
    local_day_text,
    value_text,
)
from scoring.rules.vocab import KIND_TEXT


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


def rule_title(rule: EventRule | PeriodRule | Cap, lang: str) -> str:
    """The rule's title in ``lang``, or its id when it has none."""
    if rule.title is None:
        return rule.id
    return rule.title.zh if lang == "zh" else rule.title.en


def kind_text(kind: pl.Expr, lang: str) -> pl.Expr:
    """The line's kind as the templates of ``lang`` say it."""
    return kind.replace_strict(KIND_TEXT[lang], default=kind, return_dtype=pl.String)


def event_segments(
    compiled: CompiledRule, needs: Needs, env: Env, period: Period, plan: CompiledPlan
) -> dict[str, pl.Expr]:
    """The per-event segments of an event rule's explanations (``TextLayout.columns`` of each
    language of ``plan.layouts``)."""
    rule = compiled.rule
    assert isinstance(rule, EventRule)
    stamp = plan.spec.sources.of(rule.source).period_by
    needs.columns.add(stamp)
    specials: dict[str, dict[str, pl.Expr]] = {}
    for lang in LANGS:
        specials[lang] = {
            "rule_id": pl.lit(rule.id),
            "rule": pl.lit(rule_title(rule, lang)),
            "kind": kind_text(pl.col("kind"), lang),
            "period": pl.lit(period.name),
            "amount": yuan_text_expr(pl.col("amount_fen")),
            "date": local_day_text(stamp, lang, env.zone_name),
            "source_id": pl.col(SOURCE_IDS[rule.source]).cast(pl.String),
        }
    values = TemplateValues(
        env.zone_name, compiled.when.scope, specials, plan.spec.parameters, needs
    )
    texts: dict[str, pl.Expr] = {}
    for lang, layout in plan.layouts.items():
        for i in layout.per_event:
            texts[layout.column(i)] = values.render(layout.segment(compiled.seq, i), lang)
    return texts


#: Row number of a line's event in the table of event explanation texts (see event_texts).
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
    ``layouts`` (CompiledPlan.layouts) says; the others keep the texts they have. One
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
