"""The one spelling of a period in the store and in file names: see :mod:`scoring.period`."""

from __future__ import annotations

from scoring.period import Period


def check_period(text: object) -> str:
    """The canonical ``YYYY-MM`` of the period ``text`` names (an InputError otherwise)."""
    return Period.parse(text).name
