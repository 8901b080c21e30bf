"""The dealer in a real browser, on a phone (375 px: a card per team) and a desktop (1280 px: a
table that fits): the ranking with its figures, warnings, order shares, chart and method; a
team with its installers and trend; nothing of another dealer. HR picks any dealer. The
screenshots go to test-artifacts (docs/screenshots holds copies made by hand for the README)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, no_sideways_scroll, shot, sign_in


def test_a_dealer_reads_its_ranking(
    page: Page, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, live_server.url, "dealer1")
    page.goto(f"{live_server.url}/ranking")
    assert page.url.endswith("/ranking/2025-10")  # the newest month with data
    assert page.locator("h1").inner_text().startswith("华东家电")
    main = page.locator("main").inner_text()
    for words in ("好评率", "有责投诉率", "回访完成率", "服务承诺达成率", "派单建议", "服务预警"):
        assert words in main, words
    assert "Wilson" not in main and "南方" not in main  # no jargon, nothing of D2
    rows = page.locator("table.dealer-ranking tbody tr")
    assert rows.count() == 2
    assert rows.nth(1).locator("td.share").inner_text().startswith("100.00%")
    assert page.locator("svg.chart").count() == 1
    warned = page.locator("table.warning-teams tbody tr")
    assert warned.count() == 1 and "自有一队" in warned.inner_text()  # due today, tomorrow, late
    if size == "phone":  # a card per team: the cells stacked, each with its label
        cell = rows.first.locator("td").nth(1)
        assert cell.evaluate("e => getComputedStyle(e).display") == "flex"
        assert page.locator("table.dealer-ranking thead").is_hidden()
    else:
        assert page.locator("table.dealer-ranking thead").is_visible()
    no_sideways_scroll(page)
    shot(page, screenshots, f"ranking-{size}")
    page.click("details.warning-records summary")
    assert page.locator("table.warnings tbody tr").count() == 3
    no_sideways_scroll(page)

    # An earlier month through the picker: T2 unranked, with the reason.
    page.select_option("select#period", "2025-09")
    page.click("form.picker button")
    page.wait_for_load_state()
    assert page.url.endswith("/ranking/2025-09?dealer=D1")
    unranked = page.locator("tr.unranked")
    assert unranked.count() == 1 and "本月没有计入的回访问卷" in unranked.inner_text()
    no_sideways_scroll(page)

    # A team: its installers and its trend.
    page.goto(f"{live_server.url}/ranking/2025-10")
    page.click("table.dealer-ranking a:has-text('自有一队')")
    page.wait_for_load_state()
    assert page.url.endswith("/ranking/2025-10/teams/T1")
    assert page.locator("table.team-installers").inner_text().count("张伟") == 1
    assert page.locator("svg.chart").count() == 2
    no_sideways_scroll(page)
    shot(page, screenshots, f"team-{size}")

    # Another dealer's team or ranking: not found, no data.
    answer = page.goto(f"{live_server.url}/ranking/2025-10/teams/T3")
    assert answer is not None and answer.status == 404
    assert "南方安装" not in page.content()
    answer = page.goto(f"{live_server.url}/ranking/2025-10?dealer=D2")
    assert answer is not None and answer.status == 404


def test_hr_picks_any_dealer(
    page: Page, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, live_server.url, "hr1")
    page.goto(f"{live_server.url}/ranking/2025-10")
    assert page.locator("select#dealer option").count() == 2
    page.select_option("select#dealer", "D2")
    page.click("form.picker button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("南方家居")
    assert "南方安装" in page.locator("table.dealer-ranking").inner_text()
    no_sideways_scroll(page)
    shot(page, screenshots, f"ranking-hr-d2-{size}")
    page.click("a.lang")
    page.wait_for_load_state()
    assert "Good reviews" in page.locator("main").inner_text()
    no_sideways_scroll(page)
    shot(page, screenshots, f"ranking-en-{size}")
    # The widest words: English, an unranked team with its reason, a change on two lines.
    page.goto(f"{live_server.url}/ranking/2025-09?dealer=D1")
    assert "no counted survey this month" in page.locator("tr.unranked").inner_text()
    no_sideways_scroll(page)
    shot(page, screenshots, f"ranking-en-unranked-{size}")
