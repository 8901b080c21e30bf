"""Invite installers in bulk: an account and a one-time activation code for each one missing.

A national network has tens of thousands of installers, so the work is done in bulk: one query
for the installers chosen, the codes hashed on every core (argon2 releases the GIL), one
transaction inserting every new account, one audit entry. The codes are written to a CSV or
XLSX file (工号, 姓名, 团队, 激活码, 有效期至) that HR hands out or sends by SMS; the file is
readable by its owner only, and it is in place only once the accounts are committed.

An installer signs in the first time with :func:`scoring.services.users.activate`. With
``renew``, invited accounts that have no password yet get a new code (the old one stops
working): the way to help an installer whose code expired or was lost.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import IntegrityError

from payroll_export.cells import FORMULA_START
from scoring.errors import InputError, NotFoundError, ScoringError
from scoring.services import access, passwords
from scoring.services.access import Caller, Right, Role
from scoring.settings import Settings, get_settings
from scoring.store import Store, now_us
from scoring.store import users as repo
from scoring.store.audit import audit

DEFAULT_VALID_DAYS = 14
HEADINGS = ("工号", "姓名", "团队", "激活码", "有效期至")
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class InviteReport:
    path: Path
    #: Accounts created, and invited accounts given a new code (``renew``).
    created: int
    renewed: int
    #: Installers chosen that already had an account (and were not renewed).
    existing: int
    #: 工号 that are the login of another user, so no account could be made with them.
    conflicts: tuple[str, ...]
    expires_at: dt.datetime
    seconds: float


@dataclass(frozen=True)
class _Invite:
    login: str
    name: str
    team: str
    code: str
    renew: bool


def invite_installers(
    store: Store,
    *,
    caller: Caller,
    out: Path,
    installers: Literal["all"] | None = None,
    team: str | None = None,
    dealer: str | None = None,
    valid_days: int = DEFAULT_VALID_DAYS,
    renew: bool = False,
    settings: Settings | None = None,
) -> InviteReport:
    """Create the missing installer accounts of ``installers="all"``, one ``team`` or one
    ``dealer`` (exactly one of them), each with an activation code valid ``valid_days``, and
    write the codes to ``out`` (.csv or .xlsx). Installers who left before today are skipped."""
    access.require(caller, Right.USERS)
    started = time.perf_counter()
    chosen = settings if settings is not None else get_settings()
    selection = _selection(installers, team, dealer)
    out = _check_out(out)
    if not 1 <= valid_days <= 90:
        raise InputError("有效期须为 1 到 90 天 / valid days must be 1 to 90")
    now = dt.datetime.now(tz=chosen.zone)
    expires = now + dt.timedelta(days=valid_days)
    expires_us = now_us() + valid_days * 86_400 * 1_000_000
    with store.begin() as conn:
        if team is not None and not repo.known_team(conn, team):
            raise NotFoundError(f"没有这个团队 / no team {team!r}")
        if dealer is not None and not repo.known_dealers(conn, [dealer]):
            raise NotFoundError(f"没有这个经销商 / no dealer {dealer!r}")
        found = repo.installers_for_invite(
            conn, team_id=team, dealer_id=dealer, on_day=now.date().isoformat()
        )
    invites: list[_Invite] = []
    existing = 0
    for r in found:
        fresh = r.account_login is None and not r.login_taken
        again = (
            renew and r.account_login == r.installer_id and not r.has_password
        )  # invited, never activated
        if fresh or again:
            invites.append(
                _Invite(
                    r.installer_id, r.name, r.team_name or r.team_id, passwords.new_code(), again
                )
            )
        elif r.account_login is not None:
            existing += 1
    conflicts = tuple(r.installer_id for r in found if r.login_taken)
    hashes = _hash_codes([i.code for i in invites], chosen.fast_hashes_for_tests)
    partial = out.with_name(f".{out.name}.partial")
    _write(partial, invites, f"{expires:%Y-%m-%d %H:%M}", xlsx=out.suffix.lower() == ".xlsx")
    try:
        created, renewed = _commit(store, caller, invites, hashes, expires_us, selection)
        os.replace(partial, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return InviteReport(
        path=out,
        created=created,
        renewed=renewed,
        existing=existing,
        conflicts=conflicts,
        expires_at=expires,
        seconds=time.perf_counter() - started,
    )


def _selection(installers: str | None, team: str | None, dealer: str | None) -> str:
    given = [
        label
        for label, value in (("all", installers), ("team", team), ("dealer", dealer))
        if value is not None
    ]
    if len(given) != 1:
        raise InputError(
            "请只选一种范围:全部、团队或经销商 / choose exactly one of --installers all, "
            "--team ID, --dealer ID"
        )
    if installers is not None and installers != "all":
        raise InputError(
            f"--installers 只能是 all / --installers takes only 'all', not {installers!r}"
        )
    return {"all": "all", "team": f"team {team}", "dealer": f"dealer {dealer}"}[given[0]]


def _check_out(out: Path) -> Path:
    if out.suffix.lower() not in SUFFIXES:
        raise InputError(f"输出文件须为 .csv 或 .xlsx / the output must be .csv or .xlsx: {out}")
    if not out.parent.is_dir():
        raise InputError(f"输出目录不存在 / the folder does not exist: {out.parent}")
    return out


def _hash_codes(codes: Sequence[str], fast: bool) -> list[str]:
    hasher = passwords.code_hasher(fast)
    if len(codes) < 64:
        return [hasher.hash(c) for c in codes]
    workers = min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="invite-hash") as pool:
        return list(pool.map(hasher.hash, codes, chunksize=256))


def _commit(
    store: Store,
    caller: Caller,
    invites: Sequence[_Invite],
    hashes: Sequence[str],
    expires_us: int,
    selection: str,
) -> tuple[int, int]:
    new = [
        repo.NewUser(
            login=i.login,
            role=Role.INSTALLER.value,
            display_name=i.name,
            installer_id=i.login,
            activation_hash=h,
            activation_expires_at=expires_us,
        )
        for i, h in zip(invites, hashes, strict=True)
        if not i.renew
    ]
    again = [(i.login, h, expires_us) for i, h in zip(invites, hashes, strict=True) if i.renew]
    try:
        with store.begin() as conn:
            repo.insert_users(conn, new, actor=caller.login)
            renewed = repo.set_activation(conn, again, actor=caller.login)
            audit(
                conn,
                caller.login,
                "user_invite",
                selection,
                {"created": len(new), "renewed": renewed, "expires_at": expires_us},
            )
    except IntegrityError:
        raise ScoringError(
            "另一个邀请同时创建了部分账号,请重新运行 / another invitation created some of these "
            "accounts at the same time: run it again"
        ) from None
    return len(new), renewed


def _guard(text: str) -> str:
    """A text a spreadsheet would read as a formula gets a leading quote (OWASP)."""
    return "'" + text if re.match(FORMULA_START, text) else text


def _write(path: Path, invites: Sequence[_Invite], expires: str, *, xlsx: bool) -> None:
    rows = [
        (_guard(i.login), _guard(i.name), _guard(i.team), passwords.show_code(i.code), expires)
        for i in invites
    ]
    # Owner-only from the start: the file holds codes that open accounts.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if xlsx:
        os.close(fd)
        _write_xlsx(path, rows)
    else:
        with open(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(HEADINGS)
            writer.writerows(rows)


def _write_xlsx(path: Path, rows: Sequence[tuple[str, ...]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("激活码")
    sheet.append(list(HEADINGS))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
