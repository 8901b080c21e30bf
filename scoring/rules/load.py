"""Load a plan: read it, check it, compile it.

``check_plan(path)`` never raises for a bad plan: it returns every problem the check finds
(:mod:`scoring.rules.check`). ``load_plan(path)`` returns the valid :class:`Plan`, compiled
(:mod:`scoring.rules.compiled`) with the syntax trees its check made, or raises one
:class:`PlanError` carrying every problem. The command line's ``scoring plan check`` is a thin
layer over these.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from scoring.errors import PlanError, Problem
from scoring.rules.check import check_text
from scoring.rules.compiled import compile_plan
from scoring.rules.spec import Plan


def standard_plan_path() -> Path:
    """The plan the product ships (REFERENCE_PLAN.md)."""
    return Path(str(resources.files("scoring.rules") / "plans" / "standard.yaml"))


def check_plan(path: Path | str) -> list[Problem]:
    """Every problem of the plan file at ``path`` (empty when the plan is valid)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [Problem(str(path), f"无法读取方案文件 / cannot read the plan file: {exc}")]
    _, problems = check_bytes(raw, str(path))
    return problems


def load_plan(path: Path | str) -> Plan:
    """The valid plan at ``path``; :class:`PlanError` listing every problem otherwise."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"无法读取方案文件 / cannot read the plan file {path}: {exc}") from exc
    plan, problems = check_bytes(raw, str(path))
    if plan is None:
        raise PlanError(
            f"方案有误 / the plan {path} is invalid ({len(problems)} problems)", problems
        )
    return plan


def load_plan_text(text: str, source: str = "<plan>") -> Plan:
    """A plan from YAML text (tests, the web editor); raises :class:`PlanError` like load_plan."""
    plan, problems = check_bytes(text.encode("utf-8"), source)
    if plan is None:
        raise PlanError(f"方案有误 / the plan is invalid ({len(problems)} problems)", problems)
    return plan


def check_bytes(raw: bytes, source: str) -> tuple[Plan | None, list[Problem]]:
    """A plan given as bytes: (the plan, compiled, if valid; every problem)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(source, f"方案须为 UTF-8 / the plan must be UTF-8: {exc}")]
    checked = check_text(text, source)
    plan = checked.plan
    if plan is None:
        return None, checked.problems
    plan._checksum = hashlib.sha256(raw).hexdigest()
    plan._path = source
    plan._compiled = compile_plan(plan, checked.conditions)
    return plan, []
