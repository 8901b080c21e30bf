"""The condition language: tokens, grammar, types, and its compilation to polars."""

from __future__ import annotations

import ast as python_ast
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from scoring.rules import ast
from scoring.rules.compile import Compiler, Env, Needs
from scoring.rules.lexer import ExprError
from scoring.rules.parser import parse
from scoring.rules.scope import event_scope, installer_scope
from scoring.rules.typecheck import check_condition
from scoring.rules.types import Ty

ENV = Env(ZoneInfo("Asia/Shanghai"))


def errors(text: str, source: str = "survey", params: dict[str, object] | None = None) -> list[str]:
    scope = event_scope(source).with_params(params or {})
    try:
        node = parse(text)
    except ExprError as exc:
        return [f"parse@{exc.span[0]}: {exc.message}"]
    return [f"{e.span[0]}: {e.message}" for e in check_condition(node, scope)]


# -- grammar ----------------------------------------------------------------------------------


def test_precedence_and_or_not_comparison_arithmetic() -> None:
    node = parse("not a == 1 + 2 * 3 or b and c")
    assert isinstance(node, ast.Binary) and node.op == "or"
    left = node.left
    assert isinstance(left, ast.Unary) and left.op == "not"
    compare = left.operand
    assert isinstance(compare, ast.Binary) and compare.op == "=="
    total = compare.right
    assert isinstance(total, ast.Binary) and total.op == "+"
    assert isinstance(total.right, ast.Binary) and total.right.op == "*"
    assert isinstance(node.right, ast.Binary) and node.right.op == "and"


def test_in_not_in_is_null_and_methods() -> None:
    node = parse('x not in ["a", "b"] and y is not null and job.has_complaint(z == 1)')
    assert isinstance(node, ast.Binary)
    inner = node.left
    assert isinstance(inner, ast.Binary) and isinstance(inner.left, ast.Binary)
    assert inner.left.op == "not in"
    assert isinstance(inner.right, ast.IsNull) and inner.right.negated
    call = node.right
    assert isinstance(call, ast.Call) and call.name == "has_complaint"


def test_numbers_are_exact() -> None:
    node = parse("4.60")
    assert isinstance(node, ast.Number) and node.value.numerator == 23


@pytest.mark.parametrize(
    ("text", "offset", "words"),
    [
        ("overall = 5", 8, "=="),
        ("overall >= ", 11, "ends too early"),
        ("overall >= 5 &&  x", 13, "and"),
        ("1 < overall < 3", 12, "chain"),
        ('comment == "open', 11, "closing quote"),
        ("overall >= 5)", 12, "unexpected ')'"),
        ("overall is 5", 11, "is null"),
        ("5abc", 1, "number"),
        ("overall == True", 11, "true"),
        ("", 0, "empty"),
    ],
)
def test_parse_errors_say_where_and_what(text: str, offset: int, words: str) -> None:
    with pytest.raises(ExprError) as caught:
        parse(text)
    assert caught.value.span[0] == offset
    assert words in caught.value.message


# -- names and types --------------------------------------------------------------------------


def test_unknown_field_lists_what_exists_and_suggests() -> None:
    (message,) = errors("overal >= 5")
    assert message.startswith("0: ")
    assert "did you mean 'overall'" in message
    assert "job.service_type" in message


def test_unknown_job_field_and_namespace() -> None:
    assert "did you mean 'service_type'" in errors('job.servce_type == "install"')[0]
    assert "unknown namespace 'jbo'" in errors('jbo.service_type == "install"')[0]


def test_enum_values_are_checked() -> None:
    (message,) = errors('job.has_complaint(responsibility == "instaler")')
    assert "did you mean 'installer'" in message
    assert errors('responsibility in ["product", "logistcs"]', "complaint")[0].startswith("30:")


def test_parameter_values_are_checked_against_enums() -> None:
    assert errors("responsibility in params.x", "complaint", {"x": ["product", "cusomer"]})
    assert not errors("responsibility in params.x", "complaint", {"x": ["product"]})
    assert "unknown parameter" in errors("overall >= params.nope")[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("overall", "true or false"),
        ('overall == "5"', "cannot compare"),
        ("comment == null", "is null"),
        ("surveyed_at > 5", "cannot compare"),
        ("overall and true", "both sides"),
        ("not overall", "boolean"),
        ("minutes(1.5) > minutes(1)", "integer"),
        ("surveyed_at + 5 > surveyed_at", "cannot compute"),
        ("contains(comment, job.service_type)", "literal"),
        ("job.has_complaint()", "one condition"),
        ("job.has_complaint(overall > 1)", "unknown field 'overall'"),
        ("has_complaint(true)", "job.has_complaint"),
        ("job", "namespace"),
    ],
)
def test_type_errors(text: str, words: str) -> None:
    found = errors(text)
    assert found and words in found[0], found


def test_every_error_of_a_condition_is_reported() -> None:
    assert len(errors("overal >= 5 and atitude >= 4")) == 2


@pytest.mark.parametrize(
    "hostile",
    [
        '__import__("os").system("echo pwned")',
        "().__class__",
        'eval("1")',
        "exec",
        "lambda: 1",
        "open('/etc/passwd')",
        "job.__class__",
        "overall.__add__(1)",
    ],
)
def test_hostile_text_is_a_clean_error(hostile: str) -> None:
    assert errors(hostile)


def test_the_language_never_evaluates_or_imports_user_text() -> None:
    package = Path(__file__).resolve().parents[1] / "scoring" / "rules"
    forbidden = {"eval", "exec", "compile", "__import__", "import_module", "getattr"}
    for path in package.glob("*.py"):
        tree = python_ast.parse(path.read_text(encoding="utf-8"))
        for node in python_ast.walk(tree):
            if isinstance(node, python_ast.Call) and isinstance(node.func, python_ast.Name):
                assert node.func.id not in forbidden - {"getattr"}, (path.name, node.lineno)
            if isinstance(node, python_ast.Attribute):
                assert node.attr != "import_module", (path.name, node.lineno)


