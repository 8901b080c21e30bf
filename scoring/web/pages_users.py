"""HR manages users: ``/hr/users`` lists them (role, scope with names, enabled, activated) a page
at a time, adds one with a role and scope, disables and enables, sets a new password, and
invites installers in bulk: the activation codes come back as a file to hand out (never
stored in clear, never shown on a page). Template ``hr_users.html``.

Every form goes through :mod:`scoring.services.users`, as ``/api/users`` and ``scoring user``
do. The login a form acts on is a form field (a login may hold characters a path cannot).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from scoring.errors import InputError
from scoring.services import users
from scoring.services.access import Role
from scoring.services.invites import DEFAULT_VALID_DAYS
from scoring.services.users import MAX_LOGIN_LENGTH, USERS_PAGE
from scoring.web.auth import CsrfChecked, SignedIn, UsersCaller
from scoring.web.deps import ServicesDep
from scoring.web.hr_parts import CSV, XLSX, back_to, download, hr_render, pager, with_query

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

USERS = "/hr/users"
Login = Annotated[str, Form(min_length=1, max_length=MAX_LOGIN_LENGTH + 20)]
Password = Annotated[str, Form(min_length=1, max_length=1000)]
Back = Annotated[str, Form(max_length=2000)]


@router.get(USERS, response_class=HTMLResponse)
def users_page(
    request: Request,
    services: ServicesDep,
    caller: UsersCaller,
    role: Literal["", "hr", "operations", "dealer", "installer"] = "",
    q: Annotated[str, Query(max_length=MAX_LOGIN_LENGTH)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    done: Literal["added", "disabled", "enabled", "password"] | None = None,
    login: Annotated[str | None, Query(max_length=MAX_LOGIN_LENGTH + 20)] = None,
) -> HTMLResponse:
    """用户 / a page of users, and the forms to add, change and invite."""
    found = users.user_page(
        services.store, caller=caller, role=role or None, starting=q, offset=offset
    )
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return hr_render(
        request,
        "hr_users.html",
        caller=caller,
        found=found,
        role=role,
        q=q,
        roles=[r.value for r in Role],
        pages=pager(
            request, offset=offset, limit=USERS_PAGE, shown=len(found.users), total=found.total
        ),
        back=here,
        done=done,
        login=login,
        valid_days=DEFAULT_VALID_DAYS,
    )


def _after(back: str, done: str, login: str) -> RedirectResponse:
    return RedirectResponse(
        with_query(back_to(back, USERS, under=USERS), done=done, login=login), status_code=303
    )


def _dealer_ids(text: str) -> list[str]:
    """Dealer ids as typed: separated by commas (either width), semicolons or spaces."""
    for mark in ",\uff0c;\uff1b\u3001":
        text = text.replace(mark, " ")
    return [part for part in text.split() if part]


@router.post(USERS, dependencies=[CsrfChecked])
def add_user(
    services: ServicesDep,
    caller: UsersCaller,
    login: Login,
    role: Annotated[str, Form(max_length=40)],
    password: Password,
    display_name: Annotated[str, Form(max_length=200)] = "",
    dealer_ids: Annotated[str, Form(max_length=5000)] = "",
    installer_id: Annotated[str, Form(max_length=200)] = "",
    back: Back = "",
) -> RedirectResponse:
    """添加用户 / add a user with a role and scope."""
    added = users.add_user(
        services.store,
        caller=caller,
        login=login,
        role=role,
        password=password,
        display_name=display_name or None,
        dealer_ids=_dealer_ids(dealer_ids),
        installer_id=installer_id.strip() or None,
        settings=services.settings,
    )
    return _after(back, "added", added.login)


@router.post("/hr/users/disable", dependencies=[CsrfChecked])
def disable_user(
    services: ServicesDep, caller: UsersCaller, login: Login, back: Back = ""
) -> RedirectResponse:
    """停用 / disable: the user's sessions and tokens stop at once."""
    changed = users.disable_user(services.store, caller=caller, login=login)
    return _after(back, "disabled", changed.login)


@router.post("/hr/users/enable", dependencies=[CsrfChecked])
def enable_user(
    services: ServicesDep, caller: UsersCaller, login: Login, back: Back = ""
) -> RedirectResponse:
    """启用 / enable again."""
    changed = users.enable_user(services.store, caller=caller, login=login)
    return _after(back, "enabled", changed.login)


@router.post("/hr/users/password", dependencies=[CsrfChecked])
def set_password(
    services: ServicesDep,
    caller: UsersCaller,
    login: Login,
    password: Password,
    back: Back = "",
) -> RedirectResponse:
    """重设密码 / set a user's password; its older sessions stop."""
    changed = users.set_password(
        services.store,
        caller=caller,
        login=login,
        new_password=password,
        settings=services.settings,
    )
    return _after(back, "password", changed.login)


@router.post("/hr/users/invite", dependencies=[CsrfChecked], response_class=FileResponse)
def invite(
    services: ServicesDep,
    caller: UsersCaller,
    scope: Annotated[Literal["all", "team", "dealer"], Form()],
    scope_id: Annotated[str, Form(max_length=200)] = "",
    valid_days: Annotated[int, Form(ge=1, le=90)] = DEFAULT_VALID_DAYS,
    renew: Annotated[bool, Form()] = False,
    format: Annotated[Literal["xlsx", "csv"], Form()] = "xlsx",
) -> FileResponse:
    """邀请师傅 / create the missing installer accounts of all installers, a team or a dealer,
    each with a one-time activation code: the codes come back as a file."""
    named = scope_id.strip()
    if scope != "all" and not named:
        raise InputError(
            "请填写团队或经销商编号 / give the team or dealer id to invite its installers"
        )
    folder = Path(tempfile.mkdtemp(prefix="invites-"))
    try:
        report = users.invite_installers(
            services.store,
            caller=caller,
            out=folder / f"invites.{format}",
            installers="all" if scope == "all" else None,
            team=named if scope == "team" else None,
            dealer=named if scope == "dealer" else None,
            valid_days=valid_days,
            renew=renew,
            settings=services.settings,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    response = download(
        report.path,
        name=f"activation-codes-{report.expires_at:%Y%m%d}.{format}",
        media_type=XLSX if format == "xlsx" else CSV,
        cleanup=folder,
    )
    response.headers["X-Invite-Created"] = str(report.created)
    response.headers["X-Invite-Renewed"] = str(report.renewed)
    return response
