"""The drafts the web has computed for reading, each with the state of the store behind it.

A draft of an open period depends on the records (the newest import batch that changed
one), the plan in force, the period's manual adjustments and the closed periods (the
corrections of earlier periods and the deductions they carried come from those). While none
of them changes, a page or an API read is served the draft already computed instead of
loading every table and computing the month again (national month: about 15 s a read).

Each of these only moves forward (batches and closes are added, a plan in force is replaced
by an activation, adjustments are added), and the state is read before the draft is
computed: a draft is at least as new as the state it is kept under, and served only while
the store is still in that state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from scoring.periods import plan_for
from scoring.result import Result
from scoring.store import Store
from scoring.store import periods as store_periods

#: Drafts kept (each holds a month's lines: up to ~0.7 GiB at national scale).
KEPT = 2


def draft_state(store: Store, period: str) -> Hashable:
    """What a draft of ``period`` is computed from, as a comparable value."""
    plan = plan_for(store, period, actor="web", persist=False)
    batch = store_periods.last_changing_batch(store)
    with store.begin() as conn:
        manual = store_periods.manual_lines(conn, period)
        closed = tuple((row.period, row.closed_at) for row in store_periods.closed_periods(conn))
    return (
        batch,
        (plan.plan_id, plan.version, plan.checksum),
        tuple(manual.rows()),
        closed,
    )


class DraftCache:
    """The last :data:`KEPT` drafts computed for reading, by period, with their state."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._drafts: OrderedDict[str, tuple[Hashable, Result]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, period: str, state: Hashable) -> Result | None:
        with self._lock:
            found = self._drafts.get(period)
            if found is None or found[0] != state:
                return None
            self._drafts.move_to_end(period)
            return found[1]

    def put(self, period: str, state: Hashable, result: Result) -> None:
        with self._lock:
            self._drafts[period] = (state, result)
            self._drafts.move_to_end(period)
            while len(self._drafts) > self._kept:
                self._drafts.popitem(last=False)
