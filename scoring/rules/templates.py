"""Explanation templates: ``"{date}工单{job_id}…奖励{amount}元"`` filled column-wise.

A template is literal text with ``{name}`` placeholders (``{{`` and ``}}`` for braces). It is
parsed once; filling it is one ``concat_str`` over text expressions of the line's values, so
millions of lines are explained without any per-row Python. Which names exist depends on the
rule (its source's fields, ``job.<field>``, and the line's own values such as ``amount``,
``share`` and ``part``); an unknown name is a plan-check error with "did you mean".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from scoring.money import yuan_text_expr
from scoring.rules.scope import FieldInfo
from scoring.rules.types import Ty

MISSING = "-"
LANGS = ("zh", "en")


class TemplateError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Part:
    """Literal ``text``, or the placeholder ``name`` found at ``offset``."""

    text: str | None = None
    name: str | None = None
    offset: int = 0


def parse_template(template: str) -> list[Part]:
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "{" and template[i + 1 : i + 2] == "{":
            literal.append("{")
            i += 2
            continue
        if ch == "}" and template[i + 1 : i + 2] == "}":
            literal.append("}")
            i += 2
            continue
        if ch == "}":
            raise TemplateError("多余的 } / unmatched '}' (write }} for a brace)", i)
        if ch == "{":
            end = template.find("}", i + 1)
            if end < 0:
                raise TemplateError("缺少 } / placeholder without closing '}'", i)
            name = template[i + 1 : end].strip()
            if not name or "{" in name:
                raise TemplateError("占位符为空或无效 / empty or invalid placeholder", i)
            if literal:
                parts.append(Part(text="".join(literal)))
                literal = []
            parts.append(Part(name=name, offset=i + 1))
            i = end + 1
            continue
        literal.append(ch)
        i += 1
    if literal:
        parts.append(Part(text="".join(literal)))
    return parts


def fill(parts: list[Part], values: Mapping[str, pl.Expr]) -> pl.Expr:
    """One text expression: the parts, each placeholder replaced by its value's text."""
    pieces: list[pl.Expr] = []
    for part in parts:
        if part.name is None:
            pieces.append(pl.lit(part.text or "", dtype=pl.String))
        else:
            pieces.append(values[part.name].cast(pl.String).fill_null(MISSING))
    if not pieces:
        return pl.lit("", dtype=pl.String)
    return pl.concat_str(pieces)


_BOOL_TEXT = {"zh": ("是", "否"), "en": ("yes", "no")}


def value_text(info: FieldInfo, column: str, lang: str, zone: str) -> pl.Expr:
    """How a field's value reads in an explanation in ``lang``."""
    col = pl.col(column)
    if info.money:
        return yuan_text_expr(col)
    if info.ty is Ty.STR:
        col = col.cast(pl.String)  # ids may be Categorical inside the engine
    if info.ty is Ty.STR and info.labels and lang == "zh":
        return col.replace_strict(dict(info.labels), default=col, return_dtype=pl.String)
    if info.ty is Ty.BOOL:
        yes, no = _BOOL_TEXT[lang]
        return pl.when(col).then(pl.lit(yes)).when(~col).then(pl.lit(no))
    if info.ty is Ty.TS:
        return col.dt.convert_time_zone(zone).dt.strftime("%Y-%m-%d %H:%M")
    if info.ty is Ty.DATE:
        return col.dt.strftime("%Y-%m-%d")
    return col.cast(pl.String)


def local_day_text(column: str | pl.Expr, lang: str, zone: str) -> pl.Expr:
    """A timestamp's local day: ``10月12日`` in Chinese, ``2025-10-12`` in English."""
    col = pl.col(column) if isinstance(column, str) else column
    local = col.dt.convert_time_zone(zone)
    if lang == "zh":
        return pl.concat_str(
            [
                local.dt.month().cast(pl.String),
                pl.lit("月"),
                local.dt.day().cast(pl.String),
                pl.lit("日"),
            ]
        )
    return local.dt.date().cast(pl.String)


# -- event templates, completed per line ------------------------------------------------------

#: Values of a line, not of its event, that an event template may name. Known only after the
#: split (the installer's share, its part of the amount, the installer), they are put in per
#: line; everything else of the text is rendered once per event.
LINE_VALUES = ("share", "part", "installer_id")


def cut_at_line_values(parts: list[Part]) -> tuple[list[list[Part]], list[str]]:
    """A template's parts cut at the line values it names: the segments around them (one
    more than the values, each maybe empty) and the values' names, in order."""
    segments: list[list[Part]] = [[]]
    names: list[str] = []
    for part in parts:
        if part.name in LINE_VALUES:
            names.append(part.name)
            segments.append([])
        else:
            segments[-1].append(part)
    return segments, names


@dataclass(frozen=True)
class TextLayout:
    """Where the pieces of one language's event explanations are kept, per line.

    Each event template is cut at its line values (:func:`cut_at_line_values`): segment 0,
    value 0, segment 1, … value n-1, segment n. A segment that names a field for some rule is
    rendered per event into its own column (``column(i)``); one that is literal text in every
    rule is looked up by the line's rule number (``literal[i]``: every rule number → its text,
    empty for a rule with fewer segments), and so are the names of the values (``names[i]``:
    the rule numbers with a value there → its name). ``segments``: each rule's own, as cut.
    """

    lang: str
    rules: int  # how many event rules (numbered 0 …)
    values: int
    per_event: tuple[int, ...]
    literal: Mapping[int, Mapping[int, str]]
    names: Mapping[int, Mapping[int, str]]
    segments: Mapping[int, list[list[Part]]]

    def segment(self, rule: int, i: int) -> list[Part]:
        """Segment ``i`` of rule number ``rule`` (empty where its template has fewer)."""
        found = self.segments[rule]
        return found[i] if i < len(found) else []

    def column(self, segment: int) -> str:
        return f"explanation_{self.lang}_{segment}"

    @property
    def columns(self) -> list[str]:
        """The per-event text columns, in segment order."""
        return [self.column(i) for i in self.per_event]


def text_layouts(templates: Mapping[int, Mapping[str, str]]) -> dict[str, TextLayout]:
    """The layout of each language (LANGS) for the event templates of the rules:
    ``templates`` is rule number → language → template text."""
    layouts: dict[str, TextLayout] = {}
    for lang in LANGS:
        cut = {seq: cut_at_line_values(parse_template(t[lang])) for seq, t in templates.items()}
        values = max((len(names) for _, names in cut.values()), default=0)
        per_event: list[int] = []
        literal: dict[int, dict[int, str]] = {}
        for i in range(values + 1):
            pieces = {
                seq: segments[i] if i < len(segments) else [] for seq, (segments, _) in cut.items()
            }
            if any(part.name is not None for parts in pieces.values() for part in parts):
                per_event.append(i)
            else:
                literal[i] = {
                    seq: "".join(part.text or "" for part in parts) for seq, parts in pieces.items()
                }
        names = {
            i: {seq: found[i] for seq, (_, found) in cut.items() if i < len(found)}
            for i in range(values)
        }
        segments = {seq: found for seq, (found, _) in cut.items()}
        layouts[lang] = TextLayout(
            lang, len(cut), values, tuple(per_event), literal, names, segments
        )
    return layouts
