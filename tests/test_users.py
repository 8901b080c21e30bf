"""Users on both stores: adding with scopes, passwords, sign-in, rate limits, tokens, audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jwt
import pytest
from sqlalchemy import select, text, update

from scoring.errors import InputError, NotFoundError
from scoring.services import passwords, tokens, users
from scoring.services.access import Caller, Forbidden, NotSignedIn, RateLimited, Role
from scoring.settings import Settings, get_settings
from scoring.store import Store
from scoring.store.audit import audit_entries
from scoring.store.schema import signin_failures, store_secrets
from tests.auth_helpers import ADMIN, PASSWORD, make_user, make_users, seed_network


@pytest.fixture
def network(store: Store, tmp_path: Path) -> Store:
    seed_network(store, tmp_path)
    return store


def actions(store: Store) -> list[tuple[str, str, str | None]]:
    with store.begin() as conn:
        return [(e["actor"], e["action"], e["target"]) for e in audit_entries(conn)]


def test_one_user_of_each_role_with_its_scope(network: Store) -> None:
    people = make_users(network)
    listed = {u.login: u for u in users.list_users(network, caller=ADMIN)}
    assert set(listed) == {"hr1", "ops1", "dealer1", "I1"}
    assert listed["dealer1"].dealer_ids == ("D1",) and listed["dealer1"].role is Role.DEALER
    assert listed["I1"].installer_id == "I1"
    assert listed["I1"].display_name == "张伟"  # the installer's name when none is given
    assert all(u.enabled and u.has_password for u in listed.values())
    assert listed["hr1"].created_by == ADMIN.login
    dealer = users.authenticate(network, login="dealer1", password=PASSWORD, address="a")
    assert dealer == Caller(
        login="dealer1", role=Role.DEALER, dealer_ids=frozenset({"D1"}), display_name=None
    )
    assert people[Role.INSTALLER].installer_id == "I1"
    only_dealers = users.list_users(network, caller=ADMIN, role="dealer")
    assert [u.login for u in only_dealers] == ["dealer1"]
    assert ("test-admin", "user_add", "dealer1") in actions(network)


def test_a_dealer_user_may_see_several_dealers(network: Store) -> None:
    added = make_user(network, Role.DEALER, login="d12", dealer_ids=("D2", "D1", "D1"))
    assert added.dealer_ids == ("D1", "D2")
    caller = users.authenticate(network, login="d12", password=PASSWORD, address="a")
    assert caller.dealer_ids == frozenset({"D1", "D2"})


def test_passwords_are_stored_only_as_argon2_hashes(network: Store) -> None:
    make_user(network, Role.HR)
    with network.begin() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
        everything = " ".join(
            str(v) for row in conn.execute(text("SELECT * FROM users")) for v in row
        )
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in everything


def test_the_default_cost_is_the_librarys_recommended_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SCORING_FAST_HASHES_FOR_TESTS")
    assert Settings().fast_hashes_for_tests is False
    recommended = passwords.password_hasher(False).hash("something long")
    assert "m=65536,t=3,p=4" in recommended
    code = passwords.code_hasher(False).hash("ABCDE23456")
    assert code.startswith("$argon2id$") and "m=2048,t=2,p=1" in code


@pytest.mark.parametrize(
    ("role", "dealers", "installer", "message"),
    [
        ("dealer", (), None, "needs --dealer"),
        ("dealer", ("D9",), None, "unknown dealer(s): D9"),
        ("dealer", ("D1", "D9", "D8"), None, "unknown dealer(s): D8, D9"),
        ("dealer", ("D1",), "I1", "names no installer"),
        ("installer", (), None, "needs --installer"),
        ("installer", (), "I9", "unknown installer 'I9'"),
        ("installer", ("D1",), "I1", "names no dealer"),
        ("hr", ("D1",), None, "not scoped"),
        ("operations", (), "I1", "not scoped"),
        ("boss", (), None, "unknown role 'boss'"),
    ],
)
def test_a_scope_that_does_not_fit_is_refused(
    network: Store, role: str, dealers: tuple[str, ...], installer: str | None, message: str
) -> None:
    with pytest.raises(InputError, match="/") as caught:
        users.add_user(
            network,
            caller=ADMIN,
            login="x1",
            role=role,
            password=PASSWORD,
            dealer_ids=dealers,
            installer_id=installer,
        )
    assert message in caught.value.message
    assert users.list_users(network, caller=ADMIN) == []


def test_logins_and_installers_are_unique(network: Store) -> None:
    make_user(network, Role.INSTALLER)
    with pytest.raises(InputError, match="exists already"):
        make_user(network, Role.HR, login="I1")
    with pytest.raises(InputError, match="already has the user I1"):
        make_user(network, Role.INSTALLER, login="other")
    # Full-width letters and digits are the same login.
    with pytest.raises(InputError, match="exists already"):
        make_user(network, Role.HR, login=" Ｉ１ ")


@pytest.mark.parametrize(
    ("login", "password", "message"),
    [
        ("hr2", "short7!", "at least 8 characters"),
        ("hr2", " padded password ", "begin or end with a space"),
        ("hr2password", "HR2PASSWORD", "cannot be the login"),
        ("   ", PASSWORD, "login is empty"),
        ("two words", PASSWORD, "cannot contain spaces"),
        ("x" * 101, PASSWORD, "at most 100 characters"),
    ],
)
def test_bad_logins_and_passwords_are_refused(
    network: Store, login: str, password: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        make_user(network, Role.HR, login=login, password=password)
    assert message in caught.value.message


def test_only_a_caller_with_the_users_right_manages_users(network: Store) -> None:
    for role in (Role.OPERATIONS, Role.DEALER, Role.INSTALLER):
        someone = Caller(login="someone", role=role)
        with pytest.raises(Forbidden):
            users.list_users(network, caller=someone)
        with pytest.raises(Forbidden):
            users.add_user(network, caller=someone, login="x", role="hr", password=PASSWORD)
        with pytest.raises(Forbidden):
            users.disable_user(network, caller=someone, login="x")
        with pytest.raises(Forbidden):
            users.set_password(network, caller=someone, login="x", new_password=PASSWORD)
    hr = Caller(login="hr-web", role=Role.HR)
    assert users.list_users(network, caller=hr) == []


def test_wrong_and_unknown_logins_fail_alike_and_are_audited(network: Store) -> None:
    make_user(network, Role.HR)
    with pytest.raises(NotSignedIn) as wrong:
        users.authenticate(network, login="hr1", password="not-the-password", address="10.0.0.1")
    with pytest.raises(NotSignedIn) as unknown:
        users.authenticate(network, login="nobody", password=PASSWORD, address="10.0.0.1")
    assert wrong.value.message == unknown.value.message
    assert "wrong login or password" in wrong.value.message
    users.authenticate(network, login="hr1", password=PASSWORD, address="10.0.0.1")
    found = actions(network)
    assert ("anonymous", "signin_failed", "hr1") in found
    assert ("anonymous", "signin_failed", "nobody") in found
    assert ("hr1", "signin", "hr1") in found


def test_a_disabled_user_cannot_sign_in_and_its_tokens_stop(network: Store) -> None:
    make_user(network, Role.HR)
    caller = users.authenticate(network, login="hr1", password=PASSWORD, address="a")
    token = users.issue_token(network, caller=caller)
    assert users.caller_for_token(network, token=token) == caller
    users.disable_user(network, caller=ADMIN, login="hr1")
    with pytest.raises(NotSignedIn, match="disabled"):
        users.authenticate(network, login="hr1", password=PASSWORD, address="a")
    with pytest.raises(NotSignedIn, match="disabled"):
        users.caller_for_token(network, token=token)
    users.enable_user(network, caller=ADMIN, login="hr1")
    # Disabling voided the token for good: enabling again does not bring it back.
    with pytest.raises(NotSignedIn, match="password has changed"):
        users.caller_for_token(network, token=token)
    assert users.caller_for_token(network, token=users.issue_token(network, caller=caller))
    found = actions(network)
    assert ("test-admin", "user_disable", "hr1") in found
    assert ("test-admin", "user_enable", "hr1") in found


def test_nobody_disables_themselves_or_an_unknown_user(network: Store) -> None:
    make_user(network, Role.HR)
    hr = users.authenticate(network, login="hr1", password=PASSWORD, address="a")
    with pytest.raises(InputError, match="your own user"):
        users.disable_user(network, caller=hr, login="hr1")
    with pytest.raises(NotFoundError, match="no user 'ghost'"):
        users.disable_user(network, caller=hr, login="ghost")
    with pytest.raises(NotFoundError, match="no user 'ghost'"):
        users.set_password(network, caller=hr, login="ghost", new_password=PASSWORD)


def test_a_new_password_works_and_voids_older_tokens(network: Store) -> None:
    make_user(network, Role.OPERATIONS)
    caller = users.authenticate(network, login="ops1", password=PASSWORD, address="a")
    token = users.issue_token(network, caller=caller)
    users.set_password(network, caller=ADMIN, login="ops1", new_password="ein-neues-Passwort")
    with pytest.raises(NotSignedIn, match="password has changed"):
        users.caller_for_token(network, token=token)
    with pytest.raises(NotSignedIn):
        users.authenticate(network, login="ops1", password=PASSWORD, address="a")
    users.authenticate(network, login="ops1", password="ein-neues-Passwort", address="a")
    with pytest.raises(InputError, match="at least 8"):
        users.set_password(network, caller=ADMIN, login="ops1", new_password="short")
    assert ("test-admin", "user_password", "ops1") in actions(network)


def test_users_change_their_own_password_with_the_current_one(network: Store) -> None:
    make_user(network, Role.DEALER)
    dealer = users.authenticate(network, login="dealer1", password=PASSWORD, address="a")
    with pytest.raises(NotSignedIn):
        users.change_own_password(
            network,
            caller=dealer,
            current_password="wrong-password",
            new_password="brand-new-secret",
            address="a",
        )
    users.change_own_password(
        network,
        caller=dealer,
        current_password=PASSWORD,
        new_password="brand-new-secret",
        address="a",
    )
    users.authenticate(network, login="dealer1", password="brand-new-secret", address="a")


# -- rate limits ------------------------------------------------------------------------------


def test_failed_sign_ins_are_limited_per_login(network: Store) -> None:
    make_user(network, Role.HR)
    for attempt in range(5):
        with pytest.raises(NotSignedIn):
            users.authenticate(network, login="hr1", password=f"guess-{attempt}", address="a")
    # Even the right password is refused now, from any address, until the window passes.
    with pytest.raises(RateLimited, match="too many failed attempts") as caught:
        users.authenticate(network, login="hr1", password=PASSWORD, address="elsewhere")
    assert 0 < caught.value.retry_after <= 15 * 60
    assert ("anonymous", "signin_blocked", "hr1") in actions(network)
    # Another login from the same address is not limited by hr1's failures.
    make_user(network, Role.OPERATIONS)
    users.authenticate(network, login="ops1", password=PASSWORD, address="a")
    # When the failures are older than the window, the login may try again.
    with network.begin() as conn:
        conn.execute(update(signin_failures).values(at=signin_failures.c.at - 16 * 60 * 10**6))
    users.authenticate(network, login="hr1", password=PASSWORD, address="a")


def test_failed_sign_ins_are_limited_per_address(network: Store) -> None:
    make_user(network, Role.HR)
    settings = Settings(signin_failures_per_address=3, signin_failures_per_login=100)
    for login in ("a", "b", "c"):
        with pytest.raises(NotSignedIn):
            users.authenticate(
                network, login=login, password="wrong-one", address="6.6.6.6", settings=settings
            )
    with pytest.raises(RateLimited):
        users.authenticate(
            network, login="hr1", password=PASSWORD, address="6.6.6.6", settings=settings
        )
    users.authenticate(
        network, login="hr1", password=PASSWORD, address="7.7.7.7", settings=settings
    )


def test_a_successful_sign_in_clears_the_logins_failures(network: Store) -> None:
    make_user(network, Role.HR)
    for _ in range(4):
        with pytest.raises(NotSignedIn):
            users.authenticate(network, login="hr1", password="wrong-one", address="a")
    users.authenticate(network, login="hr1", password=PASSWORD, address="a")
    for _ in range(4):  # four more failures: not yet five within the window
        with pytest.raises(NotSignedIn):
            users.authenticate(network, login="hr1", password="wrong-one", address="b")
    users.authenticate(network, login="hr1", password=PASSWORD, address="a")


# -- tokens -----------------------------------------------------------------------------------


def test_an_expired_token_is_refused_with_a_clear_message(network: Store) -> None:
    make_user(network, Role.HR)
    key = tokens.signing_key(network, get_settings())
    old = tokens.encode(
        key,
        login="hr1",
        version=0,
        use="access",
        minutes=60,
        now=dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=2),
    )
    with pytest.raises(NotSignedIn, match="expired"):
        users.caller_for_token(network, token=old)


def test_a_token_verified_before_still_expires(
    network: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token sent again is not verified again, but its expiry is still checked, and a
    disabled user is still refused (the user is read on every request)."""
    make_user(network, Role.HR)
    key = tokens.signing_key(network, get_settings())
    token = tokens.encode(key, login="hr1", version=0, use="access", minutes=1)
    assert users.caller_for_token(network, token=token).login == "hr1"
    assert users.caller_for_token(network, token=token).login == "hr1"
    with pytest.raises(NotSignedIn, match="not valid here"):  # not a session token
        users.caller_for_token(network, token=token, use="session")
    later = tokens.time.time() + 61
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(NotSignedIn, match="expired"):
        users.caller_for_token(network, token=token)
    monkeypatch.undo()
    fresh = tokens.encode(key, login="hr1", version=0, use="access", minutes=5)
    assert users.caller_for_token(network, token=fresh).login == "hr1"
    with network.begin() as conn:
        conn.execute(text("UPDATE users SET enabled = false WHERE login = 'hr1'"))
    with pytest.raises(NotSignedIn):
        users.caller_for_token(network, token=fresh)


