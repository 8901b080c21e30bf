"""The web service: JSON API under /api, server-rendered pages, and the scheduler.

``create_app(settings)`` builds the application; ``serve(host, port)`` runs it with uvicorn
(``scoring serve``). The API offers the operations of the command line (CONTRACT.md, "Command
line"): imports, compute, close, export, statements, ranking, simulate, plans, manual
adjustments, disputes and the audit log. Money is yuan text with two decimals, never a float.
A user error is answered as JSON ``{"error": message, "problems": [...]}`` (400 input, plan or
calendar; 404 unknown installer or dispute; 409 period or dispute state), never a traceback.

Who acts: the request header ``X-Scoring-User`` names the person recorded in the audit log
(``web`` without it). **Known gap: there is no authentication or authorisation.** Anyone who
can reach the service can import, close periods, resolve disputes and claim any name in
``X-Scoring-User``; there is no CSRF protection of the page forms either. Run it only behind
a reverse proxy that authenticates users and sets the header itself (stripping any the client
sent), or on a trusted network.

The store is opened once per application (in its lifespan) from ``settings.db`` or an explicit
URL, and closed on shutdown; each request loads what it needs through the services. Route
handlers are plain ``def`` functions, so FastAPI runs them in its thread pool and the blocking
services never stall the event loop.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from scoring.settings import Settings, db_url, get_settings
from scoring.store import open_store
from scoring.web import (
    errors,
    pages_home,
    pages_hr,
    pages_me,
    pages_ranking,
    routes_audit,
    routes_disputes,
    routes_imports,
    routes_periods,
    routes_plans,
)
from scoring.web.deps import USER_HEADER, Services
from scoring.workdays import WorkCalendar

log = logging.getLogger(__name__)

DESCRIPTION = f"""
售后服务满意度激励与评分引擎 / satisfaction-linked incentive and scoring engine.

The header `{USER_HEADER}` names who acts (default `web`); it is recorded in the audit log.
There is no authentication: run the service behind an authenticating proxy that sets it.
Money is yuan text with two decimals (`"12.50"`).
"""


def create_app(
    settings: Settings | None = None,
    *,
    store_url: str | None = None,
    scheduler: bool = False,
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
        try:
            calendar = WorkCalendar.load(chosen.calendar_dir)
            app.state.services = Services(store=store, settings=chosen, calendar=calendar)
            if scheduler:
                from scoring.jobs import build_scheduler

                running = build_scheduler(store, zone=chosen.zone, calendar=calendar)
                running.start()
                app.state.scheduler = running
                log.info("scheduler started: %s", ", ".join(j.id for j in running.get_jobs()))
            yield
        finally:
            if running is not None:
                running.shutdown(wait=True)
            store.close()

    app = FastAPI(
        title="scoring",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # the Swagger and ReDoc pages load scripts from a CDN; no internet here
        redoc_url=None,
    )
    errors.install(app)
    for module in (
        routes_imports,
        routes_periods,
        routes_plans,
        routes_disputes,
        routes_audit,
        pages_home,
        pages_me,
        pages_ranking,
        pages_hr,
    ):
        app.include_router(module.router)
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    *,
    store_url: str | None = None,
    scheduler: bool = True,
) -> None:
    """Run the web API, the pages and (by default) the scheduler with uvicorn, one process."""
    import uvicorn

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("scoring").setLevel(logging.INFO)
    app = create_app(settings, store_url=store_url, scheduler=scheduler)
    uvicorn.run(app, host=host, port=port, workers=1)
