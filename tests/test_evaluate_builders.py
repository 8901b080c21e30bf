"""A small world of normalised frames for the evaluation tests, built inline.

Times are written as local Asia/Shanghai text (``"2025-10-12 10:00"``) and stored as UTC, as the
importer does. Shares are written ``{"I1": "0.6", "I2": "0.4"}`` and normalised to
``job_installers`` with one common denominator per job.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from scoring import entities
from scoring.pipeline import run
from scoring.result import Result
from scoring.rules.load import load_plan, load_plan_text, standard_plan_path
from scoring.rules.spec import Plan
from scoring.workdays import WorkCalendar

ZONE = ZoneInfo("Asia/Shanghai")


def local(text: str | None) -> dt.datetime | None:
    """``"2025-10-12 10:00"`` (Asia/Shanghai) → an aware UTC datetime."""
    if text is None:
        return None
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=ZONE).astimezone(dt.UTC)


@cache
def calendar() -> WorkCalendar:
    return WorkCalendar.load(extra_dir=None)


@cache
def standard() -> Plan:
    return load_plan(standard_plan_path())


def standard_text() -> str:
    return Path(standard_plan_path()).read_text(encoding="utf-8")


def plan_with(replacements: list[tuple[str, str]] | None = None, extra_rules: str = "") -> Plan:
    """The standard plan with text replacements and extra per-event rules appended to ``rules``."""
    text = standard_text()
    for old, new in replacements or []:
        assert old in text, old
        text = text.replace(old, new)
    if extra_rules:
        text = text.replace("\nrating:\n", "\n" + extra_rules.rstrip() + "\n\nrating:\n", 1)
    return load_plan_text(text, "test-plan.yaml")


@dataclass
class World:
    dealers: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    installers: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    shares: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    revisits: list[dict[str, Any]] = field(default_factory=list)
    complaints: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def basic(cls) -> World:
        """Dealer D1, team T1, I1 employee (wage 5000.00, min 2490.00), I2 contractor, I3."""
        world = cls()
        world.dealer("D1")
        world.team("T1", "D1")
        world.installer("I1", employment="employee", wage=500_000, min_wage=249_000)
        world.installer("I2", employment="contractor")
        world.installer("I3", employment="employee")
        return world

    def dealer(self, dealer_id: str) -> None:
        self.dealers.append({"dealer_id": dealer_id, "name": f"经销商{dealer_id}"})

    def team(self, team_id: str, dealer_id: str = "D1", kind: str = "outsourced") -> None:
        self.teams.append(
            {"team_id": team_id, "name": f"团队{team_id}", "dealer_id": dealer_id, "kind": kind}
        )

    def installer(
        self,
        installer_id: str,
        *,
        team: str = "T1",
        employment: str = "employee",
        wage: int | None = None,
        min_wage: int | None = None,
    ) -> None:
        self.installers.append(
            {
                "installer_id": installer_id,
                "name": f"师傅{installer_id}",
                "team_id": team,
                "employment": employment,
                "base_monthly_wage_fen": wage,
                "local_min_wage_fen": min_wage,
            }
        )

    def job(
        self,
        job_id: str,
        shares: dict[str, str] | None = None,
        *,
        service_type: str = "install",
        created: str = "2025-10-01 09:00",
        completed: str | None = "2025-10-10 10:00",
        appointment_end: str | None = None,
        arrived: str | None = None,
        promised_days: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        parts = {k: Fraction(v) for k, v in (shares or {"I1": "1"}).items()}
        assert sum(parts.values()) == 1
        den = math.lcm(*(p.denominator for p in parts.values()))
        for installer_id, part in parts.items():
            self.shares.append(
                {
                    "job_id": job_id,
                    "installer_id": installer_id,
                    "share_num": int(part * den),
                    "share_den": den,
                }
            )
        self.jobs.append(
            {
                "job_id": job_id,
                "installer_ids": ";".join(f"{k}:{v}" for k, v in (shares or {"I1": "1"}).items()),
                "service_type": service_type,
                "created_at": local(created),
                "appointment_end": local(appointment_end),
                "arrived_at": local(arrived),
                "completed_at": local(completed),
                "promised_days": promised_days,
                "extra": json.dumps(extra, ensure_ascii=False) if extra else None,
            }
        )

    def survey(
        self,
        survey_id: str,
        job_id: str,
        at: str = "2025-10-12 10:00",
        overall: int = 5,
        **more: Any,
    ) -> None:
        self.surveys.append(
            {
                "survey_id": survey_id,
                "job_id": job_id,
                "surveyed_at": local(at),
                "overall": overall,
                **more,
            }
        )

    def revisit(
        self,
        revisit_id: str,
        job_id: str,
        at: str = "2025-10-15 10:00",
        *,
        reached: bool = True,
        issue_resolved: bool | None = True,
    ) -> None:
        self.revisits.append(
            {
                "revisit_id": revisit_id,
                "job_id": job_id,
                "revisited_at": local(at),
                "reached": reached,
                "issue_resolved": issue_resolved,
            }
        )

    def complaint(
        self,
        complaint_id: str,
        job_id: str,
        *,
        severity: str = "minor",
        responsibility: str = "installer",
        resolved: str | None = "2025-10-20 10:00",
        received: str = "2025-10-13 10:00",
        installer_id: str | None = None,
        category: str = "attitude",
    ) -> None:
        self.complaints.append(
            {
                "complaint_id": complaint_id,
                "job_id": job_id,
                "installer_id": installer_id,
                "received_at": local(received),
                "category": category,
                "severity": severity,
                "responsibility": responsibility,
                "resolved_at": local(resolved),
            }
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        def frame(entity: entities.Entity, rows: list[dict[str, Any]]) -> pl.DataFrame:
            schema = entity.schema
            filled = [{name: row.get(name) for name in schema.names()} for row in rows]
            return pl.DataFrame(filled, schema=schema)

        return {
            "dealers": frame(entities.DEALERS, self.dealers),
            "teams": frame(entities.TEAMS, self.teams),
            "installers": frame(entities.INSTALLERS, self.installers),
            "jobs": frame(entities.JOBS, self.jobs),
            "job_installers": pl.DataFrame(self.shares, schema=entities.JOB_INSTALLERS_SCHEMA),
            "surveys": frame(entities.SURVEYS, self.surveys),
            "revisits": frame(entities.REVISITS, self.revisits),
            "complaints": frame(entities.COMPLAINTS, self.complaints),
        }

    def run(self, period: str = "2025-10", plan: Plan | None = None, **kwargs: Any) -> Result:
        return run(
            period, plan or standard(), self.frames(), calendar=calendar(), zone=ZONE, **kwargs
        )


def amounts(result: Result, rule_id: str | None = None) -> dict[str, int]:
    """installer_id → summed amount_fen of the lines (of one rule)."""
    lines = result.lines
    if rule_id is not None:
        lines = lines.filter(pl.col("rule_id") == rule_id)
    grouped = lines.group_by("installer_id").agg(pl.col("amount_fen").sum()).sort("installer_id")
    return dict(
        zip(grouped["installer_id"].to_list(), grouped["amount_fen"].to_list(), strict=True)
    )


def statement(result: Result, installer_id: str) -> dict[str, Any]:
    rows = result.statements.filter(pl.col("installer_id") == installer_id).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_world_frames_have_the_entity_schemas() -> None:
    world = World.basic()
    world.job("J1", {"I1": "0.6", "I2": "0.4"})
    frames = world.frames()
    assert frames["jobs"].schema == entities.JOBS.schema
    assert frames["job_installers"]["share_num"].to_list() == [3, 2]
    assert frames["job_installers"]["share_den"].to_list() == [5, 5]
