"""Visit surveys (满意度回访问卷): mostly 4 and 5 stars, worse for poor installers and bad visits.

Most completed jobs get one survey a few hours (SMS, WeChat, app) or days (phone) after
completion. A few jobs get a second, later survey (the first is then superseded), a few surveys
come more than 30 days after completion (outside the window: earlier jobs surveyed in the month)
and a few name jobs that are not completed.
问卷:多数4–5星;按师傅水平与本次服务(迟到、多次上门、投诉)变差;少量重复问卷、超30天问卷和未完工工单的问卷。
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring import entities
from scoring.demo_data.clock import Month
from scoring.demo_data.complaints import RESPONSIBILITIES, Complaints
from scoring.demo_data.jobs import NONE, Jobs
from scoring.demo_data.network import Network
from scoring.demo_data.sampling import (
    DAY,
    HOUR,
    MINUTE,
    BoolArray,
    IntArray,
    categorical,
    categorical_rows,
    ensure_all,
    grouped,
    in_group,
    pick,
    sorted_by,
    stream,
    uniform_int,
    within_hours,
)
from scoring.demo_data.vocab import COMMENTS_FAIR, COMMENTS_GOOD, COMMENTS_POOR

CHANNELS = tuple(entities.CHANNELS)  # phone, sms, wechat, app
_CHANNEL_SHARES = {"phone": 0.35, "sms": 0.25, "wechat": 0.30, "app": 0.10}
#: P(overall = 1..5) by how the visit went: the installer's tier (excellent … poor), one step
#: worse for a late arrival or a multi-visit job, two for a complaint against the installer
STARS = (
    (0.001, 0.002, 0.010, 0.100, 0.887),
    (0.004, 0.010, 0.040, 0.246, 0.700),
    (0.020, 0.045, 0.110, 0.335, 0.490),
    (0.200, 0.200, 0.240, 0.200, 0.160),
    (0.300, 0.250, 0.200, 0.150, 0.100),
)
#: P(promise kept) by overall 1..5; P(a comment) by overall 1..5
_PROMISE_KEPT = np.asarray([0.50, 0.62, 0.85, 0.96, 0.99])
_COMMENTED = np.asarray([0.75, 0.65, 0.40, 0.12, 0.22])
COMMENTS, _COMMENT_START, _COMMENT_SIZE = grouped((COMMENTS_POOR, COMMENTS_FAIR, COMMENTS_GOOD))
DIMENSIONS = ("attitude", "punctuality", "professionalism", "cleanliness")

_SURVEYS_STREAM = 5
TRUE, FALSE = 1, 0


@dataclass(frozen=True)
class Surveys:
    """One element per survey in the order of ``surveyed``; scores 1–5, ``NONE`` where blank."""

    job: IntArray
    surveyed: IntArray
    channel: IntArray
    overall: IntArray
    dimensions: IntArray  # (n, 4) in the order of DIMENSIONS
    promise_kept: IntArray  # TRUE, FALSE or NONE
    comment: IntArray  # index into COMMENTS or NONE

    @property
    def size(self) -> int:
        return len(self.job)


def build_surveys(
    network: Network, jobs: Jobs, complaints: Complaints, month: Month, seed: int, count: int
) -> Surveys:
    rng = stream(seed, _SURVEYS_STREAM, month.index)
    completed = np.flatnonzero(jobs.completed != NONE)
    not_completed = np.flatnonzero(jobs.completed == NONE)
    long_ago = np.flatnonzero(
        (jobs.completed != NONE)
        & (jobs.completed >= month.start - 28 * DAY)
        & (jobs.completed <= month.start - 5 * DAY)
    )

    n_open = min(len(not_completed), round(0.004 * count))
    n_late = min(len(long_ago), round(0.005 * count))
    n_again = round(0.02 * count)
    late_jobs = pick(rng, long_ago, n_late)
    free = np.zeros(jobs.size, dtype=np.bool_)
    free[completed] = True
    free[late_jobs] = False
    rest = np.flatnonzero(free)
    n_first = max(0, count - n_open - n_late - n_again)
    first_jobs = pick(rng, rest, n_first)
    n1 = len(first_jobs)
    # second surveys of surveyed jobs; also make up the count when there are too few jobs
    n_again = count - n_open - n_late - n1 if n1 else 0
    again_from = rng.integers(n1, size=n_again) if n1 else np.empty(0, dtype=np.int64)
    open_jobs = rng.choice(not_completed, size=n_open) if n_open else np.empty(0, np.int64)

    # when: SMS, WeChat and app within hours; phone calls 1–10 days later in the daytime
    channel = categorical(rng, list(_CHANNEL_SHARES.values()), count)
    done = jobs.completed[first_jobs]
    by_phone = channel[:n1] == CHANNELS.index("phone")
    call_day = (
        done // DAY
        + categorical(rng, (0.30, 0.22, 0.15, 0.10, 0.08, 0.05, 0.04, 0.03, 0.02, 0.01), n1)
        + 1
    )
    call = call_day * DAY + 9 * HOUR + (rng.random(n1) * 11 * HOUR).astype(np.int64)
    reply = (
        done + 5 * MINUTE + np.minimum(rng.exponential(6 * HOUR, size=n1), 3 * DAY).astype(np.int64)
    )
    reply = within_hours(rng, reply, 7, 23)
    first_at = np.where(by_phone, call, reply)
    again_at = first_at[again_from] + uniform_int(rng, np.full(n_again, 12 * HOUR), 6 * DAY)
    late_at = (
        jobs.completed[late_jobs] + 30 * DAY + uniform_int(rng, np.full(n_late, 2 * HOUR), 3 * DAY)
    )
    open_at = jobs.created[open_jobs] + uniform_int(rng, np.full(n_open, DAY), 5 * DAY)

    job = np.concatenate([first_jobs, first_jobs[again_from], late_jobs, open_jobs]).astype(
        np.int64
    )
    surveyed = np.concatenate([first_at, again_at, late_at, open_at]).astype(np.int64)
    channel[n1 : n1 + n_again + n_late] = CHANNELS.index("phone")
    channel = ensure_all(rng, channel, len(CHANNELS))

    overall = _overall(rng, network, jobs, complaints, job)
    dimensions = _dimensions(rng, overall, jobs.late[job], channel)
    kept = np.where(rng.random(len(job)) < _PROMISE_KEPT[overall - 1], TRUE, FALSE)
    kept[rng.random(len(job)) < 0.15] = NONE
    comment = _comments(rng, overall)

    surveys = Surveys(
        job=job,
        surveyed=surveyed,
        channel=channel,
        overall=overall,
        dimensions=dimensions,
        promise_kept=kept.astype(np.int64),
        comment=comment,
    )
    return sorted_by(surveys, surveyed)


def _overall(
    rng: np.random.Generator, network: Network, jobs: Jobs, complaints: Complaints, job: IntArray
) -> IntArray:
    at_fault = np.zeros(jobs.size, dtype=np.int64)
    blamed = np.isin(
        complaints.responsibility,
        [RESPONSIBILITIES.index("installer"), RESPONSIBILITIES.index("shared")],
    )
    at_fault[complaints.job[blamed]] = 2
    at_fault[complaints.job[~blamed]] = np.maximum(at_fault[complaints.job[~blamed]], 1)
    how_it_went = (
        network.tier[jobs.primary[job]]
        + jobs.late[job].astype(np.int64)
        + jobs.multi_visit[job].astype(np.int64)
        + at_fault[job]
    )
    stars = categorical_rows(rng, STARS, np.minimum(how_it_went, len(STARS) - 1)) + 1
    return ensure_all(rng, stars - 1, 5) + 1


def _dimensions(
    rng: np.random.Generator, overall: IntArray, late: BoolArray, channel: IntArray
) -> IntArray:
    """Dimension scores near the overall score; punctuality low after a late arrival; an SMS
    survey usually asks for the overall score only."""
    n = len(overall)
    step = categorical(rng, (0.12, 0.76, 0.12), 4 * n).reshape(n, 4) - 1
    scores = np.clip(overall[:, None] + step, 1, 5)
    late_rows = np.flatnonzero(late)
    scores[late_rows, 1] = np.minimum(scores[late_rows, 1], rng.integers(1, 4, size=len(late_rows)))
    scores[rng.random((n, 4)) < 0.02] = NONE
    overall_only = (channel == CHANNELS.index("sms")) & (rng.random(n) < 0.8)
    scores[overall_only] = NONE
    return scores.astype(np.int64)


def _comments(rng: np.random.Generator, overall: IntArray) -> IntArray:
    n = len(overall)
    band = np.where(overall <= 2, 0, np.where(overall == 3, 1, 2))  # poor, fair, good
    comment = in_group(rng, _COMMENT_START[band], _COMMENT_SIZE[band])
    return np.where(rng.random(n) < _COMMENTED[overall - 1], comment, NONE).astype(np.int64)
