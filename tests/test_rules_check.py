"""Plan check: every problem of a plan file, each with its line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.errors import PlanError, Problem
from scoring.rules import check_plan, load_plan, standard_plan_path
from scoring.rules.schema import schema_path, schema_text
from tests.test_evaluate_builders import standard_text


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return check_plan(path)


def edited(*replacements: tuple[str, str]) -> str:
    text = standard_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_the_standard_plan_is_valid_and_has_a_checksum() -> None:
    assert check_plan(standard_plan_path()) == []
    plan = load_plan(standard_plan_path())
    assert plan.id == "standard"
    assert plan.checksum is not None and len(plan.checksum) == 64
    assert [r.id for r in plan.rules] == [
        "five_star",
        "low_score",
        "complaint_upheld",
        "complaint_shared",
        "grievance",
        "revisit_unresolved",
        "late_arrival",
        "overdue",
    ]


def test_the_shipped_json_schema_is_up_to_date() -> None:
    assert schema_path().read_text(encoding="utf-8") == schema_text(), (
        "run: python -m scoring.rules.schema"
    )


def test_a_condition_error_points_at_its_line_and_column(tmp_path: Path) -> None:
    text = edited(("when: overall >= 5 and not", "when: overall >= 5 and nto"))
    (problem,) = problems_of(tmp_path, text)
    line = line_of(text, "overall >= 5 and nto")
    column = text.splitlines()[line - 1].index("nto") + 1
    assert (problem.line, problem.col) == (line, column)
    assert "did you mean 'not'" in problem.reason


def test_an_unknown_field_in_a_condition_suggests_the_nearest(tmp_path: Path) -> None:
    text = edited(
        ("when: reached and issue_resolved == false", "when: reached and issue_resolve == false")
    )
    (problem,) = problems_of(tmp_path, text)
    assert "did you mean 'issue_resolved'" in problem.reason
    line = line_of(text, "issue_resolve ==")
    assert (problem.line, problem.col) == (
        line,
        text.splitlines()[line - 1].index("issue_resolve") + 1,
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = edited(
        ("    kind: bonus\n    source: survey", "    kind: bonuss\n    source: survey"),
        ('amount: "30.00"', "amount: 30.005"),
        (
            '    split: shares\n    explain:\n      zh: "{date}工单{job_id}回访',
            '    splt: shares\n    explain:\n      zh: "{date}工单{job_id}回访',
        ),
        ("{of: complaint_upheld,", "{of: complaint_uphold,"),
        (
            "{date}工单{job_id}的回访综合评分{overall}分,低分",
            "{dat}工单{job_id}的回访综合评分{overall}分,低分",
        ),
        ("when: overall >= 5 and not", "when: overal >= 5 and not"),
    )
    reasons = [p.reason for p in problems_of(tmp_path, text)]
    expected = [
        "did you mean 'bonus'",
        "at most two decimals",
        "unknown key 'splt'; 是否想写 / did you mean 'split'",
        "unknown rule 'complaint_uphold'",
        "unknown placeholder {dat}",
        "did you mean 'overall'",
    ]
    for words in expected:
        assert any(words in reason for reason in reasons), (words, reasons)
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "plan.yaml")
    assert len(caught.value.problems) == len(reasons)


def test_yaml_syntax_errors_are_located(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "id: x\nrules: [\n  - a\n")
    assert "YAML" in problem.reason
    assert problem.line is not None


def test_duplicate_keys_and_rule_ids(tmp_path: Path) -> None:
    text = edited(
        ("  - id: low_score\n", "  - id: five_star\n"), ("version: 1\n", "version: 1\nversion: 2\n")
    )
    reasons = [(p.line, p.reason) for p in problems_of(tmp_path, text)]
    assert any("duplicate rule id 'five_star'" in r for _, r in reasons)
    assert any("duplicate key 'version'" in r for _, r in reasons)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('amount: "10.00"', 'amount: "-10.00"', "never negative"),
        ('amount: "10.00"', "amount: 10.001", "at most two decimals"),
        ('amount: "10.00"', 'amount: "ten"', "not an amount"),
        ("  m: 5\n", "  m: five\n", "whole number"),
        ("effective_from: 2025-01-01", "effective_from: soon", "date"),
        ("table: {minor:", "table: {minr:", "did you mean 'minor'"),
        ("by: severity", "by: severty", "did you mean 'severity'"),
        ('{grade: B, at_least: "4.20"}', '{grade: B, at_least: "4.70"}', "descending"),
        ("split: charged_installer", "split: charged", "one of: shares, charged_installer"),
        ("period_by: surveyed_at", "period_by: survey_at", "did you mean 'surveyed_at'"),
        ("completed_jobs >= 10 and", "completed_job >= 10 and", "did you mean 'completed_jobs'"),
        ('grade in ["A", "B", "D"]', 'grade in ["A", "B", "E"]', "not a possible value"),
        ('{fixed: "1000.00"}', '{fixd: "1000.00"}', "unknown key 'fixd'"),
        (
            "{period}完工{completed_jobs}单",
            "{period}完工{completed}单",
            "unknown placeholder {completed}",
        ),
        (
            "{period}扣款合计{deductions}元,超过合同",
            "{period}扣款合计{deduction}元,超过合同",
            "did you mean 'deductions'",
        ),
        (
            'zh: "{date}工单{job_id}的回访综合评分{overall}分,五星',
            'zh: "{date工单{job_id}的回访综合评分{overall}分,五星',
            "invalid",
        ),
        (
            "at_fault: responsibility ==",
            "at_fault: responsibilty ==",
            "did you mean 'responsibility'",
        ),
        (
            "  late_after_minutes: 30",
            "  late_after_minute: 30",
            "unknown parameter 'late_after_minutes'",
        ),
    ],
)
def test_problems_are_explained(tmp_path: Path, old: str, new: str, words: str) -> None:
    problems = problems_of(tmp_path, edited((old, new)))
    assert problems, "expected a problem"
    assert any(words in p.reason for p in problems), [p.reason for p in problems]
    assert all(p.line is not None and p.col is not None for p in problems)


def test_an_amount_with_more_decimals_points_at_the_value(tmp_path: Path) -> None:
    text = edited(('amount: "30.00"', "amount: 30.005"))
    (problem,) = problems_of(tmp_path, text)
    line = line_of(text, "amount: 30.005")
    assert (problem.line, problem.col) == (line, text.splitlines()[line - 1].index("30.005") + 1)


def test_an_unknown_key_points_at_the_key(tmp_path: Path) -> None:
    text = edited(("  survey_window_days: 30", "  survey_window_day: 30"))
    missing, unknown = problems_of(tmp_path, text)
    assert "missing required key 'survey_window_days'" in missing.reason
    problem = unknown
    assert "did you mean 'survey_window_days'" in problem.reason
    assert (problem.line, problem.col) == (line_of(text, "survey_window_day:"), 3)


def test_block_scalar_conditions_are_located_inside_the_block(tmp_path: Path) -> None:
    text = edited(
        (
            "    when: reached and issue_resolved == false\n",
            "    when: |\n      reached\n      and issue_resolvd == false\n",
        )
    )
    (problem,) = problems_of(tmp_path, text)
    line = line_of(text, "and issue_resolvd")
    assert (problem.line, problem.col) == (line, 11)


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (problem,) = check_plan(tmp_path / "nope.yaml")
    assert "cannot read" in problem.reason
