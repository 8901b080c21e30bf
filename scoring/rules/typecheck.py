"""Type checking of conditions against what their source can see.

Every name is resolved here, before anything runs: an unknown field is an error that lists the
fields that exist and suggests the nearest ("did you mean"), a text compared with an enum field
must be one of its values, ``== null`` is refused in favour of ``is null``. The checker keeps
going after an error so that a plan check reports every problem of a condition at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

from scoring.rules import ast
from scoring.rules.functions import FUNCTIONS, JOB_METHODS
from scoring.rules.lexer import ExprError
from scoring.rules.scope import JOB_RELATIONS, Scope, relation_scope
from scoring.rules.types import ORDERED, Ty, TypeInfo, numeric, same_kind

COMPARISON = frozenset({"==", "!=", "<", "<=", ">", ">="})

#: ``job.has_complaint`` → ("complaint", "any"), ``job.count_surveys`` → ("survey", "count").
RELATION_METHODS: dict[str, tuple[str, str]] = {}
for _rel, _plural in JOB_RELATIONS.items():
    RELATION_METHODS[f"has_{_rel}"] = (_rel, "any")
    RELATION_METHODS[f"count_{_plural}"] = (_rel, "count")


def suggest(name: str, choices: Iterable[str]) -> str:
    """``; did you mean 'x'?`` when a close name exists, else an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; 是否想写 / did you mean {close[0]!r}?" if close else ""


def listing(choices: Iterable[str], limit: int = 40) -> str:
    names = sorted(choices)
    shown = ", ".join(names[:limit])
    return shown + (" …" if len(names) > limit else "")


def param_type(value: object) -> TypeInfo:
    """The type of a plan parameter, as conditions see it through ``params.<name>``."""
    if isinstance(value, bool):
        return TypeInfo(Ty.BOOL)
    if isinstance(value, int):
        return TypeInfo(Ty.INT)
    if isinstance(value, Decimal | Fraction):
        return TypeInfo(Ty.INT if Fraction(value).denominator == 1 else Ty.NUM)
    if isinstance(value, str):
        return TypeInfo(Ty.STR)
    if isinstance(value, list | tuple):
        items = [param_type(v).ty for v in value]
        item = Ty.ANY
        if items:
            item = Ty.NUM if all(numeric(t) for t in items) else items[0]
            if item is Ty.NUM and all(t is Ty.INT for t in items):
                item = Ty.INT
        return TypeInfo(Ty.LIST, item=item)
    return TypeInfo(Ty.ANY)


def literal_value(node: ast.Node) -> Fraction | str | bool | None:
    """The Python value of a literal list item (a number, a text, a boolean), else None."""
    if isinstance(node, ast.Number):
        return node.value
    if isinstance(node, ast.Text | ast.Boolean):
        return node.value
    if isinstance(node, ast.Unary) and node.op == "-" and isinstance(node.operand, ast.Number):
        return -node.operand.value
    return None


