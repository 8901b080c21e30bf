"""Hand-built pages (the ranking): one layout, escaping helpers, bilingual labels.

New pages are Jinja2 templates (:mod:`scoring.web.templating`), where escaping is automatic;
this module remains for the pages not yet moved there.

Every value that comes from data or a request goes through :func:`esc` (``html.escape`` with
quotes): names, comments and explanations come from uploaded files and must never become
markup. The pages use no script and no external asset (the machines have no internet); a
Content-Security-Policy that allows neither is sent with every page as a second line of
defence.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlencode

from fastapi.responses import HTMLResponse

from scoring.web.templating import SECURITY_HEADERS, stylesheet

#: The pages' one stylesheet (templates/style.css) and security headers, shared with the
#: templated pages (scoring.web.templating) so that the older hand-built pages look the same.
CSS = stylesheet()


def esc(value: object) -> str:
    """Text as HTML: ``None`` is empty, everything else escaped, quotes included."""
    return "" if value is None else html.escape(str(value), quote=True)


def bi(zh: str, en: str) -> str:
    """A bilingual label: Chinese first, English smaller beside it (both escaped)."""
    return f'{esc(zh)} <span class="en">{esc(en)}</span>'


def path(*parts: str, **query: str | int | None) -> str:
    """A URL of this site with every path part and query value encoded (then escape it)."""
    url = "/" + "/".join(quote(part, safe="") for part in parts)
    given = {k: str(v) for k, v in query.items() if v is not None}
    return url + ("?" + urlencode(given) if given else "")


def link(href: str, label_html: str) -> str:
    return f'<a href="{esc(href)}">{label_html}</a>'


def table(
    headings: Sequence[str], rows: Iterable[Sequence[str]], *, numeric: set[int] | None = None
) -> str:
    """A table from already-escaped cells; ``numeric`` column indexes are right-aligned."""
    numeric = numeric or set()
    head = "".join(
        f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>"
        for i, h in enumerate(headings)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def nav(*extra: tuple[str, str]) -> str:
    links = [link("/", bi("首页", "home"))] + [link(href, label) for href, label in extra]
    return "<nav>" + "".join(links) + "</nav>"


def layout(title: str, body: str, *, status_code: int = 200) -> HTMLResponse:
    """A whole page; ``title`` is plain text (escaped here), ``body`` is HTML."""
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)
