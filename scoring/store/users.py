"""Users, their dealers, the store's secrets and recent failed sign-ins: the only SQL for them.

Functions take a SQLAlchemy connection inside a transaction the caller (a service) owns. Times
are microseconds since the epoch (:func:`scoring.store.db.now_us`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scoring.store.db import Store, now_us
from scoring.store.schema import (
    ENTITY_TABLES,
    signin_failures,
    store_secrets,
    user_dealers,
    users,
)

_installers = ENTITY_TABLES["installers"]
_teams = ENTITY_TABLES["teams"]
_dealers = ENTITY_TABLES["dealers"]


@dataclass(frozen=True)
class UserRow:
    """One user as stored (with the hashes: never hand it out of the services)."""

    login: str
    display_name: str | None
    role: str
    dealer_ids: tuple[str, ...]
    installer_id: str | None
    enabled: bool
    password_hash: str | None
    password_changed_at: int | None
    token_version: int
    activation_hash: str | None
    activation_expires_at: int | None
    activated_at: int | None
    created_at: int
    created_by: str
    changed_at: int
    changed_by: str


@dataclass(frozen=True)
class NewUser:
    """A user to insert. ``password_hash`` or ``activation_hash`` (an invited installer)."""

    login: str
    role: str
    display_name: str | None = None
    installer_id: str | None = None
    dealer_ids: tuple[str, ...] = ()
    password_hash: str | None = None
    activation_hash: str | None = None
    activation_expires_at: int | None = None


def _row_user(row: Any, dealer_ids: Sequence[str]) -> UserRow:
    return UserRow(
        login=row.login,
        display_name=row.display_name,
        role=row.role,
        dealer_ids=tuple(sorted(dealer_ids)),
        installer_id=row.installer_id,
        enabled=bool(row.enabled),
        password_hash=row.password_hash,
        password_changed_at=row.password_changed_at,
        token_version=int(row.token_version),
        activation_hash=row.activation_hash,
        activation_expires_at=row.activation_expires_at,
        activated_at=row.activated_at,
        created_at=row.created_at,
        created_by=row.created_by,
        changed_at=row.changed_at,
        changed_by=row.changed_by,
    )


#: Built once: every signed-in request reads its user (building a statement cost more than
#: running it).
_USER = select(users).where(users.c.login == bindparam("login"))
_USER_DEALERS = select(user_dealers.c.dealer_id).where(user_dealers.c.login == bindparam("login"))


def get_user(conn: Connection, login: str) -> UserRow | None:
    row = conn.execute(_USER, {"login": login}).first()
    if row is None:
        return None
    dealer_ids = conn.execute(_USER_DEALERS, {"login": login}).scalars()
    return _row_user(row, list(dealer_ids))


def list_users(conn: Connection, *, role: str | None = None) -> list[UserRow]:
    query = select(users).order_by(users.c.login)
    if role is not None:
        query = query.where(users.c.role == role)
    dealers: dict[str, list[str]] = {}
    for login, dealer_id in conn.execute(select(user_dealers.c.login, user_dealers.c.dealer_id)):
        dealers.setdefault(login, []).append(dealer_id)
    return [_row_user(r, dealers.get(r.login, [])) for r in conn.execute(query)]


def page_users(
    conn: Connection,
    *,
    role: str | None = None,
    starting: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[UserRow], int]:
    """A page of users by login (of one role; whose login or display name starts with
    ``starting``), and how many match in all."""
    where = []
    if role is not None:
        where.append(users.c.role == role)
    if starting:
        where.append(
            users.c.login.startswith(starting, autoescape=True)
            | users.c.display_name.startswith(starting, autoescape=True)
        )
    total = conn.execute(select(func.count()).select_from(users).where(*where)).scalar_one()
    rows = conn.execute(
        select(users).where(*where).order_by(users.c.login).offset(offset).limit(limit)
    ).all()
    logins = [r.login for r in rows]
    dealers: dict[str, list[str]] = {}
    if logins:
        for login, dealer_id in conn.execute(
            select(user_dealers.c.login, user_dealers.c.dealer_id).where(
                user_dealers.c.login.in_(logins)
            )
        ):
            dealers.setdefault(login, []).append(dealer_id)
    return [_row_user(r, dealers.get(r.login, [])) for r in rows], int(total)


def _values(user: NewUser, actor: str, at: int) -> dict[str, Any]:
    return {
        "login": user.login,
        "display_name": user.display_name,
        "role": user.role,
        "installer_id": user.installer_id,
        "enabled": True,
        "password_hash": user.password_hash,
        "password_changed_at": at if user.password_hash else None,
        "token_version": 0,
        "activation_hash": user.activation_hash,
        "activation_expires_at": user.activation_expires_at,
        "activated_at": None,
        "created_at": at,
        "created_by": actor,
        "changed_at": at,
        "changed_by": actor,
    }


def insert_users(conn: Connection, new: Sequence[NewUser], *, actor: str) -> None:
    """Insert users in one statement each for the users and their dealers (bulk-friendly)."""
    if not new:
        return
    at = now_us()
    conn.execute(insert(users), [_values(u, actor, at) for u in new])
    links = [{"login": u.login, "dealer_id": d} for u in new for d in u.dealer_ids]
    if links:
        conn.execute(insert(user_dealers), links)


def set_enabled(conn: Connection, login: str, enabled: bool, *, actor: str) -> bool:
    """Enable or disable; True when the user exists. Disabling also voids its tokens."""
    values: dict[str, Any] = {"enabled": enabled, "changed_at": now_us(), "changed_by": actor}
    if not enabled:
        values["token_version"] = users.c.token_version + 1
    done = conn.execute(update(users).where(users.c.login == login).values(**values))
    return done.rowcount == 1


def set_password_hash(conn: Connection, login: str, password_hash: str, *, actor: str) -> bool:
    """Store a new password hash and void every token signed before; True when found. An
    invited account's activation code stops working (the account has a password now)."""
    at = now_us()
    done = conn.execute(
        update(users)
        .where(users.c.login == login)
        .values(
            password_hash=password_hash,
            password_changed_at=at,
            token_version=users.c.token_version + 1,
            activated_at=case(
                (users.c.activation_hash.is_not(None), func.coalesce(users.c.activated_at, at)),
                else_=users.c.activated_at,
            ),
            changed_at=at,
            changed_by=actor,
        )
    )
    return done.rowcount == 1


