"""Plan files for the tests of plan proposals and simulations: the shipped plan, edited."""

from __future__ import annotations

import re

from scoring.rules.load import standard_plan_path


def plan_text(five_star: str = "20.00", version: int = 2, effective_from: str | None = None) -> str:
    """The shipped plan with another amount for a five-star survey (10.00 shipped), another
    version and, when given, another ``effective_from``."""
    text = standard_plan_path().read_text(encoding="utf-8")
    text = text.replace('amount: "10.00"', f'amount: "{five_star}"', 1)
    text = text.replace("version: 1", f"version: {version}", 1)
    if effective_from is not None:
        text = re.sub(
            r"^effective_from: .*$", f"effective_from: {effective_from}", text, count=1, flags=re.M
        )
    return text


def line_of(text: str, prefix: str) -> int:
    """The 1-based line of ``text`` that starts with ``prefix``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starts with {prefix!r}")
