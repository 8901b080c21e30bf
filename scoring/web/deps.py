"""Typed dependencies: what a handler needs, obtained from the running application.

The store, the settings and the working-day calendar are created once per application in its
lifespan (:func:`scoring.api.create_app`) and kept in ``app.state.services``; handlers receive
them through these aliases and never build their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request

from scoring.errors import InputError, PeriodError
from scoring.periods import parse_period
from scoring.settings import Settings
from scoring.store import Store
from scoring.web.drafts import DraftCache
from scoring.workdays import WorkCalendar

#: The header naming who acts (for the audit log). Not authentication: see scoring/api.py.
USER_HEADER = "X-Scoring-User"
DEFAULT_ACTOR = "web"
MAX_ACTOR_LENGTH = 200


@dataclass(frozen=True)
class Services:
    """What one application holds for its requests."""

    store: Store
    settings: Settings
    calendar: WorkCalendar
    #: Drafts of open periods already computed for reading (see scoring/web/drafts.py).
    drafts: DraftCache = field(default_factory=DraftCache)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_store(request: Request) -> Store:
    return get_services(request).store


def get_app_settings(request: Request) -> Settings:
    return get_services(request).settings


def get_calendar(request: Request) -> WorkCalendar:
    return get_services(request).calendar


def _clean_actor(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())[:MAX_ACTOR_LENGTH]
    return cleaned or None


def get_actor(
    x_scoring_user: Annotated[str | None, Header(alias=USER_HEADER)] = None,
) -> str:
    """Who acts: the ``X-Scoring-User`` header, else ``web``."""
    return _clean_actor(x_scoring_user) or DEFAULT_ACTOR


def get_named_actor(
    x_scoring_user: Annotated[str | None, Header(alias=USER_HEADER)] = None,
) -> str | None:
    """The ``X-Scoring-User`` header when given (pages fall back to someone more specific)."""
    return _clean_actor(x_scoring_user)


def valid_period(period: str) -> str:
    """A ``YYYY-MM`` period; a malformed one is an input error (400), not a period state."""
    try:
        parse_period(period)
    except PeriodError as exc:
        raise InputError(exc.message) from None
    return period


def current_period(settings: Settings) -> str:
    """The calendar month of today in the configured zone."""
    return dt.datetime.now(tz=settings.zone).strftime("%Y-%m")


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
CalendarDep = Annotated[WorkCalendar, Depends(get_calendar)]
ActorDep = Annotated[str, Depends(get_actor)]
NamedActorDep = Annotated[str | None, Depends(get_named_actor)]
PeriodDep = Annotated[str, Depends(valid_period)]
ServicesDep = Annotated[Services, Depends(get_services)]
