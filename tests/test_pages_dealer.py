"""The dealer's pages over HTTP: /ranking, /ranking/{period} (one dealer's teams, paged, with
their figures, the change since last month, order shares and warnings), a team's page and the
monthly report, for every role and scope. The data: tests/page_data.py (dealer1 sees D1 with
teams T1 and T2; D2 has T3)."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient

from scoring.period import Period
from scoring.services import dealers
from scoring.services.access import Caller
from scoring.store import open_store
from scoring.web.pages_ranking import percent, points_change
from tests.auth_helpers import signed_in
from tests.page_data import app_client, pages_db, store_url

__all__ = ["app_client", "pages_db", "store_url"]

OPEN = "2025-10"


def main_text(html: str) -> str:
    found = re.search(r"<main>(.*)</main>", html, re.S)
    assert found is not None
    return found.group(1)


def team_rows(html: str) -> list[str]:
    body = re.search(r'<table class="cards dealer-ranking">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body is not None
    return re.findall(r"<tr class=\"team[^\"]*\">(.*?)</tr>", body.group(1), re.S)


def test_a_dealer_sees_its_own_teams_only(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    page = client.get("/ranking", follow_redirects=True)
    assert page.status_code == 200 and page.url.path == f"/ranking/{OPEN}"
    text = main_text(page.text)
    assert "华东家电" in text and "自有一队" in text and "速装服务部" in text
    assert "南方" not in text  # neither D2 nor its team T3
    assert 'id="dealer"' not in text  # one dealer: nothing to pick
    for url in (f"/ranking/{OPEN}?dealer=D2", f"/ranking/{OPEN}/teams/T3"):
        refused = client.get(url)
        assert refused.status_code == 404, url
        assert "南方安装" not in refused.text and "王强" not in refused.text
    report = client.get(f"/ranking/{OPEN}/report", params={"dealer": "D2", "format": "html"})
    assert report.status_code == 404 and "南方安装" not in report.text


def test_the_other_dealer_sees_its_own_and_not_the_first(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer2")
    text = main_text(client.get(f"/ranking/{OPEN}").text)
    assert "南方安装" in text and "自有一队" not in text
    assert client.get(f"/ranking/{OPEN}/teams/T1").status_code == 404
    assert client.get(f"/ranking/{OPEN}/teams/T3").status_code == 200


@pytest.mark.parametrize("login", ["hr1", "ops1"])
def test_hr_and_operations_see_every_dealer(app_client: TestClient, login: str) -> None:
    client = signed_in(app_client, login)
    first = client.get(f"/ranking/{OPEN}").text
    picker = re.search(r'<select id="dealer" name="dealer">(.*?)</select>', first, re.S)
    assert picker is not None
    assert re.findall(r'value="(D\d)"', picker.group(1)) == ["D1", "D2"]
    second = client.get(f"/ranking/{OPEN}", params={"dealer": "D2"})
    assert second.status_code == 200 and "南方安装" in main_text(second.text)
    assert client.get(f"/ranking/{OPEN}/teams/T3").status_code == 200
    assert client.get(f"/ranking/{OPEN}/teams/T1").status_code == 200
    assert client.get(f"/ranking/{OPEN}/teams/NOPE").status_code == 404
    assert client.get(f"/ranking/{OPEN}", params={"dealer": "NOPE"}).status_code == 404


def test_an_installer_has_no_ranking(app_client: TestClient) -> None:
    client = signed_in(app_client, "I1")
    assert client.get(f"/ranking/{OPEN}").status_code == 403
    assert client.get(f"/ranking/{OPEN}/teams/T1").status_code == 403


def test_the_teams_come_a_page_at_a_time(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    first = client.get(f"/ranking/{OPEN}", params={"limit": 1}).text
    rows = team_rows(first)
    assert len(rows) == 1 and "自有一队" in rows[0]
    assert "第 1–1 个团队,共 2 个" in first
    following = re.search(r'<a class="button" href="([^"]+)">下一页</a>', first)
    assert following is not None
    link = following.group(1).replace("&amp;", "&")
    assert "offset=1" in link and "limit=1" in link and "dealer=D1" in link
    second = client.get(link).text
    rows = team_rows(second)
    assert len(rows) == 1 and "速装服务部" in rows[0]
    assert "上一页" in second and "下一页" not in second
    # The default page holds both teams and no pager.
    whole = client.get(f"/ranking/{OPEN}").text
    assert len(team_rows(whole)) == 2 and "下一页" not in whole


def test_an_unranked_team_says_why(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    rows = team_rows(client.get("/ranking/2025-09").text)
    assert len(rows) == 2
    assert "第 1 名" in rows[0] and "未排名" not in rows[0]
    assert "速装服务部" in rows[1]
    assert "未排名" in rows[1] and "本月没有计入的回访问卷" in rows[1]


def test_order_shares_add_up_to_100_percent_with_a_reason_each(
    app_client: TestClient, store_url: str
) -> None:
    with open_store(store_url) as store:
        for dealer_id in ("D1", "D2"):
            for period in ("2025-08", "2025-09", OPEN):
                view = dealers.dealer_ranking(
                    store,
                    caller=Caller.local("test"),
                    period=Period.parse(period),
                    dealer_id=dealer_id,
                )
                shares = [t.share for t in view.teams if t.share is not None]
                assert shares, (dealer_id, period)
                assert sum(s.share_bp for s in shares) == 10_000
                assert all(s.reason_zh and s.reason_en for s in shares)
    client = signed_in(app_client, "dealer1")
    rows = team_rows(client.get(f"/ranking/{OPEN}").text)
    shown = [re.findall(r"(\d+\.\d\d)%</strong>", row) for row in rows]
    assert shown == [[], ["100.00"]]  # the in-house team is planned apart
    assert "不参与派单分配" in rows[0] and "排名第 2,权重 3" in rows[1]


def test_month_over_month_in_words() -> None:
    assert points_change(Fraction(4, 5), Fraction(4, 5), "zh") == "持平"
    assert points_change(Fraction(10000, 10001), Fraction(1), "zh") == "持平"  # rounds to 0.0
    assert points_change(Fraction(4, 5), Fraction(1), "zh") == "下降 20.0 个百分点"
    assert points_change(Fraction(1), Fraction(4, 5), "en") == "up 20.0 points"
    assert points_change(None, Fraction(1), "zh") is None
    assert percent(Fraction(14, 15)) == "93.3%" and percent(None) == "—"


def test_month_over_month_on_the_page(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    july = team_rows(client.get("/ranking/2025-07").text)[0]
    assert "名次持平" in july and "好评率下降 20.0 个百分点" in july  # 100% in June, 80% in July
    august = team_rows(client.get("/ranking/2025-08").text)[0]
    assert "好评率上升 20.0 个百分点" in august
    october = client.get(f"/ranking/{OPEN}").text
    rows = team_rows(october)
    assert "名次持平" in rows[0] and "好评率持平" in rows[0]
    assert "0.0 个百分点" not in october
    assert "上月未排名" in rows[1]  # T2 had no survey in September
    june = team_rows(client.get("/ranking/2025-06").text)[0]
    assert "持平" not in june and '<span class="muted">—</span>' in june  # no month before


def test_the_page_speaks_a_dealers_words(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    text = main_text(client.get(f"/ranking/{OPEN}").text)
    for words in ("好评率", "有责投诉率", "回访完成率", "服务承诺达成率", "评分", "名次", "较上月"):
        assert words in text, words
    for jargon in ("Wilson", "wilson", "贝叶斯", "decided_by", "rating"):
        assert jargon not in text.replace('class="', ""), jargon
    assert text.count('class="card method"') == 1  # the method, once
    assert "<svg" in text and "95%" in text  # the chart of 好评率 with its interval
    english = signed_in(app_client, "dealer1")
    english.cookies.set("lang", "en")
    text = main_text(english.get(f"/ranking/{OPEN}").text)
    assert "Good reviews" in text and "好评率" not in text


def test_warnings_of_the_dealers_teams_only(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    text = main_text(client.get(f"/ranking/{OPEN}").text)
    section = text[text.index('id="warnings"') : text.index('class="card ranking-chart"')]
    assert "2025-10-05" in section
    assert section.count("今日到期") >= 2 and "明日到期" in section and "昨日超时" in section
    assert "I1-2025-09-2" in section and "I3-" not in section  # T3's warnings are D2's


def test_a_team_with_its_installers_and_trend(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    page = client.get(f"/ranking/{OPEN}/teams/T1")
    assert page.status_code == 200
    text = main_text(page.text)
    assert "自有一队" in text and "张伟" in text and "/installers/I1?period=2025-10" in text
    assert text.count("<svg") == 2  # 好评率 and rating over the months
    assert "6月" in text and "10月" in text  # the trend starts at the first month with data
    assert "名次持平" in text


def test_the_monthly_report_downloads(app_client: TestClient) -> None:
    client = signed_in(app_client, "dealer1")
    text = client.get(f"/ranking/{OPEN}").text
    assert "/ranking/2025-10/report?dealer=D1&amp;format=xlsx" in text
    workbook = client.get(f"/ranking/{OPEN}/report", params={"dealer": "D1"})
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert workbook.content[:2] == b"PK"
    printable = client.get(f"/ranking/{OPEN}/report", params={"dealer": "D1", "format": "html"})
    assert printable.status_code == 200 and "华东家电" in printable.text
    assert "南方安装" not in printable.text


def test_the_month_picker_keeps_the_dealer(app_client: TestClient) -> None:
    client = signed_in(app_client, "hr1")
    answer = client.get(
        "/ranking", params={"period": "2025-09", "dealer": "D2"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ranking/2025-09?dealer=D2"
    page = client.get(f"/ranking/{OPEN}").text
    months = re.findall(r'<option value="(\d{4}-\d\d)"', page)
    assert months == [OPEN, "2025-09", "2025-08", "2025-07", "2025-06"]


def test_the_pages_never_read_a_whole_month(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def whole_month(*_: object, **__: object) -> None:
        raise AssertionError("a dealer's page read a whole month")

    monkeypatch.setattr("scoring.store.results.load_frames", whole_month)
    for module in ("scoring.store.records", "scoring.services.sla_warnings"):
        monkeypatch.setattr(f"{module}.load_all", whole_month)
    client = signed_in(app_client, "hr1")
    for url in (f"/ranking/{OPEN}?dealer=D2", f"/ranking/{OPEN}/teams/T1", "/ranking/2025-07"):
        assert client.get(url).status_code == 200, url


def test_a_team_is_found_by_its_index(store_url: str) -> None:
    with open_store(store_url) as store, store.snapshot() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT data FROM ranking_rows "
            "WHERE period = '2025-10' AND status = 'draft' AND team_id = 'T1'"
        ).fetchall()
    assert "ix_ranking_rows_period_status_team_id" in " ".join(str(row) for row in plan)
