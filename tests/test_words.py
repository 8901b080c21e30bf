"""The most frequent words of comments, without a dictionary."""

from __future__ import annotations

from scoring.words import Term, frequent_terms


def test_a_repeated_phrase_is_one_term_not_its_pieces() -> None:
    texts = ["非常满意"] * 5 + ["师傅非常专业"] * 2 + [None, ""]
    found = frequent_terms(texts)
    # 非常 is also said in 非常专业: kept beside the phrase, and counted in both
    assert found[:3] == [Term("非常", 7), Term("非常满意", 5), Term("师傅非常专业", 2)]
    assert all(t.text not in ("常满", "非常满", "常满意") for t in found)


def test_function_characters_cut_words_and_negations_stay() -> None:
    texts = ["态度很不好", "态度不好", "态度不好了"]
    terms = {t.text: t.count for t in frequent_terms(texts)}
    assert terms["态度"] == 3
    assert terms["不好"] == 3
    assert "很" not in "".join(terms) and "了" not in "".join(terms)


def test_latin_words_count_lower_cased_and_punctuation_splits() -> None:
    texts = ["App 好用,APP 闪退", "app闪退!"]
    terms = {t.text: t.count for t in frequent_terms(texts)}
    assert terms["app"] == 3
    assert terms["闪退"] == 2
    assert "好用" not in terms  # seen once: below the minimum count


def test_counts_order_and_top() -> None:
    texts = ["迟到"] * 3 + ["漏水"] * 3 + ["噪音"] * 4
    assert frequent_terms(texts, top=2) == [Term("噪音", 4), Term("漏水", 3)]
    assert frequent_terms([], top=5) == []
    assert frequent_terms(["只说一次"], min_count=1)[0] == Term("只说一次", 1)


def test_formula_like_text_is_just_text() -> None:
    found = frequent_terms(["=cmd|' /C calc'!A0 =cmd"] * 2)
    assert Term("cmd", 4) in found
