"""Payroll files of a period: the frozen result of a closed one, read as it was frozen (no
input table is loaded), or the draft of an open one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from payroll_export import ExportedFiles, export_period
from scoring.errors import InputError
from scoring.period import Period
from scoring.result import Result
from scoring.services.access import Caller, Right, require
from scoring.services.drafts import compute_and_store, draft_state
from scoring.services.runtime import Runtime
from scoring.services.statements import NotComputed
from scoring.store import Store
from scoring.store import periods as store_periods

Headings = Literal["en", "zh"]


def headings_of(text: str) -> Headings:
    if text == "en":
        return "en"
    if text == "zh":
        return "zh"
    raise InputError(f"表头语言只能是 en 或 zh / headings are en or zh, not {text!r}")


def result_of(
    store: Store, *, caller: Caller, period: Period, runtime: Runtime, fresh: bool
) -> Result:
    """The frozen result of a closed period; for an open one its materialised draft, computed
    (and stored) first when ``fresh`` and the stored one is missing or stale. Without
    ``fresh`` (a web request, which never computes) a missing draft is :class:`NotComputed`."""
    require(caller, Right.EXPORT)
    with store.begin() as conn:
        closed = store_periods.is_closed(conn, period.name)
        draft = None if closed else store_periods.get_draft(conn, period.name)
    if closed:
        return store_periods.load_closed(store, period.name)
    if fresh and (draft is None or draft.state != draft_state(store, period)):
        computed = compute_and_store(store, caller=caller, period=period, runtime=runtime)
        if computed is not None:
            return computed
        return store_periods.load_closed(store, period.name)  # closed meanwhile
    found = store_periods.load_draft(store, period.name)
    if found is None:
        raise NotComputed(
            f"期间 {period} 的草稿尚未生成 / the draft of {period} has not been computed yet"
        )
    return found


def export(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    out_dir: Path,
    headings: Headings,
    runtime: Runtime,
    fresh: bool,
) -> ExportedFiles:
    """Write ``payroll-PERIOD[-DRAFT].xlsx`` and ``.csv`` into ``out_dir``."""
    result = result_of(store, caller=caller, period=period, runtime=runtime, fresh=fresh)
    out_dir.mkdir(parents=True, exist_ok=True)
    return export_period(result, out_dir, headings=headings)
