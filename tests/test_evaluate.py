"""Each per-event and per-period rule of the standard plan, hit and not hit; counted surveys."""

from __future__ import annotations

import polars as pl
import pytest

from tests.test_evaluate_builders import World, amounts, plan_with, statement


def one_job(**job: object) -> World:
    world = World.basic()
    world.job("J1", {"I1": "1"}, **job)  # type: ignore[arg-type]
    return world


# -- counting --------------------------------------------------------------------------------


def reasons(world: World, period: str = "2025-10") -> dict[str, str | None]:
    surveys = world.run(period).surveys
    return dict(zip(surveys["survey_id"].to_list(), surveys["reason"].to_list(), strict=True))


def test_latest_survey_of_a_job_counts_the_others_are_superseded() -> None:
    world = one_job(completed="2025-10-10 10:00")
    world.survey("S1", "J1", at="2025-10-11 10:00", overall=1)
    world.survey("S2", "J1", at="2025-10-20 10:00", overall=5)
    assert reasons(world) == {"S1": "superseded", "S2": None}
    result = world.run()
    assert amounts(result, "low_score") == {}
    assert amounts(result, "five_star") == {"I1": 1000}


def test_same_time_surveys_tie_on_the_greatest_survey_id() -> None:
    world = one_job()
    world.survey("S1", "J1", at="2025-10-12 10:00")
    world.survey("S2", "J1", at="2025-10-12 10:00")
    assert reasons(world) == {"S1": "superseded", "S2": None}


def test_same_time_surveys_tie_on_the_survey_id_in_text_order_not_first_appearance() -> None:
    world = one_job()
    world.survey("S9", "J1", at="2025-10-12 10:00")  # first seen, but "S10" < "S9" as text
    world.survey("S10", "J1", at="2025-10-12 10:00")
    world.survey("S8", "J1", at="2025-10-12 09:59")
    world.job("J2", {"I1": "1"})
    world.survey("S20", "J2", at="2025-10-13 10:00")
    world.survey("S100", "J2", at="2025-10-13 10:00")
    assert reasons(world) == {
        "S8": "superseded",
        "S10": "superseded",
        "S9": None,
        "S100": "superseded",
        "S20": None,
    }
    assert list(reasons(world)) == ["S8", "S10", "S9", "S100", "S20"]  # by time, then id
    earliest = plan_with([("one_survey_per_job: latest", "one_survey_per_job: earliest")])
    surveys = world.run(plan=earliest).surveys
    counted = dict(zip(surveys["survey_id"].to_list(), surveys["reason"].to_list(), strict=True))
    assert counted == {
        "S8": None,
        "S10": "superseded",
        "S9": "superseded",
        "S100": None,
        "S20": "superseded",
    }


def test_window_is_completed_at_to_30_days_after_inclusive() -> None:
    world = one_job(completed="2025-10-01 10:00")
    world.survey("S_before", "J1", at="2025-10-01 09:59")
    world.survey("S_last", "J1", at="2025-10-31 10:00")  # exactly 30 days later: counts
    world.job("J2", {"I1": "1"}, completed="2025-09-15 10:00")
    world.survey("S_late", "J2", at="2025-10-15 10:01")  # 30 days and a minute
    world.job("J3", {"I1": "1"}, completed=None)
    world.survey("S_open", "J3", at="2025-10-15 10:00")
    assert reasons(world) == {
        "S_before": "outside_window",
        "S_last": None,
        "S_late": "outside_window",
        "S_open": "job_not_completed",
    }


def test_a_counted_survey_belongs_to_the_month_of_surveyed_at_in_local_time() -> None:
    world = one_job(completed="2025-09-30 10:00")
    world.survey("S1", "J1", at="2025-10-01 00:30")  # still 09-30 in UTC
    assert amounts(world.run("2025-10"), "five_star") == {"I1": 1000}
    assert amounts(world.run("2025-09"), "five_star") == {}


def test_a_survey_of_the_next_month_supersedes_this_months() -> None:
    world = one_job(completed="2025-10-25 10:00")
    world.survey("S1", "J1", at="2025-10-26 10:00")
    world.survey("S2", "J1", at="2025-11-02 10:00")
    assert reasons(world, "2025-10") == {"S1": "superseded"}
    assert amounts(world.run("2025-11"), "five_star") == {"I1": 1000}


# -- per-event rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overall", "five_star", "low_score"),
    [(5, 1000, 0), (4, 0, 0), (3, 0, 0), (2, 0, -3000), (1, 0, -3000)],
)
def test_survey_rules_by_overall(overall: int, five_star: int, low_score: int) -> None:
    world = one_job()
    world.survey("S1", "J1", overall=overall)
    result = world.run()
    assert amounts(result, "five_star").get("I1", 0) == five_star
    assert amounts(result, "low_score").get("I1", 0) == low_score


