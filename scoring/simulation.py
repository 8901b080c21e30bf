"""What a simulated plan changes, summed up: totals per kind and the distribution of the change.

Pure functions over the per-installer comparison of :func:`scoring.periods.simulate_plan`
(one row per installer with every statement money column now, ``<column>_draft`` as the plan
would pay, and ``change_fen``). Money stays integer fen.

The distribution is for a histogram of the change in net pay: bands of one width, aligned to
multiples of it (``[low, high)``), covering the installers whose pay changes, with the
unchanged counted apart (a chart shows them as their own bar at zero, so that a band such as
``[0, 50.00)`` never hides hundreds of unchanged installers among a few small raises). The
width is the smallest of 0.01, 0.02, 0.05, 0.10, … yuan that needs at most ``max_bands``
bands; bands in between that nobody falls in are kept (count 0), so the bands are contiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from scoring.result import STATEMENT_MONEY_COLUMNS

#: How the installers of a simulation are listed: by installer id, or the biggest change
#: (in either direction) first.
Order = Literal["installer", "change"]
ORDERS: tuple[Order, ...] = ("installer", "change")
DEFAULT_MAX_BANDS = 20


@dataclass(frozen=True)
class KindChange:
    """One statement money column (``bonus_fen`` …) summed over the installers."""

    column: str
    now_fen: int
    simulated_fen: int

    @property
    def change_fen(self) -> int:
        return self.simulated_fen - self.now_fen

    @property
    def name(self) -> str:
        """The column as the payroll sheet names it (``bonus``, ``net`` …)."""
        return self.column.removesuffix("_fen")


@dataclass(frozen=True)
class Band:
    """Installers whose change in net pay is in ``[low_fen, high_fen)`` (and not zero)."""

    low_fen: int
    high_fen: int
    count: int


@dataclass(frozen=True)
class Distribution:
    width_fen: int
    bands: tuple[Band, ...]
    decreased: int
    unchanged: int
    increased: int


def kind_totals(per_installer: pl.DataFrame) -> list[KindChange]:
    """Every statement money column summed now and as simulated, in statement order."""
    sums = per_installer.select(
        [pl.col(c).sum().alias(c) for c in STATEMENT_MONEY_COLUMNS]
        + [pl.col(f"{c}_draft").sum().alias(f"{c}_draft") for c in STATEMENT_MONEY_COLUMNS]
    ).row(0, named=True)
    return [
        KindChange(column=c, now_fen=int(sums[c] or 0), simulated_fen=int(sums[f"{c}_draft"] or 0))
        for c in STATEMENT_MONEY_COLUMNS
    ]


def band_width(low_fen: int, high_fen: int, max_bands: int = DEFAULT_MAX_BANDS) -> int:
    """The smallest width of 1, 2, 5 × 10^k fen whose aligned bands from ``low_fen`` to
    ``high_fen`` (both included) number at most ``max_bands``."""
    if max_bands < 1:
        raise ValueError("max_bands must be at least 1")
    scale = 1
    while True:
        for step in (1, 2, 5):
            width = step * scale
            if high_fen // width - low_fen // width + 1 <= max_bands:
                return width
        scale *= 10


def distribution(changes: pl.Series, max_bands: int = DEFAULT_MAX_BANDS) -> Distribution:
    """The histogram of ``changes`` (integer fen, one per installer)."""
    moved = changes.filter(changes != 0)
    decreased = int((changes < 0).sum())
    increased = int((changes > 0).sum())
    unchanged = changes.len() - decreased - increased
    if moved.len() == 0:
        return Distribution(1, (), decreased, unchanged, increased)
    low, high = int(moved.min()), int(moved.max())  # type: ignore[arg-type]
    width = band_width(low, high, max_bands)
    first = low // width
    counts = (
        moved.to_frame("change")
        .select((pl.col("change") // width).alias("band"))  # floor division: aligned bands
        .group_by("band")
        .len()
    )
    found = {int(b): int(n) for b, n in counts.iter_rows()}
    bands = tuple(
        Band(low_fen=b * width, high_fen=(b + 1) * width, count=found.get(b, 0))
        for b in range(first, high // width + 1)
    )
    return Distribution(width, bands, decreased, unchanged, increased)


def ordered(per_installer: pl.DataFrame, order: Order) -> pl.DataFrame:
    """The installers by id, or by the size of their change, biggest first (then by id)."""
    if order == "installer":
        return per_installer.sort("installer_id")
    if order == "change":
        return per_installer.sort(
            [pl.col("change_fen").abs(), pl.col("installer_id")], descending=[True, False]
        )
    raise ValueError(f"unknown order {order!r}")