def test_a_tampered_token_is_refused(network: Store) -> None:
    make_user(network, Role.INSTALLER)
    make_user(network, Role.HR)
    caller = users.authenticate(network, login="I1", password=PASSWORD, address="a")
    token = users.issue_token(network, caller=caller)
    head, body, signature = token.split(".")
    # The same claims but naming the HR user, keeping the installer's signature.
    forged_body = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "sub": "hr1"},
        "x" * 32,
        algorithm="HS256",
    ).split(".")[1]
    for bad in (
        f"{head}.{forged_body}.{signature}",
        f"{head}.{body}.{signature[:-2]}AA",
        jwt.encode({"sub": "hr1", "ver": 0, "use": "access", "iat": 0, "exp": 2**40}, "k" * 32),
        "not-a-token",
        "",
    ):
        with pytest.raises(NotSignedIn, match="not valid"):
            users.caller_for_token(network, token=bad)
    unsigned = jwt.encode({"sub": "hr1", "ver": 0, "use": "access"}, None, algorithm="none")
    with pytest.raises(NotSignedIn):
        users.caller_for_token(network, token=unsigned)


def test_a_session_is_not_an_api_token_nor_the_other_way(network: Store) -> None:
    make_user(network, Role.HR)
    caller = users.authenticate(network, login="hr1", password=PASSWORD, address="a")
    session = users.issue_token(network, caller=caller, use="session")
    access_token = users.issue_token(network, caller=caller)
    with pytest.raises(NotSignedIn, match="not valid here"):
        users.caller_for_token(network, token=session)
    with pytest.raises(NotSignedIn, match="not valid here"):
        users.session_for_token(network, token=access_token)
    found = users.session_for_token(network, token=session)
    assert found.caller == caller and len(found.csrf) >= 32


