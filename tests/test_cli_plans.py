"""``scoring plan propose|approve|reject|list-proposals|activate``: thin over the services."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scoring.cli import app
from scoring.store import open_store
from scoring.store.audit import AuditFilter, audit_entries
from tests.plan_helpers import plan_text

runner = CliRunner()


def db(tmp_path: Path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


def test_propose_and_approve_by_two_people(tmp_path: Path) -> None:
    base = db(tmp_path)
    plan = tmp_path / "v2.yaml"
    plan.write_text(plan_text(), encoding="utf-8")
    proposed = runner.invoke(
        app, [*base, "plan", "propose", str(plan), "--note", "五星奖励提高", "--user", "ops-wang"]
    )
    assert proposed.exit_code == 0, proposed.output
    assert "#1" in proposed.stdout and "standard v2" in proposed.stdout
    alone = runner.invoke(app, [*base, "plan", "approve", "1", "--user", "ops-wang"])
    assert alone.exit_code == 2 and "someone other than its proposer" in alone.stderr
    assert "Traceback" not in alone.output
    approved = runner.invoke(app, [*base, "plan", "approve", "1", "--user", "hr-li"])
    assert approved.exit_code == 0, approved.output
    assert "approved" in approved.stdout
    listed = runner.invoke(app, [*base, "plan", "list-proposals", "--status", "approved"])
    assert listed.exit_code == 0 and "standard v2" in listed.stdout and "hr-li" in listed.stdout
    versions = runner.invoke(app, [*base, "plan", "list"])
    assert "2025-01-01" in versions.stdout

    rejected_file = tmp_path / "v3.yaml"
    rejected_file.write_text(plan_text("30.00", version=3), encoding="utf-8")
    runner.invoke(app, [*base, "plan", "propose", str(rejected_file), "--note", "再提高"])
    no_reason = runner.invoke(app, [*base, "plan", "reject", "2", "--reason", " ", "--user", "x"])
    assert no_reason.exit_code == 2 and "reason is required" in no_reason.stderr
    rejected = runner.invoke(app, [*base, "plan", "reject", "2", "--reason", "太高", "--user", "x"])
    assert rejected.exit_code == 0 and "rejected" in rejected.stdout


def test_the_local_administrator_activates_directly_and_the_audit_says_so(
    tmp_path: Path,
) -> None:
    base = db(tmp_path)
    plan = tmp_path / "v2.yaml"
    plan.write_text(plan_text(), encoding="utf-8")
    done = runner.invoke(app, [*base, "plan", "activate", str(plan), "--user", "admin"])
    assert done.exit_code == 0, done.output
    with open_store(f"sqlite:///{tmp_path / 'cli.db'}") as store, store.begin() as conn:
        (entry,) = audit_entries(conn, where=AuditFilter(action="plan_activate"))
    assert entry["actor"] == "admin"
    assert json.loads(entry["detail"]) == {"direct": True, "file": "v2.yaml"}
