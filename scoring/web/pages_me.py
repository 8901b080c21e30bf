"""The installer's statement: ``/me`` (the signed-in installer's own, phone first) and
``/installers/{installer_id}`` (the same page read-only, for HR, operations and the installer's
dealer). Template ``installer.html``.

A month picker (months with a statement, newest first, the newest by default), the rating in
plain words and what the next grade needs, a trend of the rating and the incentive over twelve
months, the lines grouped by kind with subtotals, the totals with "激励合计" named as the
incentive (not the whole wage), a dispute form under each line and a claim for something
missing (own page only), and every dispute with its status and steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from scoring.money import round_half_up
from scoring.period import Period
from scoring.rating_explained import RatingExplained
from scoring.result import LINE_KINDS
from scoring.services import disputes, installers
from scoring.services.installers import InstallerOverview, NotAnInstaller
from scoring.web import charts, i18n
from scoring.web.auth import (
    CallerDep,
    CsrfChecked,
    DisputeCaller,
    ReadStatementsCaller,
    SignedIn,
)
from scoring.web.deps import ServicesDep
from scoring.web.templating import render, yuan
from scoring.web.urls import path

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

MAX_COMMENT = 2000
#: The order of the groups of lines: what is added first, then what is taken, then the rest.
GROUP_ORDER = ("bonus", "allowance", "deduction", "cap", "adjustment", "manual")
assert set(GROUP_ORDER) == set(LINE_KINDS)
#: The totals listed above the incentive total: (i18n key, statement column, sign shown).
TOTALS = (
    ("totals.bonus", "bonus_fen", 1),
    ("totals.grievance_allowance", "grievance_allowance_fen", 1),
    ("totals.deduction", "deduction_before_cap_fen", -1),
    ("totals.deduction_waived_by_cap", "deduction_waived_by_cap_fen", 1),
    ("totals.prior_period_adjustment", "prior_period_adjustment_fen", 1),
    ("totals.manual_adjustment", "manual_adjustment_fen", 1),
)
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _period(value: str | None) -> Period | None:
    return Period.parse(value) if value else None


@dataclass(frozen=True)
class Group:
    kind: str
    lines: list[dict[str, Any]]
    total_fen: int


def groups_of(lines: list[dict[str, Any]]) -> list[Group]:
    """The statement's lines by kind, in :data:`GROUP_ORDER`, each with its subtotal."""
    found = []
    for kind in GROUP_ORDER:
        of_kind = [line for line in lines if line["kind"] == kind]
        if of_kind:
            found.append(Group(kind, of_kind, sum(int(x["amount_fen"]) for x in of_kind)))
    return found


def totals_of(statement: dict[str, Any]) -> list[tuple[str, int]]:
    """(i18n key, signed fen) of the statement's non-zero totals, as the page lists them;
    deductions are "before the cap" only when a cap waived some."""
    capped = bool(statement.get("deduction_waived_by_cap_fen"))
    return [
        ("totals.deduction_before_cap" if key == "totals.deduction" and capped else key, fen)
        for key, column, sign in TOTALS
        if (fen := sign * int(statement.get(column) or 0))
    ]


def month_label(period: str, lang: str) -> str:
    month = Period.parse(period)
    return f"{month.month}月" if lang == "zh" else MONTHS_EN[month.month - 1]


def _axis_yuan(fen: float) -> str:
    return yuan(int(round(fen))).removesuffix(".00")


def trend_charts(view: InstallerOverview, lang: i18n.Lang) -> list[tuple[str, Markup]]:
    """(title, chart) of the rating and of the incentive total over the trend months (a gap
    where a month has no statement)."""
    by_month = {row["period"]: row for row in view.history}

    def rating(period: str) -> float | None:
        row = by_month.get(period)
        if row is None or row.get("rating_num") is None or not row.get("rating_den"):
            return None
        return int(row["rating_num"]) / int(row["rating_den"])  # a position on the chart only

    def incentive(period: str) -> int | None:
        row = by_month.get(period)
        return None if row is None else int(row["net_fen"])

    shown = list(view.trend_months)
    while shown and shown[0] not in by_month:  # start at the first month with a statement
        shown.pop(0)
    labels = [(p, month_label(p, lang)) for p in shown]
    empty = i18n.text("trend.empty", lang)
    rating_title = i18n.text("trend.rating", lang)
    incentive_title = i18n.text("trend.incentive", lang)
    return [
        (
            rating_title,
            charts.trend_chart(
                [(label, rating(p)) for p, label in labels],
                title=rating_title,
                value_text=lambda v: f"{v:.2f}",
                empty_text=empty,
            ),
        ),
        (
            incentive_title,
            charts.trend_chart(
                [(label, incentive(p)) for p, label in labels],
                title=incentive_title,
                value_text=lambda v: yuan(int(v)),
                axis_text=_axis_yuan,
                empty_text=empty,
            ),
        ),
    ]


