"""Signed, expiring tokens (PyJWT, HS256) for the API's bearer tokens and the pages' sessions.

A token carries the login (``sub``), the user's ``token_version`` (``ver``: it grows when the
password changes or the account is disabled, so older tokens stop working), what it is for
(``use``: ``access`` for the API, ``session`` for the pages, so one cannot stand in for the
other), when it was issued and when it expires; a session also carries its CSRF token.

The key is ``SCORING_SECRET_KEY`` or, when that is unset, one generated on first use and kept in
the store (table ``store_secrets``), so that every process on the store agrees. There is no key
in the code.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from scoring.errors import ScoringError
from scoring.services.access import NotSignedIn
from scoring.settings import Settings
from scoring.store import Store
from scoring.store.users import get_or_create_secret

ALGORITHM = "HS256"
MIN_SECRET_LENGTH = 32
SECRET_NAME = "token_signing_key"

Use = Literal["access", "session"]


@dataclass(frozen=True)
class TokenClaims:
    login: str
    version: int
    use: Use
    expires_at: dt.datetime
    csrf: str | None = None


def signing_key(store: Store, settings: Settings) -> str:
    """The key that signs tokens: the setting, else the store's own (created on first use)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key) < MIN_SECRET_LENGTH:
            raise ScoringError(
                f"SCORING_SECRET_KEY 至少 {MIN_SECRET_LENGTH} 个字符 / SCORING_SECRET_KEY needs "
                f"at least {MIN_SECRET_LENGTH} characters (e.g. python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return key
    return _stored_key(store.url, store)


def _stored_key(url: str, store: Store) -> str:
    # A stored key never changes once written, so the one read first stays right.
    key = _STORED_KEYS.get(url)
    if key is None:
        key = get_or_create_secret(store, SECRET_NAME, secrets.token_urlsafe(48))
        _STORED_KEYS[url] = key
    return key


#: The stored keys read so far, by store URL (a cache: one query fewer per request).
_STORED_KEYS: dict[str, str] = {}


def encode(
    key: str,
    *,
    login: str,
    version: int,
    use: Use,
    minutes: int,
    csrf: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    issued = now or dt.datetime.now(tz=dt.UTC)
    claims: dict[str, Any] = {
        "sub": login,
        "ver": version,
        "use": use,
        "iat": issued,
        "exp": issued + dt.timedelta(minutes=minutes),
    }
    if csrf is not None:
        claims["csrf"] = csrf
    return jwt.encode(claims, key, algorithm=ALGORITHM)


#: Tokens already verified, with their claims: a signature checked once under a key stays
#: good, so a token sent again (every API request of a client) is not verified again; its
#: expiry is checked every time. Bounded, the oldest dropped first.
_VERIFIED: OrderedDict[tuple[str, str, str], TokenClaims] = OrderedDict()
_VERIFIED_MAX = 4096
_VERIFIED_LOCK = threading.Lock()
EXPIRED = "登录已过期,请重新登录 / the sign-in has expired: sign in again"


def decode(key: str, token: str, *, use: Use) -> TokenClaims:
    """The claims of a token signed with ``key`` for ``use``; :class:`NotSignedIn` otherwise."""
    cache_key = (key, token, use)
    with _VERIFIED_LOCK:
        known = _VERIFIED.get(cache_key)
        if known is not None:
            _VERIFIED.move_to_end(cache_key)
    if known is not None:
        if known.expires_at.timestamp() <= time.time():  # as PyJWT: expired at ``exp``
            with _VERIFIED_LOCK:
                _VERIFIED.pop(cache_key, None)
            raise NotSignedIn(EXPIRED)
        return known
    claims = _verify(key, token, use=use)
    with _VERIFIED_LOCK:
        _VERIFIED[cache_key] = claims
        while len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.popitem(last=False)
    return claims


def _verify(key: str, token: str, *, use: Use) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "ver", "use", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError:
        raise NotSignedIn(EXPIRED) from None
    except jwt.InvalidTokenError:
        raise NotSignedIn(
            "登录凭证无效,请重新登录 / the token is not valid (tampered or malformed): sign in "
            "again"
        ) from None
    if claims.get("use") != use or not isinstance(claims.get("ver"), int):
        raise NotSignedIn(
            "登录凭证用途不符 / this token is not valid here: sign in again"
        ) from None
    csrf = claims.get("csrf")
    return TokenClaims(
        login=str(claims["sub"]),
        version=int(claims["ver"]),
        use=use,
        expires_at=dt.datetime.fromtimestamp(int(claims["exp"]), tz=dt.UTC),
        csrf=csrf if isinstance(csrf, str) else None,
    )
