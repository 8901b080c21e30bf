"""Settings from the environment, obtained through a function so that tests can override them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_FILE = "scoring.db"


class Settings(BaseSettings):
    """设置 / settings. Each can be set by an environment variable ``SCORING_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore")

    db: str | None = Field(
        default=None,
        description="Store URL (sqlite:///path or postgresql://...); default: ./scoring.db",
    )
    timezone: str = Field(default="Asia/Shanghai", description="Local zone of naive timestamps")
    rejects_dir: Path = Field(
        default=Path("rejected"), description="Where rejected rows are written for HR to fix"
    )
    calendar_dir: Path | None = Field(
        default=None, description="Folder of official calendar years (YYYY.json) to add"
    )
    user: str | None = Field(default=None, description="Who acts, for the audit log")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs tokens and sessions (at least 32 characters); unset: one is "
        "generated on first use and kept in the store",
    )
    token_minutes: int = Field(
        default=60, ge=1, description="How long a bearer token of the API is valid"
    )
    session_minutes: int = Field(
        default=480, ge=1, description="How long a signed-in session of the pages is valid"
    )
    signin_window_minutes: int = Field(
        default=15, ge=1, description="Window over which failed sign-ins are counted"
    )
    signin_failures_per_login: int = Field(
        default=5, ge=1, description="Failed sign-ins of one login within the window before refusal"
    )
    signin_failures_per_address: int = Field(
        default=30,
        ge=1,
        description="Failed sign-ins from one address within the window before refusal "
        "(higher than per login: many installers share a mobile carrier's address)",
    )
    max_body_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Largest request body the web service reads (JSON, forms, plan files); "
        "a larger one is refused with 413 before it is read",
    )
    max_upload_bytes: int = Field(
        default=512 << 20,
        ge=1024,
        description="Largest upload of data files to POST /api/imports (all files together)",
    )
    fast_hashes_for_tests: bool = Field(
        default=False,
        description="TESTS ONLY: cheap argon2 parameters so that a test suite stays fast; never "
        "set it in production (the default is the library's recommended cost)",
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def db_url(explicit: str | None = None, settings: Settings | None = None) -> str:
    """The store URL: ``--db``, else ``SCORING_DB``, else an embedded file in the current folder."""
    if explicit:
        return normalise_url(explicit)
    configured = (settings or get_settings()).db
    if configured:
        return normalise_url(configured)
    return f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain file paths as well as SQLAlchemy URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    return url
