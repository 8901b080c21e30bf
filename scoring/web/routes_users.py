"""Users under /api/users (HR) and /api/me (anyone signed in) — ``scoring user …``.

HR adds users with a role and scope, disables and enables them, sets a password, and invites
installers in bulk (the activation codes come back as an XLSX or CSV file to hand out). A
signed-in user reads who it is and changes its own password. Passwords and codes are never
answered back, and users are listed without their hashes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from scoring.services import users
from scoring.services.access import Role
from scoring.services.invites import DEFAULT_VALID_DAYS
from scoring.web.auth import CallerDep, SignedIn, UsersCaller, client_address
from scoring.web.deps import ServicesDep
from scoring.web.models import ErrorOut, when

router = APIRouter(
    prefix="/api",
    tags=["users"],
    dependencies=[SignedIn],
    responses={
        400: {"model": ErrorOut, "description": "a bad value, or a scope naming nobody"},
        404: {"model": ErrorOut, "description": "no such user, dealer or team"},
    },
)

Login = Annotated[str, Field(min_length=1, max_length=users.MAX_LOGIN_LENGTH)]
Password = Annotated[str, Field(min_length=1, max_length=1000)]


class UserOut(BaseModel):
    login: str
    display_name: str | None
    role: Role
    dealer_ids: list[str]
    installer_id: str | None
    enabled: bool
    has_password: bool = Field(description="false for an invited installer not yet activated")
    created_at: str | None
    created_by: str
    changed_at: str | None
    changed_by: str

    @classmethod
    def of(cls, info: users.UserInfo, services: ServicesDep) -> UserOut:
        zone = services.settings.zone
        return cls(
            login=info.login,
            display_name=info.display_name,
            role=info.role,
            dealer_ids=list(info.dealer_ids),
            installer_id=info.installer_id,
            enabled=info.enabled,
            has_password=info.has_password,
            created_at=when(info.created_at, zone),
            created_by=info.created_by,
            changed_at=when(info.changed_at, zone),
            changed_by=info.changed_by,
        )


class UserIn(BaseModel):
    login: Login
    role: Role
    password: Password
    display_name: Annotated[str | None, Field(max_length=200)] = None
    dealer_ids: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=1000)] = []
    installer_id: Annotated[str | None, Field(max_length=200)] = None


class PasswordIn(BaseModel):
    password: Password


class OwnPasswordIn(BaseModel):
    current_password: Password
    new_password: Password


class InviteIn(BaseModel):
    installers: Literal["all"] | None = None
    team: Annotated[str | None, Field(max_length=200)] = None
    dealer: Annotated[str | None, Field(max_length=200)] = None
    valid_days: Annotated[int, Field(ge=1, le=90)] = DEFAULT_VALID_DAYS
    renew: bool = False
    format: Literal["xlsx", "csv"] = "xlsx"


@router.get("/users")
def list_users(
    services: ServicesDep,
    caller: UsersCaller,
    role: Annotated[Role | None, Query()] = None,
) -> list[UserOut]:
    """用户列表 / every user (or those of one role)."""
    found = users.list_users(services.store, caller=caller, role=role)
    return [UserOut.of(u, services) for u in found]


@router.post("/users", status_code=201)
def add_user(body: UserIn, services: ServicesDep, caller: UsersCaller) -> UserOut:
    """添加用户 / add a user with a role and scope (a dealer user names its dealers, an
    installer user its 工号)."""
    added = users.add_user(
        services.store,
        caller=caller,
        login=body.login,
        role=body.role,
        password=body.password,
        display_name=body.display_name,
        dealer_ids=body.dealer_ids,
        installer_id=body.installer_id,
        settings=services.settings,
    )
    return UserOut.of(added, services)


@router.post("/users/{login}/disable")
def disable_user(login: str, services: ServicesDep, caller: UsersCaller) -> UserOut:
    """停用 / disable: the user's tokens and sessions stop working at once."""
    return UserOut.of(users.disable_user(services.store, caller=caller, login=login), services)


@router.post("/users/{login}/enable")
def enable_user(login: str, services: ServicesDep, caller: UsersCaller) -> UserOut:
    """启用 / enable again."""
    return UserOut.of(users.enable_user(services.store, caller=caller, login=login), services)


@router.post("/users/{login}/password")
def set_password(
    login: str, body: PasswordIn, services: ServicesDep, caller: UsersCaller
) -> UserOut:
    """重设密码 / set a user's password; its older tokens stop working."""
    changed = users.set_password(
        services.store,
        caller=caller,
        login=login,
        new_password=body.password,
        settings=services.settings,
    )
    return UserOut.of(changed, services)


@router.post(
    "/users/invite",
    response_class=FileResponse,
    responses={200: {"description": "the activation codes (XLSX or CSV) to hand out"}},
)
def invite(body: InviteIn, services: ServicesDep, caller: UsersCaller) -> FileResponse:
    """邀请师傅 / create the missing installer accounts (all, one team or one dealer), each
    with a one-time activation code; the codes come back as a file. The counts are in the
    ``X-Invite-*`` headers."""
    folder = Path(tempfile.mkdtemp(prefix="invites-"))
    try:
        report = users.invite_installers(
            services.store,
            caller=caller,
            out=folder / f"invites.{body.format}",
            installers=body.installers,
            team=body.team,
            dealer=body.dealer,
            valid_days=body.valid_days,
            renew=body.renew,
            settings=services.settings,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    stamp = f"{report.expires_at:%Y%m%d}"
    return FileResponse(
        report.path,
        filename=f"activation-codes-{stamp}.{body.format}",
        headers={
            "X-Invite-Created": str(report.created),
            "X-Invite-Renewed": str(report.renewed),
            "X-Invite-Existing": str(report.existing),
            "X-Invite-Conflicts": str(len(report.conflicts)),
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(shutil.rmtree, folder, True),
    )


@router.get("/me")
def whoami(services: ServicesDep, caller: CallerDep) -> UserOut:
    """我的账号 / the signed-in user."""
    return UserOut.of(users.get_own(services.store, caller=caller), services)


@router.post(
    "/me/password",
    status_code=204,
    responses={429: {"model": ErrorOut, "description": "too many wrong passwords: wait"}},
)
def change_own_password(
    request: Request, body: OwnPasswordIn, services: ServicesDep, caller: CallerDep
) -> None:
    """修改密码 / change one's own password, giving the current one; every older token of the
    user (this one included) stops working."""
    users.change_own_password(
        services.store,
        caller=caller,
        current_password=body.current_password,
        new_password=body.new_password,
        address=client_address(request),
        settings=services.settings,
    )
