"""What the services need besides the store: the local zone, the working-day calendar and
where rejected rows go. Built once per process from the settings."""

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

    @classmethod
    def of(cls, settings: Settings, calendar: WorkCalendar | None = None) -> Runtime:
        return cls(
            zone=settings.zone,
            calendar=calendar or WorkCalendar.load(settings.calendar_dir),
            rejects_dir=settings.rejects_dir,
        )
