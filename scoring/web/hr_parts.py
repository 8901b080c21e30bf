"""What HR's pages share: the caller's rights for the template to show or hide a form, links
to the pages of a list, a safe way back after a form, and a file handed to the browser.

Showing a form only to whom may use it is a courtesy; the service refuses the others anyway.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask
from starlette.requests import Request

from scoring.services.access import Caller, Right
from scoring.web.auth import safe_next
from scoring.web.templating import render
from scoring.web.urls import path

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def rights(caller: Caller) -> dict[str, bool]:
    """``{"compute": True, ...}``: which rights the caller's role has, by name."""
    return {right.value: caller.may(right) for right in Right}


def hr_render(request: Request, name: str, *, caller: Caller, **values: Any) -> HTMLResponse:
    """:func:`scoring.web.templating.render` with what HR's templates use besides: ``can``
    (the caller's rights by name) and ``path`` (a URL with every part encoded)."""
    return render(request, name, can=rights(caller), path=path, **values)


@dataclass(frozen=True)
class Pager:
    """Links to the previous and next page of a list shown ``limit`` at a time."""

    offset: int
    limit: int
    shown: int
    total: int | None
    previous: str | None
    next: str | None

    @property
    def first(self) -> int:
        return self.offset + 1 if self.shown else 0

    @property
    def last(self) -> int:
        return self.offset + self.shown


def pager(
    request: Request, *, offset: int, limit: int, shown: int, total: int | None, more: bool = False
) -> Pager:
    """The pager of the list at the request's path: the other query values are kept, ``offset``
    moves by ``limit``. ``more`` says there is a next page when the total is not known."""

    def at(value: int) -> str:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
        if value:
            query.append(("offset", str(value)))
        return request.url.path + ("?" + urlencode(query) if query else "")

    has_next = (offset + shown < total) if total is not None else more
    return Pager(
        offset=offset,
        limit=limit,
        shown=shown,
        total=total,
        previous=at(max(offset - limit, 0)) if offset > 0 else None,
        next=at(offset + limit) if has_next else None,
    )


def back_to(value: str | None, default: str, *, under: str) -> str:
    """Where a form goes back to: a path of this site under ``under`` (the page it came
    from, with its filters), else ``default``."""
    chosen = safe_next(value)
    return chosen if chosen == under or chosen.startswith(under + "?") else default


def with_query(url: str, **values: str | int) -> str:
    """``url`` with ``values`` added to its query (replacing any of the same names)."""
    base, _, query = url.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in values]
    kept.extend((k, str(v)) for k, v in values.items())
    return base + ("?" + urlencode(kept) if kept else "")


def download(
    file: Path, *, name: str, media_type: str, cleanup: Path | None = None
) -> FileResponse:
    """``file`` as a download named ``name``; ``cleanup`` (a temporary folder) is removed once
    it is sent."""
    return FileResponse(
        file,
        media_type=media_type,
        filename=name,
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(shutil.rmtree, cleanup, True) if cleanup is not None else None,
    )
