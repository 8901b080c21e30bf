"""The plan file format: pydantic models of everything REFERENCE_PLAN.md decides.

A plan is data an operations manager edits; every number, threshold, window and condition of the
reference plan lives here and nowhere in Python. Amounts are written in yuan as text or decimal
(``"10.00"``, ``10``) and become integer fen; a float with more than two decimals is refused,
never rounded. Ratios (thresholds, percentages, factors) are exact fractions.

These models check the shape of a plan. What needs the whole plan (conditions against the
fields of their source, rule references, template placeholders) is checked in
:mod:`scoring.rules.check`, which maps every problem back to its line and column.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    Tag,
    WithJsonSchema,
    model_validator,
)

from scoring.money import decimal_of, to_fen

Kind = Literal["bonus", "deduction", "allowance"]
Source = Literal["survey", "revisit", "complaint", "job"]
#: How an event's amount reaches installers: ``shares`` splits it over the job's installers by
#: their shares; ``charged_installer`` gives it whole to the event's ``installer_id`` when set,
#: else splits it by shares.
SplitMode = Literal["shares", "charged_installer"]
#: What happens to deductions above a cap: ``waive`` (the standard plan) forgives them;
#: ``carry_forward`` waives them this period and deducts them in the following period, where
#: they count with that period's deductions against its cap again (PRC practice for the
#: compensation of losses).
AboveCap = Literal["waive", "carry_forward"]

_IDENT = r"^[a-z][a-z0-9_]*$"
RuleId = Annotated[str, Field(pattern=_IDENT, max_length=64)]


def to_fraction(value: object) -> Fraction:
    """A ratio written ``"4.60"``, ``4.6``, ``20`` or ``"1/2"`` → an exact fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str) and "/" in value:
        try:
            return Fraction(value.replace(" ", ""))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"不是分数 / not a fraction: {value!r}") from None
    return Fraction(decimal_of(value))


_NUMBER_TEXT = {
    "anyOf": [{"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*$"}, {"type": "number"}]
}

#: Money in yuan, held as integer fen.
Fen = Annotated[
    int,
    PlainValidator(to_fen),
    PlainSerializer(lambda fen: f"{fen // 100}.{fen % 100:02d}", return_type=str),
    WithJsonSchema({**_NUMBER_TEXT, "description": 'yuan, at most two decimals, e.g. "10.00"'}),
]
#: An exact ratio: ``"4.60"``, ``"1/2"``.
Ratio = Annotated[
    Fraction,
    PlainValidator(to_fraction),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?(\s*/\s*\d+)?\s*$"},
                {"type": "number"},
            ],
            "description": 'exact number, e.g. "4.60" or "1/2"',
        }
    ),
]
ParamScalar = bool | int | Decimal | str
ParamValue = ParamScalar | list[ParamScalar]


class Strict(BaseModel):
    """Unknown keys are errors (a misspelt key must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Texts(Strict):
    """A text in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Counting(Strict):
    """Which surveys count (REFERENCE_PLAN.md, "What counts")."""

    survey_window_days: int = Field(
        ge=0, description="a survey counts if completed_at <= surveyed_at <= completed_at + days"
    )
    one_survey_per_job: Literal["latest", "earliest"] = Field(
        default="latest",
        description="which in-window survey of a job counts (tie: greatest / smallest survey_id)",
    )


class SourceSpec(Strict):
    """Which timestamp puts an event of a source into a period (local calendar month)."""

    period_by: str


class Sources(Strict):
    survey: SourceSpec = SourceSpec(period_by="surveyed_at")
    revisit: SourceSpec = SourceSpec(period_by="revisited_at")
    complaint: SourceSpec = SourceSpec(period_by="resolved_at")
    job: SourceSpec = SourceSpec(period_by="completed_at")

    def of(self, source: str) -> SourceSpec:
        spec: SourceSpec = getattr(self, source)
        return spec


class AmountEntry(Strict):
    """One entry of an amount table that overrides the rule's kind (e.g. grade D deducts)."""

    amount: Fen
    kind: Kind | None = None


def _entry_tag(value: Any) -> str:
    return "entry" if isinstance(value, dict | AmountEntry) else "fixed"


TableValue = Annotated[
    Annotated[Fen, Tag("fixed")] | Annotated[AmountEntry, Tag("entry")],
    Discriminator(_entry_tag),
]


