"""Claims of scheduled runs and leases on long work, so that several servers on one store run
each scheduled slot once and never compute the same drafts at the same time."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from scoring.store.db import Store, now_us
from scoring.store.schema import job_runs, leases


def claim_slot(store: Store, job_id: str, slot: str, holder: str) -> bool:
    """True for the one caller that claims ``slot`` of ``job_id`` first."""
    try:
        with store.begin() as conn:
            conn.execute(
                insert(job_runs).values(
                    job_id=job_id, slot=slot, holder=holder, started_at=now_us()
                )
            )
    except IntegrityError:
        return False
    return True


def finish_slot(store: Store, job_id: str, slot: str, outcome: str) -> None:
    with store.begin() as conn:
        conn.execute(
            update(job_runs)
            .where(job_runs.c.job_id == job_id, job_runs.c.slot == slot)
            .values(finished_at=now_us(), outcome=outcome[:2000])
        )


def runs_of(conn: Connection, job_id: str) -> list[dict[str, object]]:
    rows = conn.execute(select(job_runs).where(job_runs.c.job_id == job_id))
    return [dict(r._mapping) for r in rows]


def take_lease(store: Store, name: str, holder: str, seconds: float) -> bool:
    """Hold the lease ``name`` for ``seconds`` (renewed by its holder); False while another
    holder's lease runs."""
    now = now_us()
    until = now + int(seconds * 1_000_000)
    with store.begin() as conn:
        changed = conn.execute(
            update(leases)
            .where(leases.c.name == name, (leases.c.until < now) | (leases.c.holder == holder))
            .values(holder=holder, until=until)
        ).rowcount
        if changed:
            return True
    try:
        with store.begin() as conn:
            conn.execute(insert(leases).values(name=name, holder=holder, until=until))
    except IntegrityError:
        return False  # the row exists and another holder's lease runs
    return True


def release_lease(store: Store, name: str, holder: str) -> None:
    with store.begin() as conn:
        conn.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.holder == holder)
            .values(holder=None, until=0)
        )
