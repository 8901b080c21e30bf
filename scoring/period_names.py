"""The one spelling of a period: ``YYYY-MM`` in ASCII digits, month 01–12.

A period is a key in the store and in file names; any other spelling (full-width digits,
spaces, ``2025-1``) would name a period no computation ever reads, so it is refused.
"""

from __future__ import annotations

import re

from scoring.errors import InputError

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])", re.ASCII)


def check_period(text: str) -> str:
    """``text`` when it is a period ``YYYY-MM``; an InputError naming it otherwise."""
    if not isinstance(text, str) or _PERIOD.fullmatch(text) is None:
        raise InputError(f"期间格式应为 YYYY-MM / a period is YYYY-MM, not {text!r}")
    return text
