"""The statement money columns: one definition (result.KIND_TOTALS) that every module derives."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.result import (
    KIND_SIGNS,
    KIND_TOTALS,
    LINE_KINDS,
    STATEMENT_MONEY_COLUMNS,
    STATEMENTS_SCHEMA,
    deduction_after_cap,
    kind_sums,
    net_of_totals,
)


def test_every_line_kind_has_one_statement_column() -> None:
    assert sorted(total.kind for total in KIND_TOTALS) == sorted(LINE_KINDS)
    columns = [total.column for total in KIND_TOTALS]
    assert len(set(columns)) == len(columns)
    assert set(STATEMENT_MONEY_COLUMNS) == {*columns, "deduction_fen", "net_fen"}
    assert all(STATEMENTS_SCHEMA[c] == pl.Int64 for c in STATEMENT_MONEY_COLUMNS)
    assert KIND_SIGNS["deduction"] == -1
    assert {kind for kind, sign in KIND_SIGNS.items() if sign > 0} == set(LINE_KINDS) - {
        "deduction"
    }


LINES = st.lists(
    st.tuples(
        st.sampled_from(["I1", "I2", "I3"]),
        st.sampled_from(LINE_KINDS),
        st.integers(min_value=0, max_value=10**9),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(LINES)
def test_net_is_the_sum_of_the_lines_and_deductions_show_without_sign(
    lines: list[tuple[str, str, int]],
) -> None:
    frame = pl.DataFrame(
        {
            "installer_id": [i for i, _, _ in lines],
            "kind": [k for _, k, _ in lines],
            # Signed as the engine writes them: deductions negative.
            "amount_fen": [KIND_SIGNS[k] * a for _, k, a in lines],
        },
        schema={"installer_id": pl.String, "kind": pl.String, "amount_fen": pl.Int64},
    )
    statements = (
        frame.group_by("installer_id")
        .agg(kind_sums())
        .with_columns(deduction_after_cap().alias("deduction_fen"))
        .with_columns(net_of_totals().alias("net_fen"))
    )
    expected = frame.group_by("installer_id").agg(pl.col("amount_fen").sum().alias("sum"))
    joined = statements.join(expected, on="installer_id")
    assert joined.height == statements.height == expected.height
    assert (joined["net_fen"] == joined["sum"]).all()
    assert (statements.select(STATEMENT_MONEY_COLUMNS[:3]).min_horizontal() >= 0).all()
    for installer, kind, amount in lines:
        if kind == "deduction" and amount:
            row = statements.filter(pl.col("installer_id") == installer)
            assert row["deduction_before_cap_fen"].item() > 0
