"""Users: manage them (HR, the local administrator), sign in, tokens, activation of invitations.

Management (:func:`add_user`, :func:`list_users`, :func:`disable_user`, :func:`enable_user`,
:func:`set_password`, :func:`invite_installers`) needs ``Right.USERS``. Signing in
(:func:`authenticate`, :func:`activate`) has no caller yet: it makes one. Tokens
(:func:`issue_token`, :func:`caller_for_token`) re-read the user on every check, so a disabled
user or a changed password stops older tokens at once.

Failed sign-ins and activations are counted per login and per address in the store (so that
every process agrees) and refused with :class:`~scoring.services.access.RateLimited` past the
limits of the settings; both failures and successes are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from scoring.errors import InputError, NotFoundError
from scoring.services import access, passwords, tokens
from scoring.services.access import Caller, NotSignedIn, RateLimited, Right, Role
from scoring.services.invites import InviteReport, invite_installers
from scoring.settings import Settings, get_settings
from scoring.store import Store, now_us
from scoring.store import users as repo
from scoring.store.audit import audit
from scoring.store.directory import dealer_names

MAX_LOGIN_LENGTH = 100
#: Who the audit log names for a failed or refused sign-in (the login tried is its target).
ANONYMOUS = "anonymous"

__all__ = [
    "InviteReport",
    "Session",
    "UserInfo",
    "activate",
    "add_user",
    "authenticate",
    "caller_for_token",
    "change_own_password",
    "disable_user",
    "enable_user",
    "get_own",
    "get_user",
    "invite_installers",
    "issue_token",
    "list_users",
    "session_for_token",
    "set_password",
]


@dataclass(frozen=True)
class UserInfo:
    """A user as the services show it: never a hash."""

    login: str
    display_name: str | None
    role: Role
    dealer_ids: tuple[str, ...]
    installer_id: str | None
    enabled: bool
    #: False for an invited installer who has not yet set a password.
    has_password: bool
    created_at: int
    created_by: str
    changed_at: int
    changed_by: str


@dataclass(frozen=True)
class Session:
    """A verified session of the pages: who, its CSRF token, when it ends."""

    caller: Caller
    csrf: str
    expires_at: dt.datetime


def _info(row: repo.UserRow) -> UserInfo:
    return UserInfo(
        login=row.login,
        display_name=row.display_name,
        role=Role(row.role),
        dealer_ids=row.dealer_ids,
        installer_id=row.installer_id,
        enabled=row.enabled,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
        created_by=row.created_by,
        changed_at=row.changed_at,
        changed_by=row.changed_by,
    )


def _caller(row: repo.UserRow) -> Caller:
    return Caller(
        login=row.login,
        role=Role(row.role),
        dealer_ids=frozenset(row.dealer_ids),
        installer_id=row.installer_id,
        display_name=row.display_name,
    )


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def _text(value: str) -> str:
    """Full-width letters and digits forgiven, spaces around dropped."""
    return unicodedata.normalize("NFKC", value).strip()


def clean_login(login: str) -> str:
    """A login as stored: see :func:`_text`; refused when empty, too long or with spaces."""
    cleaned = _text(login)
    if not cleaned:
        raise InputError("账号不能为空 / the login is empty")
    if len(cleaned) > MAX_LOGIN_LENGTH:
        raise InputError(
            f"账号最多 {MAX_LOGIN_LENGTH} 个字符 / a login has at most {MAX_LOGIN_LENGTH} "
            "characters"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in cleaned):
        raise InputError(f"账号不能含空格或控制字符 / a login cannot contain spaces: {cleaned!r}")
    return cleaned


def parse_role(role: Role | str) -> Role:
    try:
        return Role(_text(str(role)).lower())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InputError(f"没有这个角色 / unknown role {role!r}: one of {known}") from None


def _not_found(login: str) -> NotFoundError:
    return NotFoundError(f"没有这个账号 / no user {login!r}")


# -- management -------------------------------------------------------------------------------


def add_user(
    store: Store,
    *,
    caller: Caller,
    login: str,
    role: Role | str,
    password: str,
    display_name: str | None = None,
    dealer_ids: Iterable[str] = (),
    installer_id: str | None = None,
    settings: Settings | None = None,
) -> UserInfo:
    """Create a user. A dealer user names at least one dealer, an installer user its
    installer; other roles name neither. Unknown dealers or installers are refused."""
    access.require(caller, Right.USERS)
    login = clean_login(login)
    chosen_role = parse_role(role)
    dealers = tuple(sorted({_text(d) for d in dealer_ids if _text(d)}))
    installer = _text(installer_id) if installer_id else None
    _check_scope(chosen_role, dealers, installer)
    passwords.check_password(password, login=login)
    fast = _settings(settings).fast_hashes_for_tests
    password_hash = passwords.password_hasher(fast).hash(password)
    name = _text(display_name) if display_name else None
    try:
        with store.begin() as conn:
            if repo.get_user(conn, login) is not None:
                raise _exists(login)
            unknown = sorted(set(dealers) - repo.known_dealers(conn, dealers))
            if unknown:
                raise InputError(
                    f"没有这些经销商 / unknown dealer(s): {', '.join(unknown)} (先导入经销商 / "
                    "import the dealers first)"
                )
            if installer is not None:
                installer_name = repo.installer_name(conn, installer)
                if installer_name is None:
                    raise InputError(
                        f"没有这个师傅 / unknown installer {installer!r} (先导入师傅 / import "
                        "the installers first)"
                    )
                other = repo.user_of_installer(conn, installer)
                if other is not None:
                    raise InputError(
                        f"师傅 {installer} 已有账号 {other} / installer {installer} already has "
                        f"the user {other}"
                    )
                name = name or installer_name
            new = repo.NewUser(
                login=login,
                role=chosen_role.value,
                display_name=name,
                installer_id=installer,
                dealer_ids=dealers,
                password_hash=password_hash,
            )
            repo.insert_users(conn, [new], actor=caller.login)
            audit(
                conn,
                caller.login,
                "user_add",
                login,
                {"role": chosen_role.value, "dealers": list(dealers), "installer": installer},
            )
            row = repo.get_user(conn, login)
    except IntegrityError:  # another process added the same login or installer meanwhile
        raise _exists(login) from None
    assert row is not None
    return _info(row)


def _exists(login: str) -> InputError:
    return InputError(f"账号已存在 / the user {login!r} exists already")


def _check_scope(role: Role, dealers: tuple[str, ...], installer: str | None) -> None:
    if role is Role.DEALER:
        if not dealers:
            raise InputError("经销商账号至少要有一个经销商 / a dealer user needs --dealer ID")
        if installer:
            raise InputError("经销商账号不能指定师傅 / a dealer user names no installer")
    elif role is Role.INSTALLER:
        if not installer:
            raise InputError("师傅账号要指定师傅工号 / an installer user needs --installer ID")
        if dealers:
            raise InputError("师傅账号不能指定经销商 / an installer user names no dealer")
    elif dealers or installer:
        raise InputError(
            f"{role.value} 账号不限范围,不能指定经销商或师傅 / a {role.value} user is not "
            "scoped: name no dealer or installer"
        )


def list_users(store: Store, *, caller: Caller, role: Role | str | None = None) -> list[UserInfo]:
    access.require(caller, Right.USERS)
    chosen = parse_role(role).value if role is not None else None
    with store.begin() as conn:
        return [_info(r) for r in repo.list_users(conn, role=chosen)]


def get_user(store: Store, *, caller: Caller, login: str) -> UserInfo:
    access.require(caller, Right.USERS)
    with store.begin() as conn:
        row = repo.get_user(conn, _text(login))
    if row is None:
        raise _not_found(login)
    return _info(row)


def get_own(store: Store, *, caller: Caller) -> UserInfo:
    """The signed-in user's own account (no right needed beyond being signed in)."""
    with store.begin() as conn:
        row = repo.get_user(conn, caller.login)
    if row is None:
        raise _not_found(caller.login)
    return _info(row)


