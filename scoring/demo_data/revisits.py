"""Revisits (回访结果): the call-back of about half of the completed jobs.

Jobs with a resolved complaint are called back first, within a day of the resolution; the others
1–25 days after completion, a few more than 30 days after. Most customers are reached; most
problems are solved, fewer for poor installers and troubled jobs.
回访:约一半完工工单;有已处理投诉的工单优先、在处理后一天内回访;多数接通、问题已解决。
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.demo_data.clock import Month
from scoring.demo_data.complaints import Complaints
from scoring.demo_data.jobs import NONE, Jobs
from scoring.demo_data.network import Network
from scoring.demo_data.sampling import (
    DAY,
    HOUR,
    IntArray,
    categorical,
    grouped,
    in_group,
    sorted_by,
    stream,
    uniform_int,
)
from scoring.demo_data.vocab import NOTES_RESOLVED, NOTES_UNREACHED, NOTES_UNRESOLVED

NOTES, _NOTE_START, _NOTE_SIZE = grouped((NOTES_UNREACHED, NOTES_RESOLVED, NOTES_UNRESOLVED))
#: P(issue resolved | reached) by the installer's tier (excellent … poor)
_SOLVED = np.asarray([0.97, 0.95, 0.90, 0.80])

_REVISITS_STREAM = 6
TRUE, FALSE = 1, 0


@dataclass(frozen=True)
class Revisits:
    """One element per revisit in the order of ``revisited``; ``NONE`` where blank."""

    job: IntArray
    revisited: IntArray
    reached: IntArray  # TRUE or FALSE
    issue_resolved: IntArray  # TRUE, FALSE or NONE
    customer_satisfied: IntArray  # TRUE, FALSE or NONE
    note: IntArray  # index into NOTES or NONE

    @property
    def size(self) -> int:
        return len(self.job)


def build_revisits(
    network: Network, jobs: Jobs, complaints: Complaints, month: Month, seed: int, count: int
) -> Revisits:
    rng = stream(seed, _REVISITS_STREAM, month.index)
    completed = np.flatnonzero(jobs.completed != NONE)
    last_resolution = np.full(jobs.size, NONE, dtype=np.int64)
    np.maximum.at(last_resolution, complaints.job, complaints.resolved)
    # complaint call-backs first, then the other completed jobs at random
    priority = rng.random(len(completed)) + (last_resolution[completed] != NONE)
    k = min(count, len(completed))
    job = completed[np.sort(np.argpartition(-priority, k - 1)[:k])] if k else completed[:0]
    if count > k and len(completed):  # more revisits than jobs: second attempts
        job = np.concatenate([job, rng.choice(completed, size=count - k)])
    n = len(job)
    repeat = np.arange(n) >= k

    after = categorical(rng, [1.0 / (d + 2) for d in range(25)], n) + 1
    far = rng.random(n) < 0.03
    after = np.where(far, rng.integers(31, 41, size=n), after)
    daytime = 9 * HOUR + (rng.random(n) * 11 * HOUR).astype(np.int64)
    routine = (jobs.completed[job] // DAY + after) * DAY + daytime
    callback = last_resolution[job] + uniform_int(rng, np.full(n, HOUR), 24 * HOUR)
    revisited = np.where((last_resolution[job] != NONE) & ~repeat, callback, routine)
    revisited = np.where(repeat, revisited + uniform_int(rng, np.full(n, DAY), 3 * DAY), revisited)

    reached = rng.random(n) < 0.87
    complained = last_resolution[job] != NONE
    solved_chance = _SOLVED[network.tier[jobs.primary[job]]] - 0.15 * complained
    solved_chance -= 0.1 * jobs.multi_visit[job]
    solved = rng.random(n) < solved_chance
    issue_resolved = np.where(solved, TRUE, FALSE)
    issue_resolved[rng.random(n) < 0.03] = NONE
    satisfied_chance = np.where(solved, 0.93, 0.2)
    satisfied = np.where(rng.random(n) < satisfied_chance, TRUE, FALSE)
    satisfied[rng.random(n) < 0.03] = NONE
    issue_resolved[~reached] = NONE
    satisfied[~reached] = NONE

    band = np.where(~reached, 0, np.where(solved, 1, 2))  # unreached, resolved, unresolved
    note = in_group(rng, _NOTE_START[band], _NOTE_SIZE[band])
    noted = rng.random(n) < np.where(band == 1, 0.3, 0.7)
    note = np.where(noted, note, NONE)

    revisits = Revisits(
        job=job.astype(np.int64),
        revisited=revisited.astype(np.int64),
        reached=np.where(reached, TRUE, FALSE).astype(np.int64),
        issue_resolved=issue_resolved.astype(np.int64),
        customer_satisfied=satisfied.astype(np.int64),
        note=note.astype(np.int64),
    )
    return sorted_by(revisits, revisits.revisited)
