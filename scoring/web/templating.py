"""The pages' templates: one Jinja2 environment, autoescaped, strict, from ``templates/``.

Escaping does not depend on remembering a function: every ``{{ value }}`` is escaped (the
environment has autoescape on for every template), an undefined name is an error rather than
an empty string (``StrictUndefined``), and only :class:`markupsafe.Markup` made by our own code
(charts, the CSRF field, :func:`money`) goes out unescaped. Every page extends ``base.html``:
the navigation for the caller's role, the language switch, the sign-out form, one stylesheet
(phone first, ``templates/style.css``), no script and no external asset; the
Content-Security-Policy of :data:`SECURITY_HEADERS` goes with every page.

Filters: ``money`` (integer fen → ``1,234.50`` in a span coloured by sign: negative red,
positive green; ``money(signed=True)`` writes ``+``), ``yuan`` (the same text, no markup),
``when`` (store microseconds → ``2025-10-12 14:30`` in the configured zone), ``word`` (a status,
kind or other code in the page's language: ``status|word("status")``), ``grade`` (a grade, or
"未评级" for unrated) and ``part`` (one side of a bilingual service message).
Globals in every page: ``t`` (the message catalog, see :mod:`scoring.web.i18n`), ``lang``,
``caller`` (or None), ``nav``, ``csrf_input()`` (the hidden CSRF field of a form that changes
something), ``lang_url`` (the link to the other language).

How to add a page
-----------------
1. Template: ``scoring/web/templates/NAME.html`` starting with ``{% extends "base.html" %}``,
   filling ``{% block title %}`` and ``{% block content %}``. Write every word as
   ``{{ t("NAME.heading") }}``; money with ``|money``, times with ``|when``, codes with ``|word``.
   Wide tables get ``class="cards"`` and a ``data-label`` on each cell: on a phone each row
   becomes a card (see style.css); no page may scroll sideways at 375 px.
2. Words: add the keys to :data:`scoring.web.i18n.MESSAGES`, each with ``zh`` and ``en``
   (tests/test_i18n.py fails on a key missing or used but unknown).
3. Route: a module ``scoring/web/pages_NAME.py`` with an ``APIRouter(include_in_schema=False)``;
   the handler declares its caller through :mod:`scoring.web.auth` (``CallerDep`` or a
   ``require(Right.X)`` alias), calls ONE service function (rights and scopes are enforced
   there), and returns ``render(request, "NAME.html", ...)``. A form that changes something
   posts with ``{{ csrf_input() }}`` to a route with ``dependencies=[CsrfChecked]`` and answers
   with a 303 redirect back to a page. Mount the router in :func:`scoring.api.create_app`.
4. Navigation: add a :class:`scoring.web.nav.NavItem` to :data:`scoring.web.nav.NAV` with the
   right that shows it.
5. Charts: build them in the handler with :mod:`scoring.web.charts` (``trend_chart``,
   ``interval_chart``, ``histogram``) and pass the returned Markup to the template.
6. Tests: a TestClient test (anonymous → /login, each role's scope, hostile names escaped) and a
   step in tests/browser/ at 375 and 1280 px with a screenshot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request

from scoring.money import format_fen
from scoring.services.access import Caller
from scoring.timefmt import local_time
from scoring.web import i18n
from scoring.web.nav import nav_for

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
DEFAULT_ZONE = "Asia/Shanghai"


# -- filters ------------------------------------------------------------------------------------


def yuan(fen: int | None, signed: bool = False) -> str:
    """Integer fen as yuan text with thousands separated: ``-123450`` → ``-1,234.50``."""
    value = int(fen or 0)
    text = format_fen(value, grouped=True)
    return "+" + text if signed and value > 0 else text


def money(fen: int | None, signed: bool = False) -> Markup:
    """Yuan in a span whose class colours it: ``neg`` (red) below zero, ``pos`` (green) above."""
    value = int(fen or 0)
    css = "pos" if value > 0 else "neg" if value < 0 else "zero"
    return Markup('<span class="num {}">{}</span>').format(css, yuan(value, signed))


@pass_context
def _when(context: Context, us: int | None, seconds: bool = False) -> str:
    zone: ZoneInfo = context["zone"]
    return local_time(us, zone, seconds=seconds)


@pass_context
def _word(context: Context, value: object, group: str) -> str:
    """A code (``open``, ``bonus``...) as the word of ``group`` in the page's language; an
    unknown code is shown as it is."""
    key = f"{group}.{value}"
    if key in i18n.MESSAGES:
        return i18n.text(key, context["lang"])
    return "" if value is None else str(value)


@pass_context
def _grade(context: Context, grade: str | None) -> str:
    if grade in (None, "", "unrated"):
        return i18n.text("grade.unrated", context["lang"])
    return str(grade)


@pass_context
def _part(context: Context, message: str | None) -> str:
    return "" if message is None else i18n.part(message, context["lang"])


@functools.cache
def environment() -> Environment:
    """The one environment of the pages (built once, on first use)."""
    env = Environment(
        loader=PackageLoader("scoring.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(money=money, yuan=yuan, when=_when, word=_word, grade=_grade, part=_part)
    return env


@functools.cache
def stylesheet() -> Markup:
    """The CSS of every page (templates/style.css), put inline in base.html."""
    loader = environment().loader
    assert loader is not None
    source, _, _ = loader.get_source(environment(), "style.css")
    return Markup(source)


# -- rendering -----------------------------------------------------------------------------------


def _translator(lang: i18n.Lang) -> Callable[..., str]:
    def t(key: str, /, **values: Any) -> str:
        return i18n.text(key, lang, **values)

    return t


def _zone_of(request: Request | None) -> ZoneInfo:
    services = getattr(request.app.state, "services", None) if request is not None else None
    return services.settings.zone if services is not None else ZoneInfo(DEFAULT_ZONE)


def lang_url(lang: i18n.Lang, here: str) -> str:
    """The link that switches to the other language and comes back to ``here``."""
    other = "en" if lang == "zh" else "zh"
    return f"/lang/{other}?next={quote(here, safe='/')}"


def _csrf_input(request: Request | None, given: str | None) -> Callable[[], Markup]:
    def csrf_input() -> Markup:
        if given is not None:  # made by scoring.web.auth, already escaped
            return Markup(given)
        if request is None:
            raise RuntimeError("a form that changes something needs the request's CSRF token")
        from scoring.web.auth import CSRF_FIELD, csrf_token

        return Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, csrf_token(request)
        )

    return csrf_input


def page_context(
    request: Request | None,
    *,
    lang: i18n.Lang,
    here: str,
    caller: Caller | None = None,
    csrf_field: str | None = None,
) -> dict[str, Any]:
    """What every template may use (see the module docstring)."""
    if caller is None and request is not None:
        caller = getattr(request.state, "caller", None)
    path = here.split("?", 1)[0]
    return {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "t": _translator(lang),
        "caller": caller,
        "nav": nav_for(caller, path),
        "here": here,
        "lang_url": lang_url(lang, here),
        "zone": _zone_of(request),
        "csrf_input": _csrf_input(request, csrf_field),
        "stylesheet": stylesheet(),
    }


def render_page(
    name: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A template as a whole page with the security headers."""
    html = environment().get_template(name).render(context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def here_of(request: Request) -> str:
    url = request.url
    return url.path + (f"?{url.query}" if url.query else "")


def render(
    request: Request,
    name: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """The page ``name`` for ``request``: its language, caller and navigation, and ``values``."""
    context = page_context(request, lang=i18n.lang_of(request), here=here_of(request))
    context.update(values)
    return render_page(name, context, status=status, headers=headers)
