"""The installer's page in the services: months with data, the chosen statement, the rating
explained, the history, the disputes with their steps, and the scope of each role."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from scoring.errors import InputError, NotFoundError
from scoring.period import Period
from scoring.services import disputes, installers, statements
from scoring.services.access import Caller, Forbidden, Role
from scoring.services.periods import result_periods
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import Store, open_store
from scoring.workdays import WorkCalendar
from tests import page_data
from tests.page_data import copy_store, pages_db

__all__ = ["pages_db"]

I1 = Caller("I1", Role.INSTALLER, installer_id="I1")
I3 = Caller("I3", Role.INSTALLER, installer_id="I3")
HR = Caller("hr1", Role.HR)
OPS = Caller("ops1", Role.OPERATIONS)
DEALER1 = Caller("dealer1", Role.DEALER, dealer_ids=frozenset({"D1"}))
DEALER2 = Caller("dealer2", Role.DEALER, dealer_ids=frozenset({"D2"}))


@pytest.fixture
def store(pages_db: Path, tmp_path: Path) -> Iterator[Store]:
    with open_store(copy_store(pages_db, tmp_path)) as opened:
        yield opened


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return Runtime.of(Settings(rejects_dir=tmp_path / "rejected"), WorkCalendar.load())


def test_months_with_data_newest_first_and_the_newest_by_default(store: Store) -> None:
    view = installers.overview(store, caller=I1)
    assert [(m.period, m.status) for m in view.months] == [
        ("2025-10", "draft"),
        ("2025-09", "closed"),
        ("2025-08", "closed"),
        ("2025-07", "closed"),
        ("2025-06", "closed"),
    ]
    assert view.chosen == "2025-10" and view.own and view.name == "张伟"
    assert view.statement is not None and view.statement.source.status == "draft"
    assert view.trend_months[0] == "2024-11" and view.trend_months[-1] == "2025-10"
    assert [row["period"] for row in view.history] == [m.period for m in reversed(view.months)]


def test_a_closed_month_with_its_rating_explained(store: Store) -> None:
    view = installers.overview(store, caller=I1, period=Period(2025, 9))
    assert view.statement is not None
    assert view.statement.statement["grade"] == "B"
    assert view.statement.lines_total_fen == view.statement.statement["net_fen"] == 8000
    rating = view.rating
    assert rating is not None
    assert rating.surveys == 4 and rating.average == Fraction(19, 4)
    assert rating.mean == Fraction(30, 7) and rating.m == 5  # the period mean, kept at close
    assert rating.rating == Fraction(283, 63)
    assert (rating.next_grade, rating.five_star_needed) == ("A", 3)
    assert [row["period"] for row in view.history] == ["2025-06", "2025-07", "2025-08", "2025-09"]


def test_a_month_without_the_installers_statement(store: Store) -> None:
    view = installers.overview(store, caller=I3, period=Period(2025, 6))
    assert view.chosen == "2025-06" and view.statement is None and view.rating is None
    assert [m.period for m in view.months] == ["2025-10", "2025-09", "2025-08"]


@pytest.mark.parametrize(
    ("caller", "installer_id"),
    [(I1, "I3"), (I3, "I1"), (DEALER2, "I1"), (DEALER1, "I3"), (HR, "NOBODY")],
)
def test_outside_the_scope_is_not_found(caller: Caller, installer_id: str, store: Store) -> None:
    with pytest.raises(NotFoundError) as raised:
        installers.overview(store, caller=caller, installer_id=installer_id)
    assert "张伟" not in raised.value.message and "王强" not in raised.value.message


@pytest.mark.parametrize(
    ("caller", "installer_id"), [(HR, "I3"), (OPS, "I1"), (DEALER1, "I1"), (DEALER2, "I3")]
)
def test_inside_the_scope_read_only(caller: Caller, installer_id: str, store: Store) -> None:
    view = installers.overview(store, caller=caller, installer_id=installer_id)
    assert view.installer_id == installer_id and not view.own and view.months


def test_only_an_installer_has_its_own_page(store: Store, runtime: Runtime) -> None:
    with pytest.raises(installers.NotAnInstaller):
        installers.overview(store, caller=HR)
    with pytest.raises(Forbidden):
        disputes.open_own_dispute(
            store,
            caller=HR,
            period=Period(2025, 9),
            target_kind="missing",
            target_id="",
            comment="x",
            runtime=runtime,
        )


def test_disputes_with_their_steps_and_the_line_they_name(store: Store, runtime: Runtime) -> None:
    sept = installers.overview(store, caller=I1, period=Period(2025, 9))
    assert sept.statement is not None
    charged = next(line for line in sept.statement.lines if line["kind"] == "deduction")
    line_id = disputes.open_own_dispute(
        store,
        caller=I1,
        period=Period(2025, 9),
        target_kind="line",
        target_id=disputes.line_target(charged),
        comment="客户说不是我的问题",
        runtime=runtime,
    )
    missing_id = disputes.open_own_dispute(
        store,
        caller=I1,
        period=Period(2025, 10),
        target_kind="missing",
        target_id="  J-9   S-9 ",
        comment="10月20日的回访没有算进来",
        runtime=runtime,
    )
    disputes.resolve(
        store,
        caller=HR,
        dispute_id=line_id,
        accept=True,
        amount="50.00",
        reason="核实无责",
        period=Period(2025, 10),
    )
    view = installers.overview(store, caller=I1)  # October: the line is from September
    by_id = {d.dispute["dispute_id"]: d for d in view.disputes}
    assert list(by_id) == [missing_id, line_id]  # newest first
    accepted = by_id[line_id]
    assert accepted.dispute["status"] == "accepted" and accepted.dispute["amount_fen"] == 5000
    assert [e["action"] for e in accepted.events] == ["open", "accept"]
    assert accepted.line is not None and accepted.line["amount_fen"] == -5000
    claim = by_id[missing_id]
    assert claim.dispute["target_kind"] == "missing" and claim.dispute["target_id"] == "J-9 S-9"
    assert claim.line is None and not claim.overdue
    # Another installer and the other dealer see none of them.
    assert installers.overview(store, caller=I3).disputes == []
    with pytest.raises(NotFoundError):
        installers.overview(store, caller=DEALER2, installer_id="I1")


def test_a_claim_with_an_overlong_reference_is_refused(store: Store, runtime: Runtime) -> None:
    with pytest.raises(InputError, match="reference"):
        disputes.open_own_dispute(
            store,
            caller=I1,
            period=Period(2025, 10),
            target_kind="missing",
            target_id="J" * (disputes.MAX_REFERENCE + 1),
            comment="x",
            runtime=runtime,
        )
    with pytest.raises(InputError):
        disputes.open_own_dispute(
            store,
            caller=I1,
            period=Period(2025, 10),
            target_kind="bogus",
            target_id="x",
            comment="x",
            runtime=runtime,
        )


def test_periods_with_a_result(store: Store, runtime: Runtime) -> None:
    from scoring.services.periods import compute

    compute(store, caller=HR, period=Period(2025, 11), runtime=runtime)  # a month without data
    found = result_periods(store, caller=DEALER1)
    assert [(p.period, p.status) for p in found] == [
        ("2025-10", "draft"),
        ("2025-09", "closed"),
        ("2025-08", "closed"),
        ("2025-07", "closed"),
        ("2025-06", "closed"),
    ]


def test_the_page_agrees_with_the_statement_service_on_both_stores(
    store_url: str, tmp_path: Path, runtime: Runtime
) -> None:
    """The same overview from SQLite and PostgreSQL: a closed month and a draft."""
    from scoring.services.imports import import_files
    from scoring.services.periods import close, compute

    with open_store(store_url) as fresh:
        import_files(
            fresh,
            caller=page_data.ADMIN,
            paths=[page_data.write_inputs(tmp_path / "input")],
            runtime=runtime,
            rejects_dir=tmp_path / "rejected",
        )
        close(fresh, caller=page_data.ADMIN, period=Period(2025, 9), runtime=runtime)
        compute(fresh, caller=page_data.ADMIN, period=Period(2025, 10), runtime=runtime)
        view = installers.overview(fresh, caller=I1, period=Period(2025, 9))
        assert [m.period for m in view.months] == ["2025-10", "2025-09"]
        same = statements.installer_statement(
            fresh, caller=I1, period=Period(2025, 9), installer_id="I1"
        )
        assert view.statement is not None
        assert view.statement.statement == same.statement and view.statement.lines == same.lines
        assert view.rating is not None and view.rating.next_grade == "A"
