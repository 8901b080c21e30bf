"""The month being generated, in naive local seconds (Asia/Shanghai wall-clock time).

Times are kept as integer seconds since 1970-01-01 00:00 *local wall-clock time*: the files carry
timestamps without an offset, which CONTRACT.md reads as local time, so no zone arithmetic is
needed here. Days are integer days since the same origin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from scoring.demo_data.sampling import DAY

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Month:
    """A calendar month ``YYYY-MM``: its first day and the first day of the next, as day numbers."""

    text: str
    year: int
    month: int
    start_day: int
    end_day: int  # exclusive

    @property
    def index(self) -> int:
        """Months since year 0: a key for the random streams of this month."""
        return self.year * 12 + self.month - 1

    @property
    def start(self) -> int:
        return self.start_day * DAY

    @property
    def end(self) -> int:
        """First second after the month."""
        return self.end_day * DAY

    @property
    def days(self) -> int:
        return self.end_day - self.start_day


def parse_month(text: str) -> Month:
    """``"2025-10"`` → the month; anything else is a ``ValueError``."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"期间应为 YYYY-MM / period must be YYYY-MM: {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    following = date(year + month // 12, month % 12 + 1, 1)
    return Month(
        text=f"{year:04d}-{month:02d}",
        year=year,
        month=month,
        start_day=day_number(date(year, month, 1)),
        end_day=day_number(following),
    )


def day_number(day: date) -> int:
    return (day - _EPOCH).days
