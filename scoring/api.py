"""The web service: JSON API under /api, server-rendered pages, and the scheduler.

``create_app(settings)`` builds the application; ``serve(host, port)`` runs it with uvicorn
(``scoring serve``), in one process or several (``--workers``): nothing a request needs lives
only in one process's memory (results and drafts are read from the store), and the scheduled
jobs claim each run in the store, so several workers or servers on one store answer the same
and run each job once. The API offers the operations of the command line (CONTRACT.md,
"Command line"), each through the same service function. Money is yuan text with two
decimals, never a float. A user error is answered as JSON ``{"error": message, "problems":
[...]}`` (400 input, plan or calendar; 403 a role or scope that does not allow it; 404 unknown;
409 period or dispute state; 503 a busy store), never a traceback.

After every change made through the web (any successful POST except signing in or out and
managing users, which change nothing a draft is computed from), the draft refresher is woken:
drafts that became stale are computed in the background, never inside a request. Signing in
must not wake it: on the national month a refresh is a compute of several GB, and a stale draft
left by the command line is the nightly job's to refresh, not the first installer's to start.

Route handlers are plain ``def`` functions, so FastAPI runs them in its thread pool and the
blocking services never stall the event loop.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scoring.services.runtime import Runtime
from scoring.settings import Settings, db_url, get_settings
from scoring.store import open_store
from scoring.web import (
    auth,
    errors,
    i18n,
    limits,
    pages_audit,
    pages_disputes,
    pages_home,
    pages_hr,
    pages_imports,
    pages_me,
    pages_plans,
    pages_ranking,
    pages_users,
    routes_audit,
    routes_disputes,
    routes_imports,
    routes_periods,
    routes_plans,
    routes_service_levels,
    routes_users,
)
from scoring.web.deps import Services
from scoring.web.models import ErrorOut
from scoring.web.refresher import Refresher

log = logging.getLogger(__name__)

DESCRIPTION = """
售后服务满意度激励与评分引擎 / satisfaction-linked incentive and scoring engine.

Sign in with `POST /api/token` (form fields `username` and `password`, the OAuth2 password
flow) and send the token as `Authorization: Bearer TOKEN` on every other `/api` call. What a
user may do and see follows its role and scope (hr, operations, dealer, installer); the audit
log records the signed-in login. Money is yuan text with two decimals (`"12.50"`).
"""


#: Answers any API route may give (documented on every operation).
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "a malformed or invalid value (the problems name it)"},
    401: {"model": ErrorOut, "description": "not signed in, or the token expired or was voided"},
    403: {"model": ErrorOut, "description": "the role or scope does not allow this"},
    503: {"model": ErrorOut, "description": "the store is busy: try again (Retry-After)"},
}


# POSTs that change nothing a draft is computed from: sign-in and out, activation, passwords,
# users, the language cookie, checking, simulating and proposing a plan (only an approval puts
# a plan in force). Prefixes of request paths.
QUIET_POSTS = (
    "/api/token",
    "/login",
    "/logout",
    "/activate",
    "/api/me",
    "/api/users",
    "/hr/users",
    "/lang/",
    "/api/plans/check",
    "/api/plans/simulate",
    "/ops/plans/check",
    "/ops/plans/simulate",
    "/ops/plans/propose",
)


class RefreshAfterChanges:
    """After a POST that succeeded (and may have changed pay inputs), wake the draft refresher.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware``
    wraps every request, GETs included, in extra tasks and streams (about a millisecond a
    request on this machine), and the reads are most of the traffic."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].startswith(QUIET_POSTS)
        ):
            await self.app(scope, receive, send)
            return

        async def watched(message: Message) -> None:
            # Woken before the answer leaves (as the handler's work is done by then), so that
            # with an inline refresher the next request already reads the new draft.
            if message["type"] == "http.response.start" and int(message["status"]) < 400:
                services: Services | None = getattr(scope["app"].state, "services", None)
                if services is not None:
                    await run_in_threadpool(services.refresher.kick)
            await send(message)

        await self.app(scope, receive, watched)


