"""Who is calling: bearer tokens for /api, a session cookie for the pages, CSRF for forms.

Dependencies (declare them once per route or router; handlers never check a role):

- :func:`current_caller` (alias :data:`CallerDep`): the signed-in :class:`Caller`. Under ``/api``
  it reads ``Authorization: Bearer TOKEN`` and answers 401 JSON without a valid one; elsewhere
  it reads the session cookie and redirects to ``/login`` without a valid one.
- :func:`require` ``(right)``: a dependency giving the caller when its role has ``right``, else
  :class:`~scoring.services.access.Forbidden` (403 once :func:`install` is called). Typed
  aliases such as :data:`UsersCaller` exist for every right.
- :func:`check_csrf`: a form post that changes something must carry the session's CSRF token
  (:func:`csrf_field` writes it into the form), else 403. Requests under ``/api`` are exempt:
  they authenticate with a bearer header, which a browser never sends on its own.

The router (:data:`router`) serves ``POST /api/token`` (OAuth2 password flow), ``GET/POST
/login``, ``POST /logout`` and ``GET/POST /activate``.

The session cookie is a signed, expiring token (see :mod:`scoring.services.tokens`): HttpOnly,
SameSite=Lax, Secure when the request came over https. Signing out deletes it in the browser;
a copy taken before stays valid until it expires unless the password changes or the user is
disabled (both void every token of the user).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from markupsafe import escape
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from scoring.errors import InputError
from scoring.services import tokens
from scoring.services import users as user_service
from scoring.services.access import Caller, Forbidden, NotSignedIn, RateLimited, Right
from scoring.services.access import require as require_right
from scoring.settings import Settings
from scoring.store import Store
from scoring.web.auth_html import activate_page, signin_page
from scoring.web.deps import Services, SettingsDep, StoreDep
from scoring.web.errors import error_response
from scoring.web.models import ErrorOut

SESSION_COOKIE = "scoring_session"
#: Before signing in (the sign-in and activation forms): a random value whose keyed hash is
#: the form's CSRF token.
CSRF_COOKIE = "scoring_csrf"
CSRF_FIELD = "csrf_token"
TOKEN_URL = "/api/token"
LOGIN_URL = "/login"

_bearer_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

NEED_SIGNIN = "需要登录 / sign-in required: send Authorization: Bearer TOKEN (POST /api/token)"
BAD_CSRF = (
    "表单已过期或来自其他网站,请刷新页面后重试 / the form is stale or came from another site: "
    "reload the page and try again"
)


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def client_address(request: Request) -> str:
    """Where the request came from, for rate limits and the audit log."""
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


# -- who is calling ---------------------------------------------------------------------------


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, detail=message, headers={"WWW-Authenticate": "Bearer"})


def page_session(request: Request, store: Store, settings: Settings) -> user_service.Session | None:
    """The request's valid page session, if any (checked once per request)."""
    if hasattr(request.state, "auth_session"):
        found: user_service.Session | None = request.state.auth_session
        return found
    session = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            session = user_service.session_for_token(store, token=cookie, settings=settings)
        except NotSignedIn as exc:
            request.state.auth_problem = exc.message
    request.state.auth_session = session
    return session


def _login_redirect(request: Request) -> HTTPException:
    query = {}
    if request.method == "GET":
        query["next"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = LOGIN_URL + ("?" + urlencode(query) if query else "")
    return HTTPException(303, detail="需要登录 / sign in first", headers={"Location": location})


def current_caller(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Depends(_bearer_scheme)] = None,
) -> Caller:
    """The signed-in caller: a bearer token under /api (401 without), the session cookie on
    the pages (a redirect to the sign-in page without)."""
    if is_api(request):
        if not bearer:
            raise _unauthorized(NEED_SIGNIN)
        try:
            caller = user_service.caller_for_token(store, token=bearer, settings=settings)
        except NotSignedIn as exc:
            raise _unauthorized(exc.message) from None
    else:
        session = page_session(request, store, settings)
        if session is None:
            raise _login_redirect(request)
        caller = session.caller
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]
#: A router's or route's ``dependencies=[SignedIn]``: anyone signed in, checked before anything
#: else of the request is looked at (a router-level dependency is solved first).
SignedIn = Depends(current_caller)


