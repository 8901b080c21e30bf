"""A rating explained from what a result keeps: the plain average and what the next grade needs."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from scoring.rating_explained import MAX_SCORE, RatingBasis, explain_rating

GRADES = (
    ("A", Fraction("4.60")),
    ("B", Fraction("4.20")),
    ("C", Fraction("3.50")),
    ("D", Fraction(0)),
)
BASIS = RatingBasis(m=5, mean=Fraction(30, 7), min_surveys=3, grades=GRADES)


def bayes(total: int, n: int, m: int, mu: Fraction) -> Fraction:
    return (total + m * mu) / (n + m)


def grade_of(rating: Fraction) -> str:
    return next(name for name, at_least in GRADES if rating >= at_least)


def test_the_worked_example_of_the_page() -> None:
    # Four surveys 5, 4, 5, 5 in a month whose counted surveys average 30/7.
    rating = bayes(19, 4, 5, Fraction(30, 7))
    assert rating == Fraction(283, 63)
    found = explain_rating(
        surveys=4,
        rating_num=rating.numerator,
        rating_den=rating.denominator,
        grade="B",
        basis=BASIS,
    )
    assert found.average == Fraction(19, 4) and found.mean == Fraction(30, 7) and found.m == 5
    assert (found.next_grade, found.next_threshold) == ("A", Fraction("4.60"))
    assert found.five_star_needed == 3
    assert bayes(19 + 5 * 3, 7, 5, Fraction(30, 7)) >= Fraction("4.60")
    assert bayes(19 + 5 * 2, 6, 5, Fraction(30, 7)) < Fraction("4.60")


def test_too_few_surveys_say_how_many_more() -> None:
    rating = bayes(5, 1, 5, Fraction(3))
    found = explain_rating(
        surveys=1,
        rating_num=rating.numerator,
        rating_den=rating.denominator,
        grade="unrated",
        basis=BASIS,
    )
    assert found.surveys_needed == 2 and found.min_surveys == 3
    assert found.next_grade is None and not found.top


def test_the_top_grade_and_no_rating() -> None:
    rating = bayes(50, 10, 5, Fraction(4))
    top = explain_rating(
        surveys=10,
        rating_num=rating.numerator,
        rating_den=rating.denominator,
        grade="A",
        basis=BASIS,
    )
    assert top.top and top.next_grade is None
    nothing = explain_rating(
        surveys=0, rating_num=None, rating_den=None, grade="unrated", basis=BASIS
    )
    assert nothing.rating is None and nothing.average is None and nothing.surveys_needed == 3


def test_without_the_basis_only_the_rating() -> None:
    found = explain_rating(surveys=4, rating_num=283, rating_den=63, grade="B", basis=None)
    assert found.rating == Fraction(283, 63)
    assert found.average is None and found.next_grade is None and found.five_star_needed is None


def test_a_grade_out_of_reach_by_five_stars() -> None:
    basis = RatingBasis(
        m=5, mean=Fraction(4), min_surveys=1, grades=(("S", Fraction(5)), ("A", Fraction(0)))
    )
    found = explain_rating(surveys=3, rating_num=9, rating_den=2, grade="A", basis=basis)
    assert found.next_grade == "S" and found.five_star_needed is None


def test_the_basis_as_a_result_keeps_it() -> None:
    about = {
        "rating": {
            "m": 5,
            "min_surveys": 3,
            "unrated": "unrated",
            "grades": {"A": "23/5", "B": "21/5", "C": "7/2", "D": "0"},
            "mean": "30/7",
        }
    }
    found = RatingBasis.of_about(about)
    assert found is not None
    assert found.grades[0] == ("A", Fraction("4.6")) and found.mean == Fraction(30, 7)
    assert RatingBasis.of_about({}) is None  # a result from before the basis was kept
    assert RatingBasis.of_about({"rating": {"m": "x"}}) is None
    assert RatingBasis.of_about({"rating": {**about["rating"], "mean": None}}) is not None


@given(
    scores=st.lists(st.integers(1, MAX_SCORE), min_size=3, max_size=40),
    mu_total=st.integers(100, 500),
    mu_count=st.integers(25, 100),
    m=st.integers(0, 20),
)
def test_the_five_stars_needed_are_just_enough(
    scores: list[int], mu_total: int, mu_count: int, m: int
) -> None:
    mu = Fraction(mu_total, mu_count)
    if not 1 <= mu <= 5:
        return
    n, total = len(scores), sum(scores)
    rating = bayes(total, n, m, mu)
    grade = grade_of(rating)
    basis = RatingBasis(m=m, mean=mu, min_surveys=3, grades=GRADES)
    found = explain_rating(
        surveys=n,
        rating_num=rating.numerator,
        rating_den=rating.denominator,
        grade=grade,
        basis=basis,
    )
    assert found.average == Fraction(total, n)
    if grade == "A":
        assert found.top
        return
    k = found.five_star_needed
    assert k is not None and found.next_threshold is not None
    assert bayes(total + 5 * k, n + k, m, mu) >= found.next_threshold
    assert k == 1 or bayes(total + 5 * (k - 1), n + k - 1, m, mu) < found.next_threshold