@pytest.mark.parametrize("responsibility", ["customer_unreasonable", "product", "logistics"])
def test_low_score_is_excused_by_a_complaint_where_the_installer_is_excused(
    responsibility: str,
) -> None:
    world = one_job()
    world.survey("S1", "J1", overall=1)
    world.complaint("C1", "J1", responsibility=responsibility, resolved=None)  # open, any period
    assert amounts(world.run(), "low_score") == {}


def test_low_score_is_not_excused_by_an_at_fault_complaint() -> None:
    world = one_job()
    world.survey("S1", "J1", overall=2)
    world.complaint("C1", "J1", responsibility="installer", resolved=None)
    assert amounts(world.run(), "low_score") == {"I1": -3000}


def test_five_star_looks_at_complaints_of_any_period_resolved_or_not() -> None:
    world = one_job()
    world.survey("S1", "J1")
    world.complaint("C1", "J1", responsibility="installer", resolved="2025-12-01 10:00")
    result = world.run()
    assert amounts(result, "five_star") == {}
    assert amounts(result, "complaint_upheld") == {}  # resolved in December: paid then


@pytest.mark.parametrize(
    ("severity", "fen"), [("minor", 5000), ("major", 15000), ("severe", 30000)]
)
def test_complaint_upheld_amount_table(severity: str, fen: int) -> None:
    world = one_job()
    world.complaint("C1", "J1", severity=severity)
    assert amounts(world.run(), "complaint_upheld") == {"I1": -fen}


@pytest.mark.parametrize(("severity", "fen"), [("minor", 2500), ("major", 7500), ("severe", 15000)])
def test_complaint_shared_is_half(severity: str, fen: int) -> None:
    world = one_job()
    world.complaint("C1", "J1", severity=severity, responsibility="shared")
    result = world.run()
    assert amounts(result, "complaint_shared") == {"I1": -fen}
    assert amounts(result, "complaint_upheld") == {}


def test_a_complaint_with_an_installer_charges_that_installer_alone() -> None:
    world = World.basic()
    world.job("J1", {"I1": "0.6", "I2": "0.4"})
    world.complaint("C1", "J1", severity="major", installer_id="I2")
    result = world.run()
    assert amounts(result, "complaint_upheld") == {"I2": -15000}
    line = result.lines.filter(pl.col("rule_id") == "complaint_upheld").row(0, named=True)
    assert "100%" in line["explanation_en"]


def test_open_and_other_period_complaints_pay_nothing_now() -> None:
    world = one_job()
    world.complaint("C1", "J1", resolved=None)
    world.complaint("C2", "J1", resolved="2025-09-30 23:00")
    world.complaint("C3", "J1", responsibility="undetermined")
    assert world.run().lines.filter(pl.col("source") == "complaint").height == 0


def test_grievance_allowance_for_an_unreasonable_customer() -> None:
    world = World.basic()
    world.job("J1", {"I1": "0.5", "I2": "0.5"})
    world.complaint("C1", "J1", responsibility="customer_unreasonable")
    result = world.run()
    assert amounts(result, "grievance") == {"I1": 2500, "I2": 2500}
    assert statement(result, "I1")["grievance_allowance_fen"] == 2500


@pytest.mark.parametrize(
    ("reached", "resolved", "hit"),
    [(True, False, True), (True, True, False), (False, False, False), (True, None, False)],
)
def test_revisit_unresolved(reached: bool, resolved: bool | None, hit: bool) -> None:
    world = one_job()
    world.revisit("R1", "J1", reached=reached, issue_resolved=resolved)
    assert amounts(world.run(), "revisit_unresolved") == ({"I1": -2000} if hit else {})


def test_revisit_belongs_to_the_month_of_revisited_at() -> None:
    world = one_job()
    world.revisit("R1", "J1", at="2025-11-01 08:00", issue_resolved=False)
    assert amounts(world.run("2025-10"), "revisit_unresolved") == {}
    assert amounts(world.run("2025-11"), "revisit_unresolved") == {"I1": -2000}


@pytest.mark.parametrize(
    ("arrived", "hit"), [("2025-10-10 12:31", True), ("2025-10-10 12:30", False), (None, False)]
)
def test_late_arrival_more_than_30_minutes_after_the_appointment(
    arrived: str | None, hit: bool
) -> None:
    world = one_job(
        appointment_end="2025-10-10 12:00", arrived=arrived, completed="2025-10-10 15:00"
    )
    assert amounts(world.run(), "late_arrival") == ({"I1": -2000} if hit else {})


