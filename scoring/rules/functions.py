"""The closed table of functions a condition may call, each with its type rule and its builder.

This table is the whole vocabulary: a name not in it is an error that lists what exists. Each
entry says which argument types it takes (``check``) and how it becomes a polars expression
(``build``). Nothing here ever evaluates user text or imports a module named by it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from scoring.rules import ast
from scoring.rules.types import ORDERED, Ty, TypeInfo, Val, numeric, same_kind


class BuildContext(Protocol):
    """What builders need from the compiler: the local zone and the working-day calendar."""

    @property
    def zone_name(self) -> str: ...

    def local(self, expr: pl.Expr) -> pl.Expr: ...

    def deadline(self, created: pl.Expr, days: pl.Expr) -> pl.Expr: ...


Check = Callable[[Sequence[TypeInfo], Sequence[ast.Node]], TypeInfo | str]
Build = Callable[[BuildContext, Sequence[Val]], Val]


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    signature: str
    check: Check
    build: Build


def _args(*wanted: frozenset[Ty], result: Ty) -> Check:
    """A check for a fixed list of argument types."""

    def check(args: Sequence[TypeInfo], nodes: Sequence[ast.Node]) -> TypeInfo | str:
        if len(args) != len(wanted):
            return f"需要 {len(wanted)} 个参数 / takes {len(wanted)} argument(s), got {len(args)}"
        for i, (arg, allowed) in enumerate(zip(args, wanted, strict=True)):
            if arg.ty is Ty.ANY:
                continue
            if arg.ty not in allowed:
                names = " or ".join(sorted(t.value for t in allowed))
                return (
                    f"第 {i + 1} 个参数类型不对 / argument {i + 1} must be {names},"
                    f" not {arg.ty.value}"
                )
        return TypeInfo(result)

    return check


INT = frozenset({Ty.INT})
NUM = frozenset({Ty.INT, Ty.NUM})
STR = frozenset({Ty.STR})
TS = frozenset({Ty.TS})
DAY = frozenset({Ty.TS, Ty.DATE})


def _duration(unit: str) -> Build:
    def build(ctx: BuildContext, args: Sequence[Val]) -> Val:
        return Val(Ty.DUR, pl.duration(**{unit: args[0].expr.cast(pl.Int64)}, time_unit="us"))

    return build


def _as_date(ctx: BuildContext, value: Val) -> pl.Expr:
    return ctx.local(value.expr).dt.date() if value.ty is Ty.TS else value.expr


def _check_date(args: Sequence[TypeInfo], nodes: Sequence[ast.Node]) -> TypeInfo | str:
    if len(args) != 1:
        return f"需要 1 个参数 / takes 1 argument, got {len(args)}"
    if args[0].ty is Ty.STR:
        node = nodes[0]
        if not isinstance(node, ast.Text):
            return "date(...) 的文本参数必须是字面量 / date() takes a literal 'YYYY-MM-DD'"
        try:
            dt.date.fromisoformat(node.value)
        except ValueError:
            return f"不是日期 / not a date YYYY-MM-DD: {node.value!r}"
        return TypeInfo(Ty.DATE)
    if args[0].ty not in DAY | {Ty.ANY}:
        return (
            f"参数必须是时间或日期 / argument must be a timestamp or date, not {args[0].ty.value}"
        )
    return TypeInfo(Ty.DATE)


def _build_date(ctx: BuildContext, args: Sequence[Val]) -> Val:
    value = args[0]
    if value.ty is Ty.STR:
        day = dt.date.fromisoformat(str(value.literal))
        return Val(Ty.DATE, pl.lit(day, dtype=pl.Date), literal=day)
    return Val(Ty.DATE, _as_date(ctx, value))


def _build_deadline(ctx: BuildContext, args: Sequence[Val]) -> Val:
    return Val(Ty.DATE, ctx.deadline(_as_date(ctx, args[0]), args[1].expr.cast(pl.Int64)))


def _part(getter: Callable[[pl.Expr], pl.Expr]) -> Build:
    def build(ctx: BuildContext, args: Sequence[Val]) -> Val:
        value = args[0]
        base = ctx.local(value.expr) if value.ty is Ty.TS else value.expr
        return Val(Ty.INT, getter(base).cast(pl.Int64))

    return build


def _check_common(minimum: int, maximum: int | None) -> Check:
    def check(args: Sequence[TypeInfo], nodes: Sequence[ast.Node]) -> TypeInfo | str:
        if len(args) < minimum or (maximum is not None and len(args) > maximum):
            return f"参数个数不对 / takes {minimum}{'' if maximum == minimum else '+'} arguments"
        known = [a for a in args if a.ty not in (Ty.ANY, Ty.NULL)]
        if not known:
            return TypeInfo(Ty.ANY)
        first = known[0]
        for arg in known[1:]:
            if not same_kind(first.ty, arg.ty):
                return f"参数类型不一致 / arguments mix {first.ty.value} and {arg.ty.value}"
        if any(a.ty is Ty.NUM for a in known):
            return TypeInfo(Ty.NUM)
        return TypeInfo(first.ty, values=first.values)

    return check


def _check_minmax(args: Sequence[TypeInfo], nodes: Sequence[ast.Node]) -> TypeInfo | str:
    result = _check_common(2, None)(args, nodes)
    if isinstance(result, TypeInfo) and result.ty not in ORDERED | {Ty.ANY}:
        return f"不能比较大小 / {result.ty.value} values have no order"
    return result


def _fraction_terms(args: Sequence[Val]) -> tuple[list[pl.Expr], pl.Expr | int]:
    """Put numbers over one denominator so that they can be compared term by term."""
    dens = [a.den for a in args]
    fixed = [d for d in dens if isinstance(d, int)]
    if len(fixed) == len(dens):
        common = math.lcm(*fixed)
        return [a.expr * (common // d) for a, d in zip(args, fixed, strict=True)], common
    common_expr: pl.Expr = pl.lit(1, dtype=pl.Int64)
    for den in dens:
        common_expr = common_expr * den
    return [a.expr * (common_expr // a.den) for a in args], common_expr


def _build_extreme(pick: Callable[[list[pl.Expr]], pl.Expr]) -> Build:
    def build(ctx: BuildContext, args: Sequence[Val]) -> Val:
        live = [a for a in args if a.ty is not Ty.NULL]
        if live and numeric(live[0].ty):
            terms, den = _fraction_terms(live)
            ty = Ty.INT if all(a.ty is Ty.INT for a in live) else Ty.NUM
            return Val(ty, pick(terms), den)
        return Val(live[0].ty if live else Ty.NULL, pick([a.expr for a in live]))

    return build


def _build_coalesce(ctx: BuildContext, args: Sequence[Val]) -> Val:
    live = [a for a in args if a.ty is not Ty.NULL]
    if live and numeric(live[0].ty):
        terms, den = _fraction_terms(live)
        ty = Ty.INT if all(a.ty is Ty.INT for a in live) else Ty.NUM
        return Val(ty, pl.coalesce(terms), den)
    return Val(live[0].ty if live else Ty.NULL, pl.coalesce([a.expr for a in live]))


def _build_abs(ctx: BuildContext, args: Sequence[Val]) -> Val:
    return Val(args[0].ty, args[0].expr.abs(), args[0].den)


def _text(method: Callable[[pl.Expr], pl.Expr], ty: Ty) -> Build:
    def build(ctx: BuildContext, args: Sequence[Val]) -> Val:
        return Val(ty, method(args[0].expr))

    return build


def _check_text_literal(args: Sequence[TypeInfo], nodes: Sequence[ast.Node]) -> TypeInfo | str:
    result = _args(STR, STR, result=Ty.BOOL)(args, nodes)
    if isinstance(result, TypeInfo) and not isinstance(nodes[1], ast.Text):
        return "第 2 个参数必须是文本字面量 / argument 2 must be literal text"
    return result


def _text_test(name: str) -> Build:
    def build(ctx: BuildContext, args: Sequence[Val]) -> Val:
        needle = str(args[1].literal)
        expr = args[0].expr
        if name == "contains":
            return Val(Ty.BOOL, expr.str.contains(needle, literal=True))
        if name == "starts_with":
            return Val(Ty.BOOL, expr.str.starts_with(needle))
        return Val(Ty.BOOL, expr.str.ends_with(needle))

    return build


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "minutes",
            "minutes(integer) → duration",
            _args(INT, result=Ty.DUR),
            _duration("minutes"),
        ),
        Function(
            "hours", "hours(integer) → duration", _args(INT, result=Ty.DUR), _duration("hours")
        ),
        Function("days", "days(integer) → duration", _args(INT, result=Ty.DUR), _duration("days")),
        Function("date", "date(timestamp | 'YYYY-MM-DD') → date (local)", _check_date, _build_date),
        Function(
            "workday_deadline",
            "workday_deadline(timestamp | date, integer) → date",
            _args(DAY, INT, result=Ty.DATE),
            _build_deadline,
        ),
        Function(
            "year",
            "year(timestamp | date) → integer",
            _args(DAY, result=Ty.INT),
            _part(lambda e: e.dt.year()),
        ),
        Function(
            "month",
            "month(timestamp | date) → integer",
            _args(DAY, result=Ty.INT),
            _part(lambda e: e.dt.month()),
        ),
        Function(
            "day",
            "day(timestamp | date) → integer",
            _args(DAY, result=Ty.INT),
            _part(lambda e: e.dt.day()),
        ),
        Function(
            "weekday",
            "weekday(timestamp | date) → integer (1 Monday … 7 Sunday)",
            _args(DAY, result=Ty.INT),
            _part(lambda e: e.dt.weekday()),
        ),
        Function(
            "hour",
            "hour(timestamp) → integer (local)",
            _args(TS, result=Ty.INT),
            _part(lambda e: e.dt.hour()),
        ),
        Function(
            "coalesce",
            "coalesce(a, b, ...) → first not null",
            _check_common(2, None),
            _build_coalesce,
        ),
        Function("min", "min(a, b, ...)", _check_minmax, _build_extreme(pl.min_horizontal)),
        Function("max", "max(a, b, ...)", _check_minmax, _build_extreme(pl.max_horizontal)),
        Function("abs", "abs(number) → number", _check_common(1, 1), _build_abs),
        Function(
            "lower",
            "lower(text) → text",
            _args(STR, result=Ty.STR),
            _text(lambda e: e.str.to_lowercase(), Ty.STR),
        ),
        Function(
            "upper",
            "upper(text) → text",
            _args(STR, result=Ty.STR),
            _text(lambda e: e.str.to_uppercase(), Ty.STR),
        ),
        Function(
            "length",
            "length(text) → integer",
            _args(STR, result=Ty.INT),
            _text(lambda e: e.str.len_chars().cast(pl.Int64), Ty.INT),
        ),
        Function(
            "int",
            "int(text) → integer (null when not a number)",
            _args(STR, result=Ty.INT),
            _text(
                lambda e: e.str.strip_chars().str.to_integer(strict=False).cast(pl.Int64), Ty.INT
            ),
        ),
        Function(
            "contains",
            "contains(text, 'part') → boolean",
            _check_text_literal,
            _text_test("contains"),
        ),
        Function(
            "starts_with",
            "starts_with(text, 'part') → boolean",
            _check_text_literal,
            _text_test("starts_with"),
        ),
        Function(
            "ends_with",
            "ends_with(text, 'part') → boolean",
            _check_text_literal,
            _text_test("ends_with"),
        ),
    )
}

#: Methods of the ``job`` namespace, besides its fields (handled by the checker and compiler).
JOB_METHODS = {
    "field": 'job.field("header") → text of an unknown input column of the job',
    "has_complaint": "job.has_complaint(condition) → boolean: a complaint of the job matches",
    "count_complaints": "job.count_complaints([condition]) → integer",
    "has_revisit": "job.has_revisit(condition) → boolean",
    "count_revisits": "job.count_revisits([condition]) → integer",
    "has_survey": "job.has_survey(condition) → boolean",
    "count_surveys": "job.count_surveys([condition]) → integer",
}
