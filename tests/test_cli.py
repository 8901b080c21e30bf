"""The command line: every documented command has help, user errors are one clear message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.rules.load import standard_plan_path
from scoring.services import users
from scoring.services.access import Role
from scoring.store import open_store
from tests import inputs

README = Path(__file__).resolve().parents[1] / "README.md"
runner = CliRunner()


def documented_commands() -> list[list[str]]:
    """Every ``scoring …`` command named in the README's tables and examples."""
    text = README.read_text(encoding="utf-8")
    found: set[tuple[str, ...]] = set()
    for match in re.finditer(r"`scoring ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", text):
        words = match.group(1).split()
        found.add(tuple(words))
    return [list(words) for words in sorted(found)]


def test_the_readme_documents_the_contract_commands() -> None:
    commands = {" ".join(c) for c in documented_commands()}
    for needed in (
        "import",
        "compute",
        "close",
        "export",
        "simulate",
        "plan check",
        "demo",
        "serve",
    ):
        assert any(c == needed or c.startswith(needed + " ") for c in commands), needed


@pytest.mark.parametrize("command", documented_commands(), ids=" ".join)
def test_every_documented_command_has_help(command: list[str]) -> None:
    words = list(command)
    result = runner.invoke(app, [*words, "--help"])
    if result.exit_code != 0 and len(words) > 1:
        # "scoring plan check FILE": the second word may be an argument, not a subcommand.
        result = runner.invoke(app, [words[0], "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def db(tmp_path: Path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


def test_import_prints_counts_and_exits_zero(tmp_path: Path) -> None:
    folder = inputs.write(tmp_path / "in")
    result = runner.invoke(app, [*db(tmp_path), "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "jobs" in result.stdout and "surveys.csv" in result.stdout


def test_import_with_rejects_exits_nonzero_and_names_the_place(tmp_path: Path) -> None:
    surveys = inputs.SURVEYS + "S3,J1,2025-10-12T11:00:00,phone,7,,,\n"
    folder = inputs.write(tmp_path / "in", {**inputs.ALL, "surveys": surveys})
    result = runner.invoke(app, [*db(tmp_path), "import", str(folder)])
    assert result.exit_code == 3
    assert "surveys.csv" in result.stderr and "overall" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_a_missing_file_is_one_clear_message(tmp_path: Path) -> None:
    result = runner.invoke(app, [*db(tmp_path), "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_plan_check(tmp_path: Path) -> None:
    good = runner.invoke(app, ["plan", "check", str(standard_plan_path())])
    assert good.exit_code == 0, good.output
    broken = tmp_path / "broken.yaml"
    text = standard_plan_path().read_text(encoding="utf-8")
    broken.write_text(text.replace("overall >= 5", "overal >= 5", 1), encoding="utf-8")
    bad = runner.invoke(app, ["plan", "check", str(broken)])
    assert bad.exit_code == 2
    assert "overal" in bad.stderr and "overall" in bad.stderr
    assert re.search(r"line \d+", bad.stderr)


def test_month_end_by_command_line(tmp_path: Path) -> None:
    base = db(tmp_path)
    assert runner.invoke(app, [*base, "import", str(inputs.write(tmp_path / "in"))]).exit_code == 0
    draft = runner.invoke(app, [*base, "compute", "2025-10"])
    assert draft.exit_code == 0, draft.output
    adjust = runner.invoke(
        app, [*base, "adjust", "2025-10", "I2", "--amount", "-12.50", "--reason", "借支"]
    )
    assert adjust.exit_code == 0, adjust.output
    exported = runner.invoke(app, [*base, "export", "2025-10", "--out", str(tmp_path / "draft")])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "draft" / "payroll-2025-10-DRAFT.xlsx").exists()
    closed = runner.invoke(app, [*base, "close", "2025-10"])
    assert closed.exit_code == 0, closed.output
    again = runner.invoke(app, [*base, "close", "2025-10"])
    assert again.exit_code == 2
    assert "already closed" in again.stderr and "Traceback" not in again.stderr
    final = runner.invoke(app, [*base, "export", "2025-10", "--out", str(tmp_path / "final")])
    assert final.exit_code == 0, final.output
    assert (tmp_path / "final" / "payroll-2025-10.xlsx").exists()
    audit = runner.invoke(app, [*base, "audit"])
    assert audit.exit_code == 0
    for action in ("import", "compute", "adjust", "close"):
        assert action in audit.stdout


def test_disputes_by_command_line(tmp_path: Path) -> None:
    base = db(tmp_path)
    runner.invoke(app, [*base, "import", str(inputs.write(tmp_path / "in"))])
    opened = runner.invoke(
        app,
        [*base, "dispute", "open", "2025-10", "I3", "complaint", "C1", "--comment", "客户无理取闹"],
    )
    assert opened.exit_code == 0, opened.output
    accepted = runner.invoke(
        app,
        [*base, "dispute", "accept", "1", "--amount", "50.00", "--reason", "录音证实客户无理"],
    )
    assert accepted.exit_code == 0, accepted.output
    twice = runner.invoke(app, [*base, "dispute", "reject", "1", "--reason", "x"])
    assert twice.exit_code == 2 and "already" in twice.stderr
    shown = runner.invoke(app, [*base, "dispute", "show", "1"])
    assert "open" in shown.stdout and "accept" in shown.stdout
    draft = runner.invoke(app, [*base, "compute", "2025-10"])
    assert draft.exit_code == 0
    audit = runner.invoke(app, [*base, "audit"])
    for action in ("dispute", "dispute_resolve", "adjust", "plan_activate"):
        assert action in audit.stdout, action


def test_simulate_by_command_line(tmp_path: Path) -> None:
    base = db(tmp_path)
    runner.invoke(app, [*base, "import", str(inputs.write(tmp_path / "in"))])
    richer = tmp_path / "richer.yaml"
    text = standard_plan_path().read_text(encoding="utf-8")
    richer.write_text(text.replace('amount: "10.00"', 'amount: "20.00"', 1), encoding="utf-8")
    result = runner.invoke(app, [*base, "simulate", "2025-10", "--plan", str(richer)])
    assert result.exit_code == 0, result.output
    assert "10.00" in result.stdout  # the total change


def test_demo_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "export" / "payroll-2025-10.xlsx").exists()
    assert "A " in result.stdout and "payroll-2025-10.csv" in result.stdout


def test_the_demo_creates_a_user_of_each_role_who_can_sign_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/login" in result.stdout
    printed = {
        cells[1]: (cells[0], cells[2])
        for line in result.stdout.splitlines()
        if len(cells := line.split("\t")) == 4 and cells[1] in {r.value for r in Role}
    }
    assert set(printed) == {r.value for r in Role}
    with open_store(f"sqlite:///{tmp_path / 'demo' / 'scoring.db'}") as store:
        for role, (login, password) in printed.items():
            caller = users.authenticate(store, login=login, password=password, address="test")
            assert caller.role.value == role
            if caller.role is Role.INSTALLER:
                # The installer has lines to look at, and the dealer user sees that installer.
                assert caller.installer_id == login
    # A second demo run replaces the store and makes new passwords.
    again = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert again.exit_code == 0 and printed["hr"][1] not in again.stdout
