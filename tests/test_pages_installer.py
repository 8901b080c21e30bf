"""The installer's pages over HTTP: /me, /installers/{id}, the dispute forms, the start page,
the language switch and the error pages, for every role and scope."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scoring.period import Period
from scoring.services import periods
from scoring.services.imports import import_files
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store import open_store
from scoring.workdays import WorkCalendar
from tests import inputs
from tests.auth_helpers import csrf_from, signed_in
from tests.page_data import ADMIN, app_client, pages_db, store_url

__all__ = ["app_client", "pages_db", "store_url"]

HOSTILE = "<script>alert('x')</script>"
HOSTILE_TEAM = '"><img src=x onerror=alert(1)>'


def as_user(client: TestClient, login: str) -> TestClient:
    return signed_in(client, login)


def main_text(html: str) -> str:
    found = re.search(r"<main>(.*)</main>", html, re.S)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    "url", ["/", "/me", "/me?period=2025-09", "/me/I1", "/installers/I1", "/ranking", "/hr"]
)
def test_anonymous_is_sent_to_sign_in(app_client: TestClient, url: str) -> None:
    answer = app_client.get(url, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_an_anonymous_dispute_changes_nothing(app_client: TestClient) -> None:
    answer = app_client.post(
        "/me/disputes",
        data={"period": "2025-09", "target_kind": "missing", "target_id": "", "comment": "x"},
        follow_redirects=False,
    )
    assert answer.status_code in (303, 401, 403)
    signed_in(app_client, "hr1")
    assert "没有申诉" in main_text(app_client.get("/installers/I1").text)


def test_the_installer_sees_its_statement(app_client: TestClient) -> None:
    as_user(app_client, "I1")
    home = app_client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/me"
    page = app_client.get("/me")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert '<html lang="zh-CN">' in text and "<script" not in text
    assert "张伟" in text and "工号 I1" in text and "自有一队" in text
    assert '<option value="2025-10" selected>' in text  # the newest month with data
    assert text.count("<option ") == 5
    assert "激励合计" in text and "不是全部工资" in text
    assert text.count('<svg class="chart"') == 2
    assert "Incentive total" not in text  # one language per page
    assert 'action="/me/disputes"' in text and csrf_from(text)


def test_a_closed_month_in_words_with_colours(app_client: TestClient) -> None:
    as_user(app_client, "I1")
    text = main_text(app_client.get("/me?period=2025-09").text)
    assert "4 份有效回访,平均 4.75,样本少时向全体均值 4.29 靠拢" in text
    assert "得 4.492" in text and "再得 3 份五星好评可升到 A 级" in text
    assert '<span class="tag closed">已关账</span>' in text
    assert '<span class="num neg">-50.00</span>' in text  # the deduction, red
    assert '<span class="num pos">+100.00</span>' in text  # the grade bonus, green
    assert re.search(r'激励合计</span><span class="num pos">\+80.00</span>', text)
    amounts = re.findall(
        r'<div class="line">\s*<div class="row">.*?<span class="num \w+">([^<]+)<', text, re.S
    )
    assert sum(int(a.replace("+", "").replace(".", "").replace(",", "")) for a in amounts) == 8000


def test_a_month_without_data_says_so(app_client: TestClient) -> None:
    as_user(app_client, "I3")
    text = app_client.get("/me?period=2025-06").text
    assert "2025-06 没有您的结算数据" in text
    bad = app_client.get("/me?period=2025-13")
    assert bad.status_code == 400 and "YYYY-MM" in bad.text


def test_an_installer_sees_no_one_else(app_client: TestClient) -> None:
    as_user(app_client, "I1")
    other = app_client.get("/installers/I3")
    assert other.status_code == 404 and "王强" not in other.text
    own = app_client.get("/installers/I1?period=2025-09", follow_redirects=False)
    assert own.status_code == 303 and own.headers["location"] == "/me?period=2025-09"
    old = app_client.get("/me/I1?period=2025-09", follow_redirects=False)
    assert old.headers["location"] == "/installers/I1?period=2025-09"
    assert app_client.get("/ranking").status_code == 403


@pytest.mark.parametrize(
    ("login", "installer_id", "status"),
    [
        ("hr1", "I3", 200),
        ("ops1", "I1", 200),
        ("dealer1", "I1", 200),
        ("dealer1", "I3", 404),
        ("dealer2", "I3", 200),
        ("dealer2", "I1", 404),
        ("hr1", "NOBODY", 404),
    ],
)
def test_others_read_only_within_their_scope(
    app_client: TestClient, login: str, installer_id: str, status: int
) -> None:
    as_user(app_client, login)
    page = app_client.get(f"/installers/{installer_id}")
    assert page.status_code == status
    if status == 200:
        assert "只读查看" in page.text and "<textarea" not in page.text
        assert 'value="missing"' not in page.text
    else:
        assert "张伟" not in page.text and "王强" not in page.text
        assert 'class="error"' in page.text and "--" not in main_text(page.text)


@pytest.mark.parametrize("login", ["hr1", "ops1", "dealer1"])
def test_my_statement_is_for_installers(app_client: TestClient, login: str) -> None:
    as_user(app_client, login)
    page = app_client.get("/me")
    assert page.status_code == 200 and "不是师傅账号" in page.text
    assert "张伟" not in page.text


def test_the_installer_disputes_a_line_and_claims_something_missing(
    app_client: TestClient,
) -> None:
    as_user(app_client, "I1")
    text = app_client.get("/me?period=2025-09").text
    target = re.findall(r'name="target_id" value="([^"]+)"', text)[-1]
    form = {"period": "2025-09", "target_kind": "line", "target_id": target}
    stale = app_client.post("/me/disputes", data={**form, "comment": "x", "csrf_token": "no"})
    assert stale.status_code == 403
    sent = app_client.post(
        "/me/disputes",
        data={**form, "comment": HOSTILE, "csrf_token": csrf_from(text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/me?period=2025-09&dispute=")
    page = app_client.get(sent.headers["location"]).text
    assert "申诉 #1 已提交" in page and "待处理" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "已申诉 #1" in page  # the line shows its dispute instead of a form
    claim = app_client.post(
        "/me/disputes",
        data={
            "period": "2025-09",
            "target_kind": "missing",
            "target_id": "J-77",
            "comment": "9月20日的回访没有算进来",
            "csrf_token": csrf_from(page),
        },
    )
    assert claim.status_code == 200 and "漏计 · J-77" in re.sub(r"\s+", " ", claim.text)
    foreign = app_client.post(
        "/me/disputes",
        data={**form, "target_id": "low_score:S2", "comment": "x", "csrf_token": csrf_from(page)},
    )
    assert foreign.status_code == 404  # I3's line is not in I1's statement
    # HR reads both, with their history; a dealer of another network none.
    app_client.cookies.clear()
    as_user(app_client, "hr1")
    hr_page = main_text(app_client.get("/installers/I1").text)
    assert "#1 ·" in hr_page and "#2 ·" in hr_page and "提出申诉" in hr_page


def test_hr_cannot_dispute_for_an_installer(app_client: TestClient) -> None:
    as_user(app_client, "hr1")
    token = csrf_from(app_client.get("/login").text)
    answer = app_client.post(
        "/me/disputes",
        data={
            "period": "2025-09",
            "target_kind": "missing",
            "target_id": "",
            "comment": "x",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 403


def test_the_pages_in_english(app_client: TestClient) -> None:
    as_user(app_client, "I1")
    switch = app_client.get("/lang/en?next=/me%3Fperiod%3D2025-09", follow_redirects=False)
    assert switch.status_code == 303 and switch.headers["location"] == "/me?period=2025-09"
    assert "lang=en" in switch.headers["set-cookie"] and "HttpOnly" in switch.headers["set-cookie"]
    text = app_client.get("/me?period=2025-09").text
    assert '<html lang="en">' in text
    assert "Incentive total" in text and "Counted surveys: 4, averaging 4.75" in text
    assert "激励合计" not in text and "我的结算单" not in text
    missing = app_client.get("/installers/I3")
    assert (
        missing.status_code == 404 and "Not found" in missing.text and "找不到" not in missing.text
    )
    assert "激励合计" in app_client.get("/lang/zh?next=/me").text


def test_the_sign_in_page_follows_the_language(app_client: TestClient) -> None:
    assert "Sign in" not in app_client.get("/login").text
    app_client.cookies.set("lang", "en")
    page = app_client.get("/login?next=/me").text
    assert "Sign in" in page and "登录" not in main_text(page)
    assert 'href="/lang/zh?next=/login%3Fnext%3D%252Fme"' in page


def test_the_language_switch_stays_on_this_site(app_client: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil"):
        answer = app_client.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert answer.headers["location"] == "/"
    odd = app_client.get("/lang/xx?next=/login", follow_redirects=False)
    assert "lang=zh" in odd.headers["set-cookie"]


def test_start_page_and_newest_period_links(app_client: TestClient) -> None:
    as_user(app_client, "hr1")
    home = app_client.get("/")
    assert home.status_code == 200 and "2025-09" in home.text
    assert 'href="/hr/periods/2025-10"' in home.text
    newest = app_client.get("/hr", follow_redirects=False).headers["location"]
    assert newest == "/hr/periods/2025-10"
    app_client.cookies.clear()
    as_user(app_client, "dealer1")
    ranking = app_client.get("/ranking", follow_redirects=False)
    assert ranking.headers["location"] == "/ranking/2025-10"
    assert app_client.get("/hr").status_code == 403


def test_hostile_names_are_escaped(store_url: str, tmp_path: Path, app_client: TestClient) -> None:
    runtime = Runtime.of(Settings(rejects_dir=tmp_path / "rejected"), WorkCalendar.load())
    files = {
        "installers": inputs.INSTALLERS.replace("张伟", HOSTILE),
        "teams": inputs.TEAMS.replace("自有一队", HOSTILE_TEAM.replace('"', '""').join('""')),
    }
    with open_store(store_url) as store:
        import_files(
            store,
            caller=ADMIN,
            paths=[inputs.write(tmp_path / "hostile", files)],
            runtime=runtime,
            rejects_dir=tmp_path / "rejected",
        )
        periods.compute(store, caller=ADMIN, period=Period(2025, 10), runtime=runtime)
    for login, url in (("I1", "/me"), ("hr1", "/installers/I1")):
        app_client.cookies.clear()
        as_user(app_client, login)
        text = app_client.get(url).text
        assert "<script>" not in text and "<img" not in text
        assert "&lt;script&gt;" in text and "&lt;img" in text