def mark_activated(conn: Connection, login: str, password_hash: str) -> bool:
    """Set the first password of an invited account; False when it was activated already."""
    at = now_us()
    done = conn.execute(
        update(users)
        .where(users.c.login == login, users.c.activated_at.is_(None))
        .values(
            password_hash=password_hash,
            password_changed_at=at,
            token_version=users.c.token_version + 1,
            activated_at=at,
            changed_at=at,
            changed_by=login,
        )
    )
    return done.rowcount == 1


def set_activation(conn: Connection, codes: Sequence[tuple[str, str, int]], *, actor: str) -> int:
    """Give invited accounts without a password a new code: (login, code hash, expires at).
    The number of accounts changed."""
    if not codes:
        return 0
    at = now_us()
    done = conn.execute(
        update(users)
        .where(users.c.login == bindparam("the_login"), users.c.password_hash.is_(None))
        .values(
            activation_hash=bindparam("the_hash"),
            activation_expires_at=bindparam("the_expiry"),
            changed_at=at,
            changed_by=actor,
        ),
        [{"the_login": login, "the_hash": h, "the_expiry": e} for login, h, e in codes],
    )
    return int(done.rowcount)


# -- what a scope may name --------------------------------------------------------------------


def known_dealers(conn: Connection, dealer_ids: Iterable[str]) -> set[str]:
    wanted = list(dealer_ids)
    if not wanted:
        return set()
    found = conn.execute(
        select(_dealers.c.dealer_id).where(_dealers.c.dealer_id.in_(wanted))
    ).scalars()
    return set(found)


def known_team(conn: Connection, team_id: str) -> bool:
    row = conn.execute(select(_teams.c.team_id).where(_teams.c.team_id == team_id)).first()
    return row is not None


def installer_name(conn: Connection, installer_id: str) -> str | None:
    """The installer's name, or None when there is no such installer."""
    row = conn.execute(
        select(_installers.c.name).where(_installers.c.installer_id == installer_id)
    ).first()
    return None if row is None else str(row.name)


