"""An installer's rating in plain numbers: what it rests on and what the next grade needs.

The rating is the Bayesian average ``(sum + m·mu) / (n + m)`` (REFERENCE_PLAN.md, rating). A
stored statement keeps ``n`` and the exact rating; the period's result keeps the plan's ``m``,
its grades and the period mean ``mu`` (``about["rating"]``, written by the pipeline). From
these the installer's own plain average follows exactly, ``(rating·(n + m) − m·mu) / n``, and
so does the number of further five-star surveys that would lift the rating to the next grade's
threshold ``T`` if the period mean stayed as it is: the smallest ``k`` with
``(rating·(n + m) + 5k) / (n + m + k) >= T``, i.e. ``k >= (n + m)(T − rating) / (5 − T)``.
Everything is exact (fractions); nothing here reads or computes a period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

#: The best score of a survey (scores are 1 to 5, scoring/entities.py).
MAX_SCORE = 5


def _fraction(text: object) -> Fraction | None:
    if text is None:
        return None
    try:
        return Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return None


@dataclass(frozen=True)
class RatingBasis:
    """How a period's ratings were made (from its ``about["rating"]``)."""

    m: int
    mean: Fraction | None
    min_surveys: int
    #: Best first: (grade, the rating it needs).
    grades: tuple[tuple[str, Fraction], ...]
    unrated: str = "unrated"

    @classmethod
    def of_about(cls, about: Mapping[str, Any]) -> RatingBasis | None:
        """The basis kept with a result; None for a result computed before it was kept."""
        found = about.get("rating")
        if not isinstance(found, Mapping):
            return None
        try:
            grades = tuple(
                (str(name), Fraction(str(value)))
                for name, value in dict(found.get("grades") or {}).items()
            )
            return cls(
                m=int(found["m"]),
                mean=_fraction(found.get("mean")),
                min_surveys=int(found["min_surveys"]),
                grades=grades,
                unrated=str(found.get("unrated") or "unrated"),
            )
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return None


@dataclass(frozen=True)
class RatingExplained:
    surveys: int
    rating: Fraction | None
    #: The plain average of the installer's counted surveys (None without the basis).
    average: Fraction | None = None
    #: The period mean the rating is pulled toward, and how strongly (``m``).
    mean: Fraction | None = None
    m: int | None = None
    #: The next better grade and the rating it needs.
    next_grade: str | None = None
    next_threshold: Fraction | None = None
    #: Further five-star surveys that would reach it (None: not reachable that way).
    five_star_needed: int | None = None
    #: Further counted surveys before any grade is given (unrated only).
    surveys_needed: int | None = None
    min_surveys: int | None = None
    #: The best grade already.
    top: bool = False


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def explain_rating(
    *,
    surveys: int,
    rating_num: int | None,
    rating_den: int | None,
    grade: str | None,
    basis: RatingBasis | None,
) -> RatingExplained:
    """What the rating of a statement rests on, and what the next grade needs."""
    rating = Fraction(rating_num, rating_den) if rating_num is not None and rating_den else None
    if basis is None:
        return RatingExplained(surveys=surveys, rating=rating)
    average = None
    if rating is not None and basis.mean is not None and surveys > 0:
        average = (rating * (surveys + basis.m) - basis.m * basis.mean) / surveys
    explained = RatingExplained(
        surveys=surveys,
        rating=rating,
        average=average,
        mean=basis.mean,
        m=basis.m,
        min_surveys=basis.min_surveys,
    )
    names = [name for name, _ in basis.grades]
    if surveys < basis.min_surveys or grade in (None, basis.unrated):
        if surveys < basis.min_surveys:
            return replace(explained, surveys_needed=basis.min_surveys - surveys)
        return explained
    if grade not in names or rating is None:
        return explained
    position = names.index(grade)
    if position == 0:
        return replace(explained, top=True)
    better, threshold = basis.grades[position - 1]
    needed = None
    if threshold < MAX_SCORE:
        gap = (surveys + basis.m) * (threshold - rating) / (MAX_SCORE - threshold)
        needed = max(_ceil(gap), 1)
    return replace(explained, next_grade=better, next_threshold=threshold, five_star_needed=needed)
