"""``scoring demo``: the whole month on a fresh embedded store, end to end.

Generates a realistic sample network and month, writes it as input files, imports them,
computes and closes the month, exports payroll, and returns what a person wants to see first.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from payroll_export import ExportedFiles
from scoring.demo_data import DEMO, generate, write_files
from scoring.importer import ImportReport
from scoring.period import Period
from scoring.result import Result
from scoring.services import users
from scoring.services.access import Caller, Role
from scoring.services.exports import export
from scoring.services.imports import import_files
from scoring.services.periods import close
from scoring.services.runtime import Runtime
from scoring.store import Store, open_store

DEFAULT_PERIOD = Period(2025, 10)  # includes National Day and a make-up working Saturday


@dataclass
class DemoRun:
    folder: Path
    db_path: Path
    inputs: list[Path]
    report: ImportReport
    result: Result
    files: ExportedFiles
    seconds: dict[str, float] = field(default_factory=dict)
    #: One user of each role on the demo store, with its password (shown once, by the demo).
    people: list[DemoUser] = field(default_factory=list)


@dataclass(frozen=True)
class DemoUser:
    login: str
    role: Role
    password: str
    scope: str  # what the user sees, in words


def _demo_password() -> str:
    """A fresh random password: demo stores get copied around, so no fixed password."""
    return "demo-" + secrets.token_urlsafe(9)


def add_demo_users(store: Store, result: Result, *, caller: Caller) -> list[DemoUser]:
    """hr, ops, a dealer user of the dealer of the installer with the most lines (the most to
    look at) and that installer's own account, each with a new random password."""
    busiest = (
        result.lines.group_by("installer_id")
        .len()
        .sort(["len", "installer_id"], descending=[True, False])
        .item(0, "installer_id")
    )
    row = result.statements.filter(pl.col("installer_id") == busiest).row(0, named=True)
    dealer_id, installer_id = str(row["dealer_id"]), str(busiest)
    chosen: list[tuple[str, Role, tuple[str, ...], str | None, str]] = [
        ("hr", Role.HR, (), None, "全部 / everything"),
        ("ops", Role.OPERATIONS, (), None, "方案与只读期间 / plans, periods read-only"),
        ("dealer", Role.DEALER, (dealer_id,), None, f"经销商 / dealer {dealer_id}"),
        (installer_id, Role.INSTALLER, (), installer_id, f"本人 / own statement {installer_id}"),
    ]
    people = []
    for login, role, dealer_ids, own, words in chosen:
        password = _demo_password()
        users.add_user(
            store,
            caller=caller,
            login=login,
            role=role,
            password=password,
            dealer_ids=dealer_ids,
            installer_id=own,
        )
        people.append(DemoUser(login, role, password, words))
    return people


def run_demo(
    folder: Path,
    *,
    period: Period = DEFAULT_PERIOD,
    seed: int = 7,
    runtime: Runtime,
    caller: Caller,
) -> DemoRun:
    """Run the demo into ``folder`` (its previous demo store and files are replaced)."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for old in ("input", "export", "rejected"):
        shutil.rmtree(folder / old, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "scoring.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    tables = generate(period.name, scale=DEMO, seed=seed)
    inputs = write_files(tables, folder / "input")
    seconds["generate"] = time.perf_counter() - started

    with open_store(f"sqlite:///{db_path}") as store:
        t = time.perf_counter()
        report = import_files(
            store,
            caller=caller,
            paths=[folder / "input"],
            runtime=runtime,
            rejects_dir=folder / "rejected",
        )
        seconds["import"] = time.perf_counter() - t
        t = time.perf_counter()
        result = close(store, caller=caller, period=period, runtime=runtime)
        seconds["compute and close"] = time.perf_counter() - t
        t = time.perf_counter()
        files = export(
            store,
            caller=caller,
            period=period,
            out_dir=folder / "export",
            headings="en",
            runtime=runtime,
            fresh=False,
        )
        seconds["export"] = time.perf_counter() - t
        people = add_demo_users(store, result, caller=caller)
    return DemoRun(folder, db_path, inputs, report, result, files, seconds, people)


def grade_counts(result: Result) -> dict[str, int]:
    counts = result.statements.group_by("grade").len().sort("grade")
    return {str(g): int(n) for g, n in counts.iter_rows()}


def best_and_worst_teams(result: Result, n: int = 3) -> tuple[pl.DataFrame, pl.DataFrame]:
    ranked = result.ranking.filter(pl.col("rank").is_not_null())
    columns = [
        c
        for c in ("dealer_name", "rank", "team_name", "kind", "surveys", "rating")
        if c in ranked.columns
    ]
    best = ranked.filter(pl.col("rank") == 1).select(columns).head(n)
    last_rank = ranked.group_by("dealer_id").agg(pl.col("rank").max().alias("last"))
    worst = (
        ranked.join(last_rank, on="dealer_id")
        .filter((pl.col("rank") == pl.col("last")) & (pl.col("last") > 1))
        .select(columns)
        .head(n)
    )
    return best, worst
