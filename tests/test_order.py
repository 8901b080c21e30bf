"""Sorting ids by rank: the same order as sorting their text, whatever the codes' order."""

from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.entities import new_id_type
from scoring.order import KeyRanks, in_key_order, sort_key

IDS = st.text(alphabet="AJSa9é10_", min_size=1, max_size=4)


def _encoded(values: list[str | None], dtype: pl.DataType) -> pl.Series:
    return pl.Series(values, dtype=pl.String).cast(dtype)


def _text_order(values: list[str | None]) -> list[str | None]:
    return sorted(values, key=lambda v: (v is None, (v or "").encode()))


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(IDS, unique=True, max_size=12),
    others=st.lists(IDS, max_size=6),
    registered_first=st.lists(IDS, max_size=6),
    shuffle=st.randoms(use_true_random=False),
    nulls=st.integers(min_value=0, max_value=2),
)
def test_keys_sort_a_column_as_its_text(
    keys: list[str],
    others: list[str],
    registered_first: list[str],
    shuffle: random.Random,
    nulls: int,
) -> None:
    dtype = new_id_type()
    _encoded(list(registered_first), dtype)  # codes in an order that is not the text's
    table = list(keys)
    shuffle.shuffle(table)
    jobs = pl.DataFrame({"job_id": _encoded(list(table), dtype)})
    ranks = KeyRanks.of({"jobs": jobs})
    # Ids of the table, repeated, and perhaps ids it does not hold (then ranked by text).
    column: list[str | None] = [*keys, *keys[:3], *others, *([None] * nulls)]
    shuffle.shuffle(column)
    frame = pl.DataFrame({"job_id": _encoded(column, dtype)})
    order = ranks.keys(frame, "job_id", "jobs")
    assert order.dtype == pl.UInt32
    assert order.null_count() == nulls
    got = frame.with_columns(_k=order).sort("_k", nulls_last=True, maintain_order=True)
    assert got["job_id"].cast(pl.String).to_list() == _text_order(column)


def test_keys_use_the_ranks_when_every_id_is_a_key_and_the_text_otherwise() -> None:
    dtype = new_id_type()
    _encoded(["J3", "J20", "J10"], dtype)  # codes: J3 < J20 < J10, text: J10 < J20 < J3
    jobs = pl.DataFrame({"job_id": _encoded(["J3", "J10", "J20"], dtype)})  # not in key order
    ranks = KeyRanks.of({"jobs": jobs})
    known = pl.DataFrame({"job_id": _encoded(["J3", None, "J10", "J20", "J3"], dtype)})
    # Row numbers of the jobs in key order: J10 0, J20 1, J3 2.
    assert ranks.keys(known, "job_id", "jobs").to_list() == [2, None, 0, 1, 2]
    unknown = pl.DataFrame({"job_id": _encoded(["J3", "J1", "J20"], dtype)})
    assert ranks.keys(unknown, "job_id", "jobs").to_list() == [3, 1, 2]  # dense rank by text


def test_keys_by_source_rank_each_source_with_its_table_or_its_text() -> None:
    dtype = new_id_type()
    _encoded(["S2", "R9", "R10", "2025-10", "2025-09", "S10"], dtype)  # codes not in text order
    frames = {
        "surveys": pl.DataFrame({"survey_id": _encoded(["S10", "S2"], dtype)}),
        "revisits": pl.DataFrame({"revisit_id": _encoded(["R9", "R10"], dtype)}),
    }
    ranks = KeyRanks.of(frames)
    lines = pl.DataFrame(
        {
            "source": _encoded(["survey", "revisit", "period"] * 2, dtype),
            "source_id": _encoded(["S2", "R9", "2025-10", "S10", "R10", "2025-09"], dtype),
        }
    )
    tables = {"survey": "surveys", "revisit": "revisits"}
    keys = ranks.keys_by_source(lines, "source_id", "source", tables).to_list()
    # surveys S10 0, S2 1; revisits R10 0, R9 1; periods by text among themselves.
    assert keys == [1, 1, 2, 0, 0, 1]


