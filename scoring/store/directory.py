"""Look-ups of single records by their id (indexed), for checks and headings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from scoring.errors import NotFoundError
from scoring.store.schema import ENTITY_TABLES


def installer_exists(conn: Connection, installer_id: str) -> bool:
    table = ENTITY_TABLES["installers"]
    found = conn.execute(select(table.c.installer_id).where(table.c.installer_id == installer_id))
    return found.first() is not None


def require_installer(conn: Connection, installer_id: str) -> None:
    """:class:`NotFoundError` for an unknown installer."""
    if not installer_exists(conn, installer_id):
        raise NotFoundError(f"没有这个师傅 / no installer {installer_id!r}")


def installer_record(conn: Connection, installer_id: str) -> dict[str, Any] | None:
    """The installer with its team's name and dealer, or None."""
    installers = ENTITY_TABLES["installers"]
    teams = ENTITY_TABLES["teams"]
    row = conn.execute(
        select(
            installers.c.installer_id,
            installers.c.name,
            installers.c.team_id,
            installers.c.employment,
            teams.c.name.label("team_name"),
            teams.c.dealer_id,
        )
        .select_from(installers.outerjoin(teams, teams.c.team_id == installers.c.team_id))
        .where(installers.c.installer_id == installer_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def dealer_exists(conn: Connection, dealer_id: str) -> bool:
    table = ENTITY_TABLES["dealers"]
    found = conn.execute(select(table.c.dealer_id).where(table.c.dealer_id == dealer_id))
    return found.first() is not None


def installer_records(conn: Connection, installer_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Several installers by id (names, team, dealer), in one query: those that exist."""
    wanted = sorted(set(installer_ids))
    if not wanted:
        return {}
    installers = ENTITY_TABLES["installers"]
    teams = ENTITY_TABLES["teams"]
    rows = conn.execute(
        select(
            installers.c.installer_id,
            installers.c.name,
            installers.c.team_id,
            teams.c.name.label("team_name"),
            teams.c.dealer_id,
        )
        .select_from(installers.outerjoin(teams, teams.c.team_id == installers.c.team_id))
        .where(installers.c.installer_id.in_(wanted))
    )
    return {str(r.installer_id): dict(r._mapping) for r in rows}


def dealer_names(conn: Connection, dealer_ids: Iterable[str]) -> dict[str, str]:
    """The names of several dealers by id (those that exist)."""
    wanted = sorted(set(dealer_ids))
    if not wanted:
        return {}
    table = ENTITY_TABLES["dealers"]
    rows = conn.execute(
        select(table.c.dealer_id, table.c.name).where(table.c.dealer_id.in_(wanted))
    )
    return {str(r.dealer_id): str(r.name) for r in rows}
