"""Check a plan, reporting every problem with its line and column.

``check_text`` never raises for a bad plan: it returns every problem it finds (YAML syntax,
unknown keys with "did you mean", bad amounts, conditions that do not parse or name unknown
fields, unknown rule references, duplicate rule ids, unknown template placeholders), and the
syntax trees of the conditions, which the loader (:mod:`scoring.rules.load`) compiles.

Checking is done in two passes so that one mistake does not hide the others: pydantic checks
the shape of the whole plan, then each part that is well-formed on its own (a rule, a cap, the
rating) is checked against the rest of the plan (fields, references, placeholders).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from scoring.errors import Problem
from scoring.rules import ast
from scoring.rules.amounts import AmountError, resolve
from scoring.rules.check_service import check_service_levels
from scoring.rules.lexer import ExprError
from scoring.rules.parser import parse
from scoring.rules.scope import (
    Scope,
    event_scope,
    installer_scope,
    relation_scope,
)
from scoring.rules.spec import (
    AmountTable,
    Cap,
    DerivedAmount,
    EventRule,
    Measure,
    ParamValue,
    PeriodRule,
    Plan,
    Ranking,
    Rating,
    Sources,
    StatutoryLimit,
)
from scoring.rules.templates import TemplateError, parse_template
from scoring.rules.typecheck import check_condition, suggest
from scoring.rules.types import Ty
from scoring.rules.vocab import cap_placeholders, event_placeholders, period_placeholders
from scoring.rules.yamlloc import Located, Mark, compose_located
from scoring.rules.yamlloc import Path as DataPath

M = TypeVar("M", bound=BaseModel)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PARAMS = TypeAdapter(dict[str, ParamValue])


@dataclass(frozen=True)
class Checked:
    """What a check found: the plan when it is valid, every problem (sorted by place), and the
    syntax tree of each condition that parsed and type-checked, by its place in the file."""

    plan: Plan | None
    problems: list[Problem]
    conditions: Mapping[DataPath, ast.Node]


def check_text(text: str, source: str) -> Checked:
    """Check the plan ``text`` (YAML) read from ``source`` (named in the problems)."""
    checker = _Checker(compose_located(text), source)
    plan = checker.run()
    problems = sorted(checker.problems, key=lambda p: (p.line or 0, p.col or 0))
    return Checked(None if problems else plan, problems, checker.conditions)


# -- pydantic errors → located problems ------------------------------------------------------

_TYPE_TEXT = {
    "missing": "缺少必填项 / missing required key",
    "string_type": "需要文本 / text is needed",
    "int_type": "需要整数 / a whole number is needed",
    "int_parsing": "需要整数 / a whole number is needed",
    "int_from_float": "需要整数 / a whole number is needed",
    "bool_type": "需要 true 或 false / true or false is needed",
    "bool_parsing": "需要 true 或 false / true or false is needed",
    "list_type": "需要列表 / a list is needed",
    "dict_type": "需要映射(键: 值) / a mapping (key: value) is needed",
    "model_type": "需要映射(键: 值) / a mapping (key: value) is needed",
    "model_attributes_type": "需要映射(键: 值) / a mapping (key: value) is needed",
    "date_type": "需要日期 YYYY-MM-DD / a date YYYY-MM-DD is needed",
    "date_parsing": "需要日期 YYYY-MM-DD / a date YYYY-MM-DD is needed",
    "date_from_datetime_parsing": "需要日期 YYYY-MM-DD / a date YYYY-MM-DD is needed",
    "string_pattern_mismatch": (
        "格式不对(小写字母、数字、下划线) / invalid name (lowercase letters, digits, _)"
    ),
    "string_too_short": "不能为空 / must not be empty",
    "too_short": "不能为空 / must not be empty",
}


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types behind Annotated / Optional / Union."""
    origin = get_origin(tp)
    if origin is None:
        return [tp]
    if str(origin) == "typing.Annotated" or getattr(origin, "__name__", "") == "Annotated":
        return _unwrap(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def _keys_at(path: Sequence[str | int]) -> list[str]:
    """The keys a mapping at ``path`` of a plan may have (for "did you mean")."""
    types: list[Any] = [Plan]
    for step in path:
        following: list[Any] = []
        for tp in types:
            for concrete in _unwrap(tp):
                origin = get_origin(concrete)
                if isinstance(concrete, type) and issubclass(concrete, BaseModel):
                    field = concrete.model_fields.get(str(step))
                    if field is not None:
                        following.append(field.annotation)
                elif origin in (list, tuple) and isinstance(step, int):
                    following.append(get_args(concrete)[0])
                elif origin is dict:
                    following.append(get_args(concrete)[1])
        types = following
    keys: set[str] = set()
    for tp in types:
        for concrete in _unwrap(tp):
            if isinstance(concrete, type) and issubclass(concrete, BaseModel):
                keys.update(concrete.model_fields)
    return sorted(keys)


def _data_path(data: Any, loc: Sequence[str | int]) -> DataPath:
    """Follow a pydantic ``loc`` through the data, skipping union tags that are not keys."""
    path: list[str | int] = []
    current = data
    for step in loc:
        if isinstance(current, dict) and isinstance(step, str) and step in current:
            current = current[step]
            path.append(step)
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            current = current[step]
            path.append(step)
    return tuple(path)


def _expected_values(ctx: Mapping[str, Any] | None) -> list[str]:
    if not ctx or "expected" not in ctx:
        return []
    return re.findall(r"'([^']*)'", str(ctx["expected"]))


class _Checker:
    def __init__(self, located: Located, source: str) -> None:
        self.located = located
        self.source = source
        self.problems: list[Problem] = []
        self.params: dict[str, object] = {}
        self.broken: list[tuple[str, int, dict[str, Any]]] = []
        self.rule_ids: list[str] = []
        self.conditions: dict[DataPath, ast.Node] = {}
        for mark, message in located.problems:
            self.problems.append(Problem(source, message, line=mark.line, col=mark.col))

    # -- reporting -----------------------------------------------------------------------
    def add_at(self, mark: Mark | None, message: str, value: str | None = None) -> None:
        line, col = (mark.line, mark.col) if mark else (None, None)
        self.problems.append(Problem(self.source, message, line=line, col=col, value=value))

    def add(
        self, path: DataPath, message: str, *, key: bool = False, value: str | None = None
    ) -> None:
        self.add_at(self.located.mark_of(path, key=key), message, value)

    def add_in_text(self, path: DataPath, offset: int, message: str) -> None:
        self.add_at(self.located.place_in_text(path, offset), message)

    # -- the two passes ------------------------------------------------------------------
    def run(self) -> Plan | None:
        data = self.located.data
        if self.located.problems and data is None:
            return None
        if not isinstance(data, dict):
            self.add((), "方案须为映射(键: 值) / a plan is a mapping of keys to values")
            return None
        plan: Plan | None = None
        try:
            plan = Plan.model_validate(data)
        except ValidationError as exc:
            self.schema_errors(exc, data, ())
        self.semantics(data)
        return plan if not self.problems else None

    def schema_errors(self, exc: ValidationError, data: Any, prefix: DataPath) -> None:
        seen: set[tuple[DataPath, str]] = set()
        for error in exc.errors():
            loc = tuple(error["loc"])
            kind = error["type"]
            path = (*prefix, *_data_path(data, loc))
            message = self.schema_message(error, loc, path, prefix)
            if (path, message) in seen:
                continue
            seen.add((path, message))
            self.add(path, message, key=kind == "extra_forbidden")

    def schema_message(
        self, error: Mapping[str, Any], loc: tuple[Any, ...], path: DataPath, prefix: DataPath
    ) -> str:
        kind = error["type"]
        name = str(loc[-1]) if loc else ""
        if kind == "extra_forbidden":
            allowed = _keys_at(path[len(prefix) : -1] if prefix else path[:-1])
            hint = suggest(name, allowed)
            listing = f" (可用 / allowed: {', '.join(allowed)})" if allowed else ""
            return f"未知键 / unknown key {name!r}{hint}{listing}"
        if kind == "missing":
            return f"缺少必填项 / missing required key {name!r}"
        if kind in ("literal_error", "union_tag_invalid", "enum"):
            expected = _expected_values(error.get("ctx"))
            got = error.get("input")
            hint = suggest(str(got), expected) if expected else ""
            options = f" (可选 / one of: {', '.join(expected)})" if expected else ""
            return f"取值无效 / invalid value {got!r}{hint}{options}"
        if kind == "value_error":
            return str(error["msg"]).removeprefix("Value error, ")
        text = _TYPE_TEXT.get(kind)
        if text:
            return text
        return f"无效 / invalid: {error['msg']}"

    def part(self, model: type[M], data: Any) -> M | None:
        """``data`` validated as ``model`` alone, or None (its errors are already reported)."""
        try:
            return model.model_validate(data)
        except ValidationError:
            return None

    def semantics(self, data: dict[str, Any]) -> None:
        params = self.parameters(data.get("parameters"))
        self.params = params
        sources = self.part(Sources, data.get("sources", {})) or Sources()
        self.check_sources(sources)
        rules = self.listed(data, "rules", EventRule)
        period_rules = self.listed(data, "period_rules", PeriodRule)
        caps = self.listed(data, "caps", Cap)
        rating = self.part(Rating, data.get("rating"))
        grades = self.check_rating(rating) if rating is not None else None
        measures = self.check_measures(data.get("measures"), params)
        self.check_ids(rules, period_rules, caps)
        by_id: dict[str, EventRule | PeriodRule] = {}
        for _, rule in rules:
            by_id.setdefault(rule.id, rule)
        for _, period_rule in period_rules:
            by_id.setdefault(period_rule.id, period_rule)
        raw_ids: set[str] = set()
        for key in ("rules", "period_rules"):
            items = data.get(key)
            if isinstance(items, list):
                raw_ids |= {str(i["id"]) for i in items if isinstance(i, dict) and "id" in i}
        self.rule_ids = sorted(raw_ids)
        for index, rule in rules:
            self.check_event_rule(("rules", index), rule, params, by_id)
        installer = installer_scope(measures, grades).with_params(params)
        for index, period_rule in period_rules:
            path = ("period_rules", index)
            self.check_condition((*path, "when"), period_rule.when, installer)
            self.check_amount(path, period_rule, installer, by_id)
            names = period_placeholders(measures, grades)
            self.check_explain(path, period_rule.explain.zh, period_rule.explain.en, names)
        for index, cap in caps:
            path = ("caps", index)
            self.check_condition((*path, "when"), cap.when, installer)
            if (
                isinstance(cap.limit, StatutoryLimit)
                and not 0 <= cap.limit.percent_of_base_wage <= 100
            ):
                self.add(
                    (*path, "limit", "percent_of_base_wage"),
                    "百分比须在 0 到 100 之间 / percent must be 0..100",
                )
            self.check_explain(
                path, cap.explain.zh, cap.explain.en, cap_placeholders(measures, grades)
            )
        self.check_broken(measures, grades)
        ranking = self.part(Ranking, data.get("ranking"))
        if ranking is not None:
            self.check_condition(
                ("ranking", "at_fault"),
                ranking.at_fault,
                relation_scope("complaint").with_params(params),
            )
            self.check_condition(
                ("ranking", "revisit_reached"),
                ranking.revisit_reached,
                relation_scope("revisit").with_params(params),
            )
            if ranking.z <= 0:
                self.add(("ranking", "z"), "z 须为正 / z must be positive")
        check_service_levels(self, data)

    def listed(self, data: Mapping[str, Any], key: str, model: type[M]) -> list[tuple[int, M]]:
        items = data.get(key)
        if not isinstance(items, list):
            return []
        out: list[tuple[int, M]] = []
        for index, item in enumerate(items):
            valid = self.part(model, item)
            if valid is not None:
                out.append((index, valid))
            elif isinstance(item, dict):
                self.broken.append((key, index, item))
        return out

    def check_broken(self, measures: Mapping[str, Ty], grades: tuple[str, ...] | None) -> None:
        """Conditions and templates of entries that failed their schema are still checked."""
        for key, index, item in self.broken:
            path: DataPath = (key, index)
            if key == "rules":
                source = item.get("source")
                if source not in ("survey", "revisit", "complaint", "job"):
                    continue
                scope = event_scope(source).with_params(self.params)
                names = event_placeholders(source)
            elif key == "period_rules":
                scope = installer_scope(measures, grades).with_params(self.params)
                names = period_placeholders(measures, grades)
            else:
                scope = installer_scope(measures, grades).with_params(self.params)
                names = cap_placeholders(measures, grades)
            if isinstance(item.get("when"), str):
                self.check_condition((*path, "when"), item["when"], scope)
            explain = item.get("explain")
            if isinstance(explain, dict):
                zh, en = explain.get("zh"), explain.get("en")
                self.check_explain(
                    path,
                    zh if isinstance(zh, str) else "",
                    en if isinstance(en, str) else "",
                    names,
                )

    # -- parts ---------------------------------------------------------------------------
    def parameters(self, raw: Any) -> dict[str, object]:
        if raw is None:
            return {}
        try:
            params = _PARAMS.validate_python(raw)
        except ValidationError:
            return {}
        for name in params:
            if not _IDENT.match(name):
                self.add(
                    ("parameters", name),
                    f"参数名须为标识符 / a parameter name must be an identifier: {name!r}",
                    key=True,
                )
        return dict(params)

    def check_sources(self, sources: Sources) -> None:
        for source in ("survey", "revisit", "complaint", "job"):
            spec = sources.of(source)
            scope = event_scope(source)
            stamps = [n for n, f in scope.fields.items() if f.ty is Ty.TS]
            if spec.period_by not in stamps:
                self.add(
                    ("sources", source, "period_by"),
                    f"须为{source}的时间字段 / must be a timestamp of the {source}"
                    f"{suggest(spec.period_by, stamps)} (可用 / available: {', '.join(stamps)})",
                )

    def check_rating(self, rating: Rating) -> tuple[str, ...]:
        names = [g.grade for g in rating.grades]
        for index, grade in enumerate(rating.grades):
            path = ("rating", "grades", index)
            if names.index(grade.grade) != index:
                self.add((*path, "grade"), f"等级重复 / duplicate grade {grade.grade!r}")
            if index and grade.at_least >= rating.grades[index - 1].at_least:
                self.add(
                    (*path, "at_least"),
                    "等级须从高到低、阈值递减 / grades go best first, thresholds descending",
                )
        if rating.unrated in names:
            self.add(
                ("rating", "unrated"),
                "unrated 不能与等级同名 / unrated must differ from the grades",
            )
        return (*names, rating.unrated)

    def check_measures(self, raw: Any, params: Mapping[str, object]) -> dict[str, Ty]:
        if not isinstance(raw, dict):
            return {}
        reserved = set(installer_scope({}).fields)
        measures: dict[str, Ty] = {}
        for name, item in raw.items():
            path = ("measures", name)
            if not _IDENT.match(name):
                self.add(
                    path,
                    f"名称须为标识符 / a measure name must be an identifier: {name!r}",
                    key=True,
                )
                continue
            if name in reserved:
                self.add(path, f"与已有字段重名 / {name!r} is already an installer field", key=True)
                continue
            measure = self.part(Measure, item)
            if measure is None:
                continue
            scope = event_scope(measure.count).with_params(params)
            self.check_condition((*path, "where"), measure.where, scope)
            if measure.to == "charged_installer" and "installer_id" not in scope.fields:
                self.add(
                    (*path, "to"),
                    f"{measure.count} 没有 installer_id / a {measure.count} has no installer_id",
                )
            measures[name] = Ty.INT
        return measures

    def check_ids(
        self,
        rules: Iterable[tuple[int, EventRule]],
        period_rules: Iterable[tuple[int, PeriodRule]],
        caps: Iterable[tuple[int, Cap]],
    ) -> None:
        first: dict[str, Mark | None] = {}
        entries: list[tuple[DataPath, str]] = []
        entries += [(("rules", i, "id"), r.id) for i, r in rules]
        entries += [(("period_rules", i, "id"), r.id) for i, r in period_rules]
        entries += [(("caps", i, "id"), c.id) for i, c in caps]
        for path, rule_id in entries:
            mark = self.located.mark_of(path)
            if rule_id in first:
                seen = first[rule_id]
                at = f" (first at line {seen.line})" if seen else ""
                self.add(path, f"规则编号重复 / duplicate rule id {rule_id!r}{at}")
            else:
                first[rule_id] = mark

    def check_event_rule(
        self,
        path: DataPath,
        rule: EventRule,
        params: Mapping[str, object],
        rules: Mapping[str, EventRule | PeriodRule],
    ) -> None:
        scope = event_scope(rule.source).with_params(params)
        self.check_condition((*path, "when"), rule.when, scope)
        self.check_amount(path, rule, scope, rules)
        if rule.split == "charged_installer" and "installer_id" not in scope.fields:
            self.add(
                (*path, "split"),
                f"{rule.source} 没有 installer_id / a {rule.source} has no installer_id;"
                " use split: shares",
            )
        self.check_explain(path, rule.explain.zh, rule.explain.en, event_placeholders(rule.source))

    def check_condition(self, path: DataPath, text: str, scope: Scope) -> ast.Node | None:
        try:
            node = parse(text)
        except ExprError as exc:
            self.add_in_text(
                path, exc.span[0], f"条件无法解析 / cannot read the condition: {exc.message}"
            )
            return None
        errors = check_condition(node, scope)
        for error in errors:
            self.add_in_text(path, error.span[0], error.message)
        if not errors:
            self.conditions[path] = node
        return node

    def check_amount(
        self,
        path: DataPath,
        rule: EventRule | PeriodRule,
        scope: Scope,
        rules: Mapping[str, EventRule | PeriodRule],
    ) -> None:
        amount = rule.amount
        if isinstance(amount, DerivedAmount):
            if amount.of not in rules:
                known = self.rule_ids or sorted(rules)
                if amount.of in known:
                    return  # the rule exists but is itself invalid, already reported
                self.add(
                    (*path, "amount", "of"),
                    f"未知规则 / unknown rule {amount.of!r}{suggest(amount.of, known)}"
                    f" (可用 / available: {', '.join(known)})",
                )
                return
        try:
            resolved = resolve(rule, rules)
        except AmountError as exc:
            self.add((*path, "amount"), str(exc))
            return
        if resolved.by is None:
            return
        table_path = (
            (*path, "amount", "by") if isinstance(amount, AmountTable) else (*path, "amount", "of")
        )
        by = resolved.by
        field = (
            scope.job.fields.get(by[4:])
            if by.startswith("job.") and scope.job
            else scope.fields.get(by)
        )
        if field is None:
            names = list(scope.fields) + (
                [f"job.{n}" for n in scope.job.fields] if scope.job else []
            )
            self.add(
                table_path,
                f"未知字段 / unknown field {by!r}{suggest(by, names)}"
                f" (可用 / available: {', '.join(sorted(names))})",
            )
            return
        if field.ty not in (Ty.STR, Ty.INT, Ty.BOOL):
            self.add(
                table_path,
                "金额表只能按文本、整数或真假查 / a table is keyed by text, integer or boolean,"
                f" not {field.ty.value}",
            )
            return
        if isinstance(amount, AmountTable):
            for key in amount.table:
                problem = _key_problem(key, field.ty, field.values)
                if problem:
                    self.add((*path, "amount", "table", key), problem, key=True)

    def check_explain(self, path: DataPath, zh: str, en: str, names: Mapping[str, str]) -> None:
        names = {**names, **{f"params.{n}": "parameter" for n in self.params}}
        for lang, text in (("zh", zh), ("en", en)):
            where = (*path, "explain", lang)
            try:
                parts = parse_template(text)
            except TemplateError as exc:
                self.add_in_text(where, exc.offset, f"模板无效 / invalid template: {exc.message}")
                continue
            for part in parts:
                if part.name is not None and part.name not in names:
                    self.add_in_text(
                        where,
                        part.offset,
                        f"未知占位符 / unknown placeholder {{{part.name}}}"
                        f"{suggest(part.name, names)}"
                        f" (可用 / available: {', '.join(sorted(names))})",
                    )


def _key_problem(key: str, ty: Ty, values: Sequence[str] | None) -> str | None:
    if ty is Ty.INT:
        try:
            int(key)
        except ValueError:
            return f"需要整数键 / the key must be a whole number: {key!r}"
        return None
    if ty is Ty.BOOL:
        if key.lower() not in ("true", "false"):
            return f"需要 true/false / the key must be true or false: {key!r}"
        return None
    if values is not None and key not in values:
        return (
            f"不是可选值 / {key!r} is not a possible value{suggest(key, values)}"
            f" (可选 / values: {', '.join(values)})"
        )
    return None