def _set_enabled(store: Store, caller: Caller, login: str, enabled: bool) -> UserInfo:
    access.require(caller, Right.USERS)
    login = _text(login)
    if not enabled and login == caller.login:
        raise InputError("不能停用自己的账号 / you cannot disable your own user")
    with store.begin() as conn:
        if not repo.set_enabled(conn, login, enabled, actor=caller.login):
            raise _not_found(login)
        audit(conn, caller.login, "user_enable" if enabled else "user_disable", login, None)
        row = repo.get_user(conn, login)
    assert row is not None
    return _info(row)


def disable_user(store: Store, *, caller: Caller, login: str) -> UserInfo:
    """Disable a user: it cannot sign in, and its tokens and sessions stop working."""
    return _set_enabled(store, caller, login, False)


def enable_user(store: Store, *, caller: Caller, login: str) -> UserInfo:
    return _set_enabled(store, caller, login, True)


def set_password(
    store: Store,
    *,
    caller: Caller,
    login: str,
    new_password: str,
    settings: Settings | None = None,
) -> UserInfo:
    """Set a user's password (HR, the administrator); its older tokens stop working."""
    access.require(caller, Right.USERS)
    login = _text(login)
    passwords.check_password(new_password, login=login)
    with store.begin() as conn:
        if repo.get_user(conn, login) is None:
            raise _not_found(login)
    password_hash = passwords.password_hasher(_settings(settings).fast_hashes_for_tests).hash(
        new_password
    )
    with store.begin() as conn:
        if not repo.set_password_hash(conn, login, password_hash, actor=caller.login):
            raise _not_found(login)
        audit(conn, caller.login, "user_password", login, None)
        row = repo.get_user(conn, login)
    assert row is not None
    return _info(row)


