"""The value types of the condition language and the compiled form of a value.

Numbers are exact: a compiled number is a fraction ``num / den`` of two Int64 expressions (or
an int denominator known when compiling). Money fields are numbers in yuan (``fen / 100``), so
``base_monthly_wage > 3000`` and ``rating >= 4.6`` compare exactly, with no float anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl


class Ty(StrEnum):
    INT = "integer"
    NUM = "number"
    BOOL = "boolean"
    STR = "text"
    TS = "timestamp"
    DATE = "date"
    DUR = "duration"
    NULL = "null"
    LIST = "list"
    ANY = "any"  # only while checking something that already failed


NUMERIC = frozenset({Ty.INT, Ty.NUM})
ORDERED = frozenset({Ty.INT, Ty.NUM, Ty.STR, Ty.TS, Ty.DATE, Ty.DUR})


def numeric(ty: Ty) -> bool:
    return ty in NUMERIC


def same_kind(a: Ty, b: Ty) -> bool:
    """Whether values of ``a`` and ``b`` can be compared."""
    if Ty.ANY in (a, b):
        return True
    if numeric(a) and numeric(b):
        return True
    return a == b


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """The checked type of an expression; for lists, the type of their items too."""

    ty: Ty
    item: Ty | None = None
    values: tuple[str, ...] | None = None  # allowed values of an enum-valued text


@dataclass(frozen=True, slots=True)
class Val:
    """A compiled value. Numbers are ``expr / den``; ``items`` holds a literal list."""

    ty: Ty
    expr: pl.Expr
    den: pl.Expr | int = 1
    items: tuple[Val, ...] | None = None
    literal: object = None  # the Python value of a literal, when known
