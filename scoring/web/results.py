"""What the API and the pages read about a period, through the services.

A closed period is read as it was frozen (no input tables are loaded for it); an open period is
computed as a draft without recording anything, as ``scoring export`` does. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from scoring.entities import BY_NAME
from scoring.periods import Context, result_for_export
from scoring.result import Result
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.store.records import load_entity
from scoring.web.deps import Services
from scoring.web.drafts import draft_state
from scoring.web.errors import NotFound


def context(services: Services) -> Context:
    """Every input table of the store, loaded for one computation."""
    return Context.load(services.store, zone=services.settings.zone, calendar=services.calendar)


def is_closed(store: Store, period: str) -> bool:
    with store.begin() as conn:
        return store_periods.is_closed(conn, period)


def load_result(services: Services, period: str, *, actor: str) -> Result:
    """The frozen result of a closed period, or an unrecorded draft of an open one: the one
    already computed while the store is in the same state (scoring/web/drafts.py), else a
    fresh one."""
    if is_closed(services.store, period):
        return store_periods.load_closed(services.store, period)
    state = draft_state(services.store, period)
    found = services.drafts.get(period, state)
    if found is not None:
        return found
    result = result_for_export(context(services), period, actor=actor)
    if result.draft:
        services.drafts.put(period, state, result)
    return result


def status_of(result: Result) -> str:
    return "DRAFT" if result.draft else "CLOSED"


def plan_label(result: Result) -> str | None:
    about = result.about
    if about.get("plan_id") is None:
        return None
    return f"{about['plan_id']} v{about.get('plan_version')}"


def find_installer(store: Store, installer_id: str) -> dict[str, Any]:
    """The stored installer record; :class:`NotFound` when there is none."""
    installers = load_entity(store, BY_NAME["installers"])
    found = installers.filter(pl.col("installer_id") == installer_id)
    if found.height == 0:
        raise NotFound(f"没有这个师傅 / no installer {installer_id!r}")
    return found.row(0, named=True)


def require_installer(store: Store, installer_id: str) -> None:
    """:class:`NotFound` for an unknown installer (one indexed lookup, not the whole table)."""
    with store.begin() as conn:
        store_periods.require_installer(conn, installer_id)


@dataclass
class InstallerView:
    """One installer's statement row (zeros when nothing happened) and lines for a period."""

    statement: dict[str, Any]
    lines: pl.DataFrame


def installer_view(services: Services, result: Result, installer_id: str) -> InstallerView:
    """The installer's statement in ``result``; a known installer without one gets zeros,
    an unknown one :class:`NotFound`."""
    rows = result.statements.filter(pl.col("installer_id") == installer_id)
    lines = result.lines.filter(pl.col("installer_id") == installer_id)
    if rows.height:
        return InstallerView(rows.row(0, named=True), lines)
    record = find_installer(services.store, installer_id)
    team_name, dealer_id = _team_of(services.store, record.get("team_id"))
    statement: dict[str, Any] = {
        name: 0 for name in result.statements.columns if name.endswith("_fen")
    }
    statement.update(
        period=result.period,
        installer_id=installer_id,
        name=record.get("name"),
        team_id=record.get("team_id"),
        team_name=team_name,
        dealer_id=dealer_id,
        employment=record.get("employment"),
        surveys=0,
        rating=None,
        grade="unrated",
    )
    return InstallerView(statement, lines)


def _team_of(store: Store, team_id: str | None) -> tuple[str | None, str | None]:
    if team_id is None:
        return None, None
    teams = load_entity(store, BY_NAME["teams"]).filter(pl.col("team_id") == team_id)
    if teams.height == 0:
        return None, None
    row = teams.row(0, named=True)
    return row.get("name"), row.get("dealer_id")
