"""Deduction caps: their own positive lines, waiving deductions only."""

from __future__ import annotations

import polars as pl
import pytest

from tests.test_evaluate_builders import World, amounts, plan_with, statement


def world_with(
    employment: str, wage: int | None, min_wage: int | None, severe: int, fives: int = 0
) -> World:
    world = World()
    world.dealer("D1")
    world.team("T1")
    world.installer("I1", employment=employment, wage=wage, min_wage=min_wage)
    for n in range(severe):
        world.job(f"J{n}", {"I1": "1"})
        world.complaint(f"C{n}", f"J{n}", severity="severe")  # 300.00 each
    for n in range(fives):
        world.job(f"G{n}", {"I1": "1"})
        world.survey(f"S{n}", f"G{n}", overall=5)
    return world


@pytest.mark.parametrize(
    ("employment", "wage", "min_wage", "severe", "deduction", "cap_id"),
    [
        ("employee", 500_000, 249_000, 5, 100_000, "statutory_cap"),  # 20% of 5000.00
        ("employee", 300_000, 249_000, 3, 51_000, "statutory_cap"),  # 3000.00 - 2490.00
        ("employee", 300_000, None, 3, 60_000, "statutory_cap"),  # no minimum given: 20%
        ("employee", 200_000, 249_000, 1, 0, "statutory_cap"),  # wage below minimum: cap 0
        ("employee", 333_333, None, 3, 66_666, "statutory_cap"),  # rounded down to the fen
        ("contractor", None, None, 5, 100_000, "contract_cap"),
        ("employee", None, None, 5, 150_000, None),  # employee without wage: no cap
        ("contractor", None, None, 3, 90_000, None),  # under the cap: no line
    ],
)
def test_caps(
    employment: str,
    wage: int | None,
    min_wage: int | None,
    severe: int,
    deduction: int,
    cap_id: str | None,
) -> None:
    result = world_with(employment, wage, min_wage, severe).run()
    row = statement(result, "I1")
    assert row["deduction_before_cap_fen"] == severe * 30_000
    assert row["deduction_fen"] == deduction
    caps = result.lines.filter(pl.col("kind") == "cap")
    if cap_id is None:
        assert caps.height == 0
    else:
        assert caps["rule_id"].to_list() == [cap_id]
        assert caps["amount_fen"].to_list() == [severe * 30_000 - deduction]
        assert caps["source"].to_list() == ["period"]


def test_caps_never_touch_bonuses_or_allowances() -> None:
    world = world_with("contractor", None, None, severe=5, fives=3)
    world.job("JG", {"I1": "1"})
    world.complaint("CG", "JG", responsibility="customer_unreasonable")
    row = statement(world.run(), "I1")
    assert row["grade"] == "A"
    assert row["bonus_fen"] == 3 * 1000 + 30_000  # five_star x3 and grade A
    assert row["grievance_allowance_fen"] == 5000
    assert row["deduction_fen"] == 100_000
    assert row["net_fen"] == 33_000 + 5000 - 100_000


def test_cap_explanation_names_the_numbers() -> None:
    result = world_with("employee", 300_000, 249_000, 3).run()
    line = result.lines.filter(pl.col("kind") == "cap").row(0, named=True)
    assert line["explanation_zh"] == (
        "2025-10扣款合计900.00元,超过法定上限510.00元(基本工资20%且不低于当地最低工资),免扣390.00元"
    )


def test_the_cap_numbers_come_from_the_plan() -> None:
    plan = plan_with([('limit: {fixed: "1000.00"}', 'limit: {fixed: "500.00"}')])
    result = world_with("contractor", None, None, 3).run(plan=plan)
    assert amounts(result, "contract_cap") == {"I1": 40_000}


def test_grade_d_deduction_is_capped_with_the_rest() -> None:
    plan = plan_with([('limit: {fixed: "1000.00"}', 'limit: {fixed: "50.00"}')])
    world = world_with("contractor", None, None, 0)
    for n in range(3):
        world.job(f"L{n}", {"I1": "1"})
        world.survey(f"LS{n}", f"L{n}", overall=3)
    result = world.run(plan=plan)
    row = statement(result, "I1")
    assert row["grade"] == "D"  # rating 3.00 < 3.50
    assert row["deduction_before_cap_fen"] == 10_000
    assert row["deduction_fen"] == 5_000