def public() -> None:
    """Marks a route anyone may call, signed in or not (sign-in, activation, the API's
    description). Every route of the application declares either this or a signed-in caller;
    tests/test_routes_access.py walks ``app.routes`` and fails on a route that declares neither."""


#: ``dependencies=[Public]`` on the few routes open to everyone.
Public = Depends(public)

_REQUIREMENTS: dict[Right, Callable[[Caller], Awaitable[Caller]]] = {}


def require(right: Right) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency: the signed-in caller when its role has ``right``, else Forbidden (403).
    The same function for the same right, so FastAPI runs it once per request."""
    if right not in _REQUIREMENTS:

        async def dependency(caller: CallerDep) -> Caller:
            require_right(caller, right)
            return caller

        dependency.__name__ = f"require_{right.value}"
        _REQUIREMENTS[right] = dependency
    return _REQUIREMENTS[right]


ImportCaller = Annotated[Caller, Depends(require(Right.IMPORT))]
ComputeCaller = Annotated[Caller, Depends(require(Right.COMPUTE))]
AdjustCaller = Annotated[Caller, Depends(require(Right.ADJUST))]
ExportCaller = Annotated[Caller, Depends(require(Right.EXPORT))]
ReadPeriodsCaller = Annotated[Caller, Depends(require(Right.READ_PERIODS))]
ReadStatementsCaller = Annotated[Caller, Depends(require(Right.READ_STATEMENTS))]
ReadRankingCaller = Annotated[Caller, Depends(require(Right.READ_RANKING))]
PlansCaller = Annotated[Caller, Depends(require(Right.PLANS))]
ApprovePlansCaller = Annotated[Caller, Depends(require(Right.APPROVE_PLANS))]
ServiceLevelsCaller = Annotated[Caller, Depends(require(Right.SERVICE_LEVELS))]
DisputeCaller = Annotated[Caller, Depends(require(Right.DISPUTE))]
ResolveDisputesCaller = Annotated[Caller, Depends(require(Right.RESOLVE_DISPUTES))]
ReadDisputesCaller = Annotated[Caller, Depends(require(Right.READ_DISPUTES))]
UsersCaller = Annotated[Caller, Depends(require(Right.USERS))]
AuditCaller = Annotated[Caller, Depends(require(Right.AUDIT))]


# -- CSRF -------------------------------------------------------------------------------------


def _keyed(store: Store, settings: Settings, seed: str) -> str:
    key = tokens.signing_key(store, settings).encode()
    return hmac.new(key, b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's forms: the session's when signed in; before that, the
    keyed hash of a random cookie value (set by the sign-in pages, see :func:`keep_csrf_cookie`)."""
    services: Services = request.app.state.services
    store, settings = services.store, services.settings
    session = page_session(request, store, settings)
    if session is not None:
        return session.csrf
    seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(CSRF_COOKIE)
    if not seed or len(seed) > 100:
        seed = secrets.token_urlsafe(32)
        request.state.csrf_seed_new = True
    request.state.csrf_seed = seed
    return _keyed(store, settings, seed)


def csrf_field(request: Request) -> str:
    """The hidden input every form that changes something must carry."""
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token(request))}">'


def keep_csrf_cookie(request: Request, response: Response) -> Response:
    """Set the pre-sign-in CSRF cookie when :func:`csrf_token` made a new one."""
    if getattr(request.state, "csrf_seed_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_seed,
            httponly=True,
            samesite="lax",
            secure=is_https(request),
            path="/",
        )
    return response


def _expected_csrf(request: Request, store: Store, settings: Settings) -> str | None:
    session = page_session(request, store, settings)
    if session is not None:
        return session.csrf
    seed = request.cookies.get(CSRF_COOKIE)
    return _keyed(store, settings, seed) if seed and len(seed) <= 100 else None


async def check_csrf(request: Request, store: StoreDep, settings: SettingsDep) -> None:
    """403 unless a form post carries this session's CSRF token. Safe methods and /api
    (bearer tokens, which a browser never sends by itself) pass."""
    if request.method in ("GET", "HEAD", "OPTIONS") or is_api(request):
        return
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = await run_in_threadpool(_expected_csrf, request, store, settings)
    if not isinstance(sent, str) or expected is None:
        raise HTTPException(403, detail=BAD_CSRF)
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, detail=BAD_CSRF)


