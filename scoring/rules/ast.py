"""The syntax tree of plan conditions.

Every node keeps the span (start, end) of the text it came from, so that a type error can be
placed at the exact column of the plan file. Nodes are plain frozen data: the parser builds
them, the type checker reads them, the compiler turns them into polars expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Node:
    span: Span


@dataclass(frozen=True, slots=True)
class Number(Node):
    """A numeric literal, kept exact: ``4.60`` is ``Fraction(23, 5)``."""

    value: Fraction
    text: str


@dataclass(frozen=True, slots=True)
class Text(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Boolean(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class Null(Node):
    pass


@dataclass(frozen=True, slots=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A field of the current scope, or a namespace such as ``job`` or ``params``."""

    name: str


@dataclass(frozen=True, slots=True)
class Attribute(Node):
    """``target.name``: a field of a namespace (``job.service_type``, ``params.excused``)."""

    target: Node
    name: str
    name_span: Span


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name(args)`` or ``target.name(args)`` (a method of a namespace)."""

    target: Node | None
    name: str
    name_span: Span
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "not" or "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic (``+ - * /``), comparison, ``in``/``not in`` and ``and``/``or``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class IsNull(Node):
    operand: Node
    negated: bool
