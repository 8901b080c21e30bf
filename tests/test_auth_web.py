"""Sign-in over HTTP on a small app built here: tokens, sessions, rights, CSRF, activation."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from scoring.services import tokens, users
from scoring.services.access import Right, Role
from scoring.services.runtime import Runtime
from scoring.settings import get_settings
from scoring.store import Store
from scoring.web import auth, errors
from scoring.web.deps import Services
from scoring.web.refresher import Refresher
from scoring.workdays import WorkCalendar
from tests.auth_helpers import (
    ADMIN,
    PASSWORD,
    api_token,
    bearer,
    csrf_from,
    make_users,
    page_csrf,
    seed_network,
    signed_in,
)


def build_app(store: Store) -> FastAPI:
    app = FastAPI()
    errors.install(app)
    auth.install(app)
    app.include_router(auth.router)
    runtime = Runtime.of(get_settings(), WorkCalendar.load())
    app.state.services = Services(
        store=store,
        settings=get_settings(),
        runtime=runtime,
        refresher=Refresher(store, runtime, mode="off"),
    )

    @app.get("/api/whoami")
    def whoami(caller: auth.CallerDep) -> dict[str, str]:
        return {"login": caller.login, "role": caller.role.value}

    @app.get("/api/users-only")
    def users_only(caller: auth.UsersCaller) -> dict[str, str]:
        return {"secret": "for hr"}

    @app.get("/api/periods", dependencies=[Depends(auth.require(Right.READ_PERIODS))])
    def periods() -> dict[str, str]:
        return {"secret": "periods"}

    @app.get("/page")
    def page(request: Request, caller: auth.CallerDep) -> HTMLResponse:
        form = f'<form method="post" action="/page/change">{auth.csrf_field(request)}</form>'
        return HTMLResponse(f"<p>hello {caller.login}</p>{form}")

    @app.post("/page/change", dependencies=[auth.CsrfChecked])
    def change(caller: auth.CallerDep, value: str = Form("")) -> dict[str, str]:
        return {"changed_by": caller.login, "value": value}

    @app.post("/page/upload", dependencies=[auth.CsrfChecked])
    def upload(caller: auth.ImportCaller, file: UploadFile) -> dict[str, int]:
        return {"bytes": len(file.file.read())}

    @app.get("/page/hr")
    def hr_page(caller: auth.UsersCaller) -> HTMLResponse:
        return HTMLResponse("<p>secret hr page</p>")

    return app


@pytest.fixture
def app(store: Store, tmp_path: Path) -> FastAPI:
    seed_network(store, tmp_path)
    make_users(store)
    return build_app(store)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


# -- the API ----------------------------------------------------------------------------------


def test_the_password_flow_gives_a_bearer_token(client: TestClient) -> None:
    answer = client.post("/api/token", data={"username": "hr1", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = client.get("/api/whoami", headers=bearer(body["access_token"]))
    assert me.json() == {"login": "hr1", "role": "hr"}


@pytest.mark.parametrize(
    ("username", "password"), [("hr1", "wrong-password"), ("nobody", PASSWORD), ("", "")]
)
def test_bad_credentials_get_401(client: TestClient, username: str, password: str) -> None:
    answer = client.post("/api/token", data={"username": username, "password": password})
    assert answer.status_code in (401, 400)  # an empty form field is a malformed request
    assert "access_token" not in answer.text
    if answer.status_code == 401:
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "wrong login or password" in answer.json()["error"]


def test_repeated_failures_get_429_with_retry_after(client: TestClient) -> None:
    for _ in range(5):
        failed = client.post("/api/token", data={"username": "ops1", "password": "x" * 9})
        assert failed.status_code == 401
    limited = client.post("/api/token", data={"username": "ops1", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "too many" in limited.json()["error"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic aHIxOnBhc3N3b3Jk"},
        {"Authorization": "Bearer not.a.token"},
        {"X-Scoring-User": "hr1"},
    ],
)
def test_the_api_without_a_valid_token_is_401(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.get("/api/whoami", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "hr1" not in answer.text and "error" in answer.json()


def test_an_expired_or_tampered_token_is_refused_with_its_reason(
    client: TestClient, store: Store
) -> None:
    key = tokens.signing_key(store, get_settings())
    old = tokens.encode(
        key,
        login="hr1",
        version=0,
        use="access",
        minutes=5,
        now=dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=6),
    )
    answer = client.get("/api/whoami", headers=bearer(old))
    assert answer.status_code == 401 and "expired" in answer.json()["error"]
    token = api_token(client, "dealer1")
    head, body, signature = token.split(".")
    flipped = signature[:-3] + ("AAA" if signature[-3:] != "AAA" else "BBB")
    answer = client.get("/api/whoami", headers=bearer(f"{head}.{body}.{flipped}"))
    assert answer.status_code == 401 and "not valid" in answer.json()["error"]


def test_a_disabled_user_or_a_new_password_stops_the_token(
    client: TestClient, store: Store
) -> None:
    token = api_token(client, "ops1")
    users.set_password(store, caller=ADMIN, login="ops1", new_password="another-secret")
    answer = client.get("/api/whoami", headers=bearer(token))
    assert answer.status_code == 401 and "password has changed" in answer.json()["error"]
    token = api_token(client, "ops1", "another-secret")
    users.disable_user(store, caller=ADMIN, login="ops1")
    answer = client.get("/api/whoami", headers=bearer(token))
    assert answer.status_code == 401 and "disabled" in answer.json()["error"]


def test_rights_are_declared_per_route(client: TestClient) -> None:
    expected = {
        "hr1": (200, 200),
        "ops1": (403, 200),
        "dealer1": (403, 403),
        "I1": (403, 403),
    }
    for login, (users_status, periods_status) in expected.items():
        headers = bearer(api_token(client, login))
        only = client.get("/api/users-only", headers=headers)
        assert only.status_code == users_status, login
        if users_status == 403:
            assert "secret" not in only.text and "may not" in only.json()["error"]
        assert client.get("/api/periods", headers=headers).status_code == periods_status


def test_the_api_does_not_read_the_session_cookie(client: TestClient) -> None:
    signed_in(client, "hr1")
    assert "hello hr1" in client.get("/page").text
    assert client.get("/api/whoami").status_code == 401


# -- pages ------------------------------------------------------------------------------------


def test_pages_send_the_anonymous_to_the_sign_in_page(client: TestClient) -> None:
    answer = client.get("/page?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fpage%3Fx%3D1"
    login = client.get(answer.headers["location"])
    assert login.status_code == 200 and "登录" in login.text
    assert 'value="/page?x=1"' in login.text
    token = csrf_from(login.text)
    done = client.post(
        "/login",
        data={"username": "dealer1", "password": PASSWORD, "csrf_token": token, "next": "/page"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/page"
    assert "hello dealer1" in client.get("/page").text


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app: FastAPI) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = TestClient(app, base_url=base)
        form = client.get("/login")
        answer = client.post(
            "/login",
            data={"username": "hr1", "password": PASSWORD, "csrf_token": csrf_from(form.text)},
            follow_redirects=False,
        )
        cookie = next(
            c for c in answer.headers.get_list("set-cookie") if c.startswith("scoring_session=")
        )
        attributes = cookie.lower()
        assert "httponly" in attributes and "samesite=lax" in attributes
        assert "max-age=28800" in attributes
        assert ("secure" in attributes.split("; ")) is secure


def test_a_wrong_password_on_the_page_says_so(client: TestClient) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={"username": "hr1", "password": "nope-nope", "csrf_token": csrf_from(form.text)},
    )
    assert answer.status_code == 401
    assert "账号或密码不正确" in answer.text and 'value="hr1"' in answer.text
    assert client.get("/page", follow_redirects=False).status_code == 303


def test_the_sign_in_form_itself_needs_its_csrf_token(client: TestClient, app: FastAPI) -> None:
    client.get("/login")
    data = {"username": "hr1", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 403
    stranger = TestClient(app)  # another browser: its token does not fit this one's cookie
    foreign = csrf_from(stranger.get("/login").text)
    assert client.post("/login", data={**data, "csrf_token": foreign}).status_code == 403


def test_forms_that_change_something_need_the_sessions_token(
    client: TestClient, app: FastAPI
) -> None:
    signed_in(client, "hr1")
    assert client.post("/page/change", data={"value": "1"}).status_code == 403
    wrong = client.post("/page/change", data={"value": "1", "csrf_token": "forged"})
    assert wrong.status_code == 403 and "another site" in wrong.text
    other = signed_in(TestClient(app), "ops1")
    theirs = page_csrf(other, "/page")
    assert client.post("/page/change", data={"csrf_token": theirs}).status_code == 403
    mine = page_csrf(client, "/page")
    answer = client.post("/page/change", data={"value": "1", "csrf_token": mine})
    assert answer.status_code == 200 and answer.json() == {"changed_by": "hr1", "value": "1"}


def with_session(client: TestClient, value: str) -> TestClient:
    client.cookies.clear()
    client.cookies.set("scoring_session", value)
    return client


def test_a_bad_session_cookie_means_signing_in_again(client: TestClient, store: Store) -> None:
    signed_in(client, "dealer1")
    good = client.cookies["scoring_session"]
    head, body, signature = good.split(".")
    flipped = signature[:-3] + ("AAA" if signature[-3:] != "AAA" else "BBB")
    for bad in (f"{head}.{body}.{flipped}", api_token(client, "dealer1"), "garbage"):
        answer = with_session(client, bad).get("/page", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert "hello dealer1" in with_session(client, good).get("/page").text
    users.disable_user(store, caller=ADMIN, login="dealer1")
    assert client.get("/page", follow_redirects=False).status_code == 303


def test_an_expired_session_means_signing_in_again(client: TestClient, store: Store) -> None:
    key = tokens.signing_key(store, get_settings())
    old = tokens.encode(
        key,
        login="hr1",
        version=0,
        use="session",
        minutes=480,
        csrf="c" * 40,
        now=dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=9),
    )
    assert with_session(client, old).get("/page", follow_redirects=False).status_code == 303
    fresh = tokens.encode(key, login="hr1", version=0, use="session", minutes=5, csrf="c" * 40)
    assert "hello hr1" in with_session(client, fresh).get("/page").text
    stale = tokens.encode(key, login="hr1", version=1, use="session", minutes=5, csrf="c" * 40)
    assert with_session(client, stale).get("/page", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_and_needs_its_token(client: TestClient) -> None:
    signed_in(client, "hr1")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    token = page_csrf(client, "/page")
    answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert "scoring_session" not in client.cookies
    assert client.get("/page", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("given", "goes_to"),
    [
        ("/page", "/page"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/login", "/"),
    ],
)
def test_after_signing_in_only_paths_of_this_site(
    client: TestClient, given: str, goes_to: str
) -> None:
    form = client.get("/login")
    answer = client.post(
        "/login",
        data={
            "username": "hr1",
            "password": PASSWORD,
            "csrf_token": csrf_from(form.text),
            "next": given,
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == goes_to


# -- activation -------------------------------------------------------------------------------


def invite(store: Store, tmp_path: Path) -> str:
    out = tmp_path / "codes.csv"
    users.invite_installers(store, caller=ADMIN, team="T2", out=out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "I2"
    return rows[1][3]


def test_an_installer_activates_on_the_page_and_is_signed_in(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    code = invite(store, tmp_path)
    form = client.get("/activate")
    assert form.status_code == 200 and "激活码" in form.text
    data = {
        "username": "I2",
        "code": code,
        "password": PASSWORD,
        "confirm": PASSWORD,
        "csrf_token": csrf_from(form.text),
    }
    assert client.post("/activate", data={**data, "csrf_token": "x"}).status_code == 403
    differ = client.post("/activate", data={**data, "confirm": "something-else"})
    assert differ.status_code == 400 and "不一致" in differ.text
    wrong = client.post("/activate", data={**data, "code": "AAAAA-BBBBB"})
    assert wrong.status_code == 401 and "激活码不正确" in wrong.text
    done = client.post("/activate", data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "hello I2" in client.get("/page").text
    fresh = TestClient(client.app)
    again = {**data, "csrf_token": csrf_from(fresh.get("/activate").text)}
    used = fresh.post("/activate", data=again)
    assert used.status_code == 400 and "激活码已使用" in used.text
    assert api_token(fresh, "I2")  # and the new password works on the API


def test_the_caller_role_reaches_the_handler(client: TestClient) -> None:
    signed_in(client, "I1")
    assert "hello I1" in client.get("/page").text
    headers = bearer(api_token(client, "I1"))
    assert client.get("/api/whoami", headers=headers).json()["role"] == Role.INSTALLER.value


def test_a_multipart_upload_is_checked_too(client: TestClient) -> None:
    signed_in(client, "hr1")
    files = {"file": ("jobs.csv", b"job_id\nJ1\n", "text/csv")}
    assert client.post("/page/upload", files=files).status_code == 403
    token = page_csrf(client, "/page")
    answer = client.post("/page/upload", files=files, data={"csrf_token": token})
    assert answer.status_code == 200 and answer.json() == {"bytes": 10}


def test_a_page_the_role_may_not_see_is_403_without_its_content(client: TestClient) -> None:
    signed_in(client, "dealer1")
    answer = client.get("/page/hr")
    assert answer.status_code == 403 and "secret hr page" not in answer.text
    assert "may not" in answer.text and "<html" in answer.text
