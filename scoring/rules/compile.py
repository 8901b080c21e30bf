"""Compile a checked condition into a polars expression, through the closed function table.

The compiler only ever builds expressions: fields become ``pl.col`` of prepared columns,
operators become polars operators, functions come from :data:`FUNCTIONS`. What the expression
needs from outside (job columns, unknown input columns read from ``extra``, per-job facts such
as "the job has a complaint where …") is recorded in :class:`Needs` so that the evaluator
prepares exactly those columns, once, before it evaluates the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Protocol
from zoneinfo import ZoneInfo

import polars as pl

from scoring.rules import ast
from scoring.rules.functions import FUNCTIONS, _fraction_terms
from scoring.rules.scope import FieldInfo, Scope, relation_scope
from scoring.rules.typecheck import RELATION_METHODS, TIME_ARITHMETIC, literal_value
from scoring.rules.types import Ty, Val, numeric

_COMPARE: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "==": lambda a, b: a.eq(b),
    "!=": lambda a, b: a.ne(b),
    "<": lambda a, b: a.lt(b),
    "<=": lambda a, b: a.le(b),
    ">": lambda a, b: a.gt(b),
    ">=": lambda a, b: a.ge(b),
}


class Deadlines(Protocol):
    """The part of the working-day calendar conditions use (scoring.workdays.WorkCalendar)."""

    def deadline_expr(self, created: pl.Expr, days: pl.Expr) -> pl.Expr: ...


@dataclass(frozen=True)
class Env:
    """Where and when conditions are evaluated: the local zone and the official calendar."""

    zone: ZoneInfo
    calendar: Deadlines | None = None

    @property
    def zone_name(self) -> str:
        return str(self.zone.key)

    def local(self, expr: pl.Expr) -> pl.Expr:
        return expr.dt.convert_time_zone(self.zone_name)

    def deadline(self, created: pl.Expr, days: pl.Expr) -> pl.Expr:
        if self.calendar is None:
            raise RuntimeError("workday_deadline needs a working-day calendar")
        return self.calendar.deadline_expr(created, days)


@dataclass(frozen=True)
class Aggregate:
    """A per-job fact over related records, e.g. ``job.has_complaint(responsibility == ...)``."""

    column: str
    relation: str  # "complaint", "revisit", "survey"
    op: str  # "any" or "count"
    condition: pl.Expr | None
    needs: Needs


@dataclass
class Needs:
    """Columns an expression reads that the evaluator must prepare."""

    columns: set[str] = field(default_factory=set)
    extras: dict[str, set[str]] = field(default_factory=dict)  # extra column → headers
    aggregates: dict[str, Aggregate] = field(default_factory=dict)  # key → aggregate

    def extra(self, column: str, header: str) -> str:
        self.extras.setdefault(column, set()).add(header)
        return f"{column}:{header}"


class CompileError(Exception):
    """A condition that did not pass the checker reached the compiler (a programming error)."""


class Compiler:
    """Turns a checked condition of one scope into polars expressions."""

    def __init__(self, scope: Scope, env: Env, needs: Needs, source: str) -> None:
        self.scope = scope
        self.env = env
        self.needs = needs
        self.source = source

    def condition(self, node: ast.Node) -> pl.Expr:
        return self.value(node).expr.fill_null(False)

    def value(self, node: ast.Node) -> Val:
        if isinstance(node, ast.Number):
            return number_literal(node.value)
        if isinstance(node, ast.Text):
            return Val(Ty.STR, pl.lit(node.value, dtype=pl.String), literal=node.value)
        if isinstance(node, ast.Boolean):
            return Val(Ty.BOOL, pl.lit(node.value, dtype=pl.Boolean), literal=node.value)
        if isinstance(node, ast.Null):
            return Val(Ty.NULL, pl.lit(None))
        if isinstance(node, ast.ListLit):
            return list_literal([literal_value(item) for item in node.items])
        if isinstance(node, ast.Name):
            return self.field(self.scope.fields[node.name])
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Unary):
            operand = self.value(node.operand)
            if node.op == "not":
                return Val(Ty.BOOL, ~operand.expr)
            return Val(operand.ty, -operand.expr, operand.den)
        if isinstance(node, ast.IsNull):
            tested = self.value(node.operand).expr
            return Val(Ty.BOOL, tested.is_not_null() if node.negated else tested.is_null())
        if isinstance(node, ast.Binary):
            return self.binary(node)
        raise CompileError(f"unsupported node {type(node).__name__}")

    def field(self, info: FieldInfo) -> Val:
        self.needs.columns.add(info.column)
        column = pl.col(info.column)
        if info.money:
            return Val(Ty.NUM, column.cast(pl.Int64), 100)
        if info.den_column is not None:
            self.needs.columns.add(info.den_column)
            return Val(Ty.NUM, column.cast(pl.Int64), pl.col(info.den_column).cast(pl.Int64))
        if info.ty is Ty.INT:
            return Val(Ty.INT, column.cast(pl.Int64))
        if info.ty is Ty.STR:
            # The engine may hold id columns as Categorical (pipeline.run); a plan always
            # sees text, so comparisons and text functions mean what they say.
            return Val(Ty.STR, column.cast(pl.String))
        return Val(info.ty, column)

    def attribute(self, node: ast.Attribute) -> Val:
        assert isinstance(node.target, ast.Name)
        if node.target.name == "params":
            return param_value(self.scope.params[node.name])
        assert self.scope.job is not None
        return self.field(self.scope.job.fields[node.name])

    def call(self, node: ast.Call) -> Val:
        if node.target is not None:
            return self.method(node)
        if node.name == "field":
            return self.extra(node, self.scope)
        function = FUNCTIONS[node.name]
        args = [self.value(arg) for arg in node.args]
        return function.build(self.env, args)

    def extra(self, node: ast.Call, scope: Scope) -> Val:
        header = node.args[0]
        assert isinstance(header, ast.Text) and scope.extra_column is not None
        return Val(Ty.STR, pl.col(self.needs.extra(scope.extra_column, header.value)))

    def method(self, node: ast.Call) -> Val:
        assert self.scope.job is not None
        if node.name == "field":
            return self.extra(node, self.scope.job)
        relation, op = RELATION_METHODS[node.name]
        inner_text = self.source[node.args[0].span[0] : node.args[0].span[1]] if node.args else ""
        key = f"{relation}|{op}|{' '.join(inner_text.split())}"
        found = self.needs.aggregates.get(key)
        if found is None:
            inner_needs = Needs()
            condition = None
            if node.args:
                inner_scope = relation_scope(relation).with_params(self.scope.params)
                inner = Compiler(inner_scope, self.env, inner_needs, self.source)
                condition = inner.condition(node.args[0])
            column = f"agg:{len(self.needs.aggregates)}:{op}_{relation}"
            found = Aggregate(column, relation, op, condition, inner_needs)
            self.needs.aggregates[key] = found
        if op == "any":
            return Val(Ty.BOOL, pl.col(found.column).fill_null(False))
        return Val(Ty.INT, pl.col(found.column).fill_null(0).cast(pl.Int64))

    def binary(self, node: ast.Binary) -> Val:
        if node.op in ("and", "or"):
            left = self.value(node.left).expr
            right = self.value(node.right).expr
            return Val(Ty.BOOL, left & right if node.op == "and" else left | right)
        left_val = self.value(node.left)
        right_val = self.value(node.right)
        if node.op in ("in", "not in"):
            hit = membership(left_val, right_val)
            return Val(Ty.BOOL, ~hit if node.op == "not in" else hit)
        if node.op in _COMPARE:
            return Val(Ty.BOOL, compare(node.op, left_val, right_val))
        return arithmetic(node.op, left_val, right_val)


def number_literal(value: Fraction) -> Val:
    ty = Ty.INT if value.denominator == 1 else Ty.NUM
    return Val(ty, pl.lit(value.numerator, dtype=pl.Int64), value.denominator, literal=value)


def param_value(value: object) -> Val:
    if isinstance(value, bool):
        return Val(Ty.BOOL, pl.lit(value, dtype=pl.Boolean), literal=value)
    if isinstance(value, int | Decimal | Fraction):
        return number_literal(Fraction(value))
    if isinstance(value, str):
        return Val(Ty.STR, pl.lit(value, dtype=pl.String), literal=value)
    if isinstance(value, list | tuple):
        items: list[Fraction | str | bool | None] = []
        for item in value:
            items.append(
                Fraction(item)
                if isinstance(item, int | Decimal) and not isinstance(item, bool)
                else item
            )
        return list_literal(items)
    raise CompileError(f"unsupported parameter value {value!r}")


def list_literal(items: Sequence[Fraction | str | bool | None]) -> Val:
    vals: list[Val] = []
    for item in items:
        if isinstance(item, bool):
            vals.append(Val(Ty.BOOL, pl.lit(item), literal=item))
        elif isinstance(item, Fraction):
            vals.append(number_literal(item))
        elif isinstance(item, str):
            vals.append(Val(Ty.STR, pl.lit(item, dtype=pl.String), literal=item))
    return Val(Ty.LIST, pl.lit(None), items=tuple(vals))


def membership(left: Val, right: Val) -> pl.Expr:
    items = right.items or ()
    if not items:
        return pl.lit(False)
    literals = [item.literal for item in items]
    if numeric(left.ty):
        fractions = [f for f in literals if isinstance(f, Fraction)]
        if left.den == 1 and all(f.denominator == 1 for f in fractions):
            return left.expr.is_in([int(f) for f in fractions])
        hit = pl.lit(False)
        for item in items:
            hit = hit | compare("==", left, item)
        return hit
    if left.ty is Ty.BOOL:
        return left.expr.is_in([bool(v) for v in literals])
    return left.expr.is_in([str(v) for v in literals])


def compare(op: str, left: Val, right: Val) -> pl.Expr:
    if numeric(left.ty) and numeric(right.ty):
        if isinstance(left.den, int) and isinstance(right.den, int):
            (a, b), _ = _fraction_terms([left, right])
        else:
            a, b = left.expr * right.den, right.expr * left.den
        return _COMPARE[op](a, b)
    return _COMPARE[op](left.expr, right.expr)


def arithmetic(op: str, left: Val, right: Val) -> Val:
    if numeric(left.ty) and numeric(right.ty):
        return _number_arithmetic(op, left, right)
    if left.ty is Ty.DUR and right.ty is Ty.INT and op == "*":
        return Val(Ty.DUR, left.expr * _integral(right))
    if left.ty is Ty.INT and right.ty is Ty.DUR and op == "*":
        return Val(Ty.DUR, right.expr * _integral(left))
    result_ty = TIME_ARITHMETIC[(left.ty, op, right.ty)]
    expr = left.expr + right.expr if op == "+" else left.expr - right.expr
    return Val(result_ty, expr)


def _integral(value: Val) -> pl.Expr:
    return value.expr if value.den == 1 else value.expr // value.den


def _number_arithmetic(op: str, left: Val, right: Val) -> Val:
    ty = Ty.INT if left.ty is Ty.INT and right.ty is Ty.INT and op != "/" else Ty.NUM
    if op in ("+", "-"):
        (a, b), den = _fraction_terms([left, right])
        return Val(ty, a + b if op == "+" else a - b, den)
    if op == "*":
        product: pl.Expr | int
        if isinstance(left.den, int) and isinstance(right.den, int):
            product = left.den * right.den
        else:
            product = pl.lit(1, dtype=pl.Int64) * left.den * right.den
        return Val(ty, left.expr * right.expr, product)
    # Division: (a / p) / (b / q) = (a * q) / (p * b), the sign kept in the numerator.
    literal = right.literal
    if isinstance(literal, Fraction) and literal != 0:
        sign = -1 if literal < 0 else 1
        numerator = left.expr * (literal.denominator * sign)
        scale = abs(literal.numerator)
        den_static: pl.Expr | int = (
            left.den * scale if isinstance(left.den, int) else left.den * scale
        )
        return Val(Ty.NUM, numerator, den_static)
    sign_expr = pl.when(right.expr < 0).then(-1).otherwise(1)
    numerator = pl.when(right.expr != 0).then(left.expr * right.den * sign_expr)
    denominator = pl.when(right.expr != 0).then((right.expr * left.den).abs())
    return Val(Ty.NUM, numerator, denominator)
