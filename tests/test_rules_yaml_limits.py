"""Plans whose YAML would never finish building (issue 16): a recursive alias, a "billion
laughs" of nested aliases and a deeply nested document are refused at once with the reason,
by the check, the command line and the API; a few aliases stay allowed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scoring.api import create_app
from scoring.cli import app
from scoring.rules.load import check_bytes, standard_plan_path
from scoring.rules.yamlloc import MAX_NODES, RECURSIVE, TOO_DEEP, TOO_MANY
from scoring.services.access import Role
from scoring.settings import Settings
from scoring.store import open_store
from tests.auth_helpers import bearer, ensure_user

RECURSIVE_PLAN = "id: &x [*x]\n"


def laughs(levels: int = 9) -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        before, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{before}"] * 9) + "]")
    return "\n".join(lines) + "\n"


DEEP_PLAN = "id: " + "[" * 3000 + "]" * 3000 + "\n"


@pytest.mark.parametrize(
    ("text", "reason"),
    [(RECURSIVE_PLAN, RECURSIVE), (laughs(), TOO_MANY), (DEEP_PLAN, TOO_DEEP)],
    ids=["recursive", "laughs", "deep"],
)
def test_the_check_refuses_at_once_with_the_reason(text: str, reason: str) -> None:
    started = time.perf_counter()
    plan, problems = check_bytes(text.encode(), "plan.yaml")
    assert plan is None
    assert [p.reason for p in problems] == [reason]
    assert problems[0].line is not None
    assert time.perf_counter() - started < 5  # it took 25 s of CPU before (or never ended)


def test_the_messages_say_what_to_do_in_both_languages() -> None:
    assert RECURSIVE.startswith("别名") and "recursive alias" in RECURSIVE
    assert f"{MAX_NODES:,}" in TOO_MANY and "fewer aliases" in TOO_MANY


def test_a_few_aliases_are_still_allowed() -> None:
    text = standard_plan_path().read_text(encoding="utf-8")
    text = text.replace(
        "  late_after_minutes: 30", "  late_after_minutes: &late 30\n  grace_minutes: *late", 1
    )
    text = text.replace("survey_window_days: 30", "survey_window_days: *late", 1)
    plan, problems = check_bytes(text.encode(), "plan.yaml")
    assert problems == [] and plan is not None
    assert plan.counting.survey_window_days == 30


@pytest.mark.parametrize("text", [RECURSIVE_PLAN, laughs()], ids=["recursive", "laughs"])
def test_the_command_line_reports_a_user_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert "alias" in result.output


@pytest.mark.parametrize("text", [RECURSIVE_PLAN, laughs()], ids=["recursive", "laughs"])
def test_the_api_answers_with_the_reason_never_500(tmp_path: Path, text: str) -> None:
    settings = Settings(rejects_dir=tmp_path / "rejected")
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store:
        hr = bearer(ensure_user(store, Role.HR, login="hr-li"))
    application = create_app(settings, store_url=url, refresh="off")
    upload = {"plan": ("plan.yaml", text.encode(), "application/yaml")}
    with TestClient(application, raise_server_exceptions=False) as client:
        checked = client.post("/api/plans/check", files=upload, headers=hr)
        proposed = client.post(
            "/api/plans/proposals", files=upload, data={"note": "试一试"}, headers=hr
        )
        computed = client.post("/api/periods/2025-10/compute", files=upload, headers=hr)
    assert checked.status_code == 422 and "alias" in checked.text
    assert proposed.status_code == 400 and "alias" in proposed.text
    assert computed.status_code == 400 and "alias" in computed.text
