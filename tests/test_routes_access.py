"""Every route of the application, walked from ``app.routes``: who may call it.

A new route cannot be forgotten: the walk finds it, and it must declare either that anyone may
call it (``auth.Public``) or a signed-in caller (``auth.SignedIn`` / a ``require(Right.X)``
alias). Then, for every route: anonymous callers get 401 (the API) or the sign-in page (pages);
each role gets 403 with no data where its rights do not reach, and an answer elsewhere. Scopes
(a dealer's teams, an installer's own statement) are proven on the lists and the single reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from scoring.api import create_app
from scoring.period import Period
from scoring.services import disputes
from scoring.services.access import RIGHTS, Caller, Right, Role
from scoring.services.periods import close
from scoring.services.runtime import Runtime
from scoring.settings import Settings, get_settings
from scoring.store import open_store
from scoring.web import auth
from tests.auth_helpers import (
    ADMIN,
    bearer,
    csrf_from,
    make_users,
    page_client,
    seed_month,
    token_for,
)

PERIOD = "2025-10"
#: Values for path parameters: I3 and team T3 belong to dealer D2, outside dealer1's scope
#: and not installer I1's own.
PATH_VALUES = {
    "period": PERIOD,
    "installer_id": "I3",
    "dispute_id": "1",
    "login": "nobody",
    "proposal_id": "1",
    "batch_id": "1",
    "position": "0",
    "team_id": "T3",
}
#: Words of the test data that must never appear in a refusal.
PRIVATE = ("王强", "南方安装", "-80.00", "low_score")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    calls: frozenset[Any]

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def public(self) -> bool:
        return auth.public in self.calls

    @property
    def signed_in(self) -> bool:
        return auth.current_caller in self.calls

    @property
    def rights(self) -> frozenset[Right]:
        """The rights the route requires (its ``require(Right.X)`` dependencies)."""
        return frozenset(right for right in Right if auth.require(right) in self.calls)

    def url(self) -> str:
        filled = self.path
        for name, value in PATH_VALUES.items():
            filled = filled.replace("{" + name + "}", value)
        assert "{" not in filled, f"no test value for a path parameter of {self.path}"
        return filled

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _calls(dependant: Dependant) -> set[Any]:
    found: set[Any] = set()
    for sub in dependant.dependencies:
        found.add(sub.call)
        found |= _calls(sub)
    return found


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every method and path the application answers, with the dependencies it declares."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.route
        assert isinstance(route, APIRoute), f"{context.path}: not an API route ({route!r})"
        calls = frozenset(_calls(route.dependant))
        for method in sorted(context.methods or ()):
            found.append(Endpoint(method, context.path, calls))
    return found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[Role, str]]]:
    """An application on a store (of each kind) with the inline month, one dispute (of I3),
    and a user of each role (hr1, ops1, dealer1 of D1, I1): a started client and each role's
    token."""
    folder = tmp_path_factory.mktemp("routes")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'routes.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    settings = Settings(rejects_dir=folder / "rejected")
    with open_store(url) as store:
        seed_month(store, folder)
        people = make_users(store)
        disputes.open_dispute(
            store,
            caller=Caller(login="I3", role=Role.INSTALLER, installer_id="I3"),
            period=Period.parse(PERIOD),
            installer_id="I3",
            target_kind="job",
            target_id="J2",
            comment="客户不在家",
            runtime=Runtime.of(get_settings()),
        )
        close(store, caller=ADMIN, period=Period.parse(PERIOD), runtime=Runtime.of(get_settings()))
        tokens = {role: token_for(store, people[role].login) for role in Role}
    app = create_app(settings, store_url=url, refresh="inline")
    with TestClient(app) as client:
        yield client, tokens


def test_every_route_declares_who_may_call_it() -> None:
    app = create_app(Settings(), store_url="sqlite:///:memory:")
    found = endpoints(app)
    assert len(found) > 25  # the walk sees the included routers' routes
    undeclared = [str(e) for e in found if e.public == e.signed_in]
    assert undeclared == [], "declare auth.Public or a signed-in caller on these routes"
    # Pages that change something carry the CSRF check (the API uses bearer tokens instead).
    for endpoint in found:
        if endpoint.method == "POST" and not endpoint.api and endpoint.path != "/logout":
            assert auth.check_csrf in endpoint.calls, f"{endpoint} lacks the CSRF check"
    # The few open routes: signing in, activating an account, the API's description, the
    # language switch (the sign-in page links to it).
    assert {str(e) for e in found if e.public} == {
        "POST /api/token",
        "GET /login",
        "POST /login",
        "POST /logout",
        "GET /activate",
        "POST /activate",
        "GET /openapi.json",
        "GET /lang/{code}",
    }


def _no_data(response: Any, endpoint: Endpoint) -> None:
    text = response.text
    for word in PRIVATE:
        assert word not in text, f"{endpoint}: refusal carries {word!r}"
    if response.headers.get("content-type", "").startswith("application/json"):
        assert set(json.loads(text)) <= {"error", "problems", "detail"}, f"{endpoint}: {text}"


def test_anonymous_callers_get_401_or_the_sign_in_page(
    world: tuple[TestClient, dict[Role, str]],
) -> None:
    client, _tokens = world
    anonymous = TestClient(client.app)
    for endpoint in endpoints(client.app):  # type: ignore[arg-type]
        if endpoint.public:
            continue
        answer = anonymous.request(endpoint.method, endpoint.url(), follow_redirects=False)
        if endpoint.api:
            assert answer.status_code == 401, f"{endpoint}: {answer.status_code}"
            assert answer.headers["WWW-Authenticate"] == "Bearer"
        else:
            assert answer.status_code == 303, f"{endpoint}: {answer.status_code}"
            assert answer.headers["location"].startswith("/login")
        _no_data(answer, endpoint)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_what_its_rights_cover_and_nothing_else(
    world: tuple[TestClient, dict[Role, str]], role: Role
) -> None:
    client, tokens = world
    login = {Role.HR: "hr1", Role.OPERATIONS: "ops1", Role.DEALER: "dealer1", Role.INSTALLER: "I1"}
    api_headers = bearer(tokens[role])
    browser = page_client(client, login[role])
    csrf = csrf_from(browser.get("/login").text)
    refused, answered = [], []
    for endpoint in endpoints(client.app):  # type: ignore[arg-type]
        if endpoint.public:
            continue
        if endpoint.api:
            answer = client.request(
                endpoint.method, endpoint.url(), headers=api_headers, follow_redirects=False
            )
        else:
            data = {auth.CSRF_FIELD: csrf} if endpoint.method == "POST" else None
            answer = browser.request(
                endpoint.method, endpoint.url(), data=data, follow_redirects=False
            )
        allowed = endpoint.rights <= RIGHTS[role]
        if allowed:
            assert answer.status_code not in (401, 403), f"{role} {endpoint}: {answer.text}"
            answered.append(str(endpoint))
        else:
            assert answer.status_code == 403, f"{role} {endpoint}: {answer.status_code}"
            _no_data(answer, endpoint)
            refused.append(str(endpoint))
    # Each role is refused something except HR, and answered something.
    assert answered
    assert bool(refused) == (role is not Role.HR)


# -- scopes: lists are filtered, single reads outside the scope give 403/404 with no data ----


def _api(world: tuple[TestClient, dict[Role, str]], role: Role, path: str, **params: Any) -> Any:
    client, tokens = world
    return client.get(path, headers=bearer(tokens[role]), params=params)


def test_a_dealer_sees_its_own_dealers_teams_and_installers_only(
    world: tuple[TestClient, dict[Role, str]],
) -> None:
    listed = _api(world, Role.DEALER, f"/api/periods/{PERIOD}/statements", limit=1000)
    assert listed.status_code == 200, listed.text
    ids = {s["installer_id"] for s in listed.json()["statements"]}
    assert ids == {"I1", "I2"}  # D1's teams T1 and T2; I3 is of D2
    ranking = _api(world, Role.DEALER, f"/api/periods/{PERIOD}/ranking").json()
    assert [d["dealer_id"] for d in ranking["dealers"]] == ["D1"]
    outside = _api(world, Role.DEALER, f"/api/periods/{PERIOD}/statements/I3")
    assert outside.status_code in (403, 404)
    _no_data(outside, Endpoint("GET", "/api/periods/{period}/statements/I3", frozenset()))
    assert _api(world, Role.DEALER, f"/api/periods/{PERIOD}/statements/I2").status_code == 200
    # The dispute of I3 (dealer D2) is not in dealer1's list, nor readable one by one.
    assert _api(world, Role.DEALER, "/api/disputes").json() == []
    assert _api(world, Role.DEALER, "/api/disputes/1").status_code in (403, 404)


def test_an_installer_sees_its_own_statement_and_disputes_only(
    world: tuple[TestClient, dict[Role, str]],
) -> None:
    listed = _api(world, Role.INSTALLER, f"/api/periods/{PERIOD}/statements").json()
    assert [s["installer_id"] for s in listed["statements"]] == ["I1"]
    own = _api(world, Role.INSTALLER, f"/api/periods/{PERIOD}/statements/I1")
    assert own.status_code == 200 and own.json()["installer_id"] == "I1"
    for other in ("I2", "I3", "NOBODY"):
        answer = _api(world, Role.INSTALLER, f"/api/periods/{PERIOD}/statements/{other}")
        assert answer.status_code in (403, 404), other
        _no_data(
            answer, Endpoint("GET", f"/api/periods/{{period}}/statements/{other}", frozenset())
        )
    assert _api(world, Role.INSTALLER, "/api/disputes").json() == []
    assert _api(world, Role.INSTALLER, "/api/disputes/1").status_code in (403, 404)
    # HR sees the dispute of I3.
    assert [d["installer_id"] for d in _api(world, Role.HR, "/api/disputes").json()] == ["I3"]


def test_an_installer_cannot_dispute_for_someone_else(
    world: tuple[TestClient, dict[Role, str]],
) -> None:
    client, tokens = world
    answer = client.post(
        "/api/disputes",
        headers=bearer(tokens[Role.INSTALLER]),
        json={
            "period": PERIOD,
            "installer_id": "I3",
            "target_kind": "job",
            "target_id": "J2",
            "comment": "冒名申诉",
        },
    )
    assert answer.status_code in (403, 404)
    _no_data(answer, Endpoint("POST", "/api/disputes", frozenset()))


def test_the_audit_log_names_the_signed_in_login(
    world: tuple[TestClient, dict[Role, str]], tmp_path: Path
) -> None:
    client, tokens = world
    added = client.post(
        "/api/periods/2025-11/adjustments",  # the walk may have closed 2025-10
        headers=bearer(tokens[Role.HR]),
        json={"installer_id": "I1", "amount": "1.00", "reason": "审计测试"},
    )
    assert added.status_code == 201, added.text
    entries = client.get(
        "/api/audit", headers=bearer(tokens[Role.HR]), params={"action": "adjust"}
    ).json()
    assert entries and entries[0]["actor"] == "hr1"