def decimal_text(value: Fraction, places: int = 2) -> str:
    """A fraction as text rounded half-up (for the rating in words)."""
    return str(round_half_up(value, places))


def rating_words(rating: RatingExplained | None, rating_text: str | None, lang: str) -> list[str]:
    """The rating in plain words, then what the next grade needs."""
    if rating is None:
        return []
    if rating.surveys == 0 or rating.rating is None:
        words = [i18n.text("rating.none", lang)]
    elif rating.average is not None and rating.mean is not None and rating.m is not None:
        words = [
            i18n.text(
                "rating.words",
                lang,
                n=rating.surveys,
                mean=decimal_text(rating.average),
                mu=decimal_text(rating.mean),
                m=rating.m,
                rating=rating_text or decimal_text(rating.rating, 3),
            )
        ]
    else:
        words = [
            i18n.text(
                "rating.words_short",
                lang,
                n=rating.surveys,
                rating=rating_text or decimal_text(rating.rating, 3),
            )
        ]
    if rating.top:
        words.append(i18n.text("grade.top", lang))
    elif rating.surveys_needed is not None:
        words.append(
            i18n.text("grade.need_surveys", lang, k=rating.surveys_needed, min=rating.min_surveys)
        )
    elif rating.next_grade is not None and rating.next_threshold is not None:
        threshold = decimal_text(rating.next_threshold)
        if rating.five_star_needed is not None:
            words.append(
                i18n.text(
                    "grade.need_five_star",
                    lang,
                    k=rating.five_star_needed,
                    grade=rating.next_grade,
                    threshold=threshold,
                )
            )
        else:
            words.append(
                i18n.text("grade.unreachable", lang, grade=rating.next_grade, threshold=threshold)
            )
    return words


def _show(
    request: Request, view: InstallerOverview, action: str, dispute: int | None
) -> HTMLResponse:
    lang = i18n.lang_of(request)
    st = view.statement
    line_disputes = {
        d.dispute["target_id"]: d.dispute
        for d in view.disputes
        if d.dispute["target_kind"] == "line" and d.dispute["period"] == view.chosen
    }
    sent = next((d for d in view.disputes if d.dispute["dispute_id"] == dispute), None)
    return render(
        request,
        "installer.html",
        view=view,
        action=action,
        statement=st.statement if st else None,
        source=st.source if st else None,
        groups=groups_of(st.lines) if st else [],
        totals=totals_of(st.statement) if st else [],
        words=rating_words(view.rating, st.statement.get("rating") if st else None, lang),
        charts=trend_charts(view, lang),
        line_disputes=line_disputes,
        line_target=disputes.line_target,
        sent=sent,
        max_comment=MAX_COMMENT,
        max_reference=disputes.MAX_REFERENCE,
    )


@router.get("/me", response_class=HTMLResponse)
def my_statement(
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    period: str | None = None,
    dispute: int | None = None,
) -> Response:
    """我的结算单 / my statement (the signed-in installer's own)."""
    try:
        view = installers.overview(services.store, caller=caller, period=_period(period))
    except NotAnInstaller:
        # Not a refusal: a page saying where this user's pages are.
        return render(request, "not_installer.html")
    return _show(request, view, "/me", dispute)


@router.get("/me/{installer_id}")
def old_statement_link(
    installer_id: str, caller: CallerDep, period: str | None = None
) -> RedirectResponse:
    """Links of the earlier page (``/me/ID``) lead to the installer's page (for a signed-in
    caller; anyone else is sent to sign in first, like every page)."""
    return RedirectResponse(path("installers", installer_id, period=period), status_code=303)


@router.get("/installers/{installer_id}", response_class=HTMLResponse)
def installer_statement(
    request: Request,
    installer_id: str,
    services: ServicesDep,
    caller: ReadStatementsCaller,
    period: str | None = None,
) -> Response:
    """师傅结算单 / an installer's statement, read-only (an installer's own: its /me page)."""
    view = installers.overview(
        services.store, caller=caller, installer_id=installer_id, period=_period(period)
    )
    if view.own:
        return RedirectResponse(path("me", period=period), status_code=303)
    return _show(request, view, path("installers", installer_id), None)


@router.post("/me/disputes", dependencies=[CsrfChecked])
def open_dispute(
    services: ServicesDep,
    caller: DisputeCaller,
    period: Annotated[str, Form()],
    target_kind: Annotated[str, Form()],
    comment: Annotated[str, Form(max_length=MAX_COMMENT)],
    target_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Open a dispute about the caller's own statement, then show the page with its status."""
    chosen = Period.parse(period)
    dispute_id = disputes.open_own_dispute(
        services.store,
        caller=caller,
        period=chosen,
        target_kind=target_kind,
        target_id=target_id,
        comment=comment,
        runtime=services.runtime,
    )
    to = path("me", period=chosen.name, dispute=dispute_id) + "#disputes"
    return RedirectResponse(to, status_code=303)
