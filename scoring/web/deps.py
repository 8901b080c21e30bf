"""Typed dependencies: what a handler needs, obtained from the running application.

The store, the settings and the runtime (zone, calendar) are created once per application in
its lifespan (:func:`scoring.api.create_app`) and kept in ``app.state.services``; handlers
receive them through these aliases and never build their own. A period in a path or a query
is parsed here, once (:class:`scoring.period.Period`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from scoring.period import Period
from scoring.services.access import Caller
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import Store
from scoring.web.refresher import Refresher

#: The header naming who acts (for the audit log). Not authentication: see scoring/api.py.
USER_HEADER = "X-Scoring-User"
DEFAULT_ACTOR = "web"
MAX_ACTOR_LENGTH = 200


@dataclass(frozen=True)
class Services:
    """What one application holds for its requests."""

    store: Store
    settings: Settings
    runtime: Runtime
    #: Computes stale drafts in the background after a change (see web/refresher.py).
    refresher: Refresher


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_store(request: Request) -> Store:
    return get_services(request).store


def get_app_settings(request: Request) -> Settings:
    return get_services(request).settings


def get_runtime(request: Request) -> Runtime:
    return get_services(request).runtime


def _clean_actor(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())[:MAX_ACTOR_LENGTH]
    return cleaned or None


def get_caller(
    x_scoring_user: Annotated[str | None, Header(alias=USER_HEADER)] = None,
) -> Caller:
    """Who acts: the ``X-Scoring-User`` header, else ``web``."""
    return Caller.local(_clean_actor(x_scoring_user) or DEFAULT_ACTOR)


def valid_period(period: str) -> Period:
    """A period in a path or query; a malformed one is an input error (400)."""
    return Period.parse(period)


def optional_period(period: str | None = None) -> Period | None:
    return Period.parse(period) if period else None


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CallerDep = Annotated[Caller, Depends(get_caller)]
PeriodDep = Annotated[Period, Depends(valid_period)]
OptionalPeriodDep = Annotated[Period | None, Depends(optional_period)]
ServicesDep = Annotated[Services, Depends(get_services)]