def change_own_password(
    store: Store,
    *,
    caller: Caller,
    current_password: str,
    new_password: str,
    address: str,
    settings: Settings | None = None,
) -> None:
    """A signed-in user changes its own password, giving the current one."""
    authenticate(
        store, login=caller.login, password=current_password, address=address, settings=settings
    )
    passwords.check_password(new_password, login=caller.login)
    password_hash = passwords.password_hasher(_settings(settings).fast_hashes_for_tests).hash(
        new_password
    )
    with store.begin() as conn:
        repo.set_password_hash(conn, caller.login, password_hash, actor=caller.login)
        audit(conn, caller.login, "user_password", caller.login, {"own": True})


# -- signing in -------------------------------------------------------------------------------

WRONG_PASSWORD = (
    "账号或密码不正确 / wrong login or password (首次登录的师傅请先用激活码激活 / installers "
    "signing in for the first time: activate your account with the code first)"
)
WRONG_CODE = "工号或激活码不正确 / wrong 工号 (installer id) or activation code"
USED_CODE = (
    "激活码已使用(账号已设置密码),请用工号和密码登录 / this activation code has been used (the "
    "account has a password): sign in with your 工号 and password"
)
DISABLED = "账号已停用,请联系人事 / this user is disabled: ask HR"


def _window_us(settings: Settings) -> int:
    return settings.signin_window_minutes * 60 * 1_000_000