class Checker:
    """Infers the type of every node of a condition, collecting every error it finds."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.errors: list[ExprError] = []

    def fail(self, message: str, span: ast.Span) -> TypeInfo:
        self.errors.append(ExprError(message, span))
        return TypeInfo(Ty.ANY)

    # -- entry point ---------------------------------------------------------------------
    def condition(self, node: ast.Node) -> list[ExprError]:
        info = self.infer(node)
        if info.ty not in (Ty.BOOL, Ty.ANY):
            self.fail(
                f"条件必须是真/假 / a condition must be true or false, this is {info.ty.value}",
                node.span,
            )
        return self.errors

    # -- inference -----------------------------------------------------------------------
    def infer(self, node: ast.Node) -> TypeInfo:
        if isinstance(node, ast.Number):
            return TypeInfo(Ty.INT if node.value.denominator == 1 else Ty.NUM)
        if isinstance(node, ast.Text):
            return TypeInfo(Ty.STR)
        if isinstance(node, ast.Boolean):
            return TypeInfo(Ty.BOOL)
        if isinstance(node, ast.Null):
            return TypeInfo(Ty.NULL)
        if isinstance(node, ast.ListLit):
            return self.list_type(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Unary):
            return self.unary(node)
        if isinstance(node, ast.IsNull):
            self.infer(node.operand)
            return TypeInfo(Ty.BOOL)
        if isinstance(node, ast.Binary):
            return self.binary(node)
        return self.fail("无法识别的表达式 / unsupported expression", node.span)

    def list_type(self, node: ast.ListLit) -> TypeInfo:
        items = [self.infer(item) for item in node.items]
        for item_node in node.items:
            if literal_value(item_node) is None:
                self.fail("列表只能包含字面量 / a list holds literal values only", item_node.span)
        known = [i.ty for i in items if i.ty is not Ty.ANY]
        if not known:
            return TypeInfo(Ty.LIST, item=Ty.ANY)
        first = known[0]
        for ty, item_node in zip(known, node.items, strict=False):
            if not same_kind(first, ty):
                self.fail(
                    f"列表类型不一致 / the list mixes {first.value} and {ty.value}", item_node.span
                )
        if all(numeric(t) for t in known):
            first = Ty.INT if all(t is Ty.INT for t in known) else Ty.NUM
        return TypeInfo(Ty.LIST, item=first)

    def fields_hint(self, scope: Scope) -> list[str]:
        names = list(scope.fields)
        if scope.job is not None:
            names += [f"job.{n}" for n in scope.job.fields]
        names += [f"params.{n}" for n in scope.params]
        return names

    def name(self, node: ast.Name) -> TypeInfo:
        field = self.scope.fields.get(node.name)
        if field is not None:
            return TypeInfo(field.ty, values=field.values)
        if node.name == "job" and self.scope.job is not None:
            return self.fail("job 是命名空间 / job is a namespace: write job.<field>", node.span)
        if node.name == "params":
            return self.fail("params 是命名空间 / write params.<name>", node.span)
        if node.name in FUNCTIONS or node.name in JOB_METHODS:
            return self.fail(
                f"{node.name} 是函数 / {node.name} is a function: call it with (...)", node.span
            )
        hint = self.fields_hint(self.scope)
        return self.fail(
            f"未知字段 / unknown field {node.name!r} in a {self.scope.name} rule"
            f"{suggest(node.name, hint)} (可用 / available: {listing(hint)}); "
            f'其他列用 / other input columns: field("{node.name}")',
            node.span,
        )

    def attribute(self, node: ast.Attribute) -> TypeInfo:
        target = node.target
        if isinstance(target, ast.Name) and target.name == "params":
            if node.name not in self.scope.params:
                return self.fail(
                    f"未知参数 / unknown parameter {node.name!r}"
                    f"{suggest(node.name, self.scope.params)} (可用 / available: "
                    f"{listing(self.scope.params) or '-'})",
                    node.name_span,
                )
            return param_type(self.scope.params[node.name])
        if isinstance(target, ast.Name) and target.name == "job" and self.scope.job is not None:
            field = self.scope.job.fields.get(node.name)
            if field is None:
                names = list(self.scope.job.fields)
                return self.fail(
                    f"工单没有字段 / the job has no field {node.name!r}{suggest(node.name, names)}"
                    f" (可用 / available: {listing(names)})",
                    node.name_span,
                )
            return TypeInfo(field.ty, values=field.values)
        if isinstance(target, ast.Name) and target.name == "job":
            return self.fail(f"{self.scope.name} 规则里没有工单 / no job here", target.span)
        if isinstance(target, ast.Name) and target.name not in self.scope.fields:
            spaces = (["job"] if self.scope.job is not None else []) + ["params"]
            return self.fail(
                f"未知命名空间 / unknown namespace {target.name!r}{suggest(target.name, spaces)}"
                f" (可用 / available: {', '.join(spaces)})",
                target.span,
            )
        return self.fail("字段没有属性 / a value has no attributes", node.name_span)

    def call(self, node: ast.Call) -> TypeInfo:
        if node.target is not None:
            return self.method(node)
        if node.name == "field":
            return self.extra_field(node, self.scope)
        function = FUNCTIONS.get(node.name)
        if function is None:
            if node.name in JOB_METHODS:
                return self.fail(f"请写 / write job.{node.name}(...)", node.name_span)
            names = [*FUNCTIONS, "field"]
            return self.fail(
                f"未知函数 / unknown function {node.name!r}{suggest(node.name, names)}"
                f" (可用 / available: {listing(names)})",
                node.name_span,
            )
        args = [self.infer(arg) for arg in node.args]
        result = function.check(args, node.args)
        if isinstance(result, str):
            return self.fail(f"{function.signature}: {result}", node.span)
        return result

    def extra_field(self, node: ast.Call, scope: Scope) -> TypeInfo:
        if scope.extra_column is None:
            return self.fail("这里没有其他列 / no input columns here", node.span)
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Text):
            return self.fail('field 需要一个列名文本 / write field("column header")', node.span)
        if not node.args[0].value.strip():
            return self.fail("列名为空 / empty column header", node.args[0].span)
        return TypeInfo(Ty.STR)

    def method(self, node: ast.Call) -> TypeInfo:
        target = node.target
        job = self.scope.job
        if not (isinstance(target, ast.Name) and target.name == "job") or job is None:
            return self.fail(
                f"只有 job 有方法 / only job has methods (job.{node.name}(...))", node.name_span
            )
        if node.name == "field":
            return self.extra_field(node, job)
        relation = RELATION_METHODS.get(node.name)
        if relation is None or not job.relations:
            names = list(JOB_METHODS) if job.relations else ["field"]
            return self.fail(
                f"工单没有方法 / the job has no method {node.name!r}{suggest(node.name, names)}"
                f" (可用 / available: {', '.join(names)})",
                node.name_span,
            )
        source, op = relation
        if len(node.args) > 1 or (op == "any" and len(node.args) != 1):
            wanted = "一个条件 / one condition" if op == "any" else "至多一个条件 / at most one"
            return self.fail(f"job.{node.name} 需要 / takes {wanted}", node.span)
        if node.args:
            inner = Checker(relation_scope(source).with_params(self.scope.params))
            inner.condition(node.args[0])
            self.errors.extend(inner.errors)
        return TypeInfo(Ty.BOOL if op == "any" else Ty.INT)

    def unary(self, node: ast.Unary) -> TypeInfo:
        info = self.infer(node.operand)
        if node.op == "not":
            if info.ty not in (Ty.BOOL, Ty.ANY):
                return self.fail(
                    f"not 需要真/假 / not needs a boolean, not {info.ty.value}", node.span
                )
            return TypeInfo(Ty.BOOL)
        if info.ty not in (Ty.INT, Ty.NUM, Ty.DUR, Ty.ANY):
            return self.fail(f"不能取负 / cannot negate {info.ty.value}", node.span)
        return info

    def binary(self, node: ast.Binary) -> TypeInfo:
        if node.op in ("and", "or"):
            for side in (node.left, node.right):
                info = self.infer(side)
                if info.ty not in (Ty.BOOL, Ty.ANY):
                    self.fail(
                        f"{node.op} 两边必须是真/假 / both sides of {node.op} must be true"
                        f" or false, not {info.ty.value}",
                        side.span,
                    )
            return TypeInfo(Ty.BOOL)
        left = self.infer(node.left)
        right = self.infer(node.right)
        if node.op in ("in", "not in"):
            return self.membership(node, left, right)
        if node.op in COMPARISON:
            return self.comparison(node, left, right)
        return self.arithmetic(node, left, right)

    def check_value(self, info: TypeInfo, literal: ast.Node) -> None:
        """A text literal compared with an enum field must be one of its values."""
        if info.values is None or not isinstance(literal, ast.Text):
            return
        if literal.value not in info.values:
            self.fail(
                f"不是可选值 / {literal.value!r} is not a possible value"
                f"{suggest(literal.value, info.values)} (可选 / values: {', '.join(info.values)})",
                literal.span,
            )

    def membership(self, node: ast.Binary, left: TypeInfo, right: TypeInfo) -> TypeInfo:
        if right.ty is Ty.ANY or left.ty is Ty.ANY:
            return TypeInfo(Ty.BOOL)
        if right.ty is not Ty.LIST:
            return self.fail(
                f"in 右边必须是列表 / the right of {node.op} must be a list", node.right.span
            )
        item = right.item or Ty.ANY
        if not same_kind(left.ty, item):
            return self.fail(
                f"类型不一致 / cannot look for {left.ty.value} in a list of {item.value}", node.span
            )
        if isinstance(node.right, ast.ListLit):
            for literal in node.right.items:
                self.check_value(left, literal)
        elif left.values is not None and isinstance(node.right, ast.Attribute):
            self.check_param_values(left, node.right)
        return TypeInfo(Ty.BOOL)

    def check_param_values(self, left: TypeInfo, node: ast.Attribute) -> None:
        value = self.scope.params.get(node.name)
        if not isinstance(value, list | tuple) or left.values is None:
            return
        for item in value:
            if isinstance(item, str) and item not in left.values:
                self.fail(
                    f"参数 {node.name} 含不可选值 / parameter {node.name} holds {item!r}, not a"
                    f" possible value{suggest(item, left.values)} (可选 / values:"
                    f" {', '.join(left.values)})",
                    node.span,
                )

    def comparison(self, node: ast.Binary, left: TypeInfo, right: TypeInfo) -> TypeInfo:
        if Ty.NULL in (left.ty, right.ty):
            return self.fail("与 null 比较请用 is null / use 'is null' or 'is not null'", node.span)
        if not same_kind(left.ty, right.ty):
            return self.fail(
                f"不能比较 / cannot compare {left.ty.value} with {right.ty.value}", node.span
            )
        if node.op not in ("==", "!=") and left.ty not in ORDERED | {Ty.ANY}:
            return self.fail(f"{left.ty.value} 没有大小 / {left.ty.value} has no order", node.span)
        if left.ty is Ty.LIST:
            return self.fail("列表请用 in / use in with a list", node.span)
        self.check_value(left, node.right)
        self.check_value(right, node.left)
        return TypeInfo(Ty.BOOL)

    def arithmetic(self, node: ast.Binary, left: TypeInfo, right: TypeInfo) -> TypeInfo:
        a, b, op = left.ty, right.ty, node.op
        if Ty.ANY in (a, b):
            return TypeInfo(Ty.ANY)
        if numeric(a) and numeric(b):
            if op != "/" and a is Ty.INT and b is Ty.INT:
                return TypeInfo(Ty.INT)
            return TypeInfo(Ty.NUM)
        result = TIME_ARITHMETIC.get((a, op, b))
        if result is not None:
            return TypeInfo(result)
        return self.fail(f"不能计算 / cannot compute {a.value} {op} {b.value}", node.span)


#: The result type of arithmetic on times, dates and durations (checker and compiler).
TIME_ARITHMETIC: Mapping[tuple[Ty, str, Ty], Ty] = {
    (Ty.TS, "+", Ty.DUR): Ty.TS,
    (Ty.DUR, "+", Ty.TS): Ty.TS,
    (Ty.TS, "-", Ty.DUR): Ty.TS,
    (Ty.TS, "-", Ty.TS): Ty.DUR,
    (Ty.DATE, "+", Ty.DUR): Ty.DATE,
    (Ty.DUR, "+", Ty.DATE): Ty.DATE,
    (Ty.DATE, "-", Ty.DUR): Ty.DATE,
    (Ty.DATE, "-", Ty.DATE): Ty.DUR,
    (Ty.DUR, "+", Ty.DUR): Ty.DUR,
    (Ty.DUR, "-", Ty.DUR): Ty.DUR,
    (Ty.DUR, "*", Ty.INT): Ty.DUR,
    (Ty.INT, "*", Ty.DUR): Ty.DUR,
}


def check_condition(node: ast.Node, scope: Scope) -> Sequence[ExprError]:
    """Every type error of the condition ``node`` in ``scope``."""
    return Checker(scope).condition(node)
