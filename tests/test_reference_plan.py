"""Every worked example of REFERENCE_PLAN.md, computed by the shipped plan, to the fen."""

from __future__ import annotations

import polars as pl

from tests.test_evaluate_builders import World, amounts, plan_with, statement


def shared_job_world() -> World:
    """I1 (employee) and I2 (contractor) share J1 60/40; J1 gets a counted 5-star survey."""
    world = World.basic()
    world.job("J1", {"I1": "0.6", "I2": "0.4"})
    world.survey("S1", "J1", overall=5)
    return world


def test_five_star_is_split_60_40_and_counts_whole_in_each_rating() -> None:
    result = shared_job_world().run()
    assert amounts(result, "five_star") == {"I1": 600, "I2": 400}
    for installer in ("I1", "I2"):
        row = statement(result, installer)
        assert row["surveys"] == 1
        assert (row["rating_num"], row["rating_den"]) == (5, 1)  # mu 5, one survey of 5
    explanations = result.lines.filter(pl.col("installer_id") == "I1")["explanation_zh"].to_list()
    assert explanations == ["10月12日工单J1的回访综合评分5分,五星好评奖励10.00元,按份额60%计6.00元"]


def test_minor_complaint_at_fault_costs_30_20_and_stops_five_star() -> None:
    world = shared_job_world()
    world.complaint("C1", "J1", severity="minor", responsibility="installer")
    result = world.run()
    assert amounts(result, "complaint_upheld") == {"I1": -3000, "I2": -2000}
    assert amounts(result, "five_star") == {}
    # The survey still counts in both ratings: shares divide money, not ratings.
    assert statement(result, "I1")["surveys"] == 1
    assert statement(result, "I2")["surveys"] == 1


def test_shared_major_complaint_costs_75_split_45_30() -> None:
    world = shared_job_world()
    world.complaint("C1", "J1", severity="major", responsibility="shared")
    result = world.run()
    assert amounts(result, "complaint_shared") == {"I1": -4500, "I2": -3000}
    assert amounts(result, "five_star") == {"I1": 600, "I2": 400}  # shared is not "at fault"


def test_ten_fen_in_three_equal_shares_is_4_3_3() -> None:
    plan = plan_with([('amount: "10.00"', 'amount: "0.10"')])
    world = World.basic()
    world.job("J1", {"I1": "1/3", "I2": "1/3", "I3": "1/3"})
    world.survey("S1", "J1", overall=5)
    result = world.run(plan=plan)
    assert amounts(result, "five_star") == {"I1": 4, "I2": 3, "I3": 3}
    shares = result.lines.sort("installer_id")["explanation_en"].to_list()
    assert shares[0].endswith("your share 1/3 = 0.04")


def _deducted_world(wage: int, min_wage: int | None, complaints: int) -> World:
    """I1 alone on J1..Jn, each with a severe at-fault complaint charged in October (300.00)."""
    world = World()
    world.dealer("D1")
    world.team("T1")
    world.installer("I1", employment="employee", wage=wage, min_wage=min_wage)
    for n in range(complaints):
        world.job(f"J{n}", {"I1": "1"})
        world.complaint(f"C{n}", f"J{n}", severity="severe")
    return world


def test_statutory_cap_is_20_percent_of_5000_when_the_minimum_wage_allows() -> None:
    result = _deducted_world(500_000, 249_000, complaints=5).run()  # 1500.00 of deductions
    row = statement(result, "I1")
    assert row["deduction_before_cap_fen"] == 150_000
    assert row["deduction_waived_by_cap_fen"] == 50_000  # cap min(1000.00, 2510.00)
    assert row["deduction_fen"] == 100_000
    cap = result.lines.filter(pl.col("kind") == "cap").to_dicts()
    assert [(c["rule_id"], c["amount_fen"]) for c in cap] == [("statutory_cap", 50_000)]


def test_statutory_cap_keeps_the_local_minimum_wage() -> None:
    result = _deducted_world(300_000, 249_000, complaints=3).run()  # 900.00 of deductions
    row = statement(result, "I1")
    assert row["deduction_fen"] == 51_000  # min(600.00, 510.00)
    assert row["deduction_waived_by_cap_fen"] == 39_000


def test_overdue_across_national_day_2025_with_the_make_up_saturday() -> None:
    world = World.basic()
    world.job(
        "J1",
        {"I1": "1"},
        created="2025-09-30 09:00",
        completed="2025-10-11 10:00",  # a make-up working Saturday, after the deadline 10-10
        promised_days=2,
    )
    world.job(
        "J2", {"I1": "1"}, created="2025-09-30 09:00", completed="2025-10-10 18:00", promised_days=2
    )
    result = world.run()
    overdue = result.lines.filter(pl.col("rule_id") == "overdue")
    assert overdue["job_id"].to_list() == ["J1"]
    assert overdue["amount_fen"].to_list() == [-2000]
