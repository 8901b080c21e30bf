"""GET /api/periods/{period}/service-levels: signed-in callers, scopes, exact figures, both
stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scoring.api import create_app
from scoring.importer import import_paths
from scoring.services.access import Role
from scoring.settings import Settings, get_settings
from scoring.store import Store, open_store
from tests import inputs
from tests.auth_helpers import api_token, bearer, make_user, make_users

URL = "/api/periods/2025-10/service-levels"


def seed(store: Store, folder: Path) -> None:
    settings = get_settings()
    import_paths(
        store,
        [inputs.write(folder / "in")],
        actor="test",
        zone=settings.zone,
        rejects_dir=folder / "rejected",
    )
    make_users(store)
    make_user(store, Role.DEALER, login="dealer2", dealer_ids=("D2",))


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with open_store(store_url) as store:
        seed(store, tmp_path)
    settings = Settings(rejects_dir=tmp_path / "rejected", reports_dir=tmp_path / "reports")
    app = create_app(settings, store_url=store_url, refresh="off")
    with TestClient(app) as test_client:
        yield test_client


def as_(client: TestClient, login: str) -> dict[str, str]:
    return bearer(api_token(client, login))


def get(client: TestClient, login: str, **params: Any) -> Any:
    return client.get(URL, params={"as_of": "2025-10-31", **params}, headers=as_(client, login))


def test_hr_gets_every_check_with_exact_dates_times_and_shares(client: TestClient) -> None:
    answer = get(client, "hr1")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["period"] == "2025-10" and body["as_of"] == "2025-10-31"
    assert body["total_checks"] == 4 and body["offset"] == 0
    assert [
        (c["check"], c["record_id"], c["team_id"], c["due_date"], c["done_at"], c["status"])
        for c in body["checks"]
    ] == [
        ("revisit", "J1", "T1", "2025-11-10", "2025-10-20T10:00:00+08:00", "met"),
        ("revisit", "J1", "T2", "2025-11-10", "2025-10-20T10:00:00+08:00", "met"),
        ("revisit", "J2", "T3", "2025-11-12", None, "pending"),
        ("complaint_callback", "C1", "T3", "2025-10-16", None, "breached"),
    ]
    assert [
        (t["dealer_id"], t["team_id"], t["check"], t["met"], t["breached"], t["pending"])
        + (t["share_met"],)
        for t in body["by_team"]
    ] == [
        ("D1", "T1", "revisit", 1, 0, 0, "1.000"),
        ("D1", "T2", "revisit", 1, 0, 0, "1.000"),
        ("D2", "T3", "revisit", 0, 0, 1, "0.000"),
        ("D2", "T3", "complaint_callback", 0, 1, 0, "0.000"),
    ]


def test_the_same_figures_as_the_command_line(client: TestClient, tmp_path: Path) -> None:
    """The API and ``scoring sla`` both call services.service_levels: compare the rows."""
    from scoring.services import service_levels
    from scoring.services.access import Caller
    from scoring.workdays import WorkCalendar

    store = client.app.state.services.store  # type: ignore[attr-defined]
    import datetime as dt

    direct = service_levels.evaluate(
        store,
        caller=Caller.local("hr"),
        period="2025-10",
        as_of=dt.date(2025, 10, 31),
        zone=get_settings().zone,
        calendar=WorkCalendar.load(),
    )
    body = get(client, "ops1").json()
    assert [c["record_id"] for c in body["checks"]] == direct.checks["record_id"].to_list()
    assert [t["share_met"] for t in body["by_team"]] == direct.by_team["share_met"].to_list()


def test_a_later_check_date_turns_pending_into_breached(client: TestClient) -> None:
    body = get(client, "hr1", as_of="2025-11-13").json()
    assert [c["status"] for c in body["checks"]] == ["met", "met", "breached", "breached"]


def test_a_dealer_sees_only_its_dealers_rows(client: TestClient) -> None:
    body = get(client, "dealer1").json()
    assert {c["dealer_id"] for c in body["checks"]} == {"D1"}
    assert {t["dealer_id"] for t in body["by_team"]} == {"D1"}
    assert body["total_checks"] == 2
    other = get(client, "dealer2").json()
    assert [c["record_id"] for c in other["checks"]] == ["J2", "C1"]
    outside = get(client, "dealer1", dealer_id="D2")
    assert outside.status_code == 404 and "J2" not in outside.text and "T3" not in outside.text
    mine = get(client, "dealer1", dealer_id="D1").json()
    assert mine["total_checks"] == 2


def test_installers_are_refused_and_anonymous_callers_get_401(client: TestClient) -> None:
    refused = get(client, "I1")
    assert refused.status_code == 403 and "checks" not in refused.json()
    anonymous = client.get(URL, params={"as_of": "2025-10-31"})
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    forged = client.get(URL, headers=bearer("not-a-token"))
    assert forged.status_code == 401


def test_filters_and_pages(client: TestClient) -> None:
    breached = get(client, "hr1", status="breached").json()
    assert breached["total_checks"] == 1 and breached["checks"][0]["record_id"] == "C1"
    assert len(breached["by_team"]) == 4  # the summary is never filtered by status
    second = get(client, "hr1", offset=1, limit=2).json()
    assert second["total_checks"] == 4 and second["offset"] == 1
    assert [(c["record_id"], c["team_id"]) for c in second["checks"]] == [
        ("J1", "T2"),
        ("J2", "T3"),
    ]
    d2 = get(client, "hr1", dealer_id="D2").json()
    assert {t["team_id"] for t in d2["by_team"]} == {"T3"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"as_of": "31.10.2025"}, 400),
        ({"as_of": "0"}, 400),  # not 1970-01-01 (pydantic reads a number as a Unix time)
        ({"as_of": "2025-02-30"}, 400),
        ({"status": "late"}, 400),
        ({"limit": "0"}, 400),
        ({"offset": "-1"}, 400),
        ({"dealer_id": "D9"}, 404),
    ],
)
def test_bad_requests_are_clear(client: TestClient, params: dict[str, str], status: int) -> None:
    answer = get(client, "hr1", **params)
    assert answer.status_code == status, answer.text
    assert "error" in answer.json() and "Traceback" not in answer.text


def test_a_malformed_period_is_400(client: TestClient) -> None:
    answer = client.get("/api/periods/2025-13/service-levels", headers=as_(client, "hr1"))
    assert answer.status_code == 400 and "YYYY-MM" in answer.json()["error"]


def test_an_empty_month_has_no_checks(client: TestClient) -> None:
    answer = client.get(
        "/api/periods/2025-07/service-levels",
        params={"as_of": "2025-10-31"},
        headers=as_(client, "hr1"),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["checks"] == [] and body["by_team"] == [] and body["total_checks"] == 0
