"""Typed dependencies: what a handler needs, obtained from the running application.

The store, the settings and the runtime (zone, calendar) are created once per application in
its lifespan (:func:`scoring.api.create_app`) and kept in ``app.state.services``; handlers
receive them through these aliases and never build their own. A period in a path or a query
is parsed here, once (:class:`scoring.period.Period`). Who is calling comes from
:mod:`scoring.web.auth` (a signed-in user), never from a header anyone can set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from scoring.period import Period
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import Store
from scoring.web.refresher import Refresher


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


def valid_period(period: str) -> Period:
    """A period in a path or query; a malformed one is an input error (400)."""
    return Period.parse(period)


def optional_period(period: str | None = None) -> Period | None:
    return Period.parse(period) if period else None


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PeriodDep = Annotated[Period, Depends(valid_period)]
OptionalPeriodDep = Annotated[Period | None, Depends(optional_period)]
ServicesDep = Annotated[Services, Depends(get_services)]
