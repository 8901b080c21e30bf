"""The plan's ``service_levels`` section: the standard checks, and ``plan check``'s problems
with their line and column."""

from __future__ import annotations

from pathlib import Path

from scoring.errors import Problem
from scoring.rules import check_plan, load_plan, standard_plan_path
from tests.test_evaluate_builders import standard_text


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return check_plan(path)


def edited(old: str, new: str) -> str:
    text = standard_text()
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_the_standard_plan_carries_the_three_checks_of_the_reference_plan() -> None:
    plan = load_plan(standard_plan_path())
    checks = {c.id: c for c in plan.service_levels}
    assert list(checks) == ["revisit", "complaint_callback", "escalation"]
    revisit = checks["revisit"]
    assert (revisit.source, revisit.period_by, revisit.when) == ("job", "completed_at", "true")
    assert revisit.due == "date(completed_at) + days(30)"
    assert (revisit.done.by, revisit.done.where, revisit.done.at) == (
        "revisit",
        "reached",
        "revisited_at",
    )
    assert revisit.done.not_before == "completed_at"
    callback = checks["complaint_callback"]
    assert (callback.source, callback.period_by) == ("complaint", "resolved_at")
    assert callback.due == "workday_deadline(resolved_at, 1)"
    assert callback.done.not_before == "resolved_at" and callback.done.by == "revisit"
    escalation = checks["escalation"]
    assert escalation.period_by == "received_at"
    assert escalation.when == 'responsibility in ["product", "undetermined"]'
    assert escalation.due == "date(received_at)"
    assert (escalation.done.by, escalation.done.at, escalation.done.not_before) == (
        "record",
        "escalated_at",
        "received_at",
    )


def test_a_misspelt_field_in_due_is_placed_and_suggested(tmp_path: Path) -> None:
    text = edited("due: workday_deadline(resolved_at, 1)", "due: workday_deadline(resolvd_at, 1)")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.line == line_of(text, "resolvd_at")
    assert problem.col == text.splitlines()[problem.line - 1].index("resolvd_at") + 1
    assert "resolvd_at" in problem.reason and "resolved_at" in problem.reason


def test_due_must_be_a_date(tmp_path: Path) -> None:
    text = edited("due: date(received_at)", "due: received_at")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "due: received_at")
    assert "must be a date" in problems[0].reason and "date(...)" in problems[0].reason


def test_done_at_must_be_a_timestamp_of_the_completing_record(tmp_path: Path) -> None:
    text = edited("at: revisited_at", "at: reached")
    problems = problems_of(tmp_path, text)
    assert [(p.line, "must be a timestamp" in p.reason) for p in problems] == [
        (line_of(text, "at: reached"), True)
    ]
    # A revisit has no escalated_at: the completing record's fields are what ``at`` sees.
    text = edited("at: revisited_at", "at: escalated_at")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "escalated_at" in problems[0].reason


def test_period_by_and_when_and_not_before_are_checked(tmp_path: Path) -> None:
    text = edited("period_by: received_at", "period_by: category")
    text = text.replace(
        'when: responsibility in ["product", "undetermined"]', 'when: responsibility in ["prodcut"]'
    )
    text = text.replace("not_before: resolved_at", "not_before: category")
    problems = problems_of(tmp_path, text)
    messages = {p.line: p.reason for p in problems}
    assert len(problems) == 3
    assert "must be a timestamp of the complaint" in messages[line_of(text, "period_by: category")]
    assert "'prodcut'" in messages[line_of(text, '["prodcut"]')]
    assert "must be a timestamp" in messages[line_of(text, "not_before: category")]


def test_duplicate_ids_and_unknown_keys_are_reported(tmp_path: Path) -> None:
    text = edited("  - id: escalation", "  - id: revisit")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "duplicate check id 'revisit'" in problems[0].reason
    text = edited("    period_by: resolved_at\n", "    period_by: resolved_at\n    windw: 3\n")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "windw")
    assert "unknown key 'windw'" in problems[0].reason
    text = edited("by: record", "by: recrd")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "'recrd'" in problems[0].reason and "record" in problems[0].reason


def test_an_unparsable_due_is_placed_at_its_character(tmp_path: Path) -> None:
    text = edited("due: date(completed_at) + days(30)", "due: date(completed_at) + + days(30)")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].line == line_of(text, "+ + days")
    assert "cannot read the expression" in problems[0].reason


def test_plan_check_reports_a_dispatch_section_with_disordered_tiers(tmp_path: Path) -> None:
    text = edited("{up_to_rank: 3, weight: 3}", "{up_to_rank: 1, weight: 3}")
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1
    assert "up_to_rank must be strictly" in problems[0].reason
    assert problems[0].line is not None and problems[0].line >= line_of(text, "dispatch:")
    text = edited('minimum_share: "0.05"', 'minimum_shar: "0.05"')
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and "did you mean 'minimum_share'" in problems[0].reason
    assert problems[0].line == line_of(text, "minimum_shar:")
