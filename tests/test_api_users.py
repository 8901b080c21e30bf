"""Users over the API: HR manages them, everyone reads itself and changes its own password."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from scoring.api import create_app
from scoring.settings import Settings
from scoring.store import open_store
from tests.auth_helpers import PASSWORD, api_token, bearer, make_users, seed_network, token_for


@pytest.fixture
def client(store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An application on each kind of store with the inline network and hr1, ops1, dealer1
    and I1; requests go as hr1 unless they say otherwise."""
    with open_store(store_url) as store:
        seed_network(store, tmp_path)
        make_users(store)
        token = token_for(store, "hr1")
    app = create_app(Settings(rejects_dir=tmp_path / "rejected"), store_url=store_url)
    with TestClient(app) as test_client:
        test_client.headers.update(bearer(token))
        yield test_client


def test_hr_adds_lists_disables_and_enables_users(client: TestClient) -> None:
    added = client.post(
        "/api/users",
        json={"login": "wang", "role": "dealer", "password": PASSWORD, "dealer_ids": ["D2"]},
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["role"] == "dealer" and body["dealer_ids"] == ["D2"] and body["enabled"]
    assert body["created_by"] == "hr1" and body["created_at"].endswith("+08:00")
    assert "password" not in added.text.lower().replace('"has_password"', "")

    dealers = client.get("/api/users", params={"role": "dealer"}).json()
    assert sorted(u["login"] for u in dealers) == ["dealer1", "wang"]

    wang = bearer(api_token(client, "wang"))
    assert client.get("/api/me", headers=wang).json()["login"] == "wang"
    assert client.post("/api/users/wang/disable").json()["enabled"] is False
    assert client.get("/api/me", headers=wang).status_code == 401  # its token stops at once
    assert client.post("/api/users/wang/enable").json()["enabled"] is True
    assert client.get("/api/me", headers=bearer(api_token(client, "wang"))).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (
            {"login": "x", "role": "dealer", "password": PASSWORD, "dealer_ids": ["NOPE"]},
            400,
            "NOPE",
        ),
        ({"login": "x", "role": "installer", "password": PASSWORD}, 400, "installer"),
        ({"login": "hr1", "role": "hr", "password": PASSWORD}, 400, "hr1"),
        ({"login": "x", "role": "hr", "password": "short"}, 400, "密码"),
        ({"login": "x", "role": "boss", "password": PASSWORD}, 400, "role"),
    ],
)
def test_bad_users_are_refused_with_the_reason(
    client: TestClient, body: dict[str, object], status: int, words: str
) -> None:
    answer = client.post("/api/users", json=body)
    assert answer.status_code == status, answer.text
    assert words in answer.text and "Traceback" not in answer.text
    assert "x" not in {u["login"] for u in client.get("/api/users").json()}


def test_only_hr_manages_users(client: TestClient) -> None:
    for login in ("ops1", "dealer1", "I1"):
        headers = bearer(api_token(client, login))
        assert client.get("/api/users", headers=headers).status_code == 403
        refused = client.post(
            "/api/users",
            headers=headers,
            json={"login": "evil", "role": "hr", "password": PASSWORD},
        )
        assert refused.status_code == 403
        assert client.post("/api/users/hr1/disable", headers=headers).status_code == 403
        # Everyone reads itself.
        me = client.get("/api/me", headers=headers).json()
        assert me["login"] == login
    assert "evil" not in {u["login"] for u in client.get("/api/users").json()}


def test_a_user_changes_its_own_password(client: TestClient) -> None:
    token = api_token(client, "dealer1")
    wrong = client.post(
        "/api/me/password",
        headers=bearer(token),
        json={"current_password": "not it", "new_password": "Ein-neues-Passwort-7"},
    )
    assert wrong.status_code == 401
    changed = client.post(
        "/api/me/password",
        headers=bearer(token),
        json={"current_password": PASSWORD, "new_password": "Ein-neues-Passwort-7"},
    )
    assert changed.status_code == 204, changed.text
    assert client.get("/api/me", headers=bearer(token)).status_code == 401  # old token void
    assert (
        client.post(
            "/api/token", data={"username": "dealer1", "password": "Ein-neues-Passwort-7"}
        ).status_code
        == 200
    )


def test_hr_sets_a_password_and_invites_installers(client: TestClient) -> None:
    assert client.post("/api/users/ops1/password", json={"password": "x"}).status_code == 400
    assert (
        client.post(
            "/api/users/ops1/password", json={"password": "Ganz-neues-Passwort-9"}
        ).status_code
        == 200
    )
    assert client.post("/api/users/nobody/password", json={"password": PASSWORD}).status_code == 404

    invited = client.post("/api/users/invite", json={"dealer": "D1"})
    assert invited.status_code == 200, invited.text
    assert invited.headers["cache-control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(invited.content)).active.iter_rows(values_only=True))
    logins = sorted(str(r[0]) for r in rows[1:])
    assert logins == ["I2"]  # I1 of D1 has an account already; I3 is of D2
    assert (
        invited.headers["X-Invite-Created"] == "1" and invited.headers["X-Invite-Existing"] == "1"
    )
    invited_user = [u for u in client.get("/api/users").json() if u["login"] == "I2"][0]
    assert invited_user["role"] == "installer" and invited_user["has_password"] is False
    unknown = client.post("/api/users/invite", json={"team": "NOPE"})
    assert unknown.status_code == 404 and "NOPE" in unknown.text
    neither = client.post("/api/users/invite", json={})
    assert neither.status_code == 400
