"""Shared fixtures: every store test runs against SQLite and a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from scoring.settings import get_settings
from scoring.store import Store, open_store
from tests.pg import PgServer, find_bin_dir

# The machines running the suite are shared and noisy: a property must not fail because an
# example took long (the properties assert results, never times; benchmarks measure speed).
settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("shared-machine")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's environment or writes into the working folder."""
    for name in (
        "SCORING_DB",
        "SCORING_TIMEZONE",
        "SCORING_REJECTS_DIR",
        "SCORING_REPORTS_DIR",
        "SCORING_USER",
        "SCORING_CALENDAR_DIR",
        "SCORING_SECRET_KEY",
        "SCORING_TOKEN_MINUTES",
        "SCORING_SESSION_MINUTES",
        "SCORING_SIGNIN_WINDOW_MINUTES",
        "SCORING_SIGNIN_FAILURES_PER_LOGIN",
        "SCORING_SIGNIN_FAILURES_PER_ADDRESS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCORING_REJECTS_DIR", str(tmp_path / "rejected"))
    monkeypatch.setenv("SCORING_REPORTS_DIR", str(tmp_path / "reports"))
    # Cheap argon2 parameters: the recommended ones take ~0.2 s a hash (tests/test_users.py
    # checks that the default is the recommended cost).
    monkeypatch.setenv("SCORING_FAST_HASHES_FOR_TESTS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if find_bin_dir() is None:
        # The only allowed skip: a machine without PostgreSQL binaries. CI installs them.
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found; .ci/run installs them")
    server = PgServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store of each kind: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened fresh store of each kind, closed after the test."""
    with open_store(store_url) as opened:
        yield opened
