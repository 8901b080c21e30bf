"""Settings from the environment, obtained through a function so that tests can override them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from scoring.errors import ScoringError

DEFAULT_DB_FILE = "scoring.db"
ENV_PREFIX = "SCORING_"
#: Settings whose value is never repeated in a message.
_SECRET = frozenset({"secret_key"})


class ConfigError(ScoringError):
    """A setting (an environment variable ``SCORING_*``) cannot be used: a user error."""


class Settings(BaseSettings):
    """设置 / settings. Each can be set by an environment variable ``SCORING_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    db: str | None = Field(
        default=None,
        description="Store URL (sqlite:///path or postgresql://...); default: ./scoring.db",
    )
    timezone: str = Field(default="Asia/Shanghai", description="Local zone of naive timestamps")
    rejects_dir: Path = Field(
        default=Path("rejected"), description="Where rejected rows are written for HR to fix"
    )
    reports_dir: Path = Field(
        default=Path("reports"),
        description="Where the scheduler writes each dealer's monthly report when a period is "
        "closed (a folder per period)",
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

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:  # unknown key, a path, an empty name: all the same to the user
            raise ValueError(
                "未知的时区 / unknown time zone; use an IANA name such as Asia/Shanghai"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of the environment; :class:`ConfigError` naming every variable that is
    wrong (never a traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise config_error(exc) from None


def config_error(exc: ValidationError) -> ConfigError:
    """One message for every invalid setting, each named by its environment variable."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        variable = f"{ENV_PREFIX}{name.upper()}"
        shown = "" if name in _SECRET else f"={str(error.get('input', ''))[:80]!r}"
        reason = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{variable}{shown}: {reason}")
    return ConfigError(
        "配置无效,请改正环境变量 / invalid settings; correct the environment variables:\n  "
        + "\n  ".join(lines)
    )


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
