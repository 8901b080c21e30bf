"""The vectorised money parser agrees with ``money.parse_yuan`` on any text."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.ingest.yuan import to_fen
from scoring.money import MoneyError, parse_yuan

_INT64 = 2**63 - 1


def expected(text: str) -> int | None:
    try:
        fen = parse_yuan(text)
    except (MoneyError, ArithmeticError):  # decimal.Overflow escapes parse_yuan ("1e1000000")
        return None
    return fen if -_INT64 <= fen <= _INT64 else None


amount_like = st.lists(
    st.sampled_from(
        list("0123456789") * 4
        + [
            ".",
            ",",
            "，",
            "-",
            "+",
            " ",
            "\t",
            "\u3000",
            "¥",
            "￥",
            "元",
            "CNY",
            "RMB",
            "e",
            "E",
            "_",
            "０",
            "５",
            "a",
            "\n",
        ]
    ),
    max_size=14,
).map("".join)

plain_amount = st.builds(
    lambda sign, whole, dot, frac, pre, post: f"{pre}{sign}{whole}{dot}{frac}{post}",
    st.sampled_from(["", "-", "+"]),
    st.integers(min_value=0, max_value=10**18).map(str) | st.just(""),
    st.sampled_from(["", "."]),
    st.text(alphabet="0123456789", max_size=5),
    st.sampled_from(["", " ", "¥", "￥ ", "RMB"]),
    st.sampled_from(["", " ", "元", " CNY"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(amount_like | plain_amount | st.text(max_size=8), min_size=1, max_size=30))
def test_agrees_with_parse_yuan(texts: list[str]) -> None:
    assert to_fen(pl.Series(texts, dtype=pl.String)).to_list() == [expected(t) for t in texts]


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_every_fen_amount_round_trips(fen: int) -> None:
    sign = "-" if fen < 0 else ""
    text = f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
    assert to_fen(pl.Series([text])).to_list() == [fen]


def test_examples() -> None:
    texts = ["5200", "5200.50", "5,200.5", "¥5200", " -12.30 元", "5.500", "5.555", "", "abc"]
    assert to_fen(pl.Series(texts)).to_list() == [
        520000,
        520050,
        520050,
        520000,
        -1230,
        550,
        None,
        None,
        None,
    ]
