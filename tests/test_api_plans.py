"""The plans API with bearer tokens: check, proposals with a second person, simulation; who may
call what. Both stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from scoring.importer import import_paths
from scoring.money import format_fen
from scoring.period import Period
from scoring.services import periods as period_services
from scoring.services.access import Caller
from scoring.settings import get_settings
from scoring.store import Store
from scoring.store.audit import AuditFilter, audit_entries
from scoring.web import routes_plans
from tests import inputs
from tests.auth_helpers import api_token, bearer
from tests.plan_helpers import line_of, plan_people, plan_text
from tests.test_api import make_client, no_floats

NOTE = "五星好评奖励提高到 20 元"


@dataclass
class Api:
    client: TestClient
    store: Store
    tokens: dict[str, dict[str, str]]

    def as_(self, login: str) -> dict[str, str]:
        if login not in self.tokens:
            self.tokens[login] = bearer(api_token(self.client, login))
        return self.tokens[login]

    def propose(self, login: str, text: str | None = None, **form: str) -> Any:
        return self.client.post(
            "/api/plans/proposals",
            files={"plan": ("standard-v2.yaml", (text or plan_text()).encode(), "text/yaml")},
            data={"note": NOTE, **form},
            headers=self.as_(login),
        )


@pytest.fixture
def api(store_url: str, tmp_path: Path) -> Iterator[Api]:
    with make_client(store_url, tmp_path) as client:
        store: Store = client.app.state.services.store  # type: ignore[attr-defined]
        plan_people(store, tmp_path)
        settings = get_settings()
        import_paths(
            store,
            [inputs.write(tmp_path / "month", inputs.ALL)],
            actor="test",
            zone=settings.zone,
            rejects_dir=settings.rejects_dir,
        )
        yield Api(client, store, {})


def audit_of(store: Store, action: str) -> list[dict[str, Any]]:
    with store.begin() as conn:
        return list(audit_entries(conn, where=AuditFilter(action=action)))


def plan_routes() -> list[tuple[str, str]]:
    """Every route of the plans router (a new one cannot be forgotten)."""
    found = []
    for route in routes_plans.router.routes:
        if isinstance(route, APIRoute):
            assert route.path.startswith("/api/plans")
            for method in sorted(route.methods):
                found.append((method, route.path.replace("{proposal_id}", "1")))
    return found


# -- who may call -----------------------------------------------------------------------------


def test_every_plans_route_needs_a_token_and_a_role_that_may(api: Api) -> None:
    assert api.propose("ops1").status_code == 201
    routes = plan_routes()
    assert ("POST", "/api/plans/proposals/1/approve") in routes
    assert ("POST", "/api/plans/simulate") in routes and len(routes) >= 10
    nobody = TestClient(api.client.app)  # api.client sends HR's token by default
    for method, path in routes:
        anonymous = nobody.request(method, path)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["WWW-Authenticate"] == "Bearer"
        for login in ("dealer1", "I1"):
            refused = api.client.request(method, path, headers=api.as_(login))
            assert refused.status_code == 403, (method, path, login)
            assert set(refused.json()) == {"error", "problems"}  # and nothing else
            assert "standard" not in refused.text
    # The proposal is untouched.
    one = api.client.get("/api/plans/proposals/1", headers=api.as_("hr1"))
    assert one.json()["status"] == "proposed"


def test_one_web_user_can_no_longer_activate_a_plan_alone(api: Api) -> None:
    before = api.client.get("/api/plans", headers=api.as_("hr1")).json()
    gone = api.client.post(
        "/api/plans/activate",
        files={"plan": ("plan.yaml", plan_text().encode(), "text/yaml")},
        headers=api.as_("hr1"),
    )
    assert gone.status_code == 410
    assert "/api/plans/proposals" in gone.json()["error"]
    assert api.client.get("/api/plans", headers=api.as_("hr1")).json() == before
    assert "standard v2" not in {e["target"] for e in audit_of(api.store, "plan_store")}


# -- proposals --------------------------------------------------------------------------------


def test_propose_then_a_second_user_approves(api: Api) -> None:
    made = api.propose("ops1", effective_from="2025-01")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["proposal_id"] == 1 and body["status"] == "proposed"
    assert (body["plan"], body["effective_from"], body["effective_period"]) == (
        "standard v2",
        "2025-01-01",
        "2025-01",
    )
    assert body["status_zh"] == "待批准" and body["status_en"] == "waiting for approval"
    assert body["proposed_by"] == "ops1" and body["note"] == NOTE
    assert body["file"] == "standard-v2.yaml" and body["replaces"] == "standard v1"
    assert body["proposed_at"].endswith("+08:00") and body["content"] == plan_text()
    # Not stored, not in force yet (the shipped plan, v1, is: the drafts use it).
    versions = api.client.get("/api/plans", headers=api.as_("ops1")).json()
    assert [p["version"] for p in versions if p["active"]] == ["1"]

    own = api.client.post("/api/plans/proposals/1/approve", headers=api.as_("ops1"))
    assert own.status_code == 403 and "someone other than its proposer" in own.json()["error"]
    listed = api.client.get("/api/plans/proposals", headers=api.as_("ops2")).json()
    assert [(p["proposal_id"], p["status"]) for p in listed] == [(1, "proposed")]
    assert "content" not in listed[0]

    approved = api.client.post(
        "/api/plans/proposals/1/approve", json={"note": "已模拟"}, headers=api.as_("ops2")
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "ops2"
    assert approved.json()["decision_note"] == "已模拟"
    versions = api.client.get("/api/plans", headers=api.as_("ops1")).json()
    assert [(p["plan_id"], p["version"], p["active"]) for p in versions] == [
        ("standard", "1", True),
        ("standard", "2", True),
    ]
    again = api.client.post("/api/plans/proposals/1/approve", headers=api.as_("hr1"))
    assert again.status_code == 409 and "already approved" in again.json()["error"]
    assert [e["actor"] for e in audit_of(api.store, "plan_propose")] == ["ops1"]
    assert [e["actor"] for e in audit_of(api.store, "plan_approve")] == ["ops2"]
    activation = audit_of(api.store, "plan_activate")[0]  # newest first
    assert activation["actor"] == "ops2" and activation["target"] == "standard v2"
    assert json.loads(activation["detail"]) == {"proposal": 1, "proposed_by": "ops1"}

    # What the period pays now is the approved plan's.
    result, stored = period_services.compute(
        api.store,
        caller=Caller.local("admin"),
        period=Period.parse("2025-10"),
        runtime=api.client.app.state.services.runtime,  # type: ignore[attr-defined]
    )
    assert stored is not None and (stored.plan_id, stored.version) == ("standard", "2")


def test_an_invalid_plan_is_refused_with_its_lines_and_nothing_kept(api: Api) -> None:
    broken = plan_text().replace("kind: bonus", "kind: bonsu", 1)
    bad = api.propose("ops1", broken)
    assert bad.status_code == 400
    body = bad.json()
    assert "nothing was proposed" in body["error"]
    assert [(p["file"], p["line"]) for p in body["problems"]] == [
        ("standard-v2.yaml", line_of(broken, "    kind: bonsu"))
    ]
    assert "scoring-upload" not in bad.text
    wrong_date = api.propose("ops1", effective_from="2025-11")
    assert wrong_date.status_code == 400
    assert wrong_date.json()["problems"][0]["line"] == line_of(plan_text(), "effective_from:")
    no_note = api.propose("ops1", note="")
    assert no_note.status_code == 400
    assert api.client.get("/api/plans/proposals", headers=api.as_("hr1")).json() == []


def test_reject_needs_a_reason_and_only_the_proposer_withdraws(api: Api) -> None:
    api.propose("ops1")
    api.propose("ops2", plan_text(version=3))
    nothing = api.client.post(
        "/api/plans/proposals/1/reject", json={"reason": " "}, headers=api.as_("ops2")
    )
    assert nothing.status_code == 400
    missing = api.client.post("/api/plans/proposals/1/reject", json={}, headers=api.as_("ops2"))
    assert missing.status_code == 400
    rejected = api.client.post(
        "/api/plans/proposals/1/reject", json={"reason": "金额过高"}, headers=api.as_("ops2")
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["status_zh"] == "已驳回"
    others = api.client.post("/api/plans/proposals/2/withdraw", headers=api.as_("hr1"))
    assert others.status_code == 403 and "only its proposer ops2" in others.json()["error"]
    withdrawn = api.client.post(
        "/api/plans/proposals/2/withdraw", json={"reason": "先不改"}, headers=api.as_("ops2")
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    by_status = api.client.get(
        "/api/plans/proposals", params={"status": "rejected"}, headers=api.as_("hr1")
    ).json()
    assert [p["proposal_id"] for p in by_status] == [1]
    assert api.client.get("/api/plans/proposals/9", headers=api.as_("hr1")).status_code == 404
    assert api.client.get("/api/plans/proposals/x", headers=api.as_("hr1")).status_code == 400
    unknown = api.client.get(
        "/api/plans/proposals", params={"status": "open"}, headers=api.as_("hr1")
    )
    assert unknown.status_code == 400
    assert [e["actor"] for e in audit_of(api.store, "plan_reject")] == ["ops2"]
    assert [e["actor"] for e in audit_of(api.store, "plan_withdraw")] == ["ops2"]


def test_a_closed_period_is_refused(api: Api) -> None:
    period_services.close(
        api.store,
        caller=Caller.local("admin"),
        period=Period.parse("2025-10"),
        runtime=api.client.app.state.services.runtime,  # type: ignore[attr-defined]
    )
    refused = api.propose("ops1")
    assert refused.status_code == 409
    assert "period 2025-10 is closed" in refused.json()["error"]
    fine = api.propose("ops1", plan_text(effective_from="2025-11-01"), effective_from="2025-11")
    assert fine.status_code == 201


# -- simulation -------------------------------------------------------------------------------


def test_simulate_an_upload_or_a_proposal(api: Api, tmp_path: Path) -> None:
    text = plan_text("20.00")
    answer = api.client.post(
        "/api/plans/simulate",
        files={"plan": ("richer.yaml", text.encode(), "text/yaml")},
        data={"period": "2025-10"},
        params={"order": "change", "limit": 2},
        headers=api.as_("ops1"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    no_floats(body)
    assert (body["period"], body["period_status"], body["plan"], body["source"]) == (
        "2025-10",
        "open",
        "standard v2",
        "richer.yaml",
    )
    assert body["installers"] == 3 and len(body["page"]) == 2 and body["offset"] == 0
    changes = [Decimal(row["change"]) for row in body["page"]]
    assert [abs(c) for c in changes] == sorted((abs(c) for c in changes), reverse=True)
    totals = {t["kind"]: t for t in body["totals"]}
    assert list(totals) == [
        "bonus",
        "deduction_before_cap",
        "deduction_waived_by_cap",
        "deduction",
        "grievance_allowance",
        "prior_period_adjustment",
        "manual_adjustment",
        "net",
    ]
    # The simulated totals are what computing the period with the plan pays.
    path = tmp_path / "richer.yaml"
    path.write_text(text, encoding="utf-8")
    trial, _ = period_services.compute(
        api.store,
        caller=Caller.local("admin"),
        period=Period.parse("2025-10"),
        runtime=api.client.app.state.services.runtime,  # type: ignore[attr-defined]
        plan_path=path,
    )
    for kind, total in totals.items():
        assert total["simulated"] == format_fen(
            int(trial.statements.get_column(f"{kind}_fen").sum())
        )
        assert Decimal(total["change"]) == Decimal(total["simulated"]) - Decimal(total["now"])
    spread = body["distribution"]
    assert body["installers_changed"] == spread["increased"] + spread["decreased"] > 0
    assert sum(b["count"] for b in spread["bands"]) == body["installers_changed"]
    assert spread["unchanged"] + body["installers_changed"] == body["installers"]

    api.propose("ops1", text)
    by_proposal = api.client.post(
        "/api/plans/simulate",
        data={"period": "2025-10", "proposal_id": "1"},
        params={"offset": 1},
        headers=api.as_("hr1"),
    )
    assert by_proposal.status_code == 200, by_proposal.text
    again = by_proposal.json()
    assert again["source"] == "#1" and again["proposal_id"] == 1
    assert again["totals"] == body["totals"] and again["offset"] == 1
    assert [row["installer_id"] for row in again["page"]] == ["I2", "I3"]
    assert again["page"][0]["name"] == "李娜"


@pytest.mark.parametrize(
    ("data", "params", "fragment"),
    [
        ({"period": "2025-10"}, {}, "either a plan file or a proposal"),
        ({"period": "2025-13", "proposal_id": "1"}, {}, "YYYY-MM"),
        ({"period": "2025-10", "proposal_id": "1"}, {"limit": 100_000}, "limit"),
        ({"period": "2025-10", "proposal_id": "1"}, {"order": "name"}, "order"),
    ],
)
def test_bad_simulation_requests_are_400(
    api: Api, data: dict[str, str], params: dict[str, Any], fragment: str
) -> None:
    api.propose("ops1")
    answer = api.client.post(
        "/api/plans/simulate", data=data, params=params, headers=api.as_("ops1")
    )
    assert answer.status_code == 400
    assert fragment in answer.text


def test_simulating_an_unknown_proposal_is_404(api: Api) -> None:
    answer = api.client.post(
        "/api/plans/simulate",
        data={"period": "2025-10", "proposal_id": "5"},
        headers=api.as_("ops1"),
    )
    assert answer.status_code == 404


def test_openapi_lists_the_plan_operations(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for expected in (
        "/api/plans/proposals",
        "/api/plans/proposals/{proposal_id}",
        "/api/plans/proposals/{proposal_id}/approve",
        "/api/plans/proposals/{proposal_id}/reject",
        "/api/plans/proposals/{proposal_id}/withdraw",
        "/api/plans/simulate",
    ):
        assert expected in paths
    assert paths["/api/plans/activate"]["post"]["deprecated"] is True
