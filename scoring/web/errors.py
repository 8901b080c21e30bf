"""Errors over HTTP: a :class:`~scoring.errors.ScoringError` becomes one clear message.

Under ``/api`` the body is JSON ``{"error": message, "problems": [...]}``; on the pages it is a
small HTML page with the same message. The status says what kind of error it is:

- 400: the input, a plan or the calendar (``InputError``, ``PlanError``, ``CalendarError``,
  and a malformed request);
- 403: the caller's role or scope does not allow it (:class:`Forbidden`);
- 404: an unknown installer or dispute, or one outside the caller's scope (:class:`NotFound`);
- 409: the state of a period or dispute forbids it (``PeriodError``: already closed, resolved);
- 500: an export refused an inconsistent result (``ExportError``), or a bug of ours;
- 503: the store cannot be used (``StoreError``).

Never a traceback: unexpected exceptions are logged with theirs and answered with a short
message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from payroll_export import ExportError
from scoring.errors import NotFoundError, PeriodError, Problem, ScoringError, StoreError
from scoring.services.access import Forbidden
from scoring.store.db import as_busy
from scoring.web.models import ErrorOut, ProblemOut

log = logging.getLogger(__name__)


#: An installer, dispute or other thing named in the request does not exist.
NotFound = NotFoundError


def status_for(exc: ScoringError) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PeriodError):
        return 409
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, ExportError):
        return 500
    return 400  # InputError, PlanError, CalendarError, and any other user error


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def error_response(
    request: Request, status: int, message: str, problems: Sequence[Problem] = ()
) -> Response:
    if _is_api(request):
        body = ErrorOut(error=message, problems=[ProblemOut.of(p) for p in problems])
        return JSONResponse(body.model_dump(mode="json"), status_code=status)
    return error_page(request, status, message, problems)


#: Problems listed on an error page at most (the rest are counted).
PAGE_PROBLEMS = 200


def error_page(
    request: Request, status: int, message: str, problems: Sequence[Problem] = ()
) -> Response:
    """The HTML error page, in the page's language: what went wrong, the problems with their
    place, and what to do, in words (never command-line advice)."""
    from scoring.web import i18n
    from scoring.web.templating import render

    lang = i18n.lang_of(request)
    heading = f"error.{status}" if f"error.{status}" in i18n.MESSAGES else "error.other"
    advice = f"error.advice.{status}"
    return render(
        request,
        "error.html",
        status=status,
        heading=i18n.text(heading, lang),
        status_code=status,
        message=i18n.part(message, lang),
        original=message,
        problems=[str(p) for p in problems[:PAGE_PROBLEMS]],
        advice=i18n.text(advice, lang) if advice in i18n.MESSAGES else "",
    )


async def _scoring_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ScoringError)
    status = status_for(exc)
    if status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    return error_response(request, status, exc.message, exc.problems)


def _field_name(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        Problem(
            source="request",
            reason=str(err.get("msg", "invalid")),
            column=_field_name(err.get("loc", ())),
        )
        for err in exc.errors()
    ]
    return error_response(request, 400, "请求无效 / invalid request", problems)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: "没有这个页面 / not found",
        405: "不支持的请求方法 / method not allowed",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    response = error_response(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at the request's path (a 405's ``Allow``): routes of
    one path may be declared one method at a time."""
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        if context.path is None:
            continue
        regex, _format, _convertors = compile_path(context.path)
        if regex.match(request.url.path):
            methods |= set(context.methods or ())
    return sorted(methods)


async def _unexpected(request: Request, exc: Exception) -> Response:
    busy = as_busy(exc)
    if busy is not None:
        response = error_response(request, 503, busy.message)
        response.headers["Retry-After"] = "30"
        return response
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "内部错误,已记录日志 / internal error; it has been logged")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ScoringError, _scoring_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


__all__ = ["NotFound", "install", "status_for"]
