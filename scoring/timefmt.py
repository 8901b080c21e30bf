"""Times as people read them: the store's microseconds shown in the configured local zone.

Pages and the command line write ``2025-10-12 14:30`` (people's form); the API and files write
ISO 8601 with the offset (``2025-10-12T14:30:00+08:00``) so programs read them exactly.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def moment(us: int, zone: ZoneInfo) -> dt.datetime:
    """Store microseconds since the epoch (UTC) as an aware local time."""
    return dt.datetime.fromtimestamp(us / 1_000_000, tz=dt.UTC).astimezone(zone)


def local_time(us: int | None, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """``2025-10-12 14:30`` (with ``:05`` seconds when asked); empty for no time."""
    if us is None:
        return ""
    return moment(us, zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def iso_local(us: int | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 local time with its offset, to the second; None for no time."""
    if us is None:
        return None
    return moment(us, zone).isoformat(timespec="seconds")
