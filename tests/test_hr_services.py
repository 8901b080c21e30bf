"""The services behind HR's pages, on both stores: the periods with their states, the review
of a period (grades, biggest changes, outliers), the disputes queue, a period's adjustments,
a page of users, and what an import batch did with its rejects file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from scoring.errors import InputError, NotFoundError, PeriodError
from scoring.period import Period
from scoring.result import STATEMENT_MONEY_COLUMNS
from scoring.services import adjustments, disputes, imports, periods, review, users
from scoring.services.access import Caller, Forbidden, Role
from scoring.services.runtime import Runtime
from scoring.settings import get_settings
from scoring.store import Store, now_us
from scoring.store.schema import disputes as disputes_table
from scoring.store.schema import import_files, period_statements
from scoring.store.schema import periods as periods_table
from scoring.workdays import WorkCalendar
from tests import inputs
from tests.page_data import write_inputs

ADMIN = Caller.local("hr-admin")
OPS = Caller(login="ops", role=Role.OPERATIONS)
DEALER_D2 = Caller(login="dealer2", role=Role.DEALER, dealer_ids=frozenset({"D2"}))
I1 = Caller(login="I1", role=Role.INSTALLER, installer_id="I1")
I3 = Caller(login="I3", role=Role.INSTALLER, installer_id="I3")


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return Runtime.of(get_settings(), WorkCalendar.load())


@pytest.fixture
def months(store: Store, runtime: Runtime, tmp_path: Path) -> Iterator[Store]:
    """June to October of tests/page_data.py: 2025-09 closed, 2025-10 a draft."""
    imports.import_files(
        store, caller=ADMIN, paths=[write_inputs(tmp_path / "input")], runtime=runtime
    )
    periods.close(store, caller=ADMIN, period=Period.parse("2025-09"), runtime=runtime)
    periods.compute(store, caller=ADMIN, period=Period.parse("2025-10"), runtime=runtime)
    yield store


# -- periods ---------------------------------------------------------------------------------


def test_every_period_with_its_state(months: Store, runtime: Runtime) -> None:
    found = review.periods_overview(months, caller=OPS)
    assert [(p.period, p.state) for p in found] == [("2025-10", "draft"), ("2025-09", "closed")]
    october, september = found
    assert october.installers == 3 and october.totals and october.totals["net_fen"] == -7000
    assert september.by == "hr-admin" and september.at is not None
    # An adjustment changes what the draft is computed from: stale until computed again.
    adjustments.add(
        months,
        caller=ADMIN,
        period=Period.parse("2025-10"),
        installer_id="I2",
        amount="5.00",
        reason="补贴",
    )
    assert review.periods_overview(months, caller=OPS)[0].state == "stale"
    periods.compute(months, caller=ADMIN, period=Period.parse("2025-10"), runtime=runtime)
    assert review.periods_overview(months, caller=OPS)[0].state == "draft"
    # A period row without a draft: never computed.
    with months.begin() as conn:
        conn.execute(insert(periods_table).values(period="2025-11", status="open"))
    assert review.periods_overview(months, caller=OPS)[0].state == "not_computed"
    for outsider in (DEALER_D2, I1):
        with pytest.raises(Forbidden):
            review.periods_overview(months, caller=outsider)


def test_the_review_of_a_draft(months: Store, runtime: Runtime) -> None:
    disputes.open_dispute(
        months,
        caller=I3,
        period=Period.parse("2025-10"),
        installer_id="I3",
        target_kind="job",
        target_id="J2",
        comment="不在家",
        runtime=runtime,
    )
    seen = review.review(months, caller=OPS, period=Period.parse("2025-10"))
    assert seen.state == "draft" and seen.totals["installers"] == 3
    assert seen.grades == [("unrated", 3)]
    assert seen.before == "2025-09"
    # October against September: I1 8000 → 600, I2 none → 400, I3 -2000 → -8000 (fen).
    assert [(c.installer_id, c.change_fen) for c in seen.rises] == [("I2", 400)]
    assert [(c.installer_id, c.change_fen) for c in seen.falls] == [("I1", -7400), ("I3", -6000)]
    assert seen.falls[0].name == "张伟" and seen.falls[0].before_fen == 8000
    assert seen.outliers is None  # three statements: too few to tell
    assert seen.open_disputes == 1
    assert [s["installer_id"] for s in seen.statements] == ["I1", "I2", "I3"]
    page = review.review(months, caller=ADMIN, period=Period.parse("2025-10"), offset=1, limit=1)
    assert [s["installer_id"] for s in page.statements] == ["I2"] and page.statements_total == 3
    # September: the month before has no result, so nothing is compared.
    closed = review.review(months, caller=ADMIN, period=Period.parse("2025-09"))
    assert closed.state == "closed" and closed.before is None and closed.rises == []
    assert dict(closed.grades) == {"B": 1, "C": 1}
    with pytest.raises(PeriodError):  # never computed: nothing to review
        review.review(months, caller=ADMIN, period=Period.parse("2024-01"))
    with pytest.raises(Forbidden):
        review.review(months, caller=DEALER_D2, period=Period.parse("2025-10"))


def _closed_month(store: Store, period: str, nets: dict[str, int]) -> None:
    """A closed period with one statement per installer (net only), written directly."""
    with store.begin() as conn:
        conn.execute(
            insert(periods_table).values(
                period=period,
                status="closed",
                closed_at=now_us(),
                closed_by="test",
                totals=json.dumps({"installers": len(nets), "net_fen": sum(nets.values())}),
            )
        )
        for installer_id, net in nets.items():
            row = dict.fromkeys(STATEMENT_MONEY_COLUMNS, 0)
            row.update(
                period=period,
                installer_id=installer_id,
                name=f"名{installer_id}",
                surveys=1,
                grade="A" if net > 0 else "unrated",
                net_fen=net,
            )
            conn.execute(insert(period_statements).values(**row))


def test_outliers_are_far_outside_the_middle_half(store: Store) -> None:
    nets = {f"X{i:02d}": 1000 + 10 * i for i in range(20)}  # 1000 .. 1190
    nets["X90"] = 50_000
    nets["X91"] = -40_000
    _closed_month(store, "2025-05", nets)
    seen = review.review(store, caller=ADMIN, period=Period.parse("2025-05"))
    assert seen.outliers is not None
    # Quartiles at positions 5 and 15 of the 22 in order (-40000 first): 1040 and 1140,
    # fences three times their spread further out.
    assert (seen.outliers.low_fen, seen.outliers.high_fen) == (740, 1440)
    assert [r["installer_id"] for r in seen.outliers.rows] == ["X90", "X91"]  # farthest first
    assert seen.outliers.total == 2
    assert dict(seen.grades) == {"A": 21, "unrated": 1}
    assert seen.grades[-1] == ("unrated", 1)


def test_fences() -> None:
    assert review.outlier_fences(100, 200) == (-200, 500)
    assert review.outlier_fences(0, 0) == (0, 0)


# -- disputes --------------------------------------------------------------------------------


def test_the_disputes_queue(months: Store, runtime: Runtime) -> None:
    lines = disputes.line_target
    from scoring.services.statements import installer_statement

    line = installer_statement(
        months, caller=ADMIN, period=Period.parse("2025-09"), installer_id="I1"
    ).lines[0]
    first = disputes.open_own_dispute(
        months,
        caller=I1,
        period=Period.parse("2025-09"),
        target_kind="line",
        target_id=lines(line),
        comment="分数录错",
        runtime=runtime,
    )
    second = disputes.open_own_dispute(
        months,
        caller=I3,
        period=Period.parse("2025-10"),
        target_kind="missing",
        target_id="J-99",
        comment="漏了一单",
        runtime=runtime,
    )
    third = disputes.open_own_dispute(
        months,
        caller=I1,
        period=Period.parse("2025-10"),
        target_kind="survey",
        target_id="S1",
        comment="?",
        runtime=runtime,
    )
    with months.begin() as conn:  # the second is past its deadline
        conn.execute(
            update(disputes_table).where(disputes_table.c.dispute_id == second).values(respond_by=1)
        )
    queue = disputes.queue(months, caller=ADMIN)
    assert [i.dispute["dispute_id"] for i in queue.items] == [second, first, third]  # by deadline
    by_id = {i.dispute["dispute_id"]: i for i in queue.items}
    assert by_id[first].line is not None and by_id[first].line["amount_fen"] == line["amount_fen"]
    assert by_id[first].installer_name == "张伟" and by_id[first].team_name == "自有一队"
    assert by_id[first].pay_in == "2025-10"  # 2025-09 is closed: paid in the next month
    assert by_id[second].overdue and by_id[second].pay_in == "2025-10"
    assert [e["action"] for e in by_id[second].events] == ["open"]
    assert queue.counts == {"open": 3, "accepted": 0, "rejected": 0, "overdue": 1, "all": 3}

    overdue = disputes.queue(months, caller=ADMIN, shown="overdue")
    assert [i.dispute["dispute_id"] for i in overdue.items] == [second]
    disputes.resolve(
        months,
        caller=ADMIN,
        dispute_id=first,
        accept=True,
        amount="12.50",
        reason="录音证实",
        period=Period.parse("2025-10"),
    )
    disputes.resolve(months, caller=ADMIN, dispute_id=third, accept=False, reason="无依据")
    accepted = disputes.queue(months, caller=ADMIN, shown="accepted")
    [item] = accepted.items
    assert item.paid is not None and item.paid["period"] == "2025-10"
    assert item.paid["amount_fen"] == 1250
    assert [e["action"] for e in item.events] == ["open", "accept"]
    answered = disputes.queue(months, caller=ADMIN, shown="all")
    assert [i.dispute["dispute_id"] for i in answered.items] == [third, second, first]  # newest
    assert answered.counts["accepted"] == 1 and answered.counts["rejected"] == 1
    in_period = disputes.queue(months, caller=ADMIN, shown="all", period=Period.parse("2025-09"))
    assert [i.dispute["dispute_id"] for i in in_period.items] == [first]
    mine = disputes.queue(months, caller=I1, shown="all", installer_id="I3")
    assert mine.items == [] and mine.total == 0
    # A dealer sees its own installers' disputes only (I3 is of D2).
    theirs = disputes.queue(months, caller=DEALER_D2, shown="all")
    assert [i.dispute["installer_id"] for i in theirs.items] == ["I3"]
    assert theirs.counts["all"] == 1
    with pytest.raises(InputError):
        disputes.queue(months, caller=ADMIN, shown="everything")


# -- adjustments, users ----------------------------------------------------------------------


def test_a_periods_adjustments_with_names(months: Store) -> None:
    for amount in ("30.00", "-12.50"):
        adjustments.add(
            months,
            caller=ADMIN,
            period=Period.parse("2025-10"),
            installer_id="I3",
            amount=amount,
            reason="人工",
        )
    found = adjustments.of_period(months, caller=OPS, period=Period.parse("2025-10"))
    assert not found.closed and found.total_fen == 1750
    assert [(a["installer_id"], a["installer_name"]) for a in found.items] == [("I3", "王强")] * 2
    assert adjustments.of_period(months, caller=OPS, period=Period.parse("2025-09")).closed
    with pytest.raises(Forbidden):
        adjustments.of_period(months, caller=I3, period=Period.parse("2025-10"))


def test_a_page_of_users(store: Store, tmp_path: Path) -> None:
    from tests.auth_helpers import seed_network

    seed_network(store, tmp_path)
    for login, role, dealers in (
        ("hr-zhang", Role.HR, ()),
        ("ops-li", Role.OPERATIONS, ()),
        ("dealer-a", Role.DEALER, ("D1", "D2")),
    ):
        users.add_user(
            store,
            caller=ADMIN,
            login=login,
            role=role,
            password="Richtig-Passwort-42",
            dealer_ids=dealers,
        )
    page = users.user_page(store, caller=ADMIN)
    assert [u.login for u in page.users] == ["dealer-a", "hr-zhang", "ops-li"]
    assert page.dealer_names == {"D1": "华东家电", "D2": "南方家居"}
    dealers = users.user_page(store, caller=ADMIN, role="dealer")
    assert [u.login for u in dealers.users] == ["dealer-a"] and dealers.total == 1
    second = users.user_page(store, caller=ADMIN, offset=1, limit=1)
    assert [u.login for u in second.users] == ["hr-zhang"] and second.total == 3
    assert [u.login for u in users.user_page(store, caller=ADMIN, starting="ops").users] == [
        "ops-li"
    ]
    assert users.user_page(store, caller=ADMIN, starting="100%_").users == []
    with pytest.raises(InputError):
        users.user_page(store, caller=ADMIN, role="boss")
    with pytest.raises(Forbidden):
        users.user_page(store, caller=OPS)


# -- imports ---------------------------------------------------------------------------------


def test_a_batch_report_and_its_rejects_file(
    store: Store, runtime: Runtime, tmp_path: Path
) -> None:
    folder = inputs.write(tmp_path / "in", {k: inputs.ALL[k] for k in ("dealers", "teams")})
    bad = inputs.INSTALLERS + "I9,赵六,T9,employee,abc,,\n"
    (folder / "installers.csv").write_text(bad, encoding="utf-8")
    report = imports.import_files(store, caller=ADMIN, paths=[folder], runtime=runtime)
    assert report.batch_id is not None and report.rejected == 1
    batch = imports.batch_report(store, caller=ADMIN, batch_id=report.batch_id, runtime=runtime)
    files = {f.name: f for f in batch.files}
    assert files["installers.csv"].accepted == 3 and files["installers.csv"].rejected == 1
    assert files["installers.csv"].has_rejects and not files["dealers.csv"].has_rejects
    assert batch.total("accepted") == 8 and batch.problems_total == len(batch.problems) >= 1
    assert {(p.file, p.row) for p in batch.problems} == {("installers.csv", 5)}
    assert batch.actor == "hr-admin"
    position = files["installers.csv"].position
    path = imports.rejects_file(
        store, caller=ADMIN, batch_id=report.batch_id, position=position, runtime=runtime
    )
    assert path.name == "installers.rejected.csv" and "赵六" in path.read_text(encoding="utf-8")
    assert imports.recent_batches(store, caller=ADMIN)[0]["batch_id"] == report.batch_id

    with pytest.raises(NotFoundError):  # a file without rejects
        imports.rejects_file(
            store,
            caller=ADMIN,
            batch_id=report.batch_id,
            position=files["dealers.csv"].position,
            runtime=runtime,
        )
    with pytest.raises(NotFoundError):
        imports.batch_report(store, caller=ADMIN, batch_id=999, runtime=runtime)
    # A path outside the rejects folder is never served, whatever a record says.
    outside = tmp_path / "secret.rejected.csv"
    outside.write_text("secret", encoding="utf-8")
    with store.begin() as conn:
        conn.execute(
            update(import_files)
            .where(import_files.c.batch_id == report.batch_id, import_files.c.position == position)
            .values(rejects_path=str(outside))
        )
    with pytest.raises(NotFoundError):
        imports.rejects_file(
            store, caller=ADMIN, batch_id=report.batch_id, position=position, runtime=runtime
        )
    for outsider in (OPS, DEALER_D2, I1):
        with pytest.raises(Forbidden):
            imports.batch_report(store, caller=outsider, batch_id=report.batch_id, runtime=runtime)
        with pytest.raises(Forbidden):
            imports.rejects_file(
                store, caller=outsider, batch_id=report.batch_id, position=0, runtime=runtime
            )