def user_of_installer(conn: Connection, installer_id: str) -> str | None:
    """The login of the installer's account, if it has one."""
    row = conn.execute(select(users.c.login).where(users.c.installer_id == installer_id)).first()
    return None if row is None else str(row.login)


@dataclass(frozen=True)
class InstallerToInvite:
    installer_id: str
    name: str
    team_id: str
    team_name: str | None
    #: The login of its account, if it has one.
    account_login: str | None
    #: Whether that account has a password (set by HR or on activation).
    has_password: bool
    #: Whether the 工号 is the login of another user (no account can be made with it).
    login_taken: bool


def installers_for_invite(
    conn: Connection,
    *,
    team_id: str | None = None,
    dealer_id: str | None = None,
    on_day: str,
) -> list[InstallerToInvite]:
    """The installers of a team, of a dealer or all of them, still employed on ``on_day``
    (ISO date), each with its account if it has one (or whether its 工号 is another's login)."""
    account = users.alias("account")
    by_login = users.alias("by_login")
    query = (
        select(
            _installers.c.installer_id,
            _installers.c.name,
            _installers.c.team_id,
            _teams.c.name.label("team_name"),
            account.c.login.label("account_login"),
            account.c.password_hash.is_not(None).label("has_password"),
            by_login.c.login.label("taken_login"),
        )
        .select_from(_installers)
        .outerjoin(_teams, _teams.c.team_id == _installers.c.team_id)
        .outerjoin(account, account.c.installer_id == _installers.c.installer_id)
        .outerjoin(by_login, by_login.c.login == _installers.c.installer_id)
        .where((_installers.c.active_to.is_(None)) | (_installers.c.active_to >= on_day))
        .order_by(_installers.c.team_id, _installers.c.installer_id)
    )
    if team_id is not None:
        query = query.where(_installers.c.team_id == team_id)
    if dealer_id is not None:
        query = query.where(_teams.c.dealer_id == dealer_id)
    return [
        InstallerToInvite(
            installer_id=r.installer_id,
            name=r.name,
            team_id=r.team_id,
            team_name=r.team_name,
            account_login=r.account_login,
            has_password=bool(r.has_password),
            login_taken=r.account_login is None and r.taken_login is not None,
        )
        for r in conn.execute(query)
    ]


# -- the store's own secrets ------------------------------------------------------------------


def get_or_create_secret(store: Store, name: str, make: str) -> str:
    """The secret ``name``; created as ``make`` when absent. Two processes creating it at once
    agree on the one that was written first."""
    with store.begin() as conn:
        found = conn.execute(
            select(store_secrets.c.value).where(store_secrets.c.name == name)
        ).scalar_one_or_none()
    if found is not None:
        return str(found)
    try:
        with store.begin() as conn:
            conn.execute(insert(store_secrets).values(name=name, value=make, created_at=now_us()))
        return make
    except IntegrityError:
        with store.begin() as conn:
            return str(
                conn.execute(
                    select(store_secrets.c.value).where(store_secrets.c.name == name)
                ).scalar_one()
            )


# -- failed sign-ins --------------------------------------------------------------------------


def record_failure(conn: Connection, *, login: str, address: str, window_us: int) -> None:
    """Note one failure, and forget those older than the window."""
    at = now_us()
    conn.execute(delete(signin_failures).where(signin_failures.c.at < at - window_us))
    conn.execute(insert(signin_failures).values(at=at, login=login[:200], address=address[:100]))


@dataclass(frozen=True)
class FailureCount:
    count: int
    oldest_at: int | None  # the oldest failure still in the window


def count_failures(
    conn: Connection, *, login: str | None = None, address: str | None = None, since: int
) -> FailureCount:
    query = select(func.count(), func.min(signin_failures.c.at)).where(
        signin_failures.c.at >= since
    )
    if login is not None:
        query = query.where(signin_failures.c.login == login[:200])
    if address is not None:
        query = query.where(signin_failures.c.address == address[:100])
    count, oldest = conn.execute(query).one()
    return FailureCount(count=int(count), oldest_at=oldest)


def clear_failures(conn: Connection, *, login: str) -> None:
    conn.execute(delete(signin_failures).where(signin_failures.c.login == login[:200]))
