"""The side figures of the team ranking (REFERENCE_PLAN.md, "Team ranking"), per team:
completed jobs, complaints at fault and jobs whose revisit reached the customer in time.

They come from the period's events, and are handed to :func:`scoring.ranking.rank_teams`.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from scoring.evaluate.inputs import SOURCE_IDS, Inputs
from scoring.evaluate.measures import attributed
from scoring.evaluate.prepare import decode_extras
from scoring.rules.compile import Env, Needs
from scoring.rules.compiled import CompiledPlan


def ranking_figures(
    plan: CompiledPlan, inputs: Inputs, events: Mapping[str, pl.LazyFrame], env: Env
) -> pl.LazyFrame:
    """Per team: jobs of its installers completed in the period (each job once per team),
    complaints with the installer at fault resolved in the period and charged to the team, and
    of its completed jobs those with a revisit that reached the customer within the window.
    """
    spec = plan.spec.ranking
    shares = inputs.job_installers
    team_of = inputs.installers.select("installer_id", "team_id")
    done = events["job"].select("job_id", "completed_at")
    team_jobs = (
        done.join(shares.select("job_id", "installer_id"), on="job_id", how="inner")
        .join(team_of, on="installer_id", how="inner")
        .select("team_id", "job_id")
        .unique()
    )
    completed = team_jobs.group_by("team_id").agg(pl.len().cast(pl.Int64).alias("completed_jobs"))

    needs = Needs()
    at_fault = plan.at_fault.expr(env, needs)
    complaints = decode_extras(events["complaint"], needs.extras).filter(at_fault)
    charged = attributed(complaints, "charged_installer", shares, SOURCE_IDS["complaint"])
    faults = (
        charged.join(team_of, on="installer_id", how="inner")
        .unique(subset=["team_id", "_event"])
        .group_by("team_id")
        .agg(pl.len().cast(pl.Int64).alias("complaints_at_fault"))
    )

    needs = Needs()
    reached = plan.revisit_reached.expr(env, needs)
    window = pl.duration(days=spec.revisit_within_days, time_unit="us")
    revisits = decode_extras(inputs.revisits, needs.extras).filter(reached)
    reached_jobs = (
        revisits.select("job_id", "revisited_at")
        .join(done, on="job_id", how="inner")
        .filter(
            (pl.col("revisited_at") >= pl.col("completed_at"))
            & (pl.col("revisited_at") <= pl.col("completed_at") + window)
        )
        .select("job_id")
        .unique()
    )
    revisit_counts = (
        team_jobs.join(reached_jobs, on="job_id", how="semi")
        .group_by("team_id")
        .agg(pl.len().cast(pl.Int64).alias("revisit_reached_jobs"))
    )
    return completed.join(faults, on="team_id", how="full", coalesce=True).join(
        revisit_counts, on="team_id", how="full", coalesce=True
    )
