"""The service-levels service and ``scoring sla``: rights, scope, files, audit; both stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.importer import import_paths
from scoring.services import service_levels
from scoring.services.access import Caller, Forbidden, Role
from scoring.store import Store
from scoring.store import audit as store_audit
from tests import inputs
from tests.test_evaluate_builders import calendar

ZONE = ZoneInfo("Asia/Shanghai")
AS_OF = dt.date(2025, 10, 31)
runner = CliRunner()


def imported(store: Store, tmp_path: Path) -> Store:
    import_paths(
        store, [inputs.write(tmp_path / "in")], actor="hr", zone=ZONE, rejects_dir=tmp_path / "r"
    )
    return store


def rows(store: Store, caller: Caller) -> list[tuple[str, str, str | None, str]]:
    levels = service_levels.evaluate(
        store, caller=caller, period="2025-10", as_of=AS_OF, zone=ZONE, calendar=calendar()
    )
    return [
        (r["check"], r["record_id"], r["team_id"], r["status"]) for r in levels.checks.to_dicts()
    ]


def test_the_local_administrator_sees_every_check(store: Store, tmp_path: Path) -> None:
    assert rows(imported(store, tmp_path), Caller.local("hr")) == [
        ("revisit", "J1", "T1", "met"),
        ("revisit", "J1", "T2", "met"),
        ("revisit", "J2", "T3", "pending"),
        ("complaint_callback", "C1", "T3", "breached"),
    ]


def test_a_dealer_sees_its_teams_only_and_an_installer_nothing(
    store: Store, tmp_path: Path
) -> None:
    imported(store, tmp_path)
    dealer = Caller("d2", Role.DEALER, dealer_ids=frozenset({"D2"}))
    assert rows(store, dealer) == [
        ("revisit", "J2", "T3", "pending"),
        ("complaint_callback", "C1", "T3", "breached"),
    ]
    nobody = Caller("d9", Role.DEALER, dealer_ids=frozenset({"D9"}))
    assert rows(store, nobody) == []
    operations = Caller("ops", Role.OPERATIONS)
    assert len(rows(store, operations)) == 4
    with pytest.raises(Forbidden):
        rows(store, Caller("i1", Role.INSTALLER, installer_id="I1"))


def test_write_puts_the_files_and_an_audit_entry(store: Store, tmp_path: Path) -> None:
    imported(store, tmp_path)
    levels, files = service_levels.write(
        store,
        caller=Caller.local("hr"),
        period="2025-10",
        as_of=AS_OF,
        zone=ZONE,
        calendar=calendar(),
        out_dir=tmp_path / "out",
    )
    assert files.csv.name == "sla-2025-10.csv" and files.xlsx.exists()
    assert levels.by_team.height == 4
    with store.begin() as conn:
        entries = store_audit.audit_entries(conn, action="sla_export")
    assert [(e["actor"], e["target"]) for e in entries] == [("hr", "2025-10")]


def test_sla_by_command_line(tmp_path: Path) -> None:
    base = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert runner.invoke(app, [*base, "import", str(inputs.write(tmp_path / "in"))]).exit_code == 0
    result = runner.invoke(
        app, [*base, "sla", "2025-10", "--as-of", "2025-10-31", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "D2\tT3\tcomplaint_callback\t0\t1\t0\t0.000" in lines
    assert "D1\tT1\trevisit\t1\t0\t0\t1.000" in lines
    assert (tmp_path / "o" / "sla-2025-10.xlsx").exists()
    assert str(tmp_path / "o" / "sla-2025-10.csv") in result.stdout
    bad = runner.invoke(app, [*base, "sla", "2025-10", "--as-of", "31.10.2025"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr
    bad_period = runner.invoke(app, [*base, "sla", "2025-13"])
    assert bad_period.exit_code == 2 and "YYYY-MM" in bad_period.stderr


def test_a_plan_in_force_without_service_levels_is_one_clear_error(
    store: Store, tmp_path: Path
) -> None:
    from scoring.errors import PlanError
    from scoring.periods import store_plan_file
    from scoring.rules.load import standard_plan_path

    imported(store, tmp_path)
    text = standard_plan_path().read_text(encoding="utf-8")
    bare = tmp_path / "bare.yaml"
    bare.write_text(text[: text.index("\nservice_levels:")] + "\n", encoding="utf-8")
    store_plan_file(store, bare, actor="ops", activate=True)
    with pytest.raises(PlanError, match="declares no service levels"):
        rows(store, Caller.local("hr"))