def create_app(
    settings: Settings | None = None,
    *,
    store_url: str | None = None,
    scheduler: bool = False,
    refresh: str = "background",
) -> FastAPI:
    """The application. ``store_url`` overrides ``settings.db`` (tests); ``scheduler`` starts
    the scheduled jobs of :mod:`scoring.jobs` with the application and stops them with it."""
    chosen = settings or get_settings()
    url = db_url(store_url, settings=chosen)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(url)
        running = None
        app.state.scheduler = None
        runtime = Runtime.of(chosen)
        refresher = Refresher(store, runtime, mode=refresh)
        try:
            app.state.services = Services(
                store=store, settings=chosen, runtime=runtime, refresher=refresher
            )
            refresher.start()
            if scheduler:
                from scoring.jobs import build_scheduler

                running = build_scheduler(store, runtime=runtime)
                running.start()
                app.state.scheduler = running
                log.info("scheduler started: %s", ", ".join(j.id for j in running.get_jobs()))
            yield
        finally:
            if running is not None:
                running.shutdown(wait=True)
            refresher.stop()
            store.close()

    app = FastAPI(
        title="scoring",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # the Swagger and ReDoc pages load scripts from a CDN; no internet here
        redoc_url=None,
        openapi_url=None,  # served below, declared public like every route's access
        responses=COMMON_RESPONSES,
    )
    errors.install(app)
    auth.install(app)
    # The language of each request, for pages rendered without the request (sign-in).
    app.add_middleware(i18n.LanguageMiddleware)

    app.add_middleware(RefreshAfterChanges)

    limits.install(app, chosen)  # last added, so it runs first: before a body is read
    app.include_router(auth.router)
    app.include_router(pages_home.public_router)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[auth.Public])
    def openapi_document() -> dict[str, Any]:
        """The API's description (what the routes are, not any data): open to everyone."""
        return app.openapi()

    for module in (
        routes_imports,
        routes_periods,
        routes_plans,
        routes_disputes,
        routes_audit,
        routes_service_levels,
        routes_users,
        pages_home,
        pages_me,
        pages_ranking,
        pages_hr,
        pages_imports,
        pages_disputes,
        pages_users,
        pages_audit,
        pages_plans,
    ):
        app.include_router(module.router)
    app.include_router(pages_hr.old_links)  # last: /hr/{period} would take /hr/imports...
    return app


#: How ``scoring serve --workers N`` hands its choices to the worker processes.
SCHEDULER_ENV = "SCORING_SERVE_SCHEDULER"


#: glibc's ``M_ARENA_MAX`` option of ``mallopt``.
_M_ARENA_MAX = -8
#: malloc arenas a server process asks glibc for (see :func:`limit_malloc_arenas`).
MALLOC_ARENAS = 2


def limit_malloc_arenas(count: int = MALLOC_ARENAS) -> bool:
    """Ask glibc for at most ``count`` malloc arenas in this process; True when it agreed.

    glibc gives threads that allocate at once arenas of their own, up to eight per core. A
    server answers from a pool of up to 40 threads, and each arena keeps its freed pages in
    fragments: measured at 200 requests/s on the national month, the workers' memory kept
    growing (about 4 MiB a minute, benchmarks/README.md). Called in a running process this
    only stops *new* arenas: importing polars and pyarrow has made four already (their thread
    pools), and the request threads share all of them. So ``scoring serve --workers N`` hands
    ``MALLOC_ARENA_MAX`` to its worker processes instead (see :func:`serve`), which glibc reads
    before the first allocation. This call remains for the one-process server (``--workers
    1``), where it can only keep the arenas at those; set ``MALLOC_ARENA_MAX=2`` in its
    environment for the full effect. A ``MALLOC_ARENA_MAX`` set in the environment is left as
    it is; elsewhere than glibc nothing is done."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, count))


def app_from_environment() -> FastAPI:
    """The application of a worker process (uvicorn's factory): the store from ``SCORING_DB``,
    the scheduler when ``SCORING_SERVE_SCHEDULER`` is 1."""
    limit_malloc_arenas()
    return create_app(scheduler=os.environ.get(SCHEDULER_ENV) == "1")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    store_url: str | None = None,
    scheduler: bool = True,
    workers: int = 1,
) -> None:
    """Run the web API, the pages and (by default) the scheduler with uvicorn."""
    import uvicorn

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("scoring").setLevel(logging.INFO)
    if workers == 1:
        limit_malloc_arenas()
        uvicorn.run(create_app(store_url=store_url, scheduler=scheduler), host=host, port=port)
        return
    # Worker processes build their own application from the environment.
    url = db_url(store_url)
    open_store(url).close()  # migrate once, and fail here with a clear message
    os.environ["SCORING_DB"] = url
    os.environ[SCHEDULER_ENV] = "1" if scheduler else "0"
    # Read by glibc when a worker process starts, before polars and pyarrow start their
    # threads (mallopt in the worker comes too late for those; see limit_malloc_arenas).
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    get_settings.cache_clear()
    uvicorn.run(
        "scoring.api:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
    )
