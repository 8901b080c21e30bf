"""An operations manager changes what the product pays by editing the plan, never Python."""

from __future__ import annotations

import polars as pl

from tests.test_evaluate_builders import World, amounts, plan_with

PROMISE_BROKEN = """
  - id: promise_broken
    kind: deduction
    source: survey
    when: promise_kept == false
    amount: "20.00"
    explain:
      zh: "{date}工单{job_id}回访称承诺未兑现,扣款{amount}元,按份额{share}计{part}元"
      en: "{date} job {job_id}: promise not kept, deduction {amount}, your share {share} = {part}"
"""

CLEAN_INSTALL = """
  - id: clean_install
    kind: bonus
    source: survey
    when: cleanliness == 5 and job.service_type == "install"
    amount: "5.00"
    explain:
      zh: "{date}{job.service_type}工单{job_id}清洁满分,奖励{amount}元"
      en: "{date} {job.service_type} job {job_id} left spotless: bonus {amount}"
"""

BY_SCORE = """
  - id: attitude_table
    kind: bonus
    source: survey
    when: attitude is not null
    amount:
      by: attitude
      table: {5: "3.00", 4: "1.00", 1: {amount: "2.00", kind: deduction}}
    explain:
      zh: "工单{job_id}服务态度{attitude}分:{kind}{amount}元"
      en: "job {job_id} attitude {attitude}: {kind} {amount}"
"""

STORE_BONUS = """
  - id: flagship_store
    kind: bonus
    source: job
    when: field("门店 代码") == "FLAGSHIP" and service_type in params.premium
    amount: "8.00"
    explain:
      zh: "旗舰店工单{job_id}奖励{amount}元"
      en: "flagship store job {job_id}: bonus {amount}"
"""


def test_a_counted_survey_with_a_broken_promise_costs_20() -> None:
    plan = plan_with(extra_rules=PROMISE_BROKEN)
    world = World.basic()
    world.job("J1", {"I1": "0.5", "I2": "0.5"})
    world.survey("S1", "J1", overall=4, promise_kept=False)
    world.job("J2", {"I1": "1"})
    world.survey("S2", "J2", overall=4, promise_kept=None)
    world.job("J3", {"I1": "1"}, completed=None)  # not completed: the survey does not count
    world.survey("S3", "J3", overall=4, promise_kept=False)
    result = world.run(plan=plan)
    assert amounts(result, "promise_broken") == {"I1": -1000, "I2": -1000}
    line = result.lines.filter(pl.col("rule_id") == "promise_broken").row(0, named=True)
    assert line["explanation_zh"] == "10月12日工单J1回访称承诺未兑现,扣款20.00元,按份额50%计10.00元"


def test_a_spotless_install_earns_5() -> None:
    plan = plan_with(extra_rules=CLEAN_INSTALL)
    world = World.basic()
    world.job("J1", {"I1": "1"}, service_type="install")
    world.survey("S1", "J1", overall=4, cleanliness=5)
    world.job("J2", {"I1": "1"}, service_type="repair")
    world.survey("S2", "J2", overall=4, cleanliness=5)
    world.job("J3", {"I1": "1"}, service_type="install")
    world.survey("S3", "J3", overall=4, cleanliness=4)
    result = world.run(plan=plan)
    lines = result.lines.filter(pl.col("rule_id") == "clean_install")
    assert lines["job_id"].to_list() == ["J1"]
    assert lines["amount_fen"].to_list() == [500]
    assert lines["explanation_zh"].to_list() == ["10月12日安装工单J1清洁满分,奖励5.00元"]
    assert lines["explanation_en"].to_list() == [
        "2025-10-12 install job J1 left spotless: bonus 5.00"
    ]


def test_an_amount_table_keyed_by_a_score_with_a_deduction_entry() -> None:
    plan = plan_with(extra_rules=BY_SCORE)
    world = World.basic()
    for n, attitude in enumerate([5, 4, 3, 1]):
        world.job(f"J{n}", {"I1": "1"})
        world.survey(f"S{n}", f"J{n}", overall=4, attitude=attitude)
    result = world.run(plan=plan)
    lines = result.lines.filter(pl.col("rule_id") == "attitude_table").sort("job_id")
    assert lines["amount_fen"].to_list() == [300, 100, -200]
    assert lines["kind"].to_list() == ["bonus", "bonus", "deduction"]
    assert lines["explanation_zh"].to_list()[2] == "工单J3服务态度1分:扣款2.00元"


def test_unknown_input_columns_and_parameters_in_conditions() -> None:
    plan = plan_with(
        [
            (
                "  late_after_minutes: 30\n",
                "  late_after_minutes: 30\n  premium: [install, repair]\n",
            )
        ],
        extra_rules=STORE_BONUS,
    )
    world = World.basic()
    world.job("J1", {"I1": "1"}, extra={"门店 代码": "FLAGSHIP"})
    world.job("J2", {"I1": "1"}, extra={"门店 代码": "OUTLET"})
    world.job("J3", {"I1": "1"}, service_type="delivery", extra={"门店 代码": "FLAGSHIP"})
    result = world.run(plan=plan)
    assert result.lines.filter(pl.col("rule_id") == "flagship_store")["job_id"].to_list() == ["J1"]


def test_changing_a_number_in_the_plan_changes_the_pay() -> None:
    world = World.basic()
    world.job("J1", {"I1": "0.6", "I2": "0.4"})
    world.survey("S1", "J1", overall=5)
    assert amounts(world.run(), "five_star") == {"I1": 600, "I2": 400}
    richer = plan_with([('amount: "10.00"', 'amount: "12.50"')])
    assert amounts(world.run(plan=richer), "five_star") == {"I1": 750, "I2": 500}
    stricter = plan_with([("when: overall >= 5 and", "when: overall >= 4 and")])
    world.survey("S2", "J1", at="2025-10-13 10:00", overall=4)
    assert amounts(world.run(plan=stricter), "five_star") == {"I1": 600, "I2": 400}


def test_changing_the_window_changes_what_counts() -> None:
    world = World.basic()
    world.job("J1", {"I1": "1"}, completed="2025-10-01 10:00")
    world.survey("S1", "J1", at="2025-10-20 10:00")
    assert world.run().surveys["counted"].to_list() == [True]
    shorter = plan_with([("survey_window_days: 30", "survey_window_days: 7")])
    status = world.run(plan=shorter).surveys
    assert status["reason"].to_list() == ["outside_window"]


def test_changing_a_threshold_changes_the_grade() -> None:
    world = World.basic()
    for n in range(3):
        world.job(f"J{n}", {"I1": "1"})
        world.survey(f"S{n}", f"J{n}", overall=5)
    assert amounts(world.run(), "grade_bonus") == {"I1": 30_000}
    harder = plan_with(
        [
            ('{grade: A, at_least: "4.60"}', '{grade: A, at_least: "5.01"}'),
            ('A: "300.00"', 'A: "500.00"'),
        ]
    )
    assert amounts(world.run(plan=harder), "grade_bonus") == {"I1": 10_000}  # now B


def test_changing_the_clean_month_minimum() -> None:
    world = World.basic()
    for n in range(5):
        world.job(f"J{n}", {"I3": "1"})
    assert amounts(world.run(), "clean_month") == {}
    easier = plan_with([("completed_jobs >= 10", "completed_jobs >= 5")])
    assert amounts(world.run(plan=easier), "clean_month") == {"I3": 10_000}