class AmountTable(Strict):
    """An amount looked up by the value of a field, e.g. ``by: severity``."""

    by: str
    table: dict[str, TableValue] = Field(min_length=1)
    default: Fen | None = Field(default=None, description="amount for values not in the table")


class DerivedAmount(Strict):
    """The amounts of another rule times a factor, e.g. half of ``complaint_upheld``."""

    of: RuleId
    factor: Ratio


def _amount_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "derived" if "of" in value else "table"
    if isinstance(value, AmountTable):
        return "table"
    if isinstance(value, DerivedAmount):
        return "derived"
    return "fixed"


Amount = Annotated[
    Annotated[Fen, Tag("fixed")]
    | Annotated[AmountTable, Tag("table")]
    | Annotated[DerivedAmount, Tag("derived")],
    Discriminator(_amount_tag),
]


class EventRule(Strict):
    """A per-event rule: one line per matching event of its source, split to installers."""

    id: RuleId
    title: Texts | None = None
    kind: Kind
    source: Source
    when: str = Field(default="true", description="condition over the event, see the docs")
    amount: Amount
    split: SplitMode = "shares"
    explain: Texts


class Grade(Strict):
    grade: str = Field(min_length=1, max_length=16)
    at_least: Ratio = Field(description="the rating reaches this (>=, exact)")


class Rating(Strict):
    """The Bayesian rating of each installer and its grade."""

    score: Literal["overall", "attitude", "punctuality", "professionalism", "cleanliness"] = (
        "overall"
    )
    m: int = Field(ge=0)
    mu: Literal["period_mean"] = Field(
        default="period_mean",
        description="mean score of all counted surveys of all installers in the period, each once",
    )
    min_surveys: int = Field(ge=0, description="fewer counted surveys: unrated")
    unrated: str = Field(default="unrated", min_length=1)
    grades: list[Grade] = Field(min_length=1, description="best first")


class Measure(Strict):
    """A per-installer count over the period's events, for period rules (e.g. completed jobs)."""

    count: Source
    where: str = "true"
    to: SplitMode = Field(
        default="shares",
        description="shares: every installer of the job; charged_installer: installer_id if set",
    )


class PeriodRule(Strict):
    """A per-installer, per-period rule over the rating, the grade and the measures."""

    id: RuleId
    title: Texts | None = None
    kind: Kind
    when: str = "true"
    amount: Amount
    explain: Texts


class StatutoryLimit(Strict):
    """At most ``percent`` of the base monthly wage, and never below the local minimum wage."""

    percent_of_base_wage: Ratio
    keep_local_min_wage: bool = True


class FixedLimit(Strict):
    fixed: Fen


def _limit_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "fixed" if "fixed" in value else "statutory"
    return "fixed" if isinstance(value, FixedLimit) else "statutory"


Limit = Annotated[
    Annotated[StatutoryLimit, Tag("statutory")] | Annotated[FixedLimit, Tag("fixed")],
    Discriminator(_limit_tag),
]


class Cap(Strict):
    """A cap on an installer's deductions of a period; the first whose ``when`` holds applies."""

    id: RuleId
    title: Texts | None = None
    when: str
    limit: Limit
    above_cap: AboveCap = "waive"
    explain: Texts


class Ranking(Strict):
    """Team ranking per dealer (Bayesian average, Wilson tie-break) and its side figures."""

    m: int = Field(ge=0)
    good_from: int = Field(ge=1, le=5)
    z: Ratio
    at_fault: str = Field(description="condition over a complaint: the installer is at fault")
    revisit_reached: str = Field(description="condition over a revisit that reached the customer")
    revisit_within_days: int = Field(ge=0)


class ServiceDone(Strict):
    """What completes a service-level check: the earliest time ``at`` of a record that matches.

    ``by: record`` reads ``at`` from the checked record itself (e.g. a complaint's
    ``escalated_at``); ``by: revisit`` (or survey, complaint) from the records of that kind of
    the same job that match ``where`` (e.g. a reached revisit). Only times not before
    ``not_before`` (an expression over the checked record) count.
    """

    by: Literal["record", "revisit", "survey", "complaint"] = "record"
    where: str = Field(default="true", description="condition over the completing record")
    at: str = Field(description="timestamp expression over the completing record")
    not_before: str | None = Field(
        default=None, description="timestamp expression over the checked record"
    )


