"""Service-level checks: the worked examples of REFERENCE_PLAN.md, the rows of CONTRACT.md,
and properties of ``as_of`` and of added revisits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.service_levels import ServiceLevels, evaluate, share_text
from tests.test_evaluate_builders import ZONE, World, calendar, local, standard


def checks_of(world: World, as_of: str, period: str = "2025-10") -> ServiceLevels:
    return evaluate(
        standard(),
        world.frames(),
        period=period,
        as_of=dt.date.fromisoformat(as_of),
        zone=ZONE,
        calendar=calendar(),
    )


def rows(levels: ServiceLevels, check: str) -> list[dict[str, Any]]:
    return levels.checks.filter(pl.col("check") == check).to_dicts()


def status(levels: ServiceLevels, check: str, record_id: str) -> str:
    found = levels.checks.filter(
        (pl.col("check") == check) & (pl.col("record_id") == record_id)
    ).get_column("status")
    assert found.n_unique() == 1, found
    return str(found[0])


def escalated(world: World, complaint_id: str, at: str | None) -> None:
    row = next(c for c in world.complaints if c["complaint_id"] == complaint_id)
    row["escalated_at"] = local(at)
    row["escalated"] = True if at else None


def callback_world(callback_at: str) -> World:
    """C1 on job J0 (completed in September), resolved 2025-09-30 16:00, and one revisit."""
    world = World.basic()
    world.job("J0", completed="2025-09-20 10:00")
    world.complaint("C1", "J0", received="2025-09-29 10:00", resolved="2025-09-30 16:00")
    world.revisit("R1", "J0", callback_at)
    return world


def test_a_callback_on_the_first_working_day_after_national_day_is_met() -> None:
    levels = checks_of(callback_world("2025-10-09 10:00"), "2025-10-31", period="2025-09")
    (row,) = rows(levels, "complaint_callback")
    assert row["record_id"] == "C1" and row["job_id"] == "J0"
    assert row["due_date"] == dt.date(2025, 10, 9)
    assert row["done_at"].isoformat() == "2025-10-09T10:00:00+08:00"
    assert (row["status"], row["team_id"], row["dealer_id"], row["period"]) == (
        "met",
        "T1",
        "D1",
        "2025-09",
    )


def test_a_callback_one_working_day_late_is_breached() -> None:
    levels = checks_of(callback_world("2025-10-10 09:00"), "2025-10-31", period="2025-09")
    (row,) = rows(levels, "complaint_callback")
    assert row["due_date"] == dt.date(2025, 10, 9)
    assert row["status"] == "breached"
    assert row["done_at"].isoformat() == "2025-10-10T09:00:00+08:00"


def test_a_revisit_before_the_resolution_or_unreached_does_not_complete_the_callback() -> None:
    world = callback_world("2025-09-30 15:59")  # before resolved_at
    world.revisit("R2", "J0", "2025-10-09 11:00", reached=False)
    levels = checks_of(world, "2025-10-09", period="2025-09")
    (row,) = rows(levels, "complaint_callback")
    assert (row["done_at"], row["status"]) == (None, "pending")
    later = checks_of(world, "2025-10-10", period="2025-09")
    assert status(later, "complaint_callback", "C1") == "breached"


def test_j2_revisit_is_pending_on_its_due_date_and_breached_the_day_after() -> None:
    world = World.basic()
    world.job("J2", completed="2025-10-20 09:00")
    on_due = checks_of(world, "2025-11-19")
    (row,) = rows(on_due, "revisit")
    assert (row["record_id"], row["job_id"], row["due_date"]) == (
        "J2",
        "J2",
        dt.date(2025, 11, 19),
    )
    assert (row["done_at"], row["status"]) == (None, "pending")
    assert status(checks_of(world, "2025-11-20"), "revisit", "J2") == "breached"


def test_the_earliest_reached_revisit_since_completion_completes_the_revisit_check() -> None:
    world = World.basic()
    world.job("J1", completed="2025-10-20 09:00")
    world.revisit("R0", "J1", "2025-10-20 08:00")  # before completion: does not count
    world.revisit("R1", "J1", "2025-11-19 23:30")
    world.revisit("R2", "J1", "2025-11-25 10:00")
    (row,) = rows(checks_of(world, "2025-12-31"), "revisit")
    assert row["done_at"].isoformat() == "2025-11-19T23:30:00+08:00"
    assert row["status"] == "met"


def test_escalation_the_same_day_is_met_the_next_day_breached_without_it_pending() -> None:
    world = World.basic()
    world.job("J1")
    for complaint_id in ("E1", "E2", "E3", "E4"):
        world.complaint(complaint_id, "J1", responsibility="product", received="2025-10-13 10:00")
    world.complaint("E5", "J1", responsibility="undetermined", received="2025-10-13 21:00")
    world.complaint("N1", "J1", responsibility="installer", received="2025-10-13 10:00")
    escalated(world, "E1", "2025-10-13 23:59")
    escalated(world, "E2", "2025-10-14 00:01")
    escalated(world, "E3", "2025-10-13 09:00")  # before received_at (the importer refuses it)
    escalated(world, "E5", "2025-10-13 22:00")
    levels = checks_of(world, "2025-10-13")
    assert {r["record_id"]: r["status"] for r in rows(levels, "escalation")} == {
        "E1": "met",
        "E2": "breached",
        "E3": "pending",
        "E4": "pending",
        "E5": "met",
    }
    assert {r["record_id"]: r["due_date"] for r in rows(levels, "escalation")}["E1"] == dt.date(
        2025, 10, 13
    )
    next_day = checks_of(world, "2025-10-14")
    assert status(next_day, "escalation", "E4") == "breached"


def test_a_complaint_received_in_september_is_not_an_october_escalation() -> None:
    world = World.basic()
    world.job("J1")
    world.complaint("E1", "J1", responsibility="product", received="2025-09-30 23:00")
    assert rows(checks_of(world, "2025-10-31"), "escalation") == []
    assert [
        r["record_id"] for r in rows(checks_of(world, "2025-10-31", "2025-09"), "escalation")
    ] == ["E1"]


def test_a_job_of_two_teams_gives_a_row_for_each_team() -> None:
    world = World.basic()
    world.dealer("D2")
    world.team("T2", "D2")
    world.installer("I4", team="T2")
    world.job("J1", {"I1": "0.6", "I2": "0.2", "I4": "0.2"}, completed="2025-10-05 10:00")
    world.revisit("R1", "J1", "2025-10-06 10:00")
    levels = checks_of(world, "2025-10-31")
    assert [(r["team_id"], r["dealer_id"], r["status"]) for r in rows(levels, "revisit")] == [
        ("T1", "D1", "met"),
        ("T2", "D2", "met"),
    ]
    assert levels.checks.columns == [
        "period",
        "check",
        "record_id",
        "job_id",
        "team_id",
        "dealer_id",
        "due_date",
        "done_at",
        "status",
    ]
    narrowed = levels.narrowed({"D2"})
    assert narrowed.checks.get_column("dealer_id").unique().to_list() == ["D2"]
    assert narrowed.by_team.get_column("team_id").to_list() == ["T2"]


def test_by_team_counts_each_status_and_the_share_met() -> None:
    world = World.basic()
    world.team("T2", "D1")
    world.installer("I4", team="T2")
    for index, day in enumerate(("01", "02", "03", "25", "26", "27", "28", "29")):
        job_id = f"J{index}"
        world.job(
            job_id, {"I1": "1"} if index < 5 else {"I4": "1"}, completed=f"2025-10-{day} 09:00"
        )
    world.revisit("R0", "J0", "2025-10-02 10:00")  # met
    world.revisit("R1", "J1", "2025-11-20 10:00")  # late: breached
    world.revisit("R5", "J5", "2025-10-28 10:00")  # met
    levels = checks_of(world, "2025-11-02")  # J2 (due 11-02) pending, J3, J4 pending
    by_team = levels.by_team.filter(pl.col("check") == "revisit")
    assert by_team.select(
        "dealer_id", "team_id", "met", "breached", "pending", "checks", "share_met"
    ).rows() == [
        ("D1", "T1", 1, 1, 3, 5, "0.200"),
        ("D1", "T2", 1, 0, 2, 3, "0.333"),
    ]


def test_share_text_rounds_half_up_exactly() -> None:
    frame = pl.DataFrame({"part": [1, 2, 1, 0, 7, 1], "whole": [8, 3, 2000, 5, 7, 0]})
    shares = frame.select(share_text(pl.col("part"), pl.col("whole"))).to_series().to_list()
    assert shares == ["0.125", "0.667", "0.001", "0.000", "1.000", None]


def test_a_plan_without_service_levels_gives_empty_frames_of_the_contract_columns() -> None:
    world = World.basic()
    world.job("J1")
    plan = standard().model_copy(update={"service_levels": []})
    levels = evaluate(
        plan,
        world.frames(),
        period="2025-10",
        as_of=dt.date(2025, 10, 31),
        zone=ZONE,
        calendar=calendar(),
    )
    assert levels.checks.height == 0 and levels.by_team.height == 0
    assert levels.checks.columns[-1] == "status"


# -- properties --------------------------------------------------------------------------------

_DAYS = st.integers(min_value=0, max_value=60)
_HOURS = st.integers(min_value=0, max_value=23)


@st.composite
def revisit_worlds(draw: st.DrawFn) -> tuple[World, list[tuple[int, int, bool]]]:
    """Jobs completed in October and complaints resolved in October, with random revisits."""
    world = World.basic()
    jobs = draw(st.integers(min_value=1, max_value=4))
    revisits: list[tuple[int, int, bool]] = []
    for j in range(jobs):
        day = draw(st.integers(min_value=1, max_value=31))
        world.job(f"J{j}", completed=f"2025-10-{day:02d} {draw(_HOURS):02d}:00")
        if draw(st.booleans()):
            world.complaint(
                f"C{j}",
                f"J{j}",
                received=f"2025-10-{day:02d} 00:00",
                resolved=f"2025-10-{day:02d} 23:00",
            )
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            revisits.append((j, draw(_DAYS) * 24 + draw(_HOURS), draw(st.booleans())))
    return world, revisits


def _with_revisits(world: World, revisits: list[tuple[int, int, bool]]) -> World:
    copy = World(
        world.dealers,
        world.teams,
        world.installers,
        world.jobs,
        world.shares,
        world.surveys,
        [],
        world.complaints,
    )
    start = dt.datetime(2025, 10, 1)
    for index, (job, hours, reached) in enumerate(revisits):
        at = (start + dt.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M")
        copy.revisit(f"R{index}", f"J{job}", at, reached=reached)
    return copy


def _statuses(world: World, as_of: dt.date) -> dict[tuple[str, str], str]:
    levels = evaluate(
        standard(), world.frames(), period="2025-10", as_of=as_of, zone=ZONE, calendar=calendar()
    )
    return {(r["check"], r["record_id"]): r["status"] for r in levels.checks.to_dicts()}


@settings(max_examples=25, deadline=None)
@given(
    revisit_worlds(),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=24 * 60),
    st.booleans(),
)
def test_a_reached_revisit_added_never_turns_met_into_breached(
    drawn: tuple[World, list[tuple[int, int, bool]]], as_of: int, hours: int, first_job: bool
) -> None:
    world, revisits = drawn
    before = _statuses(_with_revisits(world, revisits), dt.date(2025, 10, 1) + dt.timedelta(as_of))
    added = [*revisits, (0 if first_job else len(world.jobs) - 1, hours, True)]
    after = _statuses(_with_revisits(world, added), dt.date(2025, 10, 1) + dt.timedelta(as_of))
    assert before.keys() == after.keys()
    for key, was in before.items():
        if was == "met":
            assert after[key] == "met", key
        if was == "breached":
            assert after[key] != "pending", key


@settings(max_examples=25, deadline=None)
@given(revisit_worlds(), _DAYS, _DAYS)
def test_a_later_as_of_never_turns_breached_into_pending(
    drawn: tuple[World, list[tuple[int, int, bool]]], first: int, more: int
) -> None:
    world = _with_revisits(*drawn)
    early = dt.date(2025, 10, 1) + dt.timedelta(first)
    late = early + dt.timedelta(more)
    before, after = _statuses(world, early), _statuses(world, late)
    for key, was in before.items():
        if was == "breached":
            assert after[key] == "breached", key
        if was == "met":
            assert after[key] == "met", key


def test_frames_with_categorical_ids_give_the_same_rows() -> None:
    from scoring.evaluate.ids import encode_ids

    world = callback_world("2025-10-09 10:00")
    world.job("J1", {"I1": "0.5", "I2": "0.5"}, completed="2025-09-10 10:00")
    world.complaint("E1", "J1", responsibility="product", received="2025-09-12 10:00")
    escalated(world, "E1", "2025-09-12 11:00")
    plain = checks_of(world, "2025-10-31", period="2025-09")
    encoded = evaluate(
        standard(),
        encode_ids(world.frames()),
        period="2025-09",
        as_of=dt.date(2025, 10, 31),
        zone=ZONE,
        calendar=calendar(),
    )
    assert encoded.checks.equals(plain.checks) and encoded.by_team.equals(plain.by_team)
    assert plain.checks.height == 4
