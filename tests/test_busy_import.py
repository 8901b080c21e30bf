"""An import of unchanged rows while another process holds the write lock (issue 16, item 8).

It looked as if such an import "succeeded under the lock". It does not: every import writes
(the batch, its files and the audit line, even when every row is unchanged), so it takes the
write lock like any writer. It waits for the other writer (the busy timeout) and then goes
in, or, if the lock is held longer, reports a busy store (exit 2) having stored nothing.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.importer import import_paths
from scoring.store import open_store
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
HOLDER = """
import sqlite3, sys
holder = sqlite3.connect(sys.argv[1], isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
holder.execute("ROLLBACK")
"""


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    """A store with the inline files imported once, and those files."""
    db, folder = tmp_path / "busy.db", inputs.write(tmp_path / "in")
    with open_store(f"sqlite:///{db}") as store:
        import_paths(store, [folder], actor="hr", zone=ZONE, rejects_dir=tmp_path / "rejected")
    return db, folder


@pytest.fixture
def holder(seeded: tuple[Path, Path]) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the write lock until a line is written to it."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seeded[0])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stdout.readline().strip() == "held"
        try:
            yield process
        finally:
            release(process)
            process.wait(timeout=10)


def release(process: subprocess.Popen[str]) -> None:
    if process.poll() is None and process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(BrokenPipeError):  # released already, and gone
            process.stdin.write("\n")
            process.stdin.flush()


def batches(db: Path) -> int:
    with open_store(f"sqlite:///{db}") as store, store.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM import_batches").scalar_one())


def release_after(process: subprocess.Popen[str], seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, release, args=(process,))
    timer.start()
    return timer


def test_an_unchanged_import_waits_for_the_other_writer(
    seeded: tuple[Path, Path], holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    db, folder = seeded
    timer = release_after(holder, 1.0)
    started = time.perf_counter()
    with open_store(f"sqlite:///{db}", migrate=False) as store:
        report = import_paths(
            store, [folder], actor="hr", zone=ZONE, rejects_dir=tmp_path / "rejected"
        )
    waited = time.perf_counter() - started
    timer.join()
    assert waited >= 0.9  # it did not go past the lock: it waited until it was released
    assert {f.unchanged for f in report.files} != {0} and sum(f.accepted for f in report.files) == 0
    assert batches(db) == 2  # and then wrote its batch


def test_an_unchanged_import_reports_busy_when_the_lock_stays(
    seeded: tuple[Path, Path],
    holder: subprocess.Popen[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, folder = seeded
    monkeypatch.setattr("scoring.store.db.BUSY_TIMEOUT_MS", 300)
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{db}", "import", str(folder)])
    assert result.exit_code == 2, result.output
    assert "busy" in result.output and "internal error" not in result.output
    release(holder)
    holder.wait(timeout=10)
    assert batches(db) == 1  # nothing of the busy import was stored
