"""Browser tests: the pages in headless Chromium (Debian's ``chromium``, driven by Playwright).

One live server per test session: uvicorn in a thread on a free port, serving
``create_app`` over a copy of the store of :mod:`tests.page_data` (several months of results and
a user of each role). One browser per session; each test opens its own context (cookies,
viewport), so tests do not share a sign-in.

The browser is ``/usr/bin/chromium`` (``SCORING_CHROMIUM`` overrides it); Playwright's own
browser download is never used (``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1``). Without a browser the
tests are skipped, unless ``SCORING_BROWSER_REQUIRED=1`` (set by ``.ci/run``): then a missing
browser fails them. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from scoring.api import create_app
from scoring.settings import Settings
from tests.auth_helpers import PASSWORD
from tests.page_data import copy_store, pages_db

__all__ = ["pages_db"]

CHROMIUM = os.environ.get("SCORING_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("SCORING_BROWSER_REQUIRED") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
#: The two screens every page is tried on.
SIZES = {"phone": PHONE, "desktop": DESKTOP}


def _no_browser(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (SCORING_BROWSER_REQUIRED=1)")
    # Allowed skip: a developer machine without Chromium; CI installs it and requires it.
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, app: object) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(pages_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("live")
    settings = Settings(rejects_dir=folder / "rejected", fast_hashes_for_tests=True)
    app = create_app(settings, store_url=copy_store(pages_db, folder), refresh="inline")
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _no_browser(f"no Chromium at {CHROMIUM}; .ci/run installs Debian's chromium")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def sign_in(page: Page, base: str, login: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in form, as a person would."""
    page.goto(f"{base}/login")
    page.fill("#username", login)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs once on a phone and once on a desktop."""
    return str(request.param)


def new_context(browser: Browser, size: str, *, timeout_ms: int = 8000) -> BrowserContext:
    """A fresh context (no cookies shared with another test) of the given screen, zh-CN."""
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(timeout_ms)
    return context


@pytest.fixture
def page(browser: Browser, size: str) -> Iterator[Page]:
    context = new_context(browser, size)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def server(pages_db: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own on a fresh copy of the pages store, for tests that change it."""
    settings = Settings(rejects_dir=tmp_path / "rejected", fast_hashes_for_tests=True)
    app = create_app(settings, store_url=copy_store(pages_db, tmp_path), refresh="inline")
    with LiveServer(app) as running:
        yield running


def no_sideways_scroll(page: Page) -> None:
    wide, seen = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert wide <= seen, f"{page.url} is {wide} px wide in a {seen} px window"


def shot(page: Page, folder: Path, name: str) -> Path:
    """A full-page screenshot kept as a test artefact."""
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
