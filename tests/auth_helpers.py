"""Users of every role in a test store, and signed-in clients: for tests of routes and scopes.

Typical use, with the inline data of :mod:`tests.inputs` (dealers D1, D2; teams T1, T2 of D1
and T3 of D2; installers I1 of T1, I2 of T2, I3 of T3)::

    seed_network(store, tmp_path)
    people = make_users(store)              # hr, operations, dealer (D1), installer (I1)
    headers = bearer(api_token(client, people[Role.HR].login))
    page_client = signed_in(TestClient(app), people[Role.DEALER].login)
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from scoring.importer import import_paths
from scoring.services import users
from scoring.services.access import Caller, Role
from scoring.settings import get_settings
from scoring.store import Store
from tests import inputs

PASSWORD = "Richtig-Passwort-42"
ADMIN = Caller.local("test-admin")

#: The login and scope of the user :func:`make_users` creates for each role.
DEFAULT_USERS: dict[Role, dict[str, object]] = {
    Role.HR: {"login": "hr1"},
    Role.OPERATIONS: {"login": "ops1"},
    Role.DEALER: {"login": "dealer1", "dealer_ids": ("D1",)},
    Role.INSTALLER: {"login": "I1", "installer_id": "I1"},
}


def seed_network(store: Store, folder: Path) -> None:
    """Import the inline dealers, teams and installers (what scopes may name)."""
    files = {k: inputs.ALL[k] for k in ("dealers", "teams", "installers")}
    settings = get_settings()
    import_paths(
        store,
        [inputs.write(folder / "network", files)],
        actor="test",
        zone=settings.zone,
        rejects_dir=settings.rejects_dir,
    )


def seed_month(store: Store, folder: Path) -> None:
    """Import every inline file (the network and the month of 2025-10)."""
    settings = get_settings()
    import_paths(
        store,
        [inputs.write(folder / "month")],
        actor="test",
        zone=settings.zone,
        rejects_dir=settings.rejects_dir,
    )


def make_user(
    store: Store,
    role: Role,
    *,
    login: str | None = None,
    dealer_ids: tuple[str, ...] | None = None,
    installer_id: str | None = None,
    password: str = PASSWORD,
) -> users.UserInfo:
    """A user of ``role`` (scope defaults as in :data:`DEFAULT_USERS`)."""
    defaults = DEFAULT_USERS[role]
    chosen_dealers = dealer_ids if dealer_ids is not None else defaults.get("dealer_ids", ())
    chosen_installer = installer_id if installer_id is not None else defaults.get("installer_id")
    assert isinstance(chosen_dealers, tuple)
    assert chosen_installer is None or isinstance(chosen_installer, str)
    return users.add_user(
        store,
        caller=ADMIN,
        login=login or str(defaults["login"]),
        role=role,
        password=password,
        dealer_ids=chosen_dealers,
        installer_id=chosen_installer,
    )


def make_users(store: Store) -> dict[Role, users.UserInfo]:
    """One user of each role (needs :func:`seed_network` first)."""
    return {role: make_user(store, role) for role in Role}


def token_for(store: Store, login: str, password: str = PASSWORD) -> str:
    """A bearer token, straight from the services (no HTTP)."""
    caller = users.authenticate(store, login=login, password=password, address="test")
    return users.issue_token(store, caller=caller)


def api_token(client: TestClient, login: str, password: str = PASSWORD) -> str:
    """A bearer token through ``POST /api/token``, as an API client gets one."""
    answer = client.post("/api/token", data={"username": login, "password": password})
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    assert isinstance(token, str)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the (first) form of a page."""
    found = _CSRF.search(html)
    assert found is not None, "no CSRF field in the page"
    return found.group(1)


def signed_in(client: TestClient, login: str, password: str = PASSWORD) -> TestClient:
    """``client`` signed in through the sign-in page (it keeps the session cookie)."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    answer = client.post(
        "/login",
        data={"username": login, "password": password, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def page_csrf(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a signed-in client's forms carry (any page with a form will do; the
    sign-in page shows the session's token once signed in)."""
    return csrf_from(client.get(path).text)


def ensure_user(
    store: Store,
    role: Role,
    *,
    login: str,
    dealer_ids: tuple[str, ...] = (),
    installer_id: str | None = None,
) -> str:
    """A user of ``role`` named ``login`` (created unless it exists); its bearer token."""
    known = {u.login for u in users.list_users(store, caller=ADMIN)}
    if login not in known:
        users.add_user(
            store,
            caller=ADMIN,
            login=login,
            role=role,
            password=PASSWORD,
            dealer_ids=dealer_ids,
            installer_id=installer_id,
        )
    return token_for(store, login)


def store_of(client: TestClient) -> Store:
    """The store of a started application (inside ``with TestClient(app)``)."""
    store: Store = client.app.state.services.store  # type: ignore[attr-defined]
    return store


def as_user(
    client: TestClient,
    role: Role,
    login: str,
    *,
    dealer_ids: tuple[str, ...] = (),
    installer_id: str | None = None,
) -> dict[str, str]:
    """Bearer headers of a user of the running application (created on first use)."""
    token = ensure_user(
        store_of(client),
        role,
        login=login,
        dealer_ids=dealer_ids,
        installer_id=installer_id,
    )
    return bearer(token)


def page_client(client: TestClient, login: str, password: str = PASSWORD) -> TestClient:
    """Another browser on the same running application, signed in as ``login`` (own cookies)."""
    other = TestClient(client.app)
    return signed_in(other, login, password)