# -- compiled to polars -------------------------------------------------------------------------


def evaluate(
    text: str, frame: pl.DataFrame, source: str = "survey", **params: object
) -> list[object]:
    scope = event_scope(source).with_params(params)
    node = parse(text)
    assert not check_condition(node, scope), check_condition(node, scope)
    needs = Needs()
    expr = Compiler(scope, ENV, needs, text).condition(node)
    prepared = frame.lazy()
    for column, headers in needs.extras.items():
        struct = pl.col(column).str.json_decode(pl.Struct({h: pl.String for h in sorted(headers)}))
        prepared = prepared.with_columns(
            struct.struct.field(h).alias(f"{column}:{h}") for h in headers
        )
    return prepared.select(expr.alias("hit")).collect()["hit"].to_list()


SURVEYS = pl.DataFrame(
    {
        "overall": pl.Series([5, 4, 3, None], dtype=pl.Int8),
        "cleanliness": pl.Series([5, 5, None, 1], dtype=pl.Int8),
        "promise_kept": [True, False, None, False],
        "comment": ["很好", "一般般", None, "差"],
        "job.service_type": ["install", "repair", "install", "install"],
        "extra": ['{"门店 代码": "S01"}', '{"门店 代码": "S02"}', None, "{}"],
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("overall >= 5", [True, False, False, False]),
        ("overall / 3 >= 1.5", [True, False, False, False]),  # 5/3, 4/3: exact
        ("overall * 2 - 1 == 7", [False, True, False, False]),
        ("(overall + cleanliness) / 2 > 4.5", [True, False, False, False]),
        ("overall in [4, 3]", [False, True, True, False]),
        ("overall not in [4, 3]", [True, False, False, False]),
        ("overall is null", [False, False, False, True]),
        ("promise_kept == false", [False, True, False, True]),
        ('cleanliness == 5 and job.service_type == "install"', [True, False, False, False]),
        ('contains(comment, "般")', [False, True, False, False]),
        ('field("门店 代码") == "S02"', [False, True, False, False]),
        ('field("门店 代码") is null', [False, False, True, True]),
        ("coalesce(overall, 0) < 1", [False, False, False, True]),
        ("max(overall, cleanliness) == 5", [True, True, False, False]),
        ("-overall < -4", [True, False, False, False]),
        ("overall >= params.good", [True, True, False, False]),
    ],
)
def test_conditions_compile_exactly(text: str, expected: list[bool]) -> None:
    assert evaluate(text, SURVEYS, good=4) == expected


def test_time_arithmetic_and_local_dates() -> None:
    utc = dt.UTC
    frame = pl.DataFrame(
        {
            "arrived_at": [
                dt.datetime(2025, 10, 1, 4, 31, tzinfo=utc),
                dt.datetime(2025, 10, 1, 4, 30, tzinfo=utc),
            ],
            "appointment_end": [dt.datetime(2025, 10, 1, 4, 0, tzinfo=utc)] * 2,
            "completed_at": [dt.datetime(2025, 9, 30, 16, 30, tzinfo=utc)] * 2,  # 10-01 local
        }
    ).with_columns(pl.all().dt.cast_time_unit("us"))
    assert evaluate("arrived_at > appointment_end + minutes(30)", frame, "job") == [True, False]
    assert evaluate('date(completed_at) == date("2025-10-01")', frame, "job") == [True, True]
    assert evaluate("arrived_at - appointment_end >= hours(1) - minutes(30)", frame, "job") == [
        True,
        True,
    ]
    assert evaluate("weekday(completed_at) == 3 and hour(completed_at) == 0", frame, "job") == [
        True,
        True,
    ]


def test_relations_register_per_job_aggregates() -> None:
    scope = event_scope("survey")
    needs = Needs()
    text = 'job.has_complaint(responsibility == "installer") or job.count_complaints() > 2'
    Compiler(scope, ENV, needs, text).condition(parse(text))
    aggregates = list(needs.aggregates.values())
    assert [(a.relation, a.op) for a in aggregates] == [
        ("complaint", "any"),
        ("complaint", "count"),
    ]


def test_installer_scope_compares_the_rating_exactly() -> None:
    scope = installer_scope({"completed_jobs": Ty.INT}, ("A", "B", "unrated"))
    frame = pl.DataFrame(
        {"rating_num": [23, 229], "rating_den": [5, 50], "measure:completed_jobs": [10, 3]}
    )
    text = "rating >= 4.6 and completed_jobs >= 10"
    expr = Compiler(scope, ENV, Needs(), text).condition(parse(text))
    assert frame.select(expr).to_series().to_list() == [True, False]
    node = parse('grade == "E"')
    assert "did you mean" in check_condition(node, scope)[0].message or check_condition(node, scope)


def test_money_fields_read_in_yuan() -> None:
    scope = installer_scope({})
    frame = pl.DataFrame({"base_monthly_wage_fen": [300_000, 300_001, None]})
    text = "base_monthly_wage > 3000"
    expr = Compiler(scope, ENV, Needs(), text).condition(parse(text))
    assert frame.select(expr).to_series().to_list() == [False, True, False]


def test_job_extra_columns() -> None:
    frame = pl.DataFrame({"job.extra": [json.dumps({"渠道": "天猫"}, ensure_ascii=False), None]})
    assert evaluate('job.field("渠道") == "天猫"', frame) == [True, False]
