"""The vectorised money parser agrees with ``money.parse_yuan`` on any text."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.ingest.yuan import to_fen
from scoring.money import MAX_FEN, MoneyError, parse_yuan


def expected(text: str) -> int | None:
    try:
        fen = parse_yuan(text)
    except MoneyError:
        return None
    return fen


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


@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN))
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


def test_one_strict_grammar_refuses_what_was_misread_with_the_reason() -> None:
    # Issue 16: 5200,50 was read as 520,050.00, 1,2,3 as 123, 1_000 as 1,000 and ٣٠٠ as 300.
    refused = {
        "5200,50": "use '.' for decimals",
        "1,2,3": "thousands separators in the wrong places",
        "12,34.5": "thousands separators in the wrong places",
        "1_000": "no underscores",
        "٣٠٠": "digits 0–9 only",
        "１２": "digits 0–9 only",
        "1e3": "no exponent notation",
        "5.555": "at most two decimals",
        "99999999999999999999": "out of range",
        "100000000": "out of range",
        "¥5元": "amount must be a number",
        "RMB 5": "amount must be a number",
    }
    for text, reason in refused.items():
        with pytest.raises(MoneyError, match=reason):
            parse_yuan(text)
    assert to_fen(pl.Series(list(refused))).to_list() == [None] * len(refused)
    accepted = {"1,234.50": 123450, "¥-1,234.00": -123400, "￥ 12": 1200, "12元": 1200}
    assert to_fen(pl.Series(list(accepted))).to_list() == list(accepted.values())
    assert [parse_yuan(t) for t in accepted] == list(accepted.values())


def test_a_long_refused_text_is_not_echoed_whole() -> None:
    with pytest.raises(MoneyError) as caught:
        parse_yuan("9" * 100_000 + "x")
    assert len(str(caught.value)) < 400
