"""Jobs (工单) of the month: who, what, when, and how punctual.

Three kinds of job are drawn:
- *month* jobs, done in the month (some created a few days before it, a few multi-visit jobs
  finishing days later, possibly early next month);
- *earlier* jobs, completed in the four weeks before the month: their late surveys, revisits and
  complaints arrive in the month (surveys more than 30 days late are outside the window);
- *open* jobs, not completed: booked for next month, waiting for parts, or not visited.
本月工单、上月完工的工单(其回访、投诉和超过30天的问卷落在本月)与未完工工单。
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.demo_data.clock import Month
from scoring.demo_data.network import NO_DATE, Network, Roster
from scoring.demo_data.sampling import (
    DAY,
    HOUR,
    MINUTE,
    BoolArray,
    IntArray,
    categorical,
    ensure_all,
    sorted_by,
    stream,
    uniform_int,
)
from scoring.demo_data.vocab import PRODUCTS

MONTH_JOB, EARLIER_JOB, OPEN_JOB = 0, 1, 2
NONE = -1

SERVICE_TYPES = ("delivery", "install", "repair", "maintenance")
SERVICE_SHARES = (0.25, 0.40, 0.22, 0.13)
#: minutes on site per service type
DURATIONS = ((20, 90), (45, 240), (30, 180), (30, 90))

#: explicit shares of jobs shared by two or three installers, as written in installer_ids
SHARES_OF_TWO = (("0.6", "0.4"), ("0.7", "0.3"), ("0.5", "0.5"), ("0.55", "0.45"))
SHARES_OF_THREE = (("0.5", "0.3", "0.2"), ("0.4", "0.3", "0.3"), ("0.34", "0.33", "0.33"))

_JOBS_STREAM = 3
_WINDOW_HOURS = (8, 9, 10, 13, 14, 15, 16, 18)
_WINDOW_WEIGHTS = (0.14, 0.16, 0.14, 0.12, 0.14, 0.12, 0.10, 0.08)


@dataclass(frozen=True)
class Jobs:
    """One element per job, in the order of ``created`` (which is the order of the ids).
    Times are local seconds; ``NONE`` where a field is blank."""

    kind: IntArray
    installers: IntArray  # (n, 3): first, second and third installer, NONE when fewer
    share_style: IntArray  # NONE: equal shares; else an index into SHARES_OF_TWO/THREE
    service: IntArray
    product: IntArray  # index into the service's product list, NONE when blank
    created: IntArray
    appointment_start: IntArray
    appointment_end: IntArray
    arrived: IntArray
    completed: IntArray
    promised_days: IntArray
    late: BoolArray  # arrived more than 30 minutes after the appointment window
    multi_visit: BoolArray  # completed on a later day than the first visit

    @property
    def primary(self) -> IntArray:
        first: IntArray = self.installers[:, 0]
        return first

    @property
    def size(self) -> int:
        return len(self.kind)


def build_jobs(network: Network, roster: Roster, month: Month, seed: int, count: int) -> Jobs:
    rng = stream(seed, _JOBS_STREAM, month.index)
    earlier = round(0.02 * count)
    open_ = round(0.015 * count)
    in_month = count - earlier - open_
    kind = np.repeat(
        np.asarray([MONTH_JOB, EARLIER_JOB, OPEN_JOB], dtype=np.int64), [in_month, earlier, open_]
    )
    everyone = np.arange(len(roster.weight))
    regulars = everyone[roster.full_month & (roster.weight > 0)]
    if len(regulars) == 0:
        regulars = everyone[roster.weight > 0]
    primary = np.concatenate(
        [
            rng.choice(everyone, size=in_month, p=roster.weight / roster.weight.sum()),
            rng.choice(
                regulars,
                size=earlier + open_,
                p=roster.weight[regulars] / roster.weight[regulars].sum(),
            ),
        ]
    ).astype(np.int64)
    # occasional installers (helpers, part-timers) lead one or two jobs of the month each
    occasional = np.flatnonzero(roster.occasional)
    their_jobs = np.repeat(occasional, rng.integers(1, 3, size=len(occasional)))[:in_month]
    primary[rng.choice(in_month, size=len(their_jobs), replace=False)] = their_jobs

    # the day of the appointment, inside the installer's working days
    first = np.maximum(roster.active_from[primary], month.start_day)
    leaving = roster.active_to[primary]  # the last day: book them the day before at the latest
    last = np.where(
        leaving == NO_DATE, month.end_day - 1, np.minimum(leaving - 1, month.end_day - 1)
    )
    day = uniform_int(rng, first, last)
    day[kind == EARLIER_JOB] = month.start_day - rng.integers(1, 29, size=earlier)
    open_stage = categorical(rng, (0.5, 0.3, 0.2), count)  # next month, waiting parts, not visited
    open_stage[kind != OPEN_JOB] = NONE
    booked_later = open_stage == 0
    day[booked_later] = month.end_day + rng.integers(0, 5, size=int(booked_later.sum()))
    waiting = (open_stage == 1) | (open_stage == 2)
    day[waiting] = month.end_day - rng.integers(1, 11, size=int(waiting.sum()))

    lead = categorical(rng, (0.25, 0.40, 0.20, 0.10, 0.03, 0.02), count)
    lead[booked_later] = (
        day[booked_later] - (month.end_day - rng.integers(1, 4, size=count))[booked_later]
    )
    joined = roster.active_from[primary] >= month.start_day  # no job created before joining
    lead = np.where(joined & (kind == MONTH_JOB), np.minimum(lead, day - first), lead)

    window_hour = np.asarray(_WINDOW_HOURS, dtype=np.int64)[
        categorical(rng, _WINDOW_WEIGHTS, count)
    ]
    start = day * DAY + window_hour * HOUR + (rng.random(count) < 0.2) * 30 * MINUTE
    hours = rng.choice(np.asarray([2, 3, 4], dtype=np.int64), size=count, p=[0.45, 0.35, 0.2])
    end = np.minimum(start + hours * HOUR, day * DAY + 21 * HOUR)  # windows end by 21:00

    created_day = day - lead
    same_day_room = np.maximum(start - (day * DAY + 7 * HOUR) - HOUR, 0)
    created = np.where(
        lead == 0,
        day * DAY + 7 * HOUR + (rng.random(count) * same_day_room).astype(np.int64),
        created_day * DAY + 8 * HOUR + (rng.random(count) * 13 * HOUR).astype(np.int64),
    )

    # arrival: mostly inside the window, about 5% more than 30 minutes after it
    punctuality = categorical(rng, (0.04, 0.84, 0.07, 0.05), count)
    length = end - start
    arrived = np.select(
        [punctuality == 0, punctuality == 1, punctuality == 2],
        [
            start - uniform_int(rng, np.full(count, 5 * MINUTE), 30 * MINUTE),
            start + (rng.random(count) ** 1.5 * (length - 10 * MINUTE)).astype(np.int64),
            end + uniform_int(rng, np.full(count, MINUTE), 30 * MINUTE),
        ],
        end + uniform_int(rng, np.full(count, 31 * MINUTE), 150 * MINUTE),
    )
    arrived = np.maximum(arrived, created + 20 * MINUTE)
    service = ensure_all(rng, categorical(rng, SERVICE_SHARES, count), len(SERVICE_TYPES))
    low = np.asarray([d[0] for d in DURATIONS], dtype=np.int64)[service] * MINUTE
    high = np.asarray([d[1] for d in DURATIONS], dtype=np.int64)[service] * MINUTE
    completed = arrived + uniform_int(rng, low, high)
    multi_visit = (kind != OPEN_JOB) & roster.full_month[primary] & (rng.random(count) < 0.06)
    completed = np.where(
        multi_visit,
        (arrived // DAY + rng.integers(1, 7, size=count)) * DAY
        + 9 * HOUR
        + (rng.random(count) * 9 * HOUR).astype(np.int64),
        completed,
    )
    late = arrived > end + 30 * MINUTE

    # blanks: open jobs are not completed (and booked ones not visited); a few without a window
    # or without a recorded arrival
    completed[kind == OPEN_JOB] = NONE
    arrived[booked_later | (open_stage == 2)] = NONE
    no_window = rng.random(count) < 0.03
    start[no_window] = NONE
    end[no_window] = NONE
    no_arrival = (kind != OPEN_JOB) & (rng.random(count) < 0.02)
    arrived[no_arrival] = NONE
    late &= ~no_window & (arrived != NONE)

    promised = np.clip(lead + categorical(rng, (0.3, 0.5, 0.2), count), 1, 3)
    same_day = (lead == 0) & (service == 2) & (rng.random(count) < 0.15)
    promised[same_day] = 0
    promised[rng.random(count) >= 0.6] = NONE

    sizes = np.asarray([len(PRODUCTS[s]) for s in SERVICE_TYPES], dtype=np.int64)
    product = (rng.random(count) * sizes[service]).astype(np.int64)
    product[rng.random(count) < 0.03] = NONE

    installers, share_style = _crews(rng, network, roster, primary)
    jobs = Jobs(
        kind=kind,
        installers=installers,
        share_style=share_style,
        service=service,
        product=product,
        created=created.astype(np.int64),
        appointment_start=start.astype(np.int64),
        appointment_end=end.astype(np.int64),
        arrived=arrived.astype(np.int64),
        completed=completed.astype(np.int64),
        promised_days=promised.astype(np.int64),
        late=late,
        multi_visit=multi_visit,
    )
    return sorted_by(jobs, jobs.created)


def _crews(
    rng: np.random.Generator, network: Network, roster: Roster, primary: IntArray
) -> tuple[IntArray, IntArray]:
    """About 15% of jobs are shared with one or two helpers of the same team."""
    count = len(primary)
    helpers = np.flatnonzero(roster.helper)
    team_of = network.installer_team
    pool = helpers[np.lexsort((helpers, team_of[helpers]))]
    teams = len(network.team_kind)
    pool_size = np.bincount(team_of[pool], minlength=teams)
    pool_start = np.concatenate([[0], np.cumsum(pool_size)[:-1]]).astype(np.int64)
    position = np.full(len(team_of), NONE, dtype=np.int64)
    position[pool] = np.arange(len(pool)) - pool_start[team_of[pool]]

    size = pool_size[team_of[primary]]
    mine = position[primary]
    eligible = (mine != NONE) & (size >= 2)
    chance = min(0.5, 0.15 * count / max(1, int(eligible.sum())))
    shared = eligible & (rng.random(count) < chance)
    three = shared & (size >= 3) & (rng.random(count) < 0.2)

    others = size - 1
    r1 = (rng.random(count) * others).astype(np.int64)
    r2 = (r1 + 1 + (rng.random(count) * np.maximum(others - 1, 1)).astype(np.int64)) % np.maximum(
        others, 1
    )
    # skip the primary's own place in the team's pool
    r1 += r1 >= mine
    r2 += r2 >= mine
    base = pool_start[team_of[primary]]
    second = np.where(shared, pool[np.minimum(base + r1, len(pool) - 1)], NONE)
    third = np.where(three, pool[np.minimum(base + r2, len(pool) - 1)], NONE)

    explicit = shared & (rng.random(count) < 0.4)
    style = np.where(
        three,
        rng.integers(len(SHARES_OF_THREE), size=count),
        rng.integers(len(SHARES_OF_TWO), size=count),
    )
    share_style = np.where(explicit, style, NONE).astype(np.int64)
    installers = np.stack([primary, second, third], axis=1).astype(np.int64)
    return installers, share_style
