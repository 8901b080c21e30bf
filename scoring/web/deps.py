"""Typed dependencies: what a handler needs, obtained from the running application.

The store, the settings and the runtime (zone, calendar) are created once per application in
its lifespan (:func:`scoring.api.create_app`) and kept in ``app.state.services``; handlers
receive them through these aliases and never build their own. A period in a path or a query
is parsed here, once (:class:`scoring.period.Period`). Who is calling comes from
:mod:`scoring.web.auth` (a signed-in user), never from a header anyone can set.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BeforeValidator

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


# The dependencies below are pure look-ups, declared ``async`` so that FastAPI runs them on the
# event loop: a plain ``def`` dependency costs a hop to a worker thread and back per request.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_store(request: Request) -> Store:
    services: Services = request.app.state.services
    return services.store


async def get_app_settings(request: Request) -> Settings:
    services: Services = request.app.state.services
    return services.settings


async def get_runtime(request: Request) -> Runtime:
    services: Services = request.app.state.services
    return services.runtime


def _iso_date_text(value: object) -> object:
    """A date in a query is written ``YYYY-MM-DD``; pydantic alone would also take ``0`` (a
    Unix time) as 1970-01-01."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError("日期格式为 YYYY-MM-DD / a date is written YYYY-MM-DD")
    return value.strip() if isinstance(value, str) else value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A calendar date in a query or form: ``YYYY-MM-DD`` only.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


async def valid_period(period: str) -> Period:
    """A period in a path or query; a malformed one is an input error (400)."""
    return Period.parse(period)


async def optional_period(period: str | None = None) -> Period | None:
    return Period.parse(period) if period else None


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PeriodDep = Annotated[Period, Depends(valid_period)]
OptionalPeriodDep = Annotated[Period | None, Depends(optional_period)]
ServicesDep = Annotated[Services, Depends(get_services)]
