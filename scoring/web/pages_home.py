"""The start page, the language switch, and the entries of the navigation that need a period.

- ``/``: an installer goes straight to its statement; everyone else sees the pages of its role
  (the navigation, :mod:`scoring.web.nav`) and the periods with a result.
- ``/lang/{code}?next=PATH``: sets the ``lang`` cookie (``zh`` or ``en``) and goes back.
- ``/ranking`` (the newest period with a result) is in scoring/web/pages_ranking.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scoring.services.periods import result_periods
from scoring.web import i18n
from scoring.web.auth import (
    CallerDep,
    Public,
    SignedIn,
    is_https,
    safe_next,
)
from scoring.web.deps import StoreDep
from scoring.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])
#: The language switch: open to everyone (the sign-in page links to it).
public_router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[Public])

#: How long the language choice is kept (a year).
LANG_COOKIE_SECONDS = 365 * 24 * 3600
#: Periods listed on the start page.
HOME_PERIODS = 12


@router.get("/", response_class=HTMLResponse)
def home(request: Request, store: StoreDep, caller: CallerDep) -> Response:
    """首页 / home."""
    if caller.installer_id is not None:
        return RedirectResponse("/me", status_code=303)
    periods = result_periods(store, caller=caller)[:HOME_PERIODS]
    return render(request, "home.html", periods=periods)


@public_router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    """Show the pages in ``code`` (zh or en) from now on, and go back to ``next``."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        i18n.COOKIE,
        i18n.language(code),
        max_age=LANG_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )
    return response
