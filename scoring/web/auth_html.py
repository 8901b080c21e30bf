"""The sign-in and activation pages (templates ``signin.html`` and ``activate.html``).

They are rendered by :mod:`scoring.web.auth`, which hands over its CSRF field; the language is
the one of the request being served (:func:`scoring.web.i18n.current_language`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import HTMLResponse

from scoring.services.passwords import MIN_PASSWORD_LENGTH
from scoring.web import i18n
from scoring.web.templating import page_context, render_page


def _context(page: str, csrf_field: str) -> dict[str, object]:
    return page_context(None, lang=i18n.current_language(), here=page, csrf_field=csrf_field)


def signin_page(
    *, csrf_field: str, next_url: str, login: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    here = "/login" if next_url == "/" else f"/login?{urlencode({'next': next_url})}"
    context = _context(here, csrf_field)
    context.update(next_url=next_url, login=login, error=error)
    return render_page("signin.html", context, status=status)


def activate_page(
    *, csrf_field: str, login: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = _context("/activate", csrf_field)
    context.update(login=login, error=error, min_length=MIN_PASSWORD_LENGTH)
    return render_page("activate.html", context, status=status)
