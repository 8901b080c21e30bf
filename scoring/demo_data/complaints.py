"""Complaints (投诉): on about 5% of jobs, every category, severity and verdict.

Poor installers, late arrivals and multi-visit jobs draw more complaints. On top of the random
ones, the installers the roster sets up to exceed a deduction cap get their at-fault complaints,
resolved inside the month, each naming the installer.
投诉:约5%的工单;差评师傅、迟到与多次上门的工单更易被投诉;另为需触发扣款上限的师傅安排本月已处理的责任投诉。
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring import entities
from scoring.demo_data import vocab
from scoring.demo_data.clock import Month
from scoring.demo_data.jobs import EARLIER_JOB, NONE, OPEN_JOB, Jobs
from scoring.demo_data.network import Network, Roster
from scoring.demo_data.sampling import (
    DAY,
    HOUR,
    MINUTE,
    BoolArray,
    FloatArray,
    IntArray,
    categorical,
    categorical_rows,
    ensure_all,
    grouped,
    in_group,
    sorted_by,
    stream,
    uniform_int,
    weighted_sample,
    within_hours,
)

CATEGORIES = tuple(entities.CATEGORIES)
SEVERITIES = tuple(entities.SEVERITIES)
RESPONSIBILITIES = tuple(entities.RESPONSIBILITIES)

_CATEGORY_SHARES = {
    "attitude": 0.18,
    "lateness": 0.17,
    "upsell": 0.10,
    "damage": 0.12,
    "workmanship": 0.18,
    "no_show": 0.07,
    "overcharge": 0.10,
    "other": 0.08,
}
_SEVERITY_SHARES = {"minor": 0.62, "major": 0.28, "severe": 0.10}
#: verdict by category: installer, customer_unreasonable, product, logistics, shared, undetermined
_VERDICTS = {
    "attitude": (0.55, 0.20, 0.00, 0.02, 0.10, 0.13),
    "lateness": (0.45, 0.08, 0.00, 0.20, 0.12, 0.15),
    "upsell": (0.50, 0.15, 0.00, 0.00, 0.15, 0.20),
    "damage": (0.35, 0.08, 0.07, 0.30, 0.12, 0.08),
    "workmanship": (0.45, 0.05, 0.25, 0.00, 0.15, 0.10),
    "no_show": (0.50, 0.05, 0.00, 0.20, 0.10, 0.15),
    "overcharge": (0.45, 0.20, 0.00, 0.00, 0.15, 0.20),
    "other": (0.15, 0.25, 0.25, 0.10, 0.10, 0.15),
}
#: complaint weight of a job by the quality tier of its installer
_TIER_WEIGHT = np.asarray([0.4, 0.8, 1.6, 3.5])
_FORCED_CATEGORIES = ("attitude", "upsell", "workmanship", "overcharge", "damage")

RESOLUTION_TEXTS, _RESOLUTION_START, _RESOLUTION_SIZE = grouped(
    [vocab.RESOLUTIONS[r] for r in RESPONSIBILITIES]
)

_COMPLAINTS_STREAM = 4
TRUE, FALSE = 1, 0


@dataclass(frozen=True)
class Complaints:
    """One element per complaint in the order of ``received``; ``NONE`` where blank."""

    job: IntArray
    installer: IntArray
    received: IntArray
    category: IntArray
    severity: IntArray
    responsibility: IntArray
    resolved: IntArray
    satisfied: IntArray  # TRUE, FALSE or NONE
    escalated: IntArray  # TRUE, FALSE or NONE
    escalated_at: IntArray  # seconds, or NONE
    resolution: IntArray  # index into RESOLUTION_TEXTS or NONE

    @property
    def size(self) -> int:
        return len(self.job)


def build_complaints(
    network: Network, roster: Roster, jobs: Jobs, month: Month, seed: int, count: int
) -> Complaints:
    rng = stream(seed, _COMPLAINTS_STREAM, month.index)
    forced_jobs, forced_rank = _forced(rng, roster, jobs, month)
    forced_jobs, forced_rank = forced_jobs[:count], forced_rank[:count]
    n_forced = len(forced_jobs)

    weight: FloatArray = _TIER_WEIGHT[network.tier[jobs.primary]]
    weight = weight * np.where(jobs.late, 3.0, 1.0) * np.where(jobs.multi_visit, 2.0, 1.0)
    weight *= np.where(jobs.kind == OPEN_JOB, 1.5, np.where(jobs.kind == EARLIER_JOB, 0.5, 1.0))
    candidates = np.ones(jobs.size, dtype=np.bool_)
    candidates[forced_jobs] = False
    pool = np.flatnonzero(candidates)
    drawn = pool[weighted_sample(rng, weight[pool], count - n_forced)]
    if len(drawn) < count - n_forced:  # more complaints than free jobs: second complaints
        drawn = np.concatenate([drawn, rng.choice(jobs.size, size=count - n_forced - len(drawn))])
    job = np.concatenate([forced_jobs, drawn]).astype(np.int64)
    n = len(job)
    forced = np.arange(n) < n_forced
    open_job = jobs.completed[job] == NONE

    category = categorical(rng, list(_CATEGORY_SHARES.values()), n)
    category[jobs.late[job] & (rng.random(n) < 0.5)] = CATEGORIES.index("lateness")
    category[open_job] = np.asarray(
        [CATEGORIES.index(c) for c in ("no_show", "lateness", "attitude")]
    )[categorical(rng, (0.5, 0.3, 0.2), int(open_job.sum()))]
    category[~forced] = ensure_all(rng, category[~forced], len(CATEGORIES))
    category[forced] = np.asarray([CATEGORIES.index(c) for c in _FORCED_CATEGORIES])[
        rng.integers(len(_FORCED_CATEGORIES), size=n_forced)
    ]

    severity = ensure_all(
        rng, categorical(rng, list(_SEVERITY_SHARES.values()), n), len(SEVERITIES)
    )
    severity[forced] = np.where(forced_rank % 2 == 0, 2, 1)  # severe, major, severe, …
    verdicts = [_VERDICTS[c] for c in CATEGORIES]
    responsibility = categorical_rows(rng, verdicts, category)
    responsibility[~forced] = ensure_all(rng, responsibility[~forced], len(RESPONSIBILITIES))
    responsibility[forced] = RESPONSIBILITIES.index("installer")

    installer = _named_installer(rng, jobs, job)
    installer[forced] = jobs.primary[forced_jobs]

    base = np.where(
        open_job,
        jobs.created[job] + uniform_int(rng, np.full(n, 2 * HOUR), 72 * HOUR),
        jobs.completed[job]
        + 30 * MINUTE
        + np.minimum(rng.exponential(20 * HOUR, size=n), 6 * DAY).astype(np.int64),
    )
    received = np.where(
        forced, jobs.completed[job] + uniform_int(rng, np.full(n, HOUR), 24 * HOUR), base
    )
    received = within_hours(rng, received, 8, 21)
    took = HOUR + np.minimum(rng.exponential(1.5 * DAY, size=n), 14 * DAY).astype(np.int64)
    took[forced] = uniform_int(rng, np.full(n_forced, 2 * HOUR), 36 * HOUR)
    undetermined = responsibility == RESPONSIBILITIES.index("undetermined")
    still_open = ~forced & (rng.random(n) < np.where(undetermined, 0.7, 0.1))
    resolved = np.where(still_open, NONE, within_hours(rng, received + took, 8, 21))

    satisfied = np.asarray([TRUE, FALSE, NONE])[categorical(rng, (0.82, 0.13, 0.05), n)]
    satisfied[forced] = np.where(rng.random(n_forced) < 0.9, TRUE, FALSE)
    satisfied[still_open] = NONE
    product = responsibility == RESPONSIBILITIES.index("product")
    escalated = np.where(rng.random(n) < np.where(product, 0.6, 0.04), TRUE, FALSE)
    escalated[(rng.random(n) < 0.1) & ~forced] = NONE
    resolution = in_group(rng, _RESOLUTION_START[responsibility], _RESOLUTION_SIZE[responsibility])
    resolution[still_open & (rng.random(n) < 0.7)] = NONE
    escalated_at = _escalated_at(rng, received, escalated == TRUE)

    complaints = Complaints(
        job=job,
        installer=installer.astype(np.int64),
        received=received.astype(np.int64),
        category=category.astype(np.int64),
        severity=severity.astype(np.int64),
        responsibility=responsibility.astype(np.int64),
        resolved=resolved.astype(np.int64),
        satisfied=satisfied.astype(np.int64),
        escalated=escalated.astype(np.int64),
        escalated_at=escalated_at.astype(np.int64),
        resolution=resolution.astype(np.int64),
    )
    return sorted_by(complaints, complaints.received)


def _escalated_at(rng: np.random.Generator, received: IntArray, escalated: BoolArray) -> IntArray:
    """When an escalated complaint was reported (drawn after everything else, so that adding it
    left the other columns as they were): most within hours of receipt, the same day; some
    one to three days late (a service level breached); one in ten without a written time."""
    n = len(received)
    at = received + uniform_int(rng, np.full(n, 10 * MINUTE), 3 * HOUR)
    late = rng.random(n) < 0.15
    at = np.where(late, received + uniform_int(rng, np.full(n, DAY), 3 * DAY), at)
    missing = rng.random(n) < 0.1
    return np.where(escalated & ~missing, at, NONE).astype(np.int64)


def _forced(
    rng: np.random.Generator, roster: Roster, jobs: Jobs, month: Month
) -> tuple[IntArray, IntArray]:
    """Jobs of the installers set up to exceed a cap, ``forced_complaints`` of each, completed
    at least five days before the month ends (so that the complaint is resolved in it)."""
    wanted = roster.forced_complaints[jobs.primary]
    eligible = np.flatnonzero(
        (wanted > 0)
        & (jobs.kind != OPEN_JOB)
        & (jobs.completed >= month.start)
        & (jobs.completed <= month.end - 5 * DAY)
    )
    owner = jobs.primary[eligible]
    order = np.lexsort((rng.random(len(eligible)), owner))
    eligible, owner = eligible[order], owner[order]
    _, starts, sizes = np.unique(owner, return_index=True, return_counts=True)
    rank = np.arange(len(owner)) - np.repeat(starts, sizes)
    keep = rank < roster.forced_complaints[owner]
    return eligible[keep].astype(np.int64), rank[keep].astype(np.int64)


def _named_installer(rng: np.random.Generator, jobs: Jobs, job: IntArray) -> IntArray:
    """The installer a complaint names: on shared jobs 40% name one of the crew, on single jobs
    25% name the installer; the others leave it blank (charged to the crew by share)."""
    n = len(job)
    crew = jobs.installers[job]
    crew_size = (crew != NONE).sum(axis=1)
    member = crew[np.arange(n), (rng.random(n) * crew_size).astype(np.int64)]
    named = rng.random(n) < np.where(crew_size > 1, 0.4, 0.25)
    return np.where(named, member, NONE).astype(np.int64)
