"""A store kept busy by another writer: a clear message and exit 2 on the command line, 503
with Retry-After on the API, never an internal error."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scoring.api import create_app
from scoring.cli import app
from scoring.importer import import_paths
from scoring.services.access import Role
from scoring.settings import Settings
from scoring.store import open_store
from tests import inputs
from tests.auth_helpers import bearer, ensure_user

HR_TOKEN: dict[str, str] = {}


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, sqlite3.Connection]:
    path = tmp_path / "busy.db"
    url = f"sqlite:///{path}"
    with open_store(url) as store:
        import_paths(
            store,
            [inputs.write(tmp_path / "seed")],
            actor="hr",
            zone=ZoneInfo("Asia/Shanghai"),
            rejects_dir=tmp_path / "rejected",
        )
        # Signed in before the store is locked (signing in writes the audit log).
        HR_TOKEN[url] = ensure_user(store, Role.HR, login="hr1")
    monkeypatch.setattr("scoring.store.db.BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store
    return url, holder


def test_the_command_line_says_busy_and_exits_2(
    locked: tuple[str, sqlite3.Connection], tmp_path: Path
) -> None:
    url, holder = locked
    try:
        result = CliRunner().invoke(
            app, ["--db", url, "adjust", "2025-10", "I1", "--amount", "1.00", "--reason", "x"]
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2, result.output
    assert "busy" in result.output and "internal error" not in result.output


def test_the_api_answers_503_with_retry_after(
    locked: tuple[str, sqlite3.Connection], tmp_path: Path
) -> None:
    url, holder = locked
    settings = Settings(rejects_dir=tmp_path / "rejected")
    try:
        with TestClient(
            create_app(settings, store_url=url, refresh="off"), raise_server_exceptions=False
        ) as client:
            response = client.post(
                "/api/periods/2025-10/adjustments",
                json={"installer_id": "I1", "amount": "1.00", "reason": "x"},
                headers=bearer(HR_TOKEN[url]),
            )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "30" and "busy" in response.json()["error"]