CsrfChecked = Depends(check_csrf)


# -- errors -----------------------------------------------------------------------------------


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    return error_response(request, 403, exc.message)


async def _not_signed_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotSignedIn)
    if not is_api(request):
        return RedirectResponse(LOGIN_URL, status_code=303)
    response = error_response(request, 401, exc.message)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    response = error_response(request, 429, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install(app: FastAPI) -> None:
    """Answer Forbidden with 403, NotSignedIn with 401 (pages: the sign-in page), RateLimited
    with 429 and Retry-After. Call after :func:`scoring.web.errors.install`."""
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(RateLimited, _rate_limited)


# -- the routes -------------------------------------------------------------------------------

router = APIRouter(tags=["sign-in"], dependencies=[Public])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post(
    TOKEN_URL,
    response_model=TokenOut,
    responses={429: {"model": ErrorOut, "description": "too many failed sign-ins: wait"}},
)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    store: StoreDep,
    settings: SettingsDep,
) -> TokenOut:
    """OAuth2 password flow: form fields ``username`` and ``password`` → a bearer token."""
    try:
        caller = user_service.authenticate(
            store,
            login=form.username,
            password=form.password,
            address=client_address(request),
            settings=settings,
        )
    except NotSignedIn as exc:
        raise _unauthorized(exc.message) from None
    except RateLimited as exc:
        raise HTTPException(
            429, detail=exc.message, headers={"Retry-After": str(exc.retry_after)}
        ) from None
    issued = user_service.issue_token(store, caller=caller, use="access", settings=settings)
    return TokenOut(access_token=issued, expires_in=settings.token_minutes * 60)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if value.startswith(LOGIN_URL) or value.startswith("/activate"):
        return "/"
    return value


def _signed_in(
    request: Request, store: Store, settings: Settings, caller: Caller, to: str
) -> Response:
    session = user_service.issue_token(store, caller=caller, use="session", settings=settings)
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=settings.session_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get(LOGIN_URL, include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> Response:
    page = signin_page(csrf_field=csrf_field(request), next_url=safe_next(next))
    return keep_csrf_cookie(request, page)


@router.post(LOGIN_URL, include_in_schema=False, dependencies=[CsrfChecked])
def login_post(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    to = safe_next(next)
    try:
        caller = user_service.authenticate(
            store,
            login=username,
            password=password,
            address=client_address(request),
            settings=settings,
        )
    except (NotSignedIn, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 401
        page = signin_page(
            csrf_field=csrf_field(request),
            next_url=to,
            login=username,
            error=exc.message,
            status=status,
        )
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return keep_csrf_cookie(request, page)
    return _signed_in(request, store, settings, caller, to)


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    csrf: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    """Sign out: the session cookie is deleted. With a valid session the form must carry its
    CSRF token (no other site can sign a user out); without one there is nothing to end."""
    session = page_session(request, store, settings)
    if session is not None:
        if csrf is None or not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
            raise HTTPException(403, detail=BAD_CSRF)
    response = RedirectResponse(LOGIN_URL, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/activate", include_in_schema=False)
def activate_form(request: Request) -> Response:
    return keep_csrf_cookie(request, activate_page(csrf_field=csrf_field(request)))


@router.post("/activate", include_in_schema=False, dependencies=[CsrfChecked])
def activate_post(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    code: Annotated[str, Form()],
    password: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
) -> Response:
    def again(message: str, status: int) -> Response:
        page = activate_page(
            csrf_field=csrf_field(request), login=username, error=message, status=status
        )
        return keep_csrf_cookie(request, page)

    if password != confirm:
        return again("两次输入的新密码不一致 / the two new passwords differ", 400)
    try:
        caller = user_service.activate(
            store,
            login=username,
            code=code,
            new_password=password,
            address=client_address(request),
            settings=settings,
        )
    except NotSignedIn as exc:
        return again(exc.message, 401)
    except RateLimited as exc:
        response = again(exc.message, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except InputError as exc:
        return again(exc.message, 400)
    return _signed_in(request, store, settings, caller, "/")
