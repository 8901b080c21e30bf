"""generate(period, scale, seed): the whole sample network and month, in the order they depend
on each other: network → roster → jobs → complaints → surveys → revisits → text tables."""

from __future__ import annotations

import polars as pl

from scoring.demo_data.clock import parse_month
from scoring.demo_data.complaints import build_complaints
from scoring.demo_data.jobs import build_jobs
from scoring.demo_data.network import build_network, build_roster
from scoring.demo_data.revisits import build_revisits
from scoring.demo_data.scale import Scale
from scoring.demo_data.surveys import build_surveys
from scoring.demo_data.tables import to_tables


def generate(period: str, *, scale: Scale, seed: int = 7) -> dict[str, pl.DataFrame]:
    """A realistic sample network and month ``period`` (``YYYY-MM``, local time Asia/Shanghai).

    Returns, per entity name of CONTRACT.md (dealers, teams, installers, jobs, surveys, revisits,
    complaints), a frame of text columns exactly as an input file has them: the English headers
    in the contract's order, blanks as nulls. The same seed always gives the same frames; the
    dealers, teams and installers of one seed are the same in every period.
    按种子确定地生成一个月的样例数据(经销商、团队、师傅、工单、问卷、回访、投诉),全部为文本列。
    """
    if seed < 0:
        raise ValueError(f"种子不能为负 / seed must not be negative: {seed}")
    month = parse_month(period)
    network = build_network(scale, seed)
    roster = build_roster(network, month, seed)
    jobs = build_jobs(network, roster, month, seed, scale.jobs)
    complaints = build_complaints(network, roster, jobs, month, seed, scale.complaints)
    surveys = build_surveys(network, jobs, complaints, month, seed, scale.surveys)
    revisits = build_revisits(network, jobs, complaints, month, seed, scale.revisits)
    return to_tables(month, network, roster, jobs, complaints, surveys, revisits)
