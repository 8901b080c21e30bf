"""A store with several months of results, for the pages' tests and the browser tests.

The network of :mod:`tests.inputs` (dealers D1, D2; teams T1, T2 of D1 and T3 of D2;
installers I1 of T1, I2 of T2, I3 of T3) with its October 2025 records, plus four earlier
months (June to September) of jobs and surveys. June to September are closed; October is an
open month with a computed draft; the service-level warnings of :data:`WARNINGS_DAY` are
stored. Users: hr1, ops1, dealer1 (D1), dealer2 (D2) and installer
accounts I1, I3 (password :data:`tests.auth_helpers.PASSWORD`).

Building it takes a few seconds (five computations), so it is built once per test session
(:func:`build`) and each test copies the file (:func:`copy_store`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scoring import jobs
from scoring.period import Period
from scoring.services import periods
from scoring.services.access import Caller, Role
from scoring.services.imports import import_files
from scoring.services.runtime import Runtime
from scoring.settings import Settings, get_settings
from scoring.store import open_store
from scoring.workdays import WorkCalendar
from tests import inputs
from tests.auth_helpers import make_user

CLOSED = ("2025-06", "2025-07", "2025-08", "2025-09")
#: The day of the stored service-level warnings (revisits due that day and the next, one
#: breached the day before, for teams of D1 and D2).
WARNINGS_DAY = dt.date(2025, 10, 5)
OPEN = "2025-10"
ADMIN = Caller.local("page-data")

#: Survey scores per month of I1's own jobs (one job and one survey per score).
I1_SCORES = {
    "2025-06": (5, 4, 4, 5),
    "2025-07": (4, 4, 3, 5, 4),
    "2025-08": (5, 5, 4, 5, 5, 4),
    "2025-09": (5, 4, 5, 5),
}
I3_SCORES = {"2025-08": (3, 4), "2025-09": (4, 2, 5)}


def _earlier_months() -> tuple[str, str, str]:
    """Jobs, surveys and complaints of June to September (CSV rows without header)."""
    jobs, surveys, complaints = [], [], []
    for installer, months in (("I1", I1_SCORES), ("I3", I3_SCORES)):
        for period, scores in months.items():
            for n, score in enumerate(scores, start=1):
                job = f"{installer}-{period}-{n}"
                day = 3 + n
                jobs.append(
                    f"{job},{installer},install,空调,{period}-{day:02d}T09:00:00,,,,"
                    f"{period}-{day:02d}T15:00:00,"
                )
                surveys.append(
                    f"S-{job},{job},{period}-{day + 1:02d}T10:00:00,phone,{score},{score},true,"
                )
    # A complaint charged to I1 in September: a deduction in a closed month.
    complaints.append(
        "C-I1-09,I1-2025-09-2,2025-09-10T11:00:00,attitude,minor,installer,2025-09-12T11:00:00"
    )
    return "\n".join(jobs), "\n".join(surveys), "\n".join(complaints)


def write_inputs(folder: Path) -> Path:
    jobs, surveys, complaints = _earlier_months()
    files = dict(inputs.ALL)
    files["jobs"] = inputs.JOBS + jobs + "\n"
    files["surveys"] = inputs.SURVEYS + surveys + "\n"
    files["complaints"] = inputs.COMPLAINTS + complaints + "\n"
    return inputs.write(folder, files)


def build(folder: Path) -> Path:
    """Build the store in ``folder``; returns the SQLite file."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "pages.db"
    settings = Settings(rejects_dir=folder / "rejected")
    runtime = Runtime.of(settings, WorkCalendar.load())
    with open_store(f"sqlite:///{db}") as store:
        import_files(
            store,
            caller=ADMIN,
            paths=[write_inputs(folder / "input")],
            runtime=runtime,
            rejects_dir=folder / "rejected",
        )
        for period in CLOSED:
            periods.close(store, caller=ADMIN, period=Period.parse(period), runtime=runtime)
        periods.compute(store, caller=ADMIN, period=Period.parse(OPEN), runtime=runtime)
        # The daily service-level check of a day with warnings of every kind (both dealers).
        jobs.check_service_levels(
            store, runtime=runtime, now=dt.datetime.combine(WARNINGS_DAY, dt.time(6), runtime.zone)
        )
        make_user(store, Role.HR)
        make_user(store, Role.OPERATIONS)
        make_user(store, Role.DEALER)
        make_user(store, Role.DEALER, login="dealer2", dealer_ids=("D2",))
        make_user(store, Role.INSTALLER)
        make_user(store, Role.INSTALLER, login="I3", installer_id="I3")
    return db


def build_once(folder: Path) -> Path:
    """:func:`build` with the cheap password hashes of the tests (a session fixture runs before
    the per-test settings are in place)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCORING_FAST_HASHES_FOR_TESTS", "true")
        get_settings.cache_clear()
        try:
            return build(folder)
        finally:
            get_settings.cache_clear()


@pytest.fixture(scope="session")
def pages_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built store (do not change it: copy it with :func:`copy_store`)."""
    return build_once(tmp_path_factory.mktemp("pages-data"))


def copy_store(source: Path, folder: Path) -> str:
    """A private copy of a built store; returns its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "pages.db"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def store_url(pages_db: Path, tmp_path: Path) -> str:
    """A private copy of the pages store for one test."""
    return copy_store(pages_db, tmp_path / "store")


@pytest.fixture
def app_client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The whole application over :func:`store_url`, drafts refreshed inline."""
    from scoring.api import create_app

    settings = Settings(rejects_dir=tmp_path / "rejected", fast_hashes_for_tests=True)
    with TestClient(create_app(settings, store_url=store_url, refresh="inline")) as client:
        yield client
