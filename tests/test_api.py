"""The JSON API: every operation of the command line over HTTP, good paths and bad ones."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scoring.api import create_app
from scoring.rules.load import standard_plan_path
from scoring.services.access import Role
from scoring.settings import Settings
from scoring.store import open_store
from tests import inputs
from tests.auth_helpers import (
    api_token,
    as_user,
    bearer,
    ensure_user,
    make_user,
    page_csrf,
    signed_in,
    token_for,
)

PERIOD = "2025-10"
YUAN = re.compile(r"^-?\d+\.\d{2}$")
#: Requests go as the HR user hr-li (the client's default token); this says so where it matters.
HR: dict[str, str] = {}
HR_LOGIN = "hr-li"


def make_client(url: str, tmp_path: Path, **kwargs: Any) -> TestClient:
    """A client of an application on ``url``, signed in as the HR user hr-li."""
    settings = Settings(rejects_dir=tmp_path / "rejected")
    with open_store(url) as store:
        token = ensure_user(store, Role.HR, login=HR_LOGIN)
    client = TestClient(create_app(settings, store_url=url, refresh="inline"), **kwargs)
    client.headers.update(bearer(token))
    return client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """An application on a fresh SQLite store, started and stopped around the test."""
    with make_client(f"sqlite:///{tmp_path / 'api.db'}", tmp_path) as test_client:
        yield test_client


def _hr_token(url: str) -> str:
    with open_store(url) as store:
        return ensure_user(store, Role.HR, login=HR_LOGIN)


def csv_files(files: dict[str, str] | None = None) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (f"{name}.csv", text.encode("utf-8"), "text/csv"))
        for name, text in (files or inputs.ALL).items()
    ]


def load(client: TestClient, files: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.post("/api/imports", files=csv_files(files), headers=HR)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def plan_text(five_star: str = "20.00", version: int = 2) -> str:
    text = standard_plan_path().read_text(encoding="utf-8")
    text = text.replace('amount: "10.00"', f'amount: "{five_star}"', 1)
    return text.replace("version: 1", f"version: {version}", 1)


def plan_upload(text: str, name: str = "plan.yaml") -> dict[str, tuple[str, bytes, str]]:
    return {"plan": (name, text.encode("utf-8"), "application/yaml")}


def yuan(text: str) -> Decimal:
    assert YUAN.match(text), text
    return Decimal(text)


def no_floats(value: Any, where: str = "") -> None:
    """Money is text: no float anywhere in a JSON body."""
    if isinstance(value, dict):
        for key, item in value.items():
            no_floats(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            no_floats(item, f"{where}[{index}]")
    else:
        assert not isinstance(value, float), f"float at {where}: {value}"


# -- the whole flow on both kinds of store ---------------------------------------------------


def test_import_close_and_statement_flow(store_url: str, tmp_path: Path) -> None:
    with make_client(store_url, tmp_path) as client:
        imported = load(client)
        assert imported["stored"] is True and imported["rejected"] == 0
        assert {f["file"]: f["accepted"] for f in imported["files"]} == {
            "dealers.csv": 2,
            "teams.csv": 3,
            "installers.csv": 3,
            "jobs.csv": 3,
            "surveys.csv": 2,
            "revisits.csv": 1,
            "complaints.csv": 1,
        }

        draft = client.get(f"/api/periods/{PERIOD}/statements/I3")
        assert draft.status_code == 200
        body = draft.json()
        assert body["status"] == "DRAFT"
        assert body["rating"] == "2.667" and body["surveys"] == 1
        assert [(line["rule_id"], line["amount"]) for line in body["lines"]] == [
            ("low_score", "-30.00"),
            ("complaint_upheld", "-50.00"),
        ]
        assert sum(yuan(line["amount"]) for line in body["lines"]) == yuan(body["net"])
        assert body["lines_total"] == body["net"] == "-80.00"
        assert body["lines"][0]["explanation_zh"].startswith("10月14日工单J2")
        assert "low-score deduction" in body["lines"][0]["explanation_en"]

        closed = client.post(f"/api/periods/{PERIOD}/close", headers=HR)
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "CLOSED"
        assert closed.json()["totals"]["net"] == "-70.00"

        again = client.post(f"/api/periods/{PERIOD}/close", headers=HR)
        assert again.status_code == 409
        assert "already closed" in again.json()["error"]
        assert again.json()["problems"] == []
        compute = client.post(f"/api/periods/{PERIOD}/compute")
        assert compute.status_code == 409 and "closed" in compute.json()["error"]

        frozen = client.get(f"/api/periods/{PERIOD}/statements/I3").json()
        assert frozen["status"] == "CLOSED"
        assert frozen["lines"] == body["lines"] and frozen["net"] == body["net"]

        export = client.get(f"/api/periods/{PERIOD}/export")
        assert export.status_code == 200
        assert 'filename="payroll-2025-10.xlsx"' in export.headers["content-disposition"]

        audit = client.get("/api/audit", params={"action": "close"}).json()
        assert [(e["actor"], e["target"]) for e in audit] == [("hr-li", PERIOD)]


# -- imports --------------------------------------------------------------------------------


def test_rejected_rows_answer_422_with_every_problem(client: TestClient) -> None:
    dealers = inputs.DEALERS + "D3,\n,无编号\n"
    response = client.post(
        "/api/imports", files=csv_files({"dealers": dealers, "teams": inputs.TEAMS})
    )
    assert response.status_code == 422
    body = response.json()
    assert body["stored"] is True and body["rejected"] == 2
    files = {f["file"]: f for f in body["files"]}
    assert files["dealers.csv"]["accepted"] == 2 and files["dealers.csv"]["rejected"] == 2
    assert files["dealers.csv"]["rejects_path"].endswith("dealers.rejected.csv")
    assert files["teams.csv"]["accepted"] == 3
    problems = {(p["file"], p["row"], p["column"]) for p in body["problems"]}
    assert problems == {("dealers.csv", 4, "name"), ("dealers.csv", 5, "dealer_id")}
    assert all("required value is missing" in p["reason"] for p in body["problems"])


def test_all_or_nothing_stores_nothing_when_a_row_is_rejected(client: TestClient) -> None:
    bad = {"dealers": inputs.DEALERS + "D3,\n", "teams": inputs.TEAMS}
    response = client.post("/api/imports", files=csv_files(bad), data={"all_or_nothing": "true"})
    assert response.status_code == 422
    body = response.json()
    assert body["stored"] is False and body["batch_id"] is None
    again = client.post("/api/imports", files=csv_files({"dealers": inputs.DEALERS}))
    assert again.status_code == 200
    assert again.json()["files"][0]["accepted"] == 2  # nothing had gone in before


def test_importing_the_same_file_twice_changes_nothing(client: TestClient) -> None:
    load(client)
    second = load(client)
    assert all(f["unchanged"] == f["rows"] and f["accepted"] == 0 for f in second["files"])


def test_import_with_unknown_entity_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/imports", files=[("files", ("export-final.csv", b"a,b\n1,2\n", "text/csv"))]
    )
    assert response.status_code == 400
    body = response.json()
    assert "export-final.csv" in body["error"] and "scoring-upload" not in body["error"]


def test_import_entity_given_explicitly(client: TestClient) -> None:
    response = client.post(
        "/api/imports",
        files=[("files", ("经销商清单.csv", inputs.DEALERS.encode(), "text/csv"))],
        data={"entity": "dealers"},
    )
    assert response.status_code == 200
    assert response.json()["files"][0] == {
        "file": "经销商清单.csv",
        "entity": "dealers",
        "rows": 2,
        "accepted": 2,
        "replaced": 0,
        "unchanged": 0,
        "rejected": 0,
        "rejects_path": None,
    }


def test_import_without_files_is_400(client: TestClient) -> None:
    response = client.post("/api/imports", data={"entity": "dealers"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("请求无效")
    assert response.json()["problems"][0]["column"] == "body.files"


def test_uploaded_names_lose_their_folders(client: TestClient) -> None:
    response = client.post(
        "/api/imports",
        files=[("files", ("../../etc/dealers.csv", inputs.DEALERS.encode(), "text/csv"))],
    )
    assert response.status_code == 200
    assert response.json()["files"][0]["file"] == "dealers.csv"


def test_xlsx_upload_with_a_chinese_name(client: TestClient) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["经销商编号", "经销商名称"], ["D1", "华东家电"], ["D2", "南方家居"]):
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client.post(
        "/api/imports", files=[("files", ("经销商.xlsx", data.getvalue(), xlsx))]
    )
    assert response.status_code == 200, response.text
    report = response.json()["files"][0]
    assert (report["file"], report["entity"], report["accepted"]) == ("经销商.xlsx", "dealers", 2)


def test_an_unreadable_xlsx_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/imports", files=[("files", ("surveys.xlsx", b"not a workbook", "application/zip"))]
    )
    assert response.status_code == 400
    assert "surveys.xlsx" in response.text and "scoring-upload" not in response.text


# -- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2025-13", "2025-1", "abc", "2025-10-01"])
def test_a_malformed_period_is_400(client: TestClient, period: str) -> None:
    for response in (
        client.get(f"/api/periods/{period}/statements"),
        client.post(f"/api/periods/{period}/compute"),
        client.post(f"/api/periods/{period}/close"),
        client.get(f"/api/periods/{period}/ranking"),
    ):
        assert response.status_code == 400, response.text
        assert "YYYY-MM" in response.json()["error"]


def test_compute_returns_a_draft_and_records_it(client: TestClient) -> None:
    load(client)
    response = client.post(f"/api/periods/{PERIOD}/compute", headers=HR)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "DRAFT" and body["plan"] == "standard v1"
    assert body["total_statements"] == 3
    assert [s["installer_id"] for s in body["statements"]] == ["I1", "I2", "I3"]
    assert body["totals"] == {
        "installers": 3,
        "bonus": "10.00",
        "deduction_before_cap": "80.00",
        "deduction_waived_by_cap": "0.00",
        "deduction": "80.00",
        "grievance_allowance": "0.00",
        "prior_period_adjustment": "0.00",
        "manual_adjustment": "0.00",
        "net": "-70.00",
    }
    no_floats(body)
    audit = client.get("/api/audit", params={"action": "compute"}).json()
    assert audit[0]["actor"] == "hr-li" and audit[0]["target"] == PERIOD


def test_compute_with_an_uploaded_plan(client: TestClient) -> None:
    load(client)
    response = client.post(f"/api/periods/{PERIOD}/compute", files=plan_upload(plan_text()))
    assert response.status_code == 200, response.text
    assert response.json()["plan"] == "standard v2"
    assert response.json()["totals"]["bonus"] == "20.00"


def test_compute_with_an_invalid_plan_is_400_with_places(client: TestClient) -> None:
    load(client)
    bad = plan_text().replace("kind: bonus", "kind: bonsu", 1)
    response = client.post(
        f"/api/periods/{PERIOD}/compute", files=plan_upload(bad, "new-plan.yaml")
    )
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert problems and all(p["file"] == "new-plan.yaml" for p in problems)
    assert [(p["line"], p["col"]) for p in problems] == [(32, 11)]
    assert "did you mean 'bonus'" in problems[0]["reason"]


def test_statements_pages_and_money_as_text(client: TestClient) -> None:
    load(client)
    body = client.get(f"/api/periods/{PERIOD}/statements", params={"offset": 1, "limit": 1})
    assert body.status_code == 200
    page = body.json()
    assert page["total_statements"] == 3 and page["offset"] == 1
    assert [s["installer_id"] for s in page["statements"]] == ["I2"]
    statement = page["statements"][0]
    for name in ("bonus", "deduction", "net", "manual_adjustment", "deduction_waived_by_cap"):
        yuan(statement[name])
    assert statement["bonus"] == "4.00" and statement["grade"] == "unrated"
    assert page["totals"]["net"] == "-70.00"  # totals are of the whole period


def test_unknown_installer_is_404_and_a_quiet_month_is_zeros(client: TestClient) -> None:
    load(client)
    missing = client.get(f"/api/periods/{PERIOD}/statements/NOBODY")
    assert missing.status_code == 404 and "NOBODY" in missing.json()["error"]
    not_yet = client.get("/api/periods/2025-11/statements/I1")
    assert not_yet.status_code == 409 and "not been computed" in not_yet.json()["error"]
    assert client.post("/api/periods/2025-11/compute", headers=HR).status_code == 200
    quiet = client.get("/api/periods/2025-11/statements/I1")
    assert quiet.status_code == 200
    body = quiet.json()
    assert body["lines"] == [] and body["net"] == "0.00" and body["lines_total"] == "0.00"
    assert body["name"] == "张伟" and body["team_name"] == "自有一队" and body["rating"] is None


def test_ranking_lists_teams_per_dealer(client: TestClient) -> None:
    load(client)
    response = client.get(f"/api/periods/{PERIOD}/ranking")
    assert response.status_code == 200
    body = response.json()
    no_floats(body)
    dealers = {d["dealer_id"]: d for d in body["dealers"]}
    assert [(t["team_id"], t["rank"]) for t in dealers["D1"]["teams"]] == [("T1", 1), ("T2", 2)]
    first = dealers["D1"]["teams"][0]
    assert first["rating"] == "5.000" and first["surveys"] == 1
    assert first["figures"]["wilson_lower"] == "0.2065"
    assert dealers["D2"]["dealer_name"] == "南方家居"


def test_export_xlsx_and_csv_of_an_open_period_say_draft(client: TestClient) -> None:
    load(client)
    xlsx = client.get(f"/api/periods/{PERIOD}/export", params={"headings": "zh"})
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="payroll-2025-10-DRAFT.xlsx"' in xlsx.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as workbook:
        assert "xl/workbook.xml" in workbook.namelist()
    csv = client.get(f"/api/periods/{PERIOD}/export.csv")
    assert csv.status_code == 200
    assert 'filename="payroll-2025-10-DRAFT.csv"' in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeffperiod,installer_id,name")
    assert "I3,王强" in text


def test_export_with_unknown_headings_is_400(client: TestClient) -> None:
    response = client.get(f"/api/periods/{PERIOD}/export", params={"headings": "fr"})
    assert response.status_code == 400
    assert [p["column"] for p in response.json()["problems"]] == ["query.headings"]


def test_simulate_compares_per_installer_and_in_total(client: TestClient) -> None:
    load(client)
    response = client.post(f"/api/periods/{PERIOD}/simulate", files=plan_upload(plan_text()))
    assert response.status_code == 200, response.text
    body = response.json()
    no_floats(body)
    assert body["total_now"] == "-70.00" and body["total_simulated"] == "-60.00"
    assert body["total_change"] == "10.00" and body["installers_changed"] == 2
    rows = {r["installer_id"]: r for r in body["installers"]}
    assert rows["I1"]["bonus_now"] == "6.00" and rows["I1"]["bonus_simulated"] == "12.00"
    assert rows["I3"]["change"] == "0.00"
    # nothing changed: the plan in force still pays the same
    assert client.get(f"/api/periods/{PERIOD}/statements/I1").json()["bonus"] == "6.00"


def test_simulate_needs_a_plan(client: TestClient) -> None:
    response = client.post(f"/api/periods/{PERIOD}/simulate")
    assert response.status_code == 400
    assert response.json()["problems"][0]["column"] == "body.plan"


# -- plans ----------------------------------------------------------------------------------


def operations_users(client: TestClient, *logins: str) -> list[dict[str, str]]:
    """Operations users in the app's store and their bearer headers (tokens straight from the
    services: no request, so no draft refresh is triggered)."""
    store = client.app.state.services.store  # type: ignore[attr-defined]
    for login in logins:
        make_user(store, Role.OPERATIONS, login=login)
    return [bearer(token_for(store, login)) for login in logins]


def test_plan_check_valid_and_invalid(client: TestClient) -> None:
    (ops,) = operations_users(client, "ops1")
    good = client.post("/api/plans/check", files=plan_upload(plan_text(), "mine.yaml"), headers=ops)
    assert good.status_code == 200
    assert good.json() == {
        "file": "mine.yaml",
        "valid": True,
        "plan_id": "standard",
        "version": "2",
        "problems": [],
    }
    broken = plan_text().replace("kind: bonus", "kind: bonsu", 1).replace('"30.00"', '"3.001"')
    bad = client.post("/api/plans/check", files=plan_upload(broken, "mine.yaml"), headers=ops)
    assert bad.status_code == 422
    body = bad.json()
    assert body["valid"] is False and len(body["problems"]) >= 2
    for problem in body["problems"]:
        assert problem["file"] == "mine.yaml"
        assert isinstance(problem["line"], int) and isinstance(problem["col"], int)
    assert [p["line"] for p in body["problems"]] == sorted(p["line"] for p in body["problems"])


def test_plan_check_of_yaml_garbage(client: TestClient) -> None:
    (ops,) = operations_users(client, "ops1")
    bad = client.post(
        "/api/plans/check", files=plan_upload("id: [unclosed\n", "x.yaml"), headers=ops
    )
    assert bad.status_code == 422 and bad.json()["problems"]


def test_plans_propose_approve_and_list(client: TestClient) -> None:
    ops1, ops2 = operations_users(client, "ops1", "ops2")
    assert client.get("/api/plans", headers=ops1).json() == []
    note = {"note": "五星奖励提高到 20 元"}
    proposed = client.post(
        "/api/plans/proposals", files=plan_upload(plan_text()), data=note, headers=ops1
    )
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["plan_id"] == "standard" and proposed.json()["version"] == "2"
    number = proposed.json()["proposal_id"]
    alone = client.post(f"/api/plans/proposals/{number}/approve", headers=ops1)
    assert alone.status_code == 403  # a second person approves
    response = client.post(f"/api/plans/proposals/{number}/approve", headers=ops2)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    listed = client.get("/api/plans", headers=ops1).json()
    assert ("standard", "2", True) in [(p["plan_id"], p["version"], p["active"]) for p in listed]
    # the same version with other content is refused
    other = client.post(
        "/api/plans/proposals", files=plan_upload(plan_text("15.00")), data=note, headers=ops1
    )
    assert other.status_code == 409 and "raise the version" in other.json()["error"]
    invalid = client.post(
        "/api/plans/proposals", files=plan_upload("id: x\n", "bad.yaml"), data=note, headers=ops1
    )
    assert invalid.status_code == 400 and invalid.json()["problems"]
    assert "scoring-upload" not in invalid.text
    load(client)
    computed = client.post(f"/api/periods/{PERIOD}/compute").json()
    assert computed["plan"] == "standard v2" and computed["totals"]["bonus"] == "20.00"


# -- manual adjustments ---------------------------------------------------------------------


def test_manual_adjustment_is_a_line_of_the_statement(client: TestClient) -> None:
    load(client)
    response = client.post(
        f"/api/periods/{PERIOD}/adjustments",
        json={"installer_id": "I1", "amount": "12.50", "reason": "补发路费"},
        headers=HR,
    )
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == "12.50" and response.json()["author"] == "hr-li"
    statement = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert statement["manual_adjustment"] == "12.50" and statement["net"] == "18.50"
    assert sum(yuan(line["amount"]) for line in statement["lines"]) == yuan(statement["net"])
    assert "manual" in {line["kind"] for line in statement["lines"]}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"installer_id": "I1", "amount": "1.234", "reason": "x"}, 400),
        ({"installer_id": "I1", "amount": "abc", "reason": "x"}, 400),
        ({"installer_id": "I1", "amount": "5", "reason": "  "}, 400),
        ({"installer_id": "NOBODY", "amount": "5", "reason": "x"}, 404),
        ({"installer_id": "I1", "reason": "x"}, 400),
    ],
)
def test_bad_adjustments(client: TestClient, body: dict[str, str], status: int) -> None:
    load(client)
    response = client.post(f"/api/periods/{PERIOD}/adjustments", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_no_adjustment_in_a_closed_period(client: TestClient) -> None:
    load(client)
    client.post(f"/api/periods/{PERIOD}/close")
    response = client.post(
        f"/api/periods/{PERIOD}/adjustments",
        json={"installer_id": "I1", "amount": "5", "reason": "x"},
    )
    assert response.status_code == 409 and "closed" in response.json()["error"]


# -- disputes -------------------------------------------------------------------------------


def open_dispute(client: TestClient, **changes: str) -> Any:
    body = {
        "period": PERIOD,
        "installer_id": "I3",
        "target_kind": "line",
        "target_id": "low_score:S2",
        "comment": "客户打错分了",
        **changes,
    }
    installer = as_user(client, Role.INSTALLER, "I3", installer_id="I3")
    return client.post("/api/disputes", json=body, headers=installer)


def test_dispute_accept_flow(client: TestClient) -> None:
    load(client)
    opened = open_dispute(client)
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    assert dispute["status"] == "open" and dispute["overdue"] is False
    assert dispute["respond_by"] > dispute["opened_at"]
    number = dispute["dispute_id"]

    listed = client.get("/api/disputes", params={"status": "open"}).json()
    assert [d["dispute_id"] for d in listed] == [number]
    assert client.get("/api/disputes", params={"installer_id": "I1"}).json() == []

    accepted = client.post(
        f"/api/disputes/{number}/accept",
        json={"amount": "30.00", "reason": "回访录音证实"},
        headers=HR,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["amount"] == "30.00"

    shown = client.get(f"/api/disputes/{number}").json()
    assert [(e["action"], e["actor"]) for e in shown["events"]] == [
        ("open", "I3"),
        ("accept", "hr-li"),
    ]
    statement = client.get(f"/api/periods/{PERIOD}/statements/I3").json()
    assert statement["manual_adjustment"] == "30.00" and statement["net"] == "-50.00"
    assert sum(yuan(line["amount"]) for line in statement["lines"]) == yuan(statement["net"])

    twice = client.post(f"/api/disputes/{number}/reject", json={"reason": "no"})
    assert twice.status_code == 409 and "already" in twice.json()["error"]


def test_dispute_reject_and_bad_requests(client: TestClient) -> None:
    load(client)
    number = open_dispute(client).json()["dispute_id"]
    empty = client.post(f"/api/disputes/{number}/reject", json={"reason": " "})
    assert empty.status_code == 400
    rejected = client.post(f"/api/disputes/{number}/reject", json={"reason": "证据不足"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["resolution"] == "证据不足" and rejected.json()["amount"] is None

    assert client.get("/api/disputes/999").status_code == 404
    assert (
        client.post("/api/disputes/999/accept", json={"amount": "1", "reason": "x"})
        .json()["error"]
        .endswith("#999")
    )
    assert client.post("/api/disputes/999/reject", json={"reason": "x"}).status_code == 404
    assert open_dispute(client, target_kind="weather").status_code == 400
    assert open_dispute(client, comment="").status_code == 400
    assert open_dispute(client, installer_id="NOBODY").status_code == 404
    assert open_dispute(client, period="2025-99").status_code == 400
    assert client.get("/api/disputes", params={"status": "maybe"}).status_code == 400


def test_accepting_into_a_closed_period_is_409(client: TestClient) -> None:
    load(client)
    number = open_dispute(client).json()["dispute_id"]
    client.post(f"/api/periods/{PERIOD}/close")
    closed = client.post(f"/api/disputes/{number}/accept", json={"amount": "30", "reason": "ok"})
    assert closed.status_code == 409
    paid_later = client.post(
        f"/api/disputes/{number}/accept",
        json={"amount": "30", "reason": "ok", "period": "2025-11"},
    )
    assert paid_later.status_code == 200
    november = client.get("/api/periods/2025-11/statements/I3").json()
    assert november["manual_adjustment"] == "30.00"


# -- audit and errors -----------------------------------------------------------------------


def test_audit_names_who_did_what(client: TestClient) -> None:
    load(client)
    entries = client.get("/api/audit", params={"limit": 5}).json()
    assert entries and len(entries) <= 5
    # HR's import, and the drafts the service computed after it, under "system".
    assert {e["actor"] for e in entries} <= {"hr-li", "system"}
    mine = client.get("/api/audit", params={"actor": "hr-li"}).json()
    # The signed-in login: its sign-in (the test's token) and its import.
    assert mine and {e["action"] for e in mine} == {"signin", "import"}
    assert entries[0]["at"].endswith("+08:00")
    assert client.get("/api/audit", params={"limit": 0}).status_code == 400


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json()["error"]


def test_a_bug_is_500_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("scoring.services.plans.store_plans.list_plans", broken)
    url = f"sqlite:///{tmp_path / 'bug.db'}"
    with make_client(url, tmp_path, raise_server_exceptions=False) as client:
        (ops,) = operations_users(client, "ops1")
        response = client.get("/api/plans", headers=ops)
    assert response.status_code == 500
    assert response.json() == {
        "error": "内部错误,已记录日志 / internal error; it has been logged",
        "problems": [],
    }


def test_openapi_lists_the_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for expected in (
        "/api/imports",
        "/api/periods/{period}/compute",
        "/api/periods/{period}/close",
        "/api/periods/{period}/export",
        "/api/periods/{period}/export.csv",
        "/api/periods/{period}/statements",
        "/api/periods/{period}/statements/{installer_id}",
        "/api/periods/{period}/ranking",
        "/api/periods/{period}/simulate",
        "/api/periods/{period}/adjustments",
        "/api/plans",
        "/api/plans/check",
        "/api/plans/activate",
        "/api/disputes",
        "/api/disputes/{dispute_id}",
        "/api/disputes/{dispute_id}/accept",
        "/api/disputes/{dispute_id}/reject",
        "/api/audit",
    ):
        assert expected in paths
    assert "/me/{installer_id}" not in paths


# -- drafts kept for reading ----------------------------------------------------------------


def test_reads_of_an_open_period_never_compute_and_changes_make_a_new_draft(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoring.services import drafts

    load(client)
    loads: list[str] = []
    real = drafts.Context.load

    def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append("load")
        return real(*args, **kwargs)

    monkeypatch.setattr(drafts.Context, "load", counted)
    first = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert first["status"] == "DRAFT" and first["stale"] is False
    assert client.get(f"/api/periods/{PERIOD}/statements/I1").json() == first
    assert client.get(f"/api/periods/{PERIOD}/ranking").status_code == 200
    assert loads == []  # reads never compute

    # A manual adjustment: a new draft, computed once after the change.
    client.post(
        f"/api/periods/{PERIOD}/adjustments",
        json={"installer_id": "I1", "amount": "12.50", "reason": "补发路费"},
        headers=HR,
    )
    adjusted = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert len(loads) == 1 and adjusted["manual_adjustment"] == "12.50"

    # An import that changes a record: a new draft (S2 no longer a low score).
    surveys = inputs.SURVEYS.replace(
        "S2,J2,2025-10-14T10:00:00,sms,非常不满意", "S2,J2,2025-10-14T10:00:00,sms,5"
    )
    load(client, {"surveys": surveys})
    changed = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert len(loads) == 2 and changed != adjusted

    # A plan put in force for the period (proposed, approved by a second person): a new draft.
    ops1, ops2 = operations_users(client, "ops1", "ops2")
    proposed = client.post(
        "/api/plans/proposals",
        files=plan_upload(plan_text("20.00")),
        data={"note": "五星奖励提高"},
        headers=ops1,
    )
    assert proposed.status_code == 201 and len(loads) == 2  # not in force yet: no new draft
    number = proposed.json()["proposal_id"]
    approved = client.post(f"/api/plans/proposals/{number}/approve", headers=ops2)
    assert approved.status_code == 200, approved.text
    replanned = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert len(loads) == 3 and replanned["bonus"] != changed["bonus"]
    assert client.get(f"/api/periods/{PERIOD}/statements/I1").json() == replanned

    # An earlier period closed (its corrections and carried deductions feed this one):
    # the close computes September, then the draft of October is computed again.
    assert client.post("/api/periods/2025-09/close", headers=HR).status_code == 200
    assert len(loads) == 5
    again = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert {k: v for k, v in again.items() if k != "stale"} == {
        k: v for k, v in replanned.items() if k != "stale"
    }

    # Closed: the frozen result; reading it computes nothing.
    assert client.post(f"/api/periods/{PERIOD}/close", headers=HR).status_code == 200
    before_reads = len(loads)
    closed = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert closed["net"] == replanned["net"] and closed["status"] == "CLOSED"
    assert len(loads) == before_reads


def test_a_stale_draft_is_served_and_said_to_be_stale(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'stale.db'}"
    settings = Settings(rejects_dir=tmp_path / "rejected")
    with make_client(url, tmp_path) as client:
        load(client)
        before = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    # A change made where no refresher runs (the command line, another server).
    with open_store(url) as store, store.begin() as conn:
        from scoring.store.adjustments import add_manual

        add_manual(conn, period=PERIOD, installer_id="I1", amount_fen=500, reason="x", author="hr")
    off = TestClient(create_app(settings, store_url=url, refresh="off"))
    with off as client:
        client.headers.update(bearer(_hr_token(url)))
        after = client.get(f"/api/periods/{PERIOD}/statements/I1").json()
    assert after["stale"] is True and after["net"] == before["net"]


class _CountingRefresher:
    """Stands in for the draft refresher and counts how often it is woken."""

    def __init__(self) -> None:
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1


def test_signing_in_does_not_wake_the_draft_refresher(tmp_path: Path) -> None:
    # On the national month a refresh is a compute of several GB: signing in, out, or
    # changing a password must not start one; a change of pay inputs must.
    url = f"sqlite:///{tmp_path / 'quiet.db'}"
    with make_client(url, tmp_path) as client:
        load(client)
        counting = _CountingRefresher()
        state = client.app.state  # type: ignore[attr-defined]
        state.services = dataclasses.replace(state.services, refresher=counting)
        api_token(client, HR_LOGIN)
        pages = TestClient(client.app)
        signed_in(pages, HR_LOGIN)
        pages.post("/logout", data={"csrf_token": page_csrf(pages)}, follow_redirects=False)
        assert counting.kicks == 0
        added = client.post(
            f"/api/periods/{PERIOD}/adjustments",
            json={"installer_id": "I1", "amount": "5.00", "reason": "补发"},
        )
        assert added.status_code == 201, added.text
        assert counting.kicks == 1
