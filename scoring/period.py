"""A period: one calendar month, the unit in which installers are paid.

There is one parser and one spelling. ``Period.parse`` takes what a person types or a file holds
(surrounding spaces and full-width digits are forgiven, as Chinese input methods produce them)
and gives the period; its text is always ``YYYY-MM`` in ASCII digits, the key under which the
store and the file names know it. Every face (a command-line argument, a path parameter, a form
field, a file value) parses once at its edge and passes a ``Period`` down.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scoring.errors import InputError

_SPELLING = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
#: Periods outside these years are refused: no payroll is computed for them, and a far
#: future period (9999-12) has no next month to carry corrections into.
FIRST_YEAR = 2000
LAST_YEAR = 2099


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """A calendar month ``YYYY-MM`` (months in the configured local zone)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (FIRST_YEAR <= self.year <= LAST_YEAR and 1 <= self.month <= 12):
            raise InputError(
                f"期间超出范围 / a period is a month of {FIRST_YEAR}-{LAST_YEAR}, not "
                f"{self.year:04d}-{self.month:02d}"
            )

    @classmethod
    def parse(cls, text: object) -> Period:
        """The period ``text`` names; an :class:`InputError` that quotes it otherwise."""
        if isinstance(text, Period):
            return text
        if not isinstance(text, str):
            raise InputError(f"期间格式应为 YYYY-MM / a period is YYYY-MM, not {text!r}")
        shown = text if len(text) <= 40 else text[:40] + "…"
        match = _SPELLING.fullmatch(unicodedata.normalize("NFKC", text).strip())
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise InputError(
                f"期间格式应为 YYYY-MM(如 2025-10)/ a period is YYYY-MM (e.g. 2025-10), "
                f"not {shown!r}"
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Period:
        """The period a date falls in."""
        return cls(day.year, day.month)

    @classmethod
    def current(cls, zone: ZoneInfo, now: dt.datetime | None = None) -> Period:
        """The month of ``now`` (default: now) in ``zone``."""
        moment = (now or dt.datetime.now(tz=zone)).astimezone(zone)
        return cls(moment.year, moment.month)

    @property
    def name(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __str__(self) -> str:
        return self.name

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def start(self, zone: ZoneInfo) -> dt.datetime:
        """The first instant of the month in ``zone``, as UTC."""
        return dt.datetime(self.year, self.month, 1, tzinfo=zone).astimezone(dt.UTC)

    def end(self, zone: ZoneInfo) -> dt.datetime:
        """The first instant of the next month in ``zone``, as UTC (the end is excluded)."""
        return self.next().start(zone)
