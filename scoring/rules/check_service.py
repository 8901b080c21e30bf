"""Checking the plan's ``service_levels`` section, with the place of every problem.

Called by :mod:`scoring.rules.check` (one line, after pydantic has checked the shape): each
check's ``period_by`` must be a timestamp of its source, ``when`` a condition over the record,
``due`` a date, ``done.at`` a timestamp of the completing record, ``done.not_before`` a
timestamp of the checked record; ids are unique. Expressions are the rules' language, checked
by the same type checker, so a misspelt field gets the same "did you mean".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from scoring.rules import ast
from scoring.rules.lexer import ExprError
from scoring.rules.parser import parse
from scoring.rules.scope import Scope, event_scope, relation_scope
from scoring.rules.spec import ServiceDone, ServiceLevel
from scoring.rules.typecheck import Checker, suggest
from scoring.rules.types import Ty
from scoring.rules.yamlloc import Path as DataPath

SECTION = "service_levels"


class PlanChecker(Protocol):
    """What this module needs of ``scoring.rules.check._Checker``."""

    params: dict[str, object]

    def add(
        self, path: DataPath, message: str, *, key: bool = False, value: str | None = None
    ) -> None: ...

    def add_in_text(self, path: DataPath, offset: int, message: str) -> None: ...

    def check_condition(self, path: DataPath, text: str, scope: Scope) -> ast.Node | None: ...


def record_scope(source: str, params: Mapping[str, object]) -> Scope:
    """What a check's ``when``, ``due`` and ``done.not_before`` see: the record and its job."""
    return event_scope(source).with_params(params)


def done_scope(check: ServiceLevel, params: Mapping[str, object]) -> Scope:
    """What ``done.where`` and ``done.at`` see: the completing record (itself, or a related one)."""
    if check.done.by == "record":
        return record_scope(check.source, params)
    return relation_scope(check.done.by).with_params(params)


def check_service_levels(checker: PlanChecker, data: Mapping[str, Any]) -> None:
    """Report every problem of ``data["service_levels"]`` through ``checker``."""
    items = data.get(SECTION)
    if not isinstance(items, list):
        return
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        path: DataPath = (SECTION, index)
        check = _valid(ServiceLevel, item)
        if check is None:
            continue  # its shape is already reported
        if check.id in first:
            checker.add(
                (*path, "id"),
                f"检查编号重复 / duplicate check id {check.id!r}"
                f" (first is entry {first[check.id] + 1})",
            )
        else:
            first[check.id] = index
        _check_one(checker, path, check)


def _valid(model: type[BaseModel], item: Any) -> Any:
    try:
        return model.model_validate(item)
    except ValidationError:  # already reported by the shape pass
        return None


def _check_one(checker: PlanChecker, path: DataPath, check: ServiceLevel) -> None:
    scope = record_scope(check.source, checker.params)
    stamps = sorted(n for n, f in scope.fields.items() if f.ty is Ty.TS)
    if check.period_by not in stamps:
        checker.add(
            (*path, "period_by"),
            f"须为{check.source}的时间字段 / must be a timestamp of the {check.source}"
            f"{suggest(check.period_by, stamps)} (可用 / available: {', '.join(stamps)})",
        )
    checker.check_condition((*path, "when"), check.when, scope)
    _typed(checker, (*path, "due"), check.due, scope, Ty.DATE, "日期 / a date")
    done: ServiceDone = check.done
    completing = done_scope(check, checker.params)
    checker.check_condition((*path, "done", "where"), done.where, completing)
    _typed(checker, (*path, "done", "at"), done.at, completing, Ty.TS, "时间 / a timestamp")
    if done.not_before is not None:
        _typed(
            checker,
            (*path, "done", "not_before"),
            done.not_before,
            scope,
            Ty.TS,
            "时间 / a timestamp",
        )


def _typed(
    checker: PlanChecker, path: DataPath, text: str, scope: Scope, wanted: Ty, name: str
) -> None:
    """``text`` parses and checks in ``scope`` and its value is of type ``wanted``."""
    try:
        node = parse(text)
    except ExprError as exc:
        checker.add_in_text(
            path, exc.span[0], f"表达式无法解析 / cannot read the expression: {exc.message}"
        )
        return
    inferer = Checker(scope)
    info = inferer.infer(node)
    for error in inferer.errors:
        checker.add_in_text(path, error.span[0], error.message)
    if info.ty not in (wanted, Ty.ANY):
        hint = (
            " (用 date(...) 取日期 / use date(...) for the local date)" if wanted is Ty.DATE else ""
        )
        checker.add_in_text(
            path,
            node.span[0],
            f"须为{name},这里是 {info.ty.value} / must be {name.split(' / ')[1]},"
            f" this is {info.ty.value}{hint}",
        )
