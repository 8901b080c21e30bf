"""HR's pages (the overview of a period, close, the disputes queue) and the ranking page, signed
in; the installer's pages are tested in tests/test_pages_installer.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scoring.api import create_app
from scoring.services.access import Role
from scoring.settings import Settings
from tests import inputs
from tests.auth_helpers import as_user, page_client, page_csrf, signed_in

PERIOD = "2025-10"
HOSTILE = "<script>alert('x')</script>"
HOSTILE_TEAM = '"><img src=x onerror=alert(1)>'


def csv_files(files: dict[str, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (f"{name}.csv", text.encode("utf-8"), "text/csv")) for name, text in files.items()
    ]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(rejects_dir=tmp_path / "rejected")
    app = create_app(settings, store_url=f"sqlite:///{tmp_path / 'web.db'}", refresh="inline")
    with TestClient(app) as test_client:
        # HR, signed in twice: a bearer token for /api, a session cookie for the pages.
        test_client.headers.update(as_user(test_client, Role.HR, "hr-li"))
        signed_in(test_client, "hr-li")
        response = test_client.post("/api/imports", files=csv_files(inputs.ALL))
        assert response.status_code == 200
        yield test_client


def installer(client: TestClient, installer_id: str) -> TestClient:
    """A phone of installer ``installer_id``, signed in on the same application."""
    as_user(client, Role.INSTALLER, installer_id, installer_id=installer_id)
    return page_client(client, installer_id)


def form(client: TestClient, data: dict[str, str]) -> dict[str, str]:
    """A form's fields with the CSRF token of ``client``'s session."""
    return {**data, "csrf_token": page_csrf(client)}


def follow(client: TestClient, response: Any) -> str:
    """The page a 303 redirect leads to."""
    assert response.status_code == 303
    location = response.headers["location"]
    page = client.get(location)
    assert page.status_code == 200
    return page.text


def test_a_malformed_period_on_a_page_is_400_html(client: TestClient) -> None:
    for url in ("/installers/I1?period=2025-13", "/hr/20251", "/ranking/xx"):
        page = client.get(url)
        assert page.status_code == 400, url
        assert "YYYY-MM" in page.text and page.headers["content-type"].startswith("text/html")


def test_hostile_names_are_escaped_everywhere(client: TestClient) -> None:
    installers = inputs.INSTALLERS.replace("王强", HOSTILE)
    teams = inputs.TEAMS.replace("南方安装", HOSTILE_TEAM.replace('"', '""').join('""'))
    dealers = inputs.DEALERS.replace("南方家居", HOSTILE)
    response = client.post(
        "/api/imports",
        files=csv_files({"dealers": dealers, "teams": teams, "installers": installers}),
    )
    assert response.status_code == 200, response.text
    pages = [
        client.get(f"/installers/I3?period={PERIOD}").text,
        client.get(f"/hr/{PERIOD}").text,
        client.get(f"/ranking/{PERIOD}").text,
    ]
    for text in pages:
        assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(" in pages[0]
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in pages[2]
    assert "&lt;script&gt;" in pages[1] and "&lt;script&gt;" in pages[2]


def test_dispute_through_the_form_and_hr_accepts(client: TestClient) -> None:
    phone = installer(client, "I3")
    sent = phone.post(
        "/me/disputes",
        data=form(
            phone,
            {
                "period": PERIOD,
                "target_kind": "line",
                "target_id": "low_score:S2",
                "comment": f"客户打错分 {HOSTILE}",
            },
        ),
        follow_redirects=False,
    )
    assert sent.headers["location"] == "/me?period=2025-10&dispute=1#disputes"
    page = follow(phone, sent)
    assert "申诉 #1 已提交" in page and "待处理" in page
    assert "<script>" not in page and "客户打错分 &lt;script&gt;" in page

    hr = client.get(f"/hr/{PERIOD}").text
    assert "待处理申诉" in hr and 'action="/hr/disputes/1/accept"' in hr
    assert "<script>" not in hr

    accepted = client.post(
        "/hr/disputes/1/accept",
        data=form(
            client, {"amount": "30.00", "reason": "录音证实", "period": PERIOD, "back": PERIOD}
        ),
        follow_redirects=False,
    )
    assert accepted.headers["location"] == "/hr/2025-10?done=accepted&dispute=1"
    hr_after = follow(client, accepted)
    assert "申诉已接受" in hr_after and "没有待处理的申诉" in hr_after

    mine = phone.get(f"/me?period={PERIOD}").text
    assert "已接受" in mine and "+30.00" in mine and "-50.00" in mine
    dispute = client.get("/api/disputes/1").json()
    # The signed-in installer opened it, the signed-in HR user accepted it.
    assert [(e["action"], e["actor"]) for e in dispute["events"]] == [
        ("open", "I3"),
        ("accept", "hr-li"),
    ]


def test_hr_rejects_a_dispute_through_the_form(client: TestClient) -> None:
    phone = installer(client, "I1")
    phone.post(
        "/me/disputes",
        data=form(
            phone, {"period": PERIOD, "target_kind": "survey", "target_id": "S1", "comment": "?"}
        ),
    )
    rejected = client.post(
        "/hr/disputes/1/reject",
        data=form(client, {"reason": "无依据", "back": PERIOD}),
        follow_redirects=False,
    )
    assert "申诉已驳回" in follow(client, rejected)
    assert "已驳回" in phone.get(f"/me?period={PERIOD}").text
    again = client.post("/hr/disputes/1/reject", data=form(client, {"reason": "x", "back": PERIOD}))
    assert again.status_code == 409 and "already" in again.text


def test_bad_dispute_forms(client: TestClient) -> None:
    phone = installer(client, "I3")
    empty = phone.post(
        "/me/disputes",
        data=form(
            phone,
            {"period": PERIOD, "target_kind": "line", "target_id": "low_score:S2", "comment": " "},
        ),
    )
    assert empty.status_code == 400 and "needs a comment" in empty.text
    missing = phone.post("/me/disputes", data=form(phone, {"period": PERIOD}))
    assert missing.status_code == 400 and "text/html" in missing.headers["content-type"]
    bad_amount = client.post(
        "/hr/disputes/1/accept", data=form(client, {"amount": "x", "reason": "r"})
    )
    assert bad_amount.status_code == 404  # no dispute #1 yet
    phone.post(
        "/me/disputes",
        data=form(
            phone, {"period": PERIOD, "target_kind": "job", "target_id": "J2", "comment": "c"}
        ),
    )
    bad_amount = client.post(
        "/hr/disputes/1/accept", data=form(client, {"amount": "x", "reason": "r"})
    )
    assert bad_amount.status_code == 400 and "not an amount" in bad_amount.text


def test_hr_page_and_close_button(client: TestClient) -> None:
    page = client.get(f"/hr/{PERIOD}").text
    assert "-70.00" in page and "10.00" in page  # net and bonus totals
    assert "/api/periods/2025-10/export?headings=zh" in page
    assert "/api/periods/2025-10/export.csv?headings=en" in page
    assert 'action="/hr/2025-10/close"' in page
    assert page.count("/me/I") >= 3  # every statement links to the installer's page

    unconfirmed = client.post(f"/hr/{PERIOD}/close", data=form(client, {}))
    assert unconfirmed.status_code == 400
    forged = client.post(f"/hr/{PERIOD}/close", data={"confirm": "yes"})  # no CSRF token
    assert forged.status_code == 403 and "表单已过期" in forged.text
    closed = client.post(
        f"/hr/{PERIOD}/close",
        data=form(client, {"confirm": "yes"}),
        follow_redirects=False,
    )
    assert closed.headers["location"] == "/hr/2025-10?done=closed"
    after = follow(client, closed)
    assert "期间已关账" in after and "hr-li" in after
    assert 'action="/hr/2025-10/close"' not in after
    again = client.post(f"/hr/{PERIOD}/close", data=form(client, {"confirm": "yes"}))
    assert again.status_code == 409 and "already closed" in again.text
    assert "已关账" in client.get(f"/installers/I1?period={PERIOD}").text


def test_ranking_page(client: TestClient) -> None:
    page = client.get(f"/ranking/{PERIOD}")
    assert page.status_code == 200
    text = page.text
    assert "华东家电" in text and "南方家居" in text
    assert text.index("自有一队") < text.index("速装服务部")  # rank 1 before rank 2
    assert "5.000" in text and "贝叶斯" in text
    # A month under the plan but without surveys: every team listed last, not ranked.
    assert client.post("/api/periods/2025-03/compute").status_code == 200
    quiet = client.get("/ranking/2025-03").text
    assert quiet.count("未排名") == 3


def test_unknown_page_is_html_404(client: TestClient) -> None:
    page = client.get("/nowhere")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
