"""What the services need besides the store: the local zone, the working-day calendar, where
rejected rows go and where the dealers' monthly reports are written (None: nowhere, they are
then only made on request). Built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from scoring.settings import Settings
from scoring.workdays import WorkCalendar


@dataclass(frozen=True)
class Runtime:
    zone: ZoneInfo
    calendar: WorkCalendar
    rejects_dir: Path
    reports_dir: Path | None = None

    @classmethod
    def of(cls, settings: Settings, calendar: WorkCalendar | None = None) -> Runtime:
        return cls(
            zone=settings.zone,
            calendar=calendar or WorkCalendar.load(settings.calendar_dir),
            rejects_dir=settings.rejects_dir,
            reports_dir=settings.reports_dir,
        )
