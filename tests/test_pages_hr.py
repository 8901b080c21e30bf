"""HR's pages over HTTP: the periods, the review of a period and its close, the payroll files,
manual adjustments, imports by upload with their rejects files, the disputes queue, users and
the audit log. For every page: anonymous callers go to the sign-in page, HR is answered,
operations reads what its rights allow (without the forms), dealers and installers get 403
with no data; every form needs its CSRF token; names from the data are escaped; bad input
gives a page with the reason. Store: tests/page_data.py (2025-06..09 closed, 2025-10 a draft).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from scoring.api import create_app
from scoring.settings import Settings
from scoring.store.audit import audit
from tests import inputs
from tests.auth_helpers import PASSWORD, csrf_from, page_client, signed_in, store_of
from tests.page_data import copy_store, pages_db

__all__ = ["pages_db"]

PERIOD = "2025-10"
HOSTILE = "<script>alert('x')</script>"
HOSTILE_TEAM = '"><img src=x onerror=alert(1)>'
BAD_CSRF = "表单已过期"

#: Every page of HR's, and who may read it besides HR.
PAGES = {
    "/hr/periods": "operations",
    f"/hr/periods/{PERIOD}": "operations",
    "/hr/periods/2025-09": "operations",
    f"/hr/periods/{PERIOD}/adjustments": "operations",
    "/hr/disputes": "operations",
    "/hr/disputes?status=all": "operations",
    "/hr/imports": "hr",
    "/hr/users": "hr",
    "/hr/audit": "hr",
}
#: Words of the test data no refusal may carry.
PRIVATE = ("张伟", "王强", "李娜", "-70.00", "-80.00", "hr1")


@pytest.fixture
def app(pages_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(rejects_dir=tmp_path / "rejected", fast_hashes_for_tests=True)
    application = create_app(
        settings, store_url=copy_store(pages_db, tmp_path / "store"), refresh="inline"
    )
    with TestClient(application) as client:
        yield client


@pytest.fixture
def hr(app: TestClient) -> TestClient:
    return signed_in(app, "hr1")


def as_user(app: TestClient, login: str) -> TestClient:
    """Another browser on the same application, signed in as ``login``."""
    return page_client(app, login)


def form(client: TestClient, data: dict[str, Any], page: str = "/hr/periods") -> dict[str, Any]:
    """A form's fields with the CSRF token of ``client``'s session."""
    return {**data, "csrf_token": csrf_from(client.get(page).text)}


def main_text(html: str) -> str:
    found = re.search(r"<main>(.*)</main>", html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", found.group(1))


def follow(client: TestClient, response: Any) -> str:
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    return page.text


def csv_upload(name: str, text: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, text.encode("utf-8"), "text/csv"))]


# -- who may open what -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*PAGES, "/hr", f"/hr/{PERIOD}"])
def test_anonymous_is_sent_to_sign_in(app: TestClient, url: str) -> None:
    answer = app.get(url, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_each_role_reaches_its_pages_only(app: TestClient) -> None:
    people = {login: as_user(app, login) for login in ("hr1", "ops1", "dealer1", "I1")}
    for url, reader in PAGES.items():
        assert people["hr1"].get(url).status_code == 200, url
        ops = people["ops1"].get(url)
        assert ops.status_code == (200 if reader == "operations" else 403), url
        for login in ("dealer1", "I1"):
            refused = people[login].get(url)
            assert refused.status_code == 403, (login, url)
            text = main_text(refused.text)
            assert not any(word in text for word in PRIVATE), (login, url)


def test_operations_reads_without_the_forms(app: TestClient) -> None:
    ops = as_user(app, "ops1")
    review = ops.get(f"/hr/periods/{PERIOD}").text
    assert "-70.00" in review and 'action="/hr/periods/2025-10/close"' not in review
    assert "/export?" not in review  # payroll files are HR's
    adjustments = ops.get(f"/hr/periods/{PERIOD}/adjustments").text
    assert 'name="amount"' not in adjustments
    assert ops.get(f"/hr/periods/{PERIOD}/export").status_code == 403
    token = csrf_from(review)
    for url, data in (
        (f"/hr/periods/{PERIOD}/close", {"confirm": PERIOD}),
        (f"/hr/periods/{PERIOD}/adjustments", {"installer_id": "I1", "amount": "1", "reason": "x"}),
    ):
        refused = ops.post(url, data={**data, "csrf_token": token})
        assert refused.status_code == 403, url
    assert "草稿" in ops.get(f"/hr/periods/{PERIOD}").text  # nothing closed


def test_the_navigation_names_hr_pages(hr: TestClient) -> None:
    page = hr.get("/hr/periods").text
    for href in ("/hr/periods", "/hr/imports", "/hr/disputes", "/hr/users", "/hr/audit"):
        assert f'href="{href}"' in page
    assert '<a href="/hr/periods" aria-current="page">' in page


# -- periods, review, close, exports ------------------------------------------------------------


def test_every_period_in_words_with_links(hr: TestClient) -> None:
    text = main_text(hr.get("/hr/periods").text)
    for month in ("2025-06", "2025-07", "2025-08", "2025-09", "2025-10"):
        assert f'href="/hr/periods/{month}"' in text
        assert f'href="/hr/periods/{month}/adjustments"' in text
    assert text.count('<span class="tag state-closed">已关账</span>') == 4
    assert '<span class="tag state-draft">草稿</span>' in text
    assert '<span class="num neg">-70.00</span>' in text  # October's incentive total, red
    assert "/hr/periods/2025-10/export?headings=zh" in text
    assert re.search(r"计算于 \d{4}-\d\d-\d\d \d\d:\d\d · page-data", text)  # local time
    newest = hr.get("/hr", follow_redirects=False)
    assert newest.headers["location"] == "/hr/periods/2025-10"
    old = hr.get(f"/hr/{PERIOD}", follow_redirects=False)
    assert old.headers["location"] == "/hr/periods/2025-10"


def test_the_review_of_a_draft(hr: TestClient) -> None:
    page = hr.get(f"/hr/periods/{PERIOD}")
    assert page.status_code == 200
    text = main_text(page.text)
    assert "2025-10 复核" in text and "草稿" in text
    assert '<span class="num pos">10.00</span>' in text  # bonuses, green
    assert '<span class="num neg">-80.00</span>' in text  # deductions, red
    assert text.count('<svg class="chart"') == 1 and "未评级" in text  # the grades chart
    assert "与 2025-09 相比变化最大" in text
    falls = text[text.index("减少最多") :]
    assert falls.index("张伟") < falls.index("王强")  # -74.00 before -60.00
    assert '<span class="num neg">-74.00</span>' in falls
    assert "师傅少于 8 位" in text  # outliers: too few installers
    assert text.count('href="/installers/I') >= 3  # every statement links to its installer
    for link in (
        "/hr/periods/2025-10/export?headings=zh&amp;format=xlsx",
        "/hr/periods/2025-10/export?headings=en&amp;format=csv",
    ):
        assert link in text
    assert 'action="/hr/periods/2025-10/close"' in text and 'value="2025-10" required' in text
    assert "关账 2025-10" in text and "Incentive total" not in text
    hr.cookies.set("lang", "en")
    english = hr.get(f"/hr/periods/{PERIOD}").text
    hr.cookies.set("lang", "zh")
    assert "Review of 2025-10" in english and "复核" not in main_text(english)
    pages = hr.get(f"/hr/periods/{PERIOD}?offset=2").text
    assert pages.count('href="/installers/I') >= 1 and "第 3–3 条,共 3 条" in pages


def test_the_payroll_files(hr: TestClient) -> None:
    xlsx = hr.get(f"/hr/periods/{PERIOD}/export?headings=zh&format=xlsx")
    assert xlsx.status_code == 200
    assert "payroll-2025-10-DRAFT.xlsx" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames
    book.close()
    csv_file = hr.get(f"/hr/periods/{PERIOD}/export?headings=en&format=csv")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    assert "installer_id" in csv_file.content.decode("utf-8-sig")
    bad = hr.get(f"/hr/periods/{PERIOD}/export?headings=fr")
    assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]


def test_close_needs_the_confirmation_and_the_token(hr: TestClient) -> None:
    unconfirmed = hr.post(f"/hr/periods/{PERIOD}/close", data=form(hr, {}))
    assert unconfirmed.status_code == 400 and "请勾选" in unconfirmed.text
    other = hr.post(f"/hr/periods/{PERIOD}/close", data=form(hr, {"confirm": "2025-09"}))
    assert other.status_code == 400  # a box ticked for another month closes nothing
    forged = hr.post(f"/hr/periods/{PERIOD}/close", data={"confirm": PERIOD})
    assert forged.status_code == 403 and BAD_CSRF in forged.text
    assert "草稿" in main_text(hr.get(f"/hr/periods/{PERIOD}").text)
    closed = hr.post(
        f"/hr/periods/{PERIOD}/close",
        data=form(hr, {"confirm": PERIOD}),
        follow_redirects=False,
    )
    assert closed.headers["location"] == "/hr/periods/2025-10?done=closed"
    after = main_text(follow(hr, closed))
    assert "2025-10 已关账,结果已锁定" in after and "hr1" in after
    assert 'action="/hr/periods/2025-10/close"' not in after
    assert '<span class="num neg">-70.00</span>' in after  # the locked result
    again = hr.post(f"/hr/periods/{PERIOD}/close", data=form(hr, {"confirm": PERIOD}))
    assert again.status_code == 409 and "already closed" in again.text
    assert "已关账" in hr.get(f"/installers/I1?period={PERIOD}").text


def test_a_malformed_period_is_a_page_with_the_reason(hr: TestClient) -> None:
    for url in ("/hr/periods/2025-13", "/hr/periods/xx/adjustments", "/hr/20251"):
        page = hr.get(url)
        assert page.status_code == 400, url
        assert "YYYY-MM" in page.text and page.headers["content-type"].startswith("text/html")
    never = hr.get("/hr/periods/2024-01")
    assert never.status_code == 409 and "尚未生成" in never.text


# -- manual adjustments ------------------------------------------------------------------------


def test_manual_adjustments_through_the_form(hr: TestClient) -> None:
    url = f"/hr/periods/{PERIOD}/adjustments"
    page = hr.get(url).text
    assert "本月没有人工调整" in page and 'name="amount"' in page
    added = hr.post(
        url,
        data=form(hr, {"installer_id": "I3", "amount": "-12.50", "reason": HOSTILE}, url),
        follow_redirects=False,
    )
    assert added.headers["location"] == f"{url}?done=1"
    text = main_text(follow(hr, added))
    assert "已添加人工调整 #1" in text
    assert "王强" in text and "I3" in text  # the name beside the id
    assert '<span class="num neg">-12.50</span>' in text
    assert HOSTILE not in text and "&lt;script&gt;" in text
    # The draft is computed again with it (the refresher runs inline here).
    review = main_text(hr.get(f"/hr/periods/{PERIOD}").text)
    assert '<span class="num neg">-82.50</span>' in review
    forged = hr.post(url, data={"installer_id": "I3", "amount": "1", "reason": "x"})
    assert forged.status_code == 403 and BAD_CSRF in forged.text
    bad = hr.post(url, data=form(hr, {"installer_id": "I3", "amount": "abc", "reason": "x"}, url))
    assert bad.status_code == 400 and "not an amount" in bad.text
    nobody = hr.post(
        url, data=form(hr, {"installer_id": "NOBODY", "amount": "1", "reason": "x"}, url)
    )
    assert nobody.status_code == 404 and "NOBODY" in nobody.text
    closed = "/hr/periods/2025-09/adjustments"
    assert "已关账,不能再添加" in hr.get(closed).text and 'name="amount"' not in hr.get(closed).text
    refused = hr.post(
        closed, data=form(hr, {"installer_id": "I1", "amount": "1", "reason": "x"}, closed)
    )
    assert refused.status_code == 409 and "closed" in refused.text
    assert main_text(hr.get(url).text).count('<span class="num neg">-12.50</span>') >= 1


# -- imports -------------------------------------------------------------------------------------

BAD_SURVEYS = (
    "survey_id,job_id,surveyed_at,channel,overall,attitude,promise_kept,comment\n"
    "S-NEW-1,J1,2025-10-16T10:00:00,phone,5,5,true,好\n"
    "S-NEW-2,J1,2025-10-17T10:00:00,phone,11,5,true,分数写错了\n"
    "S-NEW-3,J-NONE,2025-10-18T10:00:00,phone,4,5,true,\n"
)


def test_an_upload_with_bad_rows_and_its_rejects_file(app: TestClient, hr: TestClient) -> None:
    page = hr.get("/hr/imports").text
    assert 'enctype="multipart/form-data"' in page and "#1" in page
    sent = hr.post(
        "/hr/imports",
        data=form(hr, {}, "/hr/imports"),
        files=csv_upload("surveys.csv", BAD_SURVEYS),
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/hr/imports/2"
    text = main_text(follow(hr, sent))
    assert "有 2 行没有导入" in text
    rows = re.findall(r"<tr>(.*?)</tr>", text[text.index("拒收的行") :], re.S)
    cells = [re.sub(r"<[^>]+>", "", r).split() for r in rows[1:]]
    assert [c[:2] for c in cells] == [["surveys.csv", "3"], ["surveys.csv", "4"]]
    assert "overall" in rows[1] and "job_id" in rows[2]
    assert "score must be" not in text  # the Chinese side of the reason only
    link = re.search(r'href="(/hr/imports/2/rejects/0)"', text)
    assert link is not None
    rejects = hr.get(link.group(1))
    assert rejects.status_code == 200
    assert 'filename="surveys.rejected.csv"' in rejects.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == ["S-NEW-2", "S-NEW-3"]
    hr.cookies.set("lang", "en")
    english = main_text(hr.get("/hr/imports/2").text)
    hr.cookies.set("lang", "zh")
    assert "score must be" in english and "评分须为" not in english
    # Other roles get nothing of it; an unknown file or batch is not found.
    for login in ("ops1", "dealer1", "I1"):
        other = as_user(app, login)
        assert other.get("/hr/imports/2").status_code == 403
        refused = other.get(link.group(1))
        assert refused.status_code == 403 and "S-NEW" not in refused.text
    # The same file again in the same second: each batch keeps its own rejects file.
    fixed = BAD_SURVEYS.replace("phone,11,", "phone,12,").replace(
        "S-NEW-3,J-NONE", "S-NEW-4,J-NONE"
    )
    again = hr.post(
        "/hr/imports",
        data=form(hr, {}, "/hr/imports"),
        files=csv_upload("surveys.csv", fixed),
        follow_redirects=False,
    )
    assert again.headers["location"] == "/hr/imports/3"
    second = hr.get("/hr/imports/3/rejects/0").content.decode("utf-8-sig")
    assert "S-NEW-4" in second and "S-NEW-3" not in second
    assert "S-NEW-3" in hr.get(link.group(1)).content.decode("utf-8-sig")
    assert hr.get("/hr/imports/2/rejects/5").status_code == 404
    assert hr.get("/hr/imports/99").status_code == 404
    assert hr.get("/hr/imports/1/rejects/0").status_code == 404  # nothing rejected there


def test_bad_uploads_give_the_reason(hr: TestClient) -> None:
    token = form(hr, {}, "/hr/imports")
    empty = hr.post("/hr/imports", data=token, files=[("files", ("", b"", "text/csv"))])
    assert empty.status_code == 400 and "files" in main_text(empty.text)  # the field named
    unknown = hr.post("/hr/imports", data=token, files=csv_upload(f"{HOSTILE}.csv", "a,b\n1,2\n"))
    assert unknown.status_code == 400 and "无法识别数据类型" in unknown.text
    assert "<script>alert" not in unknown.text
    forged = hr.post("/hr/imports", files=csv_upload("surveys.csv", BAD_SURVEYS))
    assert forged.status_code == 403 and BAD_CSRF in forged.text
    assert "#2" not in hr.get("/hr/imports").text  # nothing was imported


# -- disputes --------------------------------------------------------------------------------


def _installer_disputes(app: TestClient, login: str, period: str, **fields: str) -> TestClient:
    phone = as_user(app, login)
    page = phone.get(f"/me?period={period}").text
    sent = phone.post(
        "/me/disputes",
        data={"period": period, **fields, "csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    return phone


def test_the_queue_accept_and_the_next_month(app: TestClient, hr: TestClient) -> None:
    phone = _installer_disputes(
        app,
        "I1",
        "2025-09",
        target_kind="line",
        target_id="complaint_upheld:C-I1-09",
        comment=f"不是我的责任 {HOSTILE}",
    )
    _installer_disputes(
        app, "I3", PERIOD, target_kind="missing", target_id="J-77", comment="漏了一单"
    )
    queue = hr.get("/hr/disputes").text
    text = main_text(queue)
    assert '待处理 <span class="count">2</span>' in text
    assert "张伟" in text and "自有一队" in text  # names beside the ids
    assert "扣款" in text and "-50.00" in text  # the line disputed, with its amount
    assert "漏计 · 单号 J-77" in text  # a claim for something missing, in words
    assert HOSTILE not in queue and "&lt;script&gt;" in queue
    assert re.search(r"答复期限 \d{4}-\d\d-\d\d \d\d:\d\d", text)
    assert 'id="pay-1" name="period" value="2025-10"' in text  # 09 is closed: paid in 10
    forged = hr.post("/hr/disputes/1/accept", data={"amount": "50", "reason": "x"})
    assert forged.status_code == 403 and BAD_CSRF in forged.text
    accepted = hr.post(
        "/hr/disputes/1/accept",
        data=form(
            hr,
            {
                "amount": "50.00",
                "reason": "核实为客户原因",
                "period": PERIOD,
                "back": "/hr/disputes?status=open",
            },
            "/hr/disputes",
        ),
        follow_redirects=False,
    )
    location = accepted.headers["location"]
    assert location == "/hr/disputes?status=open&done=accepted&dispute=1#dispute-1"
    after = main_text(follow(hr, accepted))
    assert "申诉 #1 已接受" in after and '待处理 <span class="count">1</span>' in after
    done = main_text(hr.get("/hr/disputes?status=accepted").text)
    assert "已接受,+50.00 元计入 2025-10" in done and "核实为客户原因" in done
    # Every step, with who took it: the signed-in installer, then the signed-in HR user.
    assert "I1 · 提出申诉" in done and "hr1 · 接受 — 核实为客户原因" in done
    mine = main_text(phone.get(f"/me?period={PERIOD}").text)
    assert "人工调整" in mine and "+50.00" in mine and "已接受" in mine
    assert "申诉 #1" in main_text(hr.get(f"/hr/periods/{PERIOD}/adjustments").text)
    again = hr.post("/hr/disputes/1/reject", data=form(hr, {"reason": "x"}, "/hr/disputes"))
    assert again.status_code == 409 and "already" in again.text


def test_reject_overdue_and_filters(app: TestClient, hr: TestClient) -> None:
    _installer_disputes(app, "I1", PERIOD, target_kind="survey", target_id="S1", comment="?")
    rejected = hr.post(
        "/hr/disputes/1/reject",
        data=form(hr, {"reason": "无依据", "back": "https://evil.example/"}, "/hr/disputes"),
        follow_redirects=False,
    )
    assert rejected.headers["location"].startswith("/hr/disputes?done=rejected&dispute=1")
    page = main_text(hr.get("/hr/disputes?status=rejected").text)
    assert "已驳回" in page and "无依据" in page and "回访问卷 · S1" in page
    assert "已驳回" in as_user(app, "I1").get(f"/me?period={PERIOD}").text
    assert "没有符合条件的申诉" in hr.get("/hr/disputes?status=overdue").text
    assert "没有符合条件的申诉" in hr.get("/hr/disputes?status=all&period=2025-09").text
    assert "#1 ·" in hr.get("/hr/disputes?status=all&installer=I1").text
    assert hr.get("/hr/disputes?status=everything").status_code == 400
    assert hr.get("/hr/disputes?period=2025-13").status_code == 400


def test_bad_dispute_answers(app: TestClient, hr: TestClient) -> None:
    nothing = hr.post(
        "/hr/disputes/1/accept", data=form(hr, {"amount": "x", "reason": "r"}, "/hr/disputes")
    )
    assert nothing.status_code == 404  # no dispute #1 yet
    _installer_disputes(app, "I3", PERIOD, target_kind="job", target_id="J2", comment="c")
    token = form(hr, {}, "/hr/disputes")
    bad_amount = hr.post("/hr/disputes/1/accept", data={**token, "amount": "x", "reason": "r"})
    assert bad_amount.status_code == 400 and "not an amount" in bad_amount.text
    closed = hr.post(
        "/hr/disputes/1/accept",
        data={**token, "amount": "5", "reason": "r", "period": "2025-09"},
    )
    assert closed.status_code == 409 and "已关账" in closed.text
    no_reason = hr.post("/hr/disputes/1/reject", data={**token, "reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    assert "待处理" in hr.get("/hr/disputes").text  # still open


# -- users -------------------------------------------------------------------------------------


def test_users_listed_added_disabled_and_reset(app: TestClient, hr: TestClient) -> None:
    text = main_text(hr.get("/hr/users").text)
    assert "华东家电" in text and "D1" in text  # a dealer's scope by name
    assert "张伟" in text and "I1" in text
    assert text.count("启用") >= 6
    url = "/hr/users"
    added = hr.post(
        url,
        data=form(
            hr,
            {
                "login": "dealer-new",
                "display_name": HOSTILE,
                "role": "dealer",
                "password": PASSWORD,
                "dealer_ids": "D1，D2",
            },
            url,
        ),
        follow_redirects=False,
    )
    page = follow(hr, added)
    assert "已添加用户 dealer-new" in page and "南方家居" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    disabled = hr.post(
        "/hr/users/disable", data=form(hr, {"login": "dealer-new"}, url), follow_redirects=False
    )
    assert "已停用 dealer-new" in follow(hr, disabled)
    stranger = TestClient(app.app)
    blocked = stranger.post(
        "/login",
        data={
            "username": "dealer-new",
            "password": PASSWORD,
            "csrf_token": csrf_from(stranger.get("/login").text),
        },
    )
    assert blocked.status_code == 401 and "停用" in blocked.text
    enabled = hr.post(
        "/hr/users/enable", data=form(hr, {"login": "dealer-new"}, url), follow_redirects=False
    )
    assert "已启用 dealer-new" in follow(hr, enabled)
    reset = hr.post(
        "/hr/users/password",
        data=form(hr, {"login": "dealer-new", "password": "Neues-Passwort-77"}, url),
        follow_redirects=False,
    )
    assert "已为 dealer-new 设置新密码" in follow(hr, reset)
    page_client(app, "dealer-new", "Neues-Passwort-77")  # signs in with the new password
    only_dealers = main_text(hr.get("/hr/users?role=dealer").text)
    assert "dealer-new" in only_dealers and "ops1" not in only_dealers
    assert "ops1" in hr.get("/hr/users?q=ops").text and "dealer1" not in main_text(
        hr.get("/hr/users?q=ops").text
    )


def test_bad_user_forms(hr: TestClient) -> None:
    url = "/hr/users"
    token = form(hr, {}, url)
    weak = hr.post(url, data={**token, "login": "x1", "role": "hr", "password": "123"})
    assert weak.status_code == 400
    unscoped = hr.post(url, data={**token, "login": "x2", "role": "dealer", "password": PASSWORD})
    assert unscoped.status_code == 400 and "dealer" in unscoped.text
    unknown = hr.post(
        url,
        data={**token, "login": "x3", "role": "dealer", "password": PASSWORD, "dealer_ids": "D9"},
    )
    assert unknown.status_code == 400 and "D9" in unknown.text
    myself = hr.post("/hr/users/disable", data={**token, "login": "hr1"})
    assert myself.status_code == 400 and "自己" in myself.text
    nobody = hr.post("/hr/users/enable", data={**token, "login": "nobody"})
    assert nobody.status_code == 404
    forged = hr.post("/hr/users/disable", data={"login": "ops1"})
    assert forged.status_code == 403 and BAD_CSRF in forged.text
    assert hr.get("/hr/users?role=boss").status_code == 400
    assert "x1" not in main_text(hr.get(url).text)


def test_invite_installers_gives_the_codes_file(hr: TestClient) -> None:
    url = "/hr/users"
    token = form(hr, {}, url)
    missing = hr.post("/hr/users/invite", data={**token, "scope": "team"})
    assert missing.status_code == 400 and "团队或经销商编号" in missing.text
    forged = hr.post("/hr/users/invite", data={"scope": "all"})
    assert forged.status_code == 403
    codes = hr.post("/hr/users/invite", data={**token, "scope": "all", "format": "csv"})
    assert codes.status_code == 200 and codes.headers["x-invite-created"] == "1"
    assert "activation-codes-" in codes.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(codes.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["工号", "姓名", "团队", "激活码"] and rows[1][0] == "I2"
    listed = main_text(hr.get(url).text)
    assert "李娜" in listed and "未激活" in listed
    team = hr.post(
        "/hr/users/invite", data={**token, "scope": "team", "scope_id": "T9", "format": "xlsx"}
    )
    assert team.status_code == 404 and "T9" in team.text


# -- the audit log ---------------------------------------------------------------------------


def test_the_audit_log_filtered_and_paged(hr: TestClient) -> None:
    text = main_text(hr.get("/hr/audit").text)
    assert "关账" in text and "2025-09" in text and "page-data" in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text)
    closes = main_text(hr.get("/hr/audit?action=close").text)
    assert closes.count("<tr>") == 1 + 4  # the heading and the four closes
    assert "添加用户" not in closes.split("</thead>")[1]
    by_actor = main_text(hr.get("/hr/audit?actor=nobody").text)
    assert "没有符合条件的记录" in by_actor
    target = main_text(hr.get("/hr/audit?target=2025-0").text)
    assert "2025-06" in target and "dealer1" not in target.split("</thead>")[1]
    future = main_text(hr.get("/hr/audit?from=2999-01-01").text)
    assert "没有符合条件的记录" in future
    past = main_text(hr.get("/hr/audit?to=2000-01-01").text)
    assert "没有符合条件的记录" in past
    bad = hr.get("/hr/audit?from=01.02.2025")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    with store_of(hr).begin() as conn:  # more than a page of one action
        for n in range(120):
            audit(conn, "hr1", "signin", f"hr1-{n:03d}", {"address": "test"})
    first = hr.get("/hr/audit?action=signin").text
    assert "下一页" in first and "上一页" not in first
    assert "第 1–100 条" in first
    second = hr.get("/hr/audit?action=signin&offset=100").text
    assert "上一页" in second and "第 101–" in second


def test_hostile_names_are_escaped_on_hr_pages(app: TestClient, hr: TestClient) -> None:
    installers = inputs.INSTALLERS.replace("王强", HOSTILE)
    teams = inputs.TEAMS.replace("南方安装", HOSTILE_TEAM.replace('"', '""').join('""'))
    for name, text in (("installers.csv", installers), ("teams.csv", teams)):
        sent = hr.post(
            "/hr/imports",
            data=form(hr, {}, "/hr/imports"),
            files=csv_upload(name, text),
            follow_redirects=False,
        )
        assert sent.status_code == 303
    _installer_disputes(app, "I3", PERIOD, target_kind="job", target_id="J2", comment="c")
    pages = [
        hr.get(f"/hr/periods/{PERIOD}").text,
        hr.get("/hr/disputes").text,
        hr.get(f"/hr/periods/{PERIOD}?offset=0").text,
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in pages[0] and "&lt;script&gt;alert" in pages[1]
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in pages[0]


def test_every_code_shown_in_words_has_them() -> None:
    from scoring.services.disputes import QUEUE_FILTERS
    from scoring.web import i18n
    from scoring.web.pages_audit import ACTIONS

    groups = {
        "periods.state": ("closed", "draft", "stale", "not_computed"),
        "audit.action": ACTIONS,
        "disputes.tab": QUEUE_FILTERS,
    }
    missing = [f"{g}.{c}" for g, codes in groups.items() for c in codes]
    assert [key for key in missing if key not in i18n.MESSAGES] == []


def test_a_reason_in_one_language_also_after_a_bracket() -> None:
    from scoring.web.i18n import part

    reason = "评分须为1–5的整数或满意度标签(非常满意、满意)/ score must be 1–5 or a label"
    assert part(reason, "zh") == "评分须为1–5的整数或满意度标签(非常满意、满意)"
    assert part(reason, "en") == "score must be 1–5 or a label"
    assert part("a/ b", "en") == "a/ b"  # no bracket before the slash: not split
