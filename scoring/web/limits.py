"""Request body size limits: a pure ASGI middleware, before any route reads a byte.

A request whose ``Content-Length`` is over the limit is answered 413 at once, its body never
read. A body without a length (chunked) or with a wrong one is counted as it is received; once
it goes over the limit, the application reads a disconnect (no route acts on a cut body: the
body parsers raise), nothing more is read, and whatever the application answers is replaced
by the 413. The message is in both languages, JSON under ``/api`` and a page elsewhere.

Two limits (:class:`~scoring.settings.Settings`): ``max_body_bytes`` for every request (JSON,
forms, plan files), and ``max_upload_bytes`` for the data files of ``POST /api/imports``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scoring.settings import Settings

#: Paths whose POST carries data files, under the upload limit.
UPLOAD_PATHS = ("/api/imports",)


def too_large_message(limit: int) -> str:
    size = _size(limit)
    return f"请求内容过大,最多 {size} / the request body is too large: at most {size}"


def _size(count: int) -> str:
    if count >= 1 << 20 and count % (1 << 20) == 0:
        return f"{count >> 20} MiB"
    if count >= 1 << 10 and count % (1 << 10) == 0:
        return f"{count >> 10} KiB"
    return f"{count:,} bytes"


class BodyLimit:
    """Refuse request bodies over the limit of their path (see the module's text)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, scope: Scope) -> int:
        path = str(scope.get("path", "")).rstrip("/")
        if scope.get("method") == "POST" and path in UPLOAD_PATHS:
            return self.max_upload_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return
        received = 0
        over = started = False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return _GONE
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return _GONE
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # whatever the application answers to a cut body: ours is sent below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await _refuse(scope, receive, send, limit)


#: What the application reads once the body went over the limit: the client is gone for it,
#: so no route acts on a cut body (the body parsers raise on it).
_GONE: Message = {"type": "http.disconnect"}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from scoring.web.errors import error_response

    response = error_response(Request(scope, receive), 413, too_large_message(limit))
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def install(app: Starlette, settings: Settings) -> None:
    """Add the limits to ``app``; called after its other middleware, so they come first."""
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
