"""The installer in a real browser: signs in on a phone and a desktop, reads the statement
without scrolling sideways, switches language, disputes a line and claims something missing,
and sees both listed. Other roles: the read-only page, and nothing outside a dealer's scope."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, no_sideways_scroll, shot, sign_in


def test_the_installer_reads_the_statement(
    page: Page, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    page.goto(f"{live_server.url}/me")
    assert "/login" in page.url  # not signed in: the sign-in page
    shot(page, screenshots, f"signin-{size}")
    no_sideways_scroll(page)
    sign_in(page, live_server.url, "I1")
    assert page.url.endswith("/me")  # the start page sends an installer to its statement
    assert page.locator("h1").inner_text() == "张伟"
    assert page.locator("select#period option:checked").inner_text().startswith("2025-10")
    assert page.get_by_text("激励合计").first.is_visible()
    assert page.locator("svg.chart").count() == 2
    no_sideways_scroll(page)
    shot(page, screenshots, f"installer-{size}")
    # An earlier, closed month with a deduction and the rating in words.
    page.select_option("select#period", "2025-09")
    page.click("form.inline-form button")
    page.wait_for_load_state()
    assert "period=2025-09" in page.url
    words = page.locator(".rating-words").inner_text()
    assert "4 份有效回访,平均 4.75" in words and "再得 3 份五星好评可升到 A 级" in words
    deduction = page.locator(".group", has_text="扣款").locator(".num.neg").first
    assert deduction.inner_text() == "-50.00"
    no_sideways_scroll(page)
    shot(page, screenshots, f"installer-2025-09-{size}")


def test_the_installer_switches_language(
    page: Page, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, live_server.url, "I1")
    page.click("a.lang")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Incentive total").first.is_visible()
    assert page.get_by_text("激励合计").count() == 0  # one language, not both
    no_sideways_scroll(page)
    shot(page, screenshots, f"installer-en-{size}")
    page.click("a.lang")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_the_installer_disputes_a_line_and_claims_a_missing_survey(
    page: Page, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, live_server.url, "I1")
    page.goto(f"{live_server.url}/me?period=2025-08")
    line = page.locator(".line:has(summary)").first  # a line not disputed yet
    line.locator("summary").click()
    comment = f"这单客户当面说满意({size})"
    line.locator("textarea").fill(comment)
    line.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".notice").inner_text().startswith("申诉 #")
    listed = page.locator("article.dispute", has_text=comment)
    assert listed.count() == 1 and "待处理" in listed.inner_text()
    no_sideways_scroll(page)
    shot(page, screenshots, f"installer-disputed-{size}")

    page.fill("#missing-reference", f"J-{size}")
    page.fill("#missing-what", "8月20日的回访没有算进来")
    page.click("form:has(#missing-reference) button[type=submit]")
    page.wait_for_load_state()
    claim = page.locator("article.dispute", has_text=f"J-{size}")
    assert claim.count() == 1 and "漏计" in claim.inner_text()
    no_sideways_scroll(page)


def test_hr_reads_an_installer_and_a_dealer_sees_only_its_own(
    page: Page, live_server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, live_server.url, "hr1")
    page.goto(f"{live_server.url}/installers/I1?period=2025-09")
    assert page.locator("h1").inner_text() == "张伟"
    assert page.locator("textarea").count() == 0  # read-only: no dispute forms
    no_sideways_scroll(page)
    shot(page, screenshots, f"hr-installer-{size}")
    page.goto(f"{live_server.url}/me")
    assert "不是师傅账号" in page.locator("main").inner_text()
    page.context.clear_cookies()

    sign_in(page, live_server.url, "dealer2")
    answer = page.goto(f"{live_server.url}/installers/I1")
    assert answer is not None and answer.status == 404
    assert "张伟" not in page.content()
    no_sideways_scroll(page)
    shot(page, screenshots, f"error-404-{size}")
