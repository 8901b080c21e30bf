"""Vectorised random helpers over numpy arrays; every stream is derived from the seed.

随机工具:由种子派生的独立随机流、按概率抽样、不放回加权抽样、保证每个取值都出现。
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SECOND = 1
MINUTE = 60
HOUR = 3_600
DAY = 86_400

Rows = TypeVar("Rows", bound="DataclassInstance")


def stream(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for one purpose: the same (seed, keys) always gives the same
    numbers, and changing how one table is drawn never changes another table."""
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def categorical(rng: np.random.Generator, probs: Sequence[float], size: int) -> IntArray:
    """``size`` codes ``0..len(probs)-1`` drawn with the given probabilities (normalised)."""
    cumulative = np.cumsum(np.asarray(probs, dtype=np.float64))
    cumulative /= cumulative[-1]
    codes = np.searchsorted(cumulative, rng.random(size), side="right")
    return np.minimum(codes, len(probs) - 1).astype(np.int64)


def categorical_rows(
    rng: np.random.Generator, table: Sequence[Sequence[float]], rows: IntArray
) -> IntArray:
    """One code per element of ``rows``, drawn from the probability row ``table[rows[i]]``."""
    matrix = np.asarray(table, dtype=np.float64)
    cumulative = np.cumsum(matrix, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    codes = (u[:, None] >= cumulative[rows]).sum(axis=1)
    return np.minimum(codes, matrix.shape[1] - 1).astype(np.int64)


def uniform_int(rng: np.random.Generator, low: IntArray | int, high: IntArray | int) -> IntArray:
    """Integers uniform in ``[low, high]`` (inclusive), elementwise; ``high < low`` gives low.
    At least one of the bounds must be an array; its shape is the shape of the result."""
    lo, hi = np.broadcast_arrays(np.asarray(low, dtype=np.int64), np.asarray(high, dtype=np.int64))
    span = np.maximum(hi - lo + 1, 1)
    return (lo + np.floor(rng.random(lo.shape) * span).astype(np.int64)).astype(np.int64)


def within_hours(
    rng: np.random.Generator, seconds: IntArray, first_hour: int, last_hour: int
) -> IntArray:
    """Times outside ``[first_hour, last_hour)`` of their day moved forward to a random time
    inside those hours (the same day when too early, the next day when too late); never earlier."""
    day, time_of_day = np.divmod(seconds, DAY)
    early = time_of_day < first_hour * HOUR
    late = time_of_day >= last_hour * HOUR
    moved = (
        (day + late) * DAY
        + first_hour * HOUR
        + (rng.random(len(seconds)) * (last_hour - first_hour) * HOUR).astype(np.int64)
    )
    moved = np.maximum(moved, seconds)
    return np.where((early | late) & (seconds >= 0), moved, seconds).astype(np.int64)


def quota(rng: np.random.Generator, n: int, shares: Sequence[float]) -> IntArray:
    """``n`` codes in the exact proportions ``shares`` (each code at least once when ``n`` allows),
    in random order."""
    k = len(shares)
    total = float(sum(shares))
    counts = np.floor(np.asarray(shares, dtype=np.float64) / total * n).astype(np.int64)
    if n >= k:
        counts = np.maximum(counts, 1)
    while counts.sum() > n:
        counts[int(np.argmax(counts))] -= 1
    order = np.argsort(-np.asarray(shares))
    i = 0
    while counts.sum() < n:
        counts[order[i % k]] += 1
        i += 1
    codes = np.repeat(np.arange(k, dtype=np.int64), counts)
    return rng.permutation(codes)


def ensure_all(rng: np.random.Generator, codes: IntArray, k: int) -> IntArray:
    """A copy of ``codes`` in which every code ``0..k-1`` appears at least once (when there are at
    least ``k`` elements): a missing code replaces an element whose code appears more than once."""
    out = codes.copy()
    if len(out) < k:
        return out
    for code in range(k):
        if (out == code).any():
            continue
        counts = np.bincount(out[out >= 0], minlength=k)
        spare = np.flatnonzero((out >= 0) & (counts[np.maximum(out, 0)] > 1))
        if len(spare) == 0:
            spare = np.flatnonzero(out < 0)
        out[spare[int(rng.integers(len(spare)))]] = code
    return out


def weighted_sample(rng: np.random.Generator, weights: FloatArray, k: int) -> IntArray:
    """``k`` distinct indices drawn with probability proportional to ``weights`` without
    replacement (Efraimidis–Spirakis keys ``log(u) / w``), ascending. Zero weights come last."""
    n = len(weights)
    k = min(k, n)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    u = 1.0 - rng.random(n)  # in (0, 1], so log(u) is finite
    positive = weights > 0
    keys = np.empty(n, dtype=np.float64)
    keys[positive] = np.log(u[positive]) / weights[positive]
    keys[~positive] = -1e300 * (1.0 + u[~positive])
    if k == n:
        return np.arange(n, dtype=np.int64)
    chosen = np.argpartition(-keys, k - 1)[:k]
    return np.sort(chosen).astype(np.int64)


def pick(rng: np.random.Generator, items: IntArray, k: int) -> IntArray:
    """``k`` distinct elements of ``items`` at random (all of them if fewer), ascending."""
    if k >= len(items):
        return np.sort(items).astype(np.int64)
    return np.sort(rng.choice(items, size=k, replace=False)).astype(np.int64)


def grouped(groups: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], IntArray, IntArray]:
    """The texts of all ``groups`` in one tuple, with where each group starts in it and its size:
    group ``g`` is ``texts[start[g] : start[g] + size[g]]``."""
    size = np.asarray([len(group) for group in groups], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    return tuple(text for group in groups for text in group), start, size


def in_group(rng: np.random.Generator, start: IntArray, size: IntArray) -> IntArray:
    """One index per element, uniform in ``[start, start + size)`` (a text of its group)."""
    return start + (rng.random(len(start)) * size).astype(np.int64)


def sorted_by(rows: Rows, key: IntArray) -> Rows:
    """``rows`` (a dataclass of arrays with one element per row) with every array in the stable
    order of ``key``."""
    order = np.argsort(key, kind="stable")
    return replace(rows, **{f.name: getattr(rows, f.name)[order] for f in fields(rows)})
