"""Exact money splits among the installers of a job."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from scoring.entities import JOB_INSTALLERS_SCHEMA
from scoring.errors import InputError
from scoring.money import split_fen
from scoring.split import share_problems, share_text_expr, split_amounts

INT64_MAX = 2**63 - 1


def shares_frame(rows: list[tuple[str, str, int, int]]) -> pl.LazyFrame:
    return pl.LazyFrame(rows, schema=JOB_INSTALLERS_SCHEMA, orient="row")


def events_frame(rows: list[tuple[str, str, int | None]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        rows,
        schema={"rule_id": pl.String, "job_id": pl.String, "amount_fen": pl.Int64},
        orient="row",
    )


JOB1 = [("J1", "I1", 6, 10), ("J1", "I2", 4, 10)]
THIRDS = [("J2", "I3", 1, 3), ("J2", "I1", 1, 3), ("J2", "I2", 1, 3)]


def test_worked_examples() -> None:
    events = events_frame(
        [
            ("five_star", "J1", 1000),
            ("complaint_upheld", "J1", -5000),
            ("complaint_shared", "J1", -7500),
            ("five_star", "J2", 10),
        ]
    )
    got = split_amounts(events, shares_frame(JOB1 + THIRDS), by=["rule_id", "job_id"]).collect()
    expected = pl.DataFrame(
        {
            "rule_id": ["five_star"] * 2
            + ["complaint_upheld"] * 2
            + ["complaint_shared"] * 2
            + ["five_star"] * 3,
            "job_id": ["J1"] * 6 + ["J2"] * 3,
            "amount_fen": [600, 400, -3000, -2000, -4500, -3000, 4, 3, 3],
            "installer_id": ["I1", "I2"] * 3 + ["I1", "I2", "I3"],
            "share_num": [6, 4] * 3 + [1, 1, 1],
            "share_den": [10] * 6 + [3] * 3,
            "share_text": ["60%", "40%"] * 3 + ["1/3"] * 3,
            "event_amount_fen": [1000, 1000, -5000, -5000, -7500, -7500, 10, 10, 10],
        }
    )
    assert_frame_equal(got, expected)


def test_negative_splits_like_its_absolute_value() -> None:
    got = split_amounts(events_frame([("x", "J2", -10)]), shares_frame(THIRDS), by=["job_id"])
    assert got.collect()["amount_fen"].to_list() == [-4, -3, -3]


def test_largest_remainder_wins_before_installer_id() -> None:
    # 7 fen at 1/6, 2/6, 3/6: exact 7/6, 14/6, 21/6 → floors 1, 2, 3, remainders 1, 2, 3 (/6):
    # the one fen left goes to the largest remainder (I1), not to the smallest id (I0).
    shares = shares_frame([("J", "I0", 1, 6), ("J", "I2", 2, 6), ("J", "I1", 3, 6)])
    got = split_amounts(events_frame([("x", "J", 7)]), shares, by=["job_id"]).collect()
    assert dict(zip(got["installer_id"], got["amount_fen"], strict=True)) == {
        "I0": 1,
        "I1": 4,
        "I2": 2,
    }
    assert got["share_text"].to_list() == ["1/6", "50%", "1/3"]


def test_zero_and_null_amounts() -> None:
    got = split_amounts(
        events_frame([("a", "J1", 0), ("b", "J1", None)]),
        shares_frame(JOB1),
        by=["rule_id"] + ["job_id"],
    ).collect()
    assert got["amount_fen"].to_list() == [0, 0, None, None]
    assert got["event_amount_fen"].to_list() == [0, 0, None, None]


def test_extra_event_columns_are_kept_in_order() -> None:
    events = pl.LazyFrame(
        {
            "survey_id": ["S2", "S1"],
            "amount_fen": [1000, 1],
            "job_id": ["J1", "J1"],
            "note": ["b", "a"],
        }
    )
    got = split_amounts(events, shares_frame(JOB1), by=["survey_id", "job_id"]).collect()
    assert got.columns == [
        "survey_id",
        "amount_fen",
        "job_id",
        "note",
        "installer_id",
        "share_num",
        "share_den",
        "share_text",
        "event_amount_fen",
    ]
    assert got["survey_id"].to_list() == ["S2", "S2", "S1", "S1"]
    assert got["amount_fen"].to_list() == [600, 400, 1, 0]


def test_stays_lazy() -> None:
    got = split_amounts(events_frame([("a", "J1", 5)]), shares_frame(JOB1), by=["job_id"])
    assert isinstance(got, pl.LazyFrame)
    assert got.collect_schema()["amount_fen"] == pl.Int64


def test_no_overflow_near_int64_limits() -> None:
    den = 999_999_937  # a prime: remainders of every size
    shares = [("J", "A", 1, den), ("J", "B", den // 3, den), ("J", "C", den - 1 - den // 3, den)]
    amounts = [INT64_MAX, -INT64_MAX, INT64_MAX - 12345]
    events = events_frame([(f"e{i}", "J", amount) for i, amount in enumerate(amounts)])
    got = split_amounts(events, shares_frame(shares), by=["rule_id", "job_id"]).collect()
    for i, amount in enumerate(amounts):
        part = got.filter(pl.col("rule_id") == f"e{i}")
        assert part["amount_fen"].sum() == amount
        expected = split_fen(amount, [(i_id, Fraction(n, d)) for _, i_id, n, d in shares])
        assert dict(zip(part["installer_id"], part["amount_fen"], strict=True)) == expected


@st.composite
def split_case(draw: st.DrawFn) -> tuple[list[tuple[str, str, int, int]], list[int]]:
    size = draw(st.integers(1, 6))
    ids = draw(
        st.lists(
            st.sampled_from([f"I{n:02d}" for n in range(20)]),
            min_size=size,
            max_size=size,
            unique=True,
        )
    )
    weights = draw(st.lists(st.integers(0, 1000), min_size=size, max_size=size))
    if sum(weights) == 0:
        weights[0] = 1
    den = sum(weights)
    rows = [("J", installer, weight, den) for installer, weight in zip(ids, weights, strict=True)]
    amounts = draw(
        st.lists(
            st.one_of(st.integers(-100_000, 100_000), st.integers(-INT64_MAX, INT64_MAX)),
            min_size=1,
            max_size=5,
        )
    )
    return rows, amounts


@settings(max_examples=200, deadline=None)
@given(case=split_case())
def test_matches_money_split_fen_and_adds_up(
    case: tuple[list[tuple[str, str, int, int]], list[int]],
) -> None:
    rows, amounts = case
    events = events_frame([(f"e{i}", "J", amount) for i, amount in enumerate(amounts)])
    got = split_amounts(events, shares_frame(rows), by=["rule_id", "job_id"]).collect()
    assert got.height == len(rows) * len(amounts)
    shares = [(installer, Fraction(num, den)) for _, installer, num, den in rows]
    for i, amount in enumerate(amounts):
        part = got.filter(pl.col("rule_id") == f"e{i}")
        assert part["amount_fen"].sum() == amount
        assert part["installer_id"].to_list() == sorted(installer for installer, _ in shares)
        assert dict(zip(part["installer_id"], part["amount_fen"], strict=True)) == split_fen(
            amount, shares
        )


def test_share_text() -> None:
    frame = pl.DataFrame(
        {"share_num": [1, 3, 2, 1, 1, 1, 7], "share_den": [1, 5, 6, 8, 4, 3, 1000]}
    )
    got = frame.select(share_text_expr())["share_text"].to_list()
    assert got == ["100%", "60%", "1/3", "1/8", "25%", "1/3", "7/1000"]


def test_share_problems() -> None:
    shares = shares_frame(
        [
            ("OK", "I1", 1, 2),
            ("OK", "I2", 1, 2),
            ("SUM", "I1", 1, 3),
            ("MIX", "I1", 1, 2),
            ("MIX", "I2", 2, 4),
            ("NEG", "I1", -1, 1),
            ("NEG", "I2", 2, 1),
            ("TWICE", "I1", 1, 2),
            ("TWICE", "I1", 1, 2),
            ("ZERO", "I1", 0, 0),
        ]
    )
    got = share_problems(shares).collect()
    reasons = {job: set(group["reason"]) for (job,), group in got.group_by("job_id")}
    assert set(reasons) == {"SUM", "MIX", "NEG", "TWICE", "ZERO"}
    assert any("add up to 1" in r for r in reasons["SUM"])
    assert any("one denominator" in r for r in reasons["MIX"])
    assert any("must not be negative" in r for r in reasons["NEG"])
    assert any("appears twice" in r for r in reasons["TWICE"])
    assert any("must be positive" in r for r in reasons["ZERO"])
    assert share_problems(shares_frame(JOB1 + THIRDS)).collect().height == 0


def test_job_without_shares_is_an_error_not_a_loss() -> None:
    events = events_frame([("a", "J1", 100), ("b", "J9", 100)])
    with pytest.raises(InputError, match="J9"):
        split_amounts(events, shares_frame(JOB1), by=["rule_id", "job_id"]).collect()


def test_invalid_shares_are_an_error() -> None:
    shares = shares_frame([("J1", "I1", 6, 10), ("J1", "I2", 3, 10)])
    with pytest.raises(InputError, match="J1") as caught:
        split_amounts(events_frame([("a", "J1", 100)]), shares, by=["job_id"]).collect()
    assert "金额无法拆分" in caught.value.message


def test_by_must_identify_events() -> None:
    events = events_frame([("a", "J1", 100), ("a", "J1", 7)])
    with pytest.raises(InputError, match="uniquely"):
        split_amounts(events, shares_frame(JOB1), by=["rule_id", "job_id"]).collect()


@pytest.mark.parametrize(
    ("events", "by", "message"),
    [
        (pl.LazyFrame({"job_id": ["J1"], "amount_fen": [1]}), ["rule_id", "job_id"], "lack"),
        (pl.LazyFrame({"job_id": ["J1"], "amount_fen": [1]}), ["amount_fen"], "job_id"),
        (
            pl.LazyFrame({"job_id": ["J1"], "amount_fen": [1], "installer_id": ["I1"]}),
            ["job_id"],
            "clash",
        ),
        (pl.LazyFrame({"job_id": ["J1"], "amount_fen": [1.5]}), ["job_id"], "integer fen"),
    ],
)
def test_programmer_mistakes_raise_at_once(
    events: pl.LazyFrame, by: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        split_amounts(events, shares_frame(JOB1), by=by)