def test_frames_with_text_ids_get_no_ranks_and_fall_back_to_the_text() -> None:
    frames = {"jobs": pl.DataFrame({"job_id": ["J2", "J1"]})}
    ranks = KeyRanks.of(frames)
    dtype = new_id_type()
    frame = pl.DataFrame({"job_id": _encoded(["J2", "J1", "J10"], dtype)})
    assert ranks.keys(frame, "job_id", "jobs").to_list() == [3, 1, 2]


def test_sort_key_orders_as_its_parts_in_turn_with_nulls_last() -> None:
    frame = pl.DataFrame(
        {
            "a": [2, -5, 2, 2, None, -5],
            "b": [1, 7, 1, None, 0, 7],
            "c": [2**32 - 2, 0, 0, 3, 1, None],
        },
        schema={"a": pl.Int64, "b": pl.UInt32, "c": pl.UInt32},
    )
    keyed = frame.with_columns(_k=sort_key(pl.col("a"), pl.col("b"), pl.col("c")))
    got = keyed.sort("_k", nulls_last=True).drop("_k")
    expected = frame.sort(["a", "b", "c"], nulls_last=True)
    assert got.to_dicts() == expected.to_dicts()
    with pytest.raises(ValueError, match="at most two"):
        sort_key(pl.col("a"), pl.col("b"), pl.col("b"), pl.col("b"))


def test_in_key_order_needs_strictly_increasing_keys_without_nulls() -> None:
    assert in_key_order(pl.DataFrame({"k": ["a", "b", "c"]}), ["k"])
    assert not in_key_order(pl.DataFrame({"k": ["a", "a", "c"]}), ["k"])
    assert not in_key_order(pl.DataFrame({"k": ["a", None]}), ["k"])
    assert in_key_order(pl.DataFrame({"k": ["a", "a"], "j": [1, 2]}), ["k", "j"])


def test_an_id_that_is_a_key_of_two_tables_still_sorts_by_its_text() -> None:
    dtype = new_id_type()
    frames = {
        "jobs": pl.DataFrame({"job_id": _encoded(["X1", "X3"], dtype)}),
        "surveys": pl.DataFrame({"survey_id": _encoded(["X1", "X2"], dtype)}),  # X1 again
    }
    ranks = KeyRanks.of(frames)
    jobs = pl.DataFrame({"job_id": _encoded(["X3", "X1"], dtype)})
    surveys = pl.DataFrame({"survey_id": _encoded(["X2", "X1"], dtype)})
    for frame, column, table in ((jobs, "job_id", "jobs"), (surveys, "survey_id", "surveys")):
        keys = ranks.keys(frame, column, table)
        assert keys[0] > keys[1], (table, keys.to_list())


def test_a_code_ranked_in_another_table_is_not_taken_for_a_key_of_this_one() -> None:
    dtype = new_id_type()
    frames = {
        "jobs": pl.DataFrame({"job_id": _encoded(["A", "Z"], dtype)}),  # A 0, Z 1
        "surveys": pl.DataFrame({"survey_id": _encoded(["Z"], dtype)}),  # Z 0 among surveys
    }
    ranks = KeyRanks.of(frames)
    keys = ranks.keys(pl.DataFrame({"job_id": _encoded(["Z", "A"], dtype)}), "job_id", "jobs")
    assert keys[1] < keys[0], keys.to_list()


def test_ids_of_other_categories_are_ranked_by_their_text() -> None:
    ranks = KeyRanks.of({"jobs": pl.DataFrame({"job_id": _encoded(["J1", "J2"], new_id_type())})})
    other = new_id_type()
    _encoded(["J2"], other)  # J2 gets code 0 there, J1 code 1
    frame = pl.DataFrame({"job_id": _encoded(["J2", "J1"], other)})
    assert ranks.keys(frame, "job_id", "jobs").to_list() == [2, 1]
    sources = pl.DataFrame({"source": ["job", "job"], "source_id": frame["job_id"]})
    keys = ranks.keys_by_source(sources, "source_id", "source", {"job": "jobs"})
    assert keys.to_list() == [2, 1]
