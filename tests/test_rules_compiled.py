"""A plan is compiled once, when it is loaded; the engine never reads a condition's text."""

from __future__ import annotations

import pytest

from scoring.rules import compiled as compiled_module
from scoring.rules import parser, templates
from scoring.rules.compile import CompileError
from scoring.rules.compiled import CompiledPlan, compile_plan, compiled
from scoring.rules.load import load_plan_text, standard_plan_path
from tests.test_evaluate_builders import World, amounts


def test_the_loader_compiles_the_plan_once_with_the_trees_its_check_made() -> None:
    plan = load_plan_text(standard_plan_path().read_text(encoding="utf-8"))
    found = compiled(plan)
    assert isinstance(found, CompiledPlan)
    assert compiled(plan) is found  # kept with the plan, not compiled again
    assert compiled(found) is found
    assert [rule.seq for rule in found.rules] == list(range(len(plan.rules)))
    assert [rule.seq for rule in found.period_rules] == [
        len(plan.rules) + i for i in range(len(plan.period_rules))
    ]
    assert found.cap_seq == len(plan.rules) + len(plan.period_rules)
    assert [rule.when.text for rule in found.rules] == [rule.when for rule in plan.rules]
    # The same trees as a fresh parse of each text (the check's own parse, kept).
    for rule in found.rules:
        assert rule.when.node == parser.parse(rule.when.text)


def test_a_run_parses_no_condition_and_no_template(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = load_plan_text(standard_plan_path().read_text(encoding="utf-8"))
    world = World.basic()
    world.job("J1", {"I1": "1"})
    world.survey("S1", "J1", overall=5)
    expected = amounts(world.run(plan=plan))
    assert expected

    def refuse(*_: object) -> None:
        raise AssertionError("parsed again while running")

    for module in (parser, compiled_module):
        monkeypatch.setattr(module, "parse", refuse)
    for module in (templates, compiled_module):
        monkeypatch.setattr(module, "parse_template", refuse)
    assert amounts(world.run(plan=plan)) == expected


def test_a_plan_that_skipped_the_check_is_refused_when_compiled() -> None:
    plan = load_plan_text(standard_plan_path().read_text(encoding="utf-8"))
    rules = [*plan.rules]
    rules[0] = rules[0].model_copy(update={"when": "overall == 'five'"})
    unchecked = plan.model_copy(update={"rules": rules})
    with pytest.raises(CompileError):
        compile_plan(unchecked)
