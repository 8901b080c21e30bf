"""The fingerprint of a draft read in one query (what every read of an open period pays) is the
fingerprint of its parts read one by one, in every state a store goes through, on both stores."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert

from scoring.period import Period
from scoring.rules.load import standard_plan_path
from scoring.services import adjustments, imports, periods
from scoring.services.access import Caller
from scoring.services.drafts import fingerprint, period_state, state_in
from scoring.services.runtime import Runtime
from scoring.settings import get_settings
from scoring.store import Store, now_us
from scoring.store import adjustments as store_adjustments
from scoring.store import periods as store_periods
from scoring.store import plans as store_plans
from scoring.store.schema import plans as plans_table
from scoring.workdays import WorkCalendar
from tests.page_data import write_inputs

ADMIN = Caller.local("hr-admin")
MONTHS = [Period.parse(p) for p in ("2025-08", "2025-09", "2025-10", "2025-11")]


def one_by_one(conn: Connection, period: Period) -> str:
    """The fingerprint as it was read before: a query per part."""
    plan = store_plans.plan_in_force(conn, period.first_day.isoformat())
    if plan is not None:
        plan_key = plan.checksum
    else:
        plan_key = hashlib.sha256(standard_plan_path().read_bytes()).hexdigest()
    parts = [
        f"batch={store_periods.last_changing_batch_in(conn)}",
        f"plan={plan_key}",
        "manual={}/{}/{}".format(*store_adjustments.manual_state(conn, period.name)),
        "closed="
        + ",".join(f"{r.period}@{r.closed_at}" for r in store_periods.closed_periods(conn)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def check(store: Store) -> None:
    with store.snapshot() as conn:
        for period in MONTHS:
            state = period_state(conn, period)
            assert fingerprint(state) == state_in(conn, period) == one_by_one(conn, period)
            assert state.period == store_periods.get_period(conn, period.name)
            assert state.draft == store_periods.get_draft(conn, period.name)
            closed = [(r.period, r.closed_at) for r in store_periods.closed_periods(conn)]
            assert state.closed == closed


def test_one_query_gives_the_fingerprint_of_its_parts(store: Store, tmp_path: Path) -> None:
    runtime = Runtime.of(get_settings(), WorkCalendar.load())
    check(store)  # an empty store: no batch, no plan, nothing closed
    imports.import_files(
        store, caller=ADMIN, paths=[write_inputs(tmp_path / "input")], runtime=runtime
    )
    check(store)
    periods.close(store, caller=ADMIN, period=Period.parse("2025-08"), runtime=runtime)
    periods.close(store, caller=ADMIN, period=Period.parse("2025-09"), runtime=runtime)
    periods.compute(store, caller=ADMIN, period=Period.parse("2025-10"), runtime=runtime)
    check(store)
    with store.snapshot() as conn:
        october = period_state(conn, Period.parse("2025-10"))
    assert [p for p, _ in october.closed] == ["2025-08", "2025-09"]
    assert october.draft is not None and october.draft.state == fingerprint(october)
    assert october.period is not None and october.period.status == "open"
    for amount in ("5.00", "-2.50"):
        adjustments.add(
            store,
            caller=ADMIN,
            period=Period.parse("2025-10"),
            installer_id="I2",
            amount=amount,
            reason="补贴",
        )
    with store.snapshot() as conn:
        assert period_state(conn, Period.parse("2025-10")).manual[0] == 2
    check(store)
    # Plans: one in force from September, one from December (not yet), one never activated.
    with store.begin() as conn:
        for version, effective, activated in (
            ("9", "2025-09-01", now_us()),
            ("12", "2025-12-01", now_us()),
            ("13", "2025-09-01", None),
        ):
            conn.execute(
                insert(plans_table).values(
                    plan_id="p",
                    version=version,
                    effective_from=effective,
                    checksum=version * 8,
                    content="x",
                    stored_at=now_us(),
                    stored_by="t",
                    activated_at=activated,
                )
            )
    with store.snapshot() as conn:
        assert period_state(conn, Period.parse("2025-10")).plan_checksum == "9" * 8
        assert period_state(conn, Period.parse("2025-08")).plan_checksum != "9" * 8
    check(store)


@pytest.mark.parametrize("name", ["2025-10"])
def test_the_read_of_an_open_period_says_stale_after_a_change(
    store: Store, tmp_path: Path, name: str
) -> None:
    from scoring.services.statements import source_in

    runtime = Runtime.of(get_settings(), WorkCalendar.load())
    imports.import_files(
        store, caller=ADMIN, paths=[write_inputs(tmp_path / "input")], runtime=runtime
    )
    period = Period.parse(name)
    periods.compute(store, caller=ADMIN, period=period, runtime=runtime)
    with store.snapshot() as conn:
        assert source_in(conn, period).stale is False
    adjustments.add(
        store, caller=ADMIN, period=period, installer_id="I1", amount="1.00", reason="补贴"
    )
    with store.snapshot() as conn:
        assert source_in(conn, period).stale is True
    periods.compute(store, caller=ADMIN, period=period, runtime=runtime)
    with store.snapshot() as conn:
        assert source_in(conn, period).stale is False