def _check_rate(store: Store, settings: Settings, login: str, address: str, what: str) -> None:
    """:class:`RateLimited` (audited) when the login or the address failed too often."""
    window = _window_us(settings)
    now = now_us()
    with store.begin() as conn:
        by_login = repo.count_failures(conn, login=login, since=now - window)
        by_address = repo.count_failures(conn, address=address, since=now - window)
        limited = [
            c
            for c, limit in (
                (by_login, settings.signin_failures_per_login),
                (by_address, settings.signin_failures_per_address),
            )
            if c.count >= limit
        ]
        if not limited:
            return
        oldest = min(c.oldest_at or now for c in limited)
        retry = max(1, (oldest + window - now + 999_999) // 1_000_000)
        audit(conn, ANONYMOUS, f"{what}_blocked", login, {"address": address})
    minutes = (retry + 59) // 60
    raise RateLimited(
        f"失败次数过多,请 {minutes} 分钟后再试 / too many failed attempts: try again in "
        f"{minutes} minute(s)",
        retry_after=int(retry),
    )


def _fail(
    store: Store, settings: Settings, login: str, address: str, what: str, message: str
) -> NotSignedIn:
    with store.begin() as conn:
        repo.record_failure(conn, login=login, address=address, window_us=_window_us(settings))
        audit(conn, ANONYMOUS, f"{what}_failed", login, {"address": address})
    return NotSignedIn(message)


def _login_key(login: str) -> str:
    return _text(login)[:MAX_LOGIN_LENGTH] or "-"


def authenticate(
    store: Store,
    *,
    login: str,
    password: str,
    address: str,
    settings: Settings | None = None,
) -> Caller:
    """The caller that ``login`` and ``password`` prove, else :class:`NotSignedIn` (audited,
    counted) or :class:`RateLimited`. ``address`` is where the attempt came from."""
    chosen = _settings(settings)
    key = _login_key(login)
    _check_rate(store, chosen, key, address, "signin")
    with store.begin() as conn:
        row = repo.get_user(conn, key)
    hasher = passwords.password_hasher(chosen.fast_hashes_for_tests)
    if not passwords.verify(hasher, password, row.password_hash if row else None):
        raise _fail(store, chosen, key, address, "signin", WRONG_PASSWORD)
    assert row is not None
    if not row.enabled:
        raise _fail(store, chosen, key, address, "signin", DISABLED)
    with store.begin() as conn:
        repo.clear_failures(conn, login=key)
        audit(conn, row.login, "signin", row.login, {"address": address})
    return _caller(row)


def activate(
    store: Store,
    *,
    login: str,
    code: str,
    new_password: str,
    address: str,
    settings: Settings | None = None,
) -> Caller:
    """An invited installer's first sign-in: 工号 and activation code, and a new password.

    A wrong code counts as a failed sign-in; a right code that was used or has expired is
    refused with a message saying so."""
    chosen = _settings(settings)
    key = _login_key(login)
    _check_rate(store, chosen, key, address, "activate")
    with store.begin() as conn:
        row = repo.get_user(conn, key)
    stored = row.activation_hash if row is not None else None
    hasher = passwords.code_hasher(chosen.fast_hashes_for_tests)
    if not passwords.verify(hasher, passwords.clean_code(code), stored):
        raise _fail(store, chosen, key, address, "activate", WRONG_CODE)
    assert row is not None and row.activation_expires_at is not None
    if row.activated_at is not None:
        raise InputError(USED_CODE)
    if row.activation_expires_at < now_us():
        ended = dt.datetime.fromtimestamp(row.activation_expires_at / 1e6, tz=chosen.zone)
        raise InputError(
            f"激活码已于 {ended:%Y-%m-%d %H:%M} 过期,请向人事索取新的激活码 / the activation "
            f"code expired on {ended:%Y-%m-%d %H:%M}: ask HR for a new one"
        )
    if not row.enabled:
        raise _fail(store, chosen, key, address, "activate", DISABLED)
    passwords.check_password(new_password, login=row.login)
    password_hash = passwords.password_hasher(chosen.fast_hashes_for_tests).hash(new_password)
    with store.begin() as conn:
        if not repo.mark_activated(conn, row.login, password_hash):
            raise InputError(USED_CODE)
        repo.clear_failures(conn, login=key)
        audit(conn, row.login, "user_activate", row.login, {"address": address})
        fresh = repo.get_user(conn, row.login)
    assert fresh is not None
    return _caller(fresh)


# -- tokens -----------------------------------------------------------------------------------


def issue_token(
    store: Store,
    *,
    caller: Caller,
    use: tokens.Use = "access",
    settings: Settings | None = None,
) -> str:
    """A signed token for ``caller`` (a user of the store): ``access`` for the API (valid
    ``token_minutes``), ``session`` for the pages (``session_minutes``, with a CSRF token)."""
    chosen = _settings(settings)
    with store.begin() as conn:
        row = repo.get_user(conn, caller.login)
    if row is None:
        raise _not_found(caller.login)
    if not row.enabled:
        raise NotSignedIn(DISABLED)
    minutes = chosen.token_minutes if use == "access" else chosen.session_minutes
    return tokens.encode(
        tokens.signing_key(store, chosen),
        login=row.login,
        version=row.token_version,
        use=use,
        minutes=minutes,
        csrf=secrets.token_urlsafe(32) if use == "session" else None,
    )


def _verified(
    store: Store, token: str, use: tokens.Use, settings: Settings | None
) -> tuple[Caller, tokens.TokenClaims]:
    chosen = _settings(settings)
    claims = tokens.decode(tokens.signing_key(store, chosen), token, use=use)
    with store.begin() as conn:
        row = repo.get_user(conn, claims.login)
    if row is None:
        raise NotSignedIn("账号不存在,请重新登录 / this user no longer exists: sign in again")
    if not row.enabled:
        raise NotSignedIn(DISABLED)
    if row.token_version != claims.version:
        raise NotSignedIn(
            "密码已更改,请重新登录 / the password has changed since this sign-in: sign in again"
        )
    return _caller(row), claims


def caller_for_token(
    store: Store, *, token: str, use: tokens.Use = "access", settings: Settings | None = None
) -> Caller:
    """The caller a token names, re-read from the store; :class:`NotSignedIn` when the token
    is expired or tampered, or the user is gone, disabled or changed its password since."""
    return _verified(store, token, use, settings)[0]


def session_for_token(store: Store, *, token: str, settings: Settings | None = None) -> Session:
    """A page session's caller and CSRF token (see :func:`caller_for_token`)."""
    caller, claims = _verified(store, token, "session", settings)
    if claims.csrf is None:
        raise NotSignedIn("登录凭证无效,请重新登录 / the session is not valid: sign in again")
    return Session(caller=caller, csrf=claims.csrf, expires_at=claims.expires_at)


#: Users listed per page on HR's users page.
USERS_PAGE = 50


@dataclass(frozen=True)
class UserPage:
    users: list[UserInfo]
    total: int
    offset: int
    limit: int
    #: The names of the dealers the listed dealer users see.
    dealer_names: dict[str, str]


def user_page(
    store: Store,
    *,
    caller: Caller,
    role: Role | str | None = None,
    starting: str | None = None,
    offset: int = 0,
    limit: int = USERS_PAGE,
) -> UserPage:
    """A page of users by login (one role; a login or name starting with ``starting``), with
    the names of the dealers in their scopes."""
    access.require(caller, Right.USERS)
    chosen = parse_role(role).value if role else None
    if offset < 0:
        raise InputError("offset 不能为负 / offset must not be negative")
    limit = min(max(limit, 1), 1000)
    with store.begin() as conn:
        rows, total = repo.page_users(
            conn, role=chosen, starting=_text(starting or "") or None, offset=offset, limit=limit
        )
        names = dealer_names(conn, {d for r in rows for d in r.dealer_ids})
    return UserPage([_info(r) for r in rows], total, offset, limit, names)
