"""Invalid settings are user errors (issue 16): one clear message naming each environment
variable, exit 2 on the command line, never an internal error (exit 70)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from scoring.cli import app
from scoring.settings import ConfigError, Settings, config_error, get_settings
from scoring.store import open_store
from tests import inputs


def test_an_unknown_time_zone_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORING_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("SCORING_TOKEN_MINUTES", "abc")
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as caught:
        get_settings()
    message = caught.value.message
    assert message.startswith("配置无效")
    assert "SCORING_TIMEZONE='Mars/Olympus': 未知的时区 / unknown time zone" in message
    assert "SCORING_TOKEN_MINUTES='abc'" in message


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "Asia/Shanghai/"])
def test_a_zone_is_checked_when_the_settings_are_made(zone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(timezone=zone)


def test_a_secret_is_never_repeated() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({"secret_key": 12345678, "timezone": "Nowhere/At_All"})
    message = config_error(caught.value).message
    assert "SCORING_TIMEZONE='Nowhere/At_All'" in message and "SCORING_SECRET_KEY:" in message
    assert "12345678" not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SCORING_TIMEZONE", "Mars/Olympus"), ("SCORING_SESSION_MINUTES", "0")],
)
@pytest.mark.parametrize("command", [["compute", "2025-10"], ["import", "in"], ["serve"]])
def test_the_command_line_exits_2_with_the_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    command: list[str],
) -> None:
    def never(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the server started with invalid settings")

    monkeypatch.setattr("uvicorn.run", never)
    monkeypatch.chdir(tmp_path)
    inputs.write(tmp_path / "in")
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 's.db'}", *command])
    assert result.exit_code == 2, result.output
    assert variable in result.output and "internal error" not in result.output


def test_a_rejects_folder_that_cannot_be_written_stores_nothing(tmp_path: Path) -> None:
    folder = inputs.write(tmp_path / "in")
    (folder / "surveys.csv").write_text(inputs.SURVEYS + "S9,J1,not a time,phone,5,5,true,\n")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = CliRunner().invoke(
        app, ["--db", url, "import", str(folder), "--rejects-dir", str(blocked / "rejected")]
    )
    assert result.exit_code == 2, result.output
    assert "rejected rows" in result.output and "internal error" not in result.output
    with open_store(url) as store, store.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM import_batches").scalar() == 0
