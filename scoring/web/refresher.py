"""Drafts computed in the background: after a change made through the web (an import, an
adjustment, a plan activation, a close, an accepted dispute) the refresher is woken and
computes the drafts that became stale, one refresh at a time and never inside a request.
Several processes share the work through the lease of :func:`scoring.services.drafts.refresh`.
"""

from __future__ import annotations

import logging
import threading

from scoring.errors import ScoringError
from scoring.services.access import Caller
from scoring.services.drafts import refresh
from scoring.services.runtime import Runtime
from scoring.store import Store

log = logging.getLogger(__name__)


class Refresher:
    """A daemon thread that refreshes the stale drafts each time it is woken."""

    def __init__(self, store: Store, runtime: Runtime, *, mode: str = "background") -> None:
        """``mode``: ``background`` (a thread), ``inline`` (the refresh runs inside
        :meth:`kick`, so a change is visible to the next request: tests and small
        single-user set-ups) or ``off``."""
        enabled = mode != "off"
        self._inline = mode == "inline"
        self._store = store
        self._runtime = runtime
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._enabled = enabled

    def start(self) -> None:
        if not self._enabled or self._inline or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="draft-refresher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def kick(self) -> None:
        """Ask for a refresh (returns at once, unless inline)."""
        if self._inline:
            self._refresh_once()
            return
        if self._enabled:
            self._idle.clear()
            self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no refresh is asked for or running (tests)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                break
            self._refresh_once()
            if not self._wake.is_set():
                self._idle.set()

    def _refresh_once(self) -> None:
        try:
            done = refresh(self._store, caller=Caller.system("system"), runtime=self._runtime)
            if done.computed:
                log.info("drafts computed: %s", ", ".join(done.computed))
        except ScoringError as exc:
            log.error("draft refresh failed: %s", exc)
        except Exception:  # a bug of ours: logged, the service goes on
            log.exception("draft refresh failed")
