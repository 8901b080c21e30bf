"""Passwords and activation codes: argon2id hashes (pwdlib), the rules a password must meet.

Passwords are hashed with the library's recommended argon2id parameters (pwdlib's
``PasswordHash.recommended()``: 64 MiB, 3 passes, 4 lanes; about 0.1-0.2 s a hash here).

Activation codes are hashed with argon2id too, with a lower but still memory-hard cost
(:data:`CODE_PARAMETERS`: 2 MiB, 2 passes, 1 lane; about 2 ms a hash). Why lower: inviting a
national network hashes one code per installer, and at the password cost 50,000 codes take about
2.5 hours of one core (0.18 s a hash measured). Measured on a shared 2-core machine, inviting
50,000 installers into SQLite took 46 s in all (5 s of it the one transaction inserting the
accounts; the rest hashing on both cores), 128 s while other jobs loaded the machine.

Why that is still safe: a code is 10 characters from a 31-letter alphabet (about 49.5 bits,
drawn by :mod:`secrets`, not chosen by a person), it is used once and expires (14 days by
default); online guessing is rate-limited per login and address; offline, from a stolen store,
each code is salted and memory-hard to search: at ~2 ms a guess, finding one code takes about
10^12 CPU-seconds on average. A fast keyed hash (HMAC) would not be acceptable: with its key,
every code would fall at once.

Tests may ask for cheap parameters with the ``fast_hashes_for_tests`` setting.
"""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

from scoring.errors import InputError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200

#: argon2id cost of activation codes: (passes, KiB of memory, lanes). See the module's text.
CODE_PARAMETERS = (2, 2048, 1)
#: What tests use for both, when ``fast_hashes_for_tests`` is set.
TEST_PARAMETERS = (1, 64, 1)

#: Letters of activation codes: no 0/O, 1/I/L, so a code read aloud or typed on a phone is
#: unambiguous. 31 letters, 10 of them: about 49.5 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def _argon2(parameters: tuple[int, int, int]) -> PasswordHash:
    passes, memory_kib, lanes = parameters
    return PasswordHash(
        (Argon2Hasher(time_cost=passes, memory_cost=memory_kib, parallelism=lanes),)
    )


@lru_cache(maxsize=4)
def password_hasher(fast_for_tests: bool = False) -> PasswordHash:
    return _argon2(TEST_PARAMETERS) if fast_for_tests else PasswordHash.recommended()


@lru_cache(maxsize=4)
def code_hasher(fast_for_tests: bool = False) -> PasswordHash:
    return _argon2(TEST_PARAMETERS if fast_for_tests else CODE_PARAMETERS)


def verify(hasher: PasswordHash, secret: str, stored: str | None) -> bool:
    """Whether ``secret`` matches ``stored``. With nothing stored, a hash is still computed so
    that an unknown login takes as long to refuse as a wrong password."""
    if stored is None:
        hasher.hash(secret)
        return False
    try:
        return hasher.verify(secret, stored)
    except PwdlibError:
        return False


def check_password(password: str, *, login: str) -> str:
    """The password if it meets the rules, else an :class:`InputError` saying which."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / a password needs at least "
            f"{MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(
            f"密码最多 {MAX_PASSWORD_LENGTH} 个字符 / a password has at most "
            f"{MAX_PASSWORD_LENGTH} characters"
        )
    if password.strip() != password:
        raise InputError("密码首尾不能有空格 / a password cannot begin or end with a space")
    if password.casefold() == login.casefold():
        raise InputError("密码不能与账号相同 / the password cannot be the login")
    return password


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """``ABCDE-FGHJK``: easier to read aloud and type."""
    return f"{code[:5]}-{code[5:]}"


def clean_code(typed: str) -> str:
    """What the installer typed, as stored: full-width forgiven, case and dashes ignored."""
    text = unicodedata.normalize("NFKC", typed).upper()
    return "".join(ch for ch in text if ch.isalnum())