def test_the_signing_key_is_generated_once_and_kept_in_the_store(network: Store) -> None:
    make_user(network, Role.HR)
    token = users.issue_token(network, caller=Caller(login="hr1", role=Role.HR))
    with network.begin() as conn:
        kept = conn.execute(select(store_secrets.c.value)).scalars().all()
    assert len(kept) == 1 and len(kept[0]) >= 48
    tokens._STORED_KEYS.clear()  # as another process would: read from the store
    assert users.caller_for_token(network, token=token).login == "hr1"


def test_the_configured_secret_key_signs_instead(
    network: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(network, Role.HR)
    hr = Caller(login="hr1", role=Role.HR)
    stored_key_token = users.issue_token(network, caller=hr)
    monkeypatch.setenv("SCORING_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    with pytest.raises(NotSignedIn, match="not valid"):
        users.caller_for_token(network, token=stored_key_token)
    configured = users.issue_token(network, caller=hr)
    assert jwt.decode(configured, "k" * 40, algorithms=["HS256"])["sub"] == "hr1"
    monkeypatch.setenv("SCORING_SECRET_KEY", "too-short")
    get_settings.cache_clear()
    with pytest.raises(Exception, match="at least 32 characters"):
        users.issue_token(network, caller=hr)


def test_tokens_are_only_for_users_of_the_store(network: Store) -> None:
    with pytest.raises(NotFoundError):
        users.issue_token(network, caller=Caller.local("root"))
    make_user(network, Role.HR)
    token = users.issue_token(network, caller=Caller(login="hr1", role=Role.HR))
    with network.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE login = 'hr1'"))
    with pytest.raises(NotSignedIn, match="no longer exists"):
        users.caller_for_token(network, token=token)