def test_job_rules_belong_to_the_month_of_completed_at() -> None:
    world = one_job(
        appointment_end="2025-09-30 12:00", arrived="2025-09-30 14:00", completed="2025-10-01 09:00"
    )
    assert amounts(world.run("2025-10"), "late_arrival") == {"I1": -2000}
    assert amounts(world.run("2025-09"), "late_arrival") == {}


@pytest.mark.parametrize(
    ("created", "days", "completed", "hit"),
    [
        ("2025-10-13 09:00", 0, "2025-10-13 20:00", False),  # same day
        ("2025-10-13 09:00", 0, "2025-10-14 08:00", True),
        ("2025-10-17 09:00", 1, "2025-10-20 10:00", False),  # Friday + 1 = Monday
        ("2025-10-17 09:00", 1, "2025-10-21 10:00", True),
        ("2025-10-17 09:00", None, "2025-12-30 10:00", False),  # nothing promised
    ],
)
def test_overdue_on_working_days(created: str, days: int | None, completed: str, hit: bool) -> None:
    world = one_job(created=created, promised_days=days, completed=completed)
    period = completed[:7]
    assert amounts(world.run(period), "overdue") == ({"I1": -2000} if hit else {})


# -- rating, grades, clean month ---------------------------------------------------------------


def rated_world(scores: list[int], installer: str = "I1") -> World:
    world = World.basic()
    for n, score in enumerate(scores):
        world.job(f"J{installer}{n}", {installer: "1"})
        world.survey(f"S{installer}{n}", f"J{installer}{n}", overall=score)
    return world


def test_rating_is_the_exact_bayesian_average_with_the_period_mean() -> None:
    world = rated_world([5, 5, 4])
    world.job("JX", {"I2": "1"})
    world.survey("SX", "JX", overall=1)
    row = statement(world.run(), "I1")
    # mu = 15/4; (14 + 5 * 15/4) / (3 + 5) = 131/32 = 4.09375
    assert (row["rating_num"], row["rating_den"], row["rating"], row["grade"]) == (
        131,
        32,
        "4.094",
        "C",
    )


@pytest.mark.parametrize(
    ("scores", "grade", "fen"),
    [
        ([5, 5, 5, 4, 4], "A", 30000),  # exactly 4.60
        ([5, 5, 4, 4, 4], "B", 10000),  # 4.40
        ([5, 4, 4, 4, 4], "B", 10000),  # exactly 4.20
        ([4, 4, 4, 3, 3], "C", 0),  # 3.60
        ([4, 4, 3, 3, 3], "D", -10000),  # 3.40
        ([5, 5], "unrated", 0),  # fewer than 3 surveys
    ],
)
def test_grade_thresholds_are_exact(scores: list[int], grade: str, fen: int) -> None:
    plan = plan_with([("  m: 5\n", "  m: 0\n")])  # rating = plain mean, to hit thresholds exactly
    result = rated_world(scores).run(plan=plan)
    row = statement(result, "I1")
    assert row["grade"] == grade
    assert amounts(result, "grade_bonus").get("I1", 0) == fen
    kinds = result.lines.filter(pl.col("rule_id") == "grade_bonus")["kind"].to_list()
    assert kinds == ([] if fen == 0 else ["bonus" if fen > 0 else "deduction"])


def test_no_counted_survey_means_no_rating() -> None:
    world = one_job()
    world.revisit("R1", "J1", issue_resolved=False)
    row = statement(world.run(), "I1")
    assert (row["surveys"], row["rating"], row["grade"]) == (0, None, "unrated")


def clean_world(jobs: int) -> World:
    world = World.basic()
    for n in range(jobs):
        world.job(f"J{n}", {"I3": "1"})
    return world


def test_clean_month_needs_ten_completed_jobs() -> None:
    assert amounts(clean_world(10).run(), "clean_month") == {"I3": 10000}
    assert amounts(clean_world(9).run(), "clean_month") == {}


def test_clean_month_is_lost_by_an_at_fault_complaint_charged_and_resolved_in_the_period() -> None:
    world = clean_world(10)
    world.complaint("C1", "J0")
    assert amounts(world.run(), "clean_month") == {}


def test_clean_month_ignores_complaints_of_other_periods_and_other_installers() -> None:
    world = clean_world(10)
    world.complaint("C1", "J0", resolved="2025-11-02 10:00")
    world.complaint("C2", "J1", installer_id="I1")  # charged to I1 alone
    world.complaint("C3", "J2", responsibility="customer_unreasonable")
    assert amounts(world.run(), "clean_month") == {"I3": 10000}


def test_a_shared_job_counts_as_a_completed_job_of_each_installer() -> None:
    world = World.basic()
    for n in range(10):
        world.job(f"J{n}", {"I2": "0.5", "I3": "0.5"})
    assert amounts(world.run(), "clean_month") == {"I2": 10000, "I3": 10000}