class ServiceLevel(Strict):
    """A promise to customers checked per record (REFERENCE_PLAN.md, "Service levels").

    The records of ``source`` whose ``period_by`` falls in the period and that match ``when``
    are checked; each is due on the local date ``due`` (an expression over the record, e.g.
    ``workday_deadline(resolved_at, 1)``) and done by ``done``.
    """

    id: RuleId
    title: Texts
    source: Source
    period_by: str = Field(description="timestamp of the record that puts it into a period")
    when: str = Field(default="true", description="condition over the record")
    due: str = Field(description="date expression over the record: the last day it is met")
    done: ServiceDone


class DispatchTier(Strict):
    """A weight for the teams of a rank tier (``up_to_rank``) or rating band (``at_least``);
    an entry with neither takes every ranked team the entries before it did not."""

    up_to_rank: int | None = Field(default=None, ge=1, description="rank <= this")
    at_least: Ratio | None = Field(default=None, description="rating >= this (exact)")
    weight: int = Field(ge=0)


class Dispatch(Strict):
    """Suggested shares of next month's orders per team of a dealer (派单建议).

    Each team gets the weight of the first tier it falls in (``by: rank`` or ``by: rating``),
    an unranked team (no counted survey) ``unranked_weight``; shares are proportional to the
    weights, raised to ``minimum_share`` where that is feasible, and rounded to whole basis
    points that add up to exactly 100% per dealer.
    """

    by: Literal["rank", "rating"]
    tiers: list[DispatchTier] = Field(min_length=1, description="first that matches")
    unranked_weight: int = Field(ge=0)
    minimum_share: Ratio = Field(
        default=Fraction(0), description='e.g. "0.05": no team below 5% (rounded up to 0.01%)'
    )
    teams: list[Literal["in_house", "outsourced"]] | None = Field(
        default=None, description="kinds of teams that get shares (default: every team)"
    )

    @model_validator(mode="after")
    def _tiers_in_order(self) -> Dispatch:
        key = "up_to_rank" if self.by == "rank" else "at_least"
        other = "at_least" if self.by == "rank" else "up_to_rank"
        if any(getattr(t, other) is not None for t in self.tiers):
            raise ValueError(f"by: {self.by} 的档位只用 {key} / by: {self.by} tiers use {key}")
        bounds = [getattr(t, key) for t in self.tiers]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError(
                f"最后一档不写 {key}(其余名次/评分),其他档必须写 / the last tier has no {key}"
                f" (every other ranked team), every other tier has one"
            )
        given = bounds[:-1]
        ordered = given == sorted(given) if self.by == "rank" else given == sorted(given)[::-1]
        if not ordered or len(set(given)) != len(given):
            direction = "从小到大 / ascending" if self.by == "rank" else "从大到小 / descending"
            raise ValueError(f"{key} 须{direction}且不重复 / {key} must be strictly {direction}")
        if not 0 <= self.minimum_share <= 1:
            raise ValueError("最低份额须在 0 到 1 之间 / minimum_share must be 0..1")
        return self


class Plan(Strict):
    """A whole incentive plan. Load it with :func:`scoring.rules.load.load_plan`."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
    version: int = Field(ge=1)
    effective_from: dt.date
    title: Texts
    parameters: dict[str, ParamValue] = Field(default_factory=dict)
    counting: Counting
    sources: Sources = Sources()
    rules: list[EventRule] = Field(default_factory=list)
    rating: Rating
    measures: dict[str, Measure] = Field(default_factory=dict)
    period_rules: list[PeriodRule] = Field(default_factory=list)
    caps: list[Cap] = Field(default_factory=list)
    ranking: Ranking
    service_levels: list[ServiceLevel] = Field(default_factory=list)
    dispatch: Dispatch | None = None

    _checksum: str | None = PrivateAttr(default=None)
    _path: str | None = PrivateAttr(default=None)
    #: Its compiled form (scoring.rules.compiled.CompiledPlan), made once by the loader.
    _compiled: object = PrivateAttr(default=None)

    @property
    def checksum(self) -> str | None:
        """sha256 of the plan file's bytes, when loaded from a file."""
        return self._checksum

    @property
    def path(self) -> str | None:
        return self._path

    def rules_by_id(self) -> dict[str, EventRule | PeriodRule]:
        """Per-event and per-period rules by id (derived amounts refer to them)."""
        found: dict[str, EventRule | PeriodRule] = {}
        for rule in self.rules:
            found[rule.id] = rule
        for period_rule in self.period_rules:
            found[period_rule.id] = period_rule
        return found
