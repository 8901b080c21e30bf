"""HR in a real browser, on a phone (375 px) and a desktop (1280 px): every HR page fits the
screen (no sideways scroll), HR uploads a file with a bad row and downloads its rejects file,
accepts a dispute an installer opened so that the installer's next month shows the amount, and
closes a period after the confirmation. Each test has its own server on a fresh copy of the
store of tests/page_data.py (these tests change it)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, new_context, no_sideways_scroll, shot, sign_in

#: Every page of HR's (the review of the open month and of a closed one).
HR_PAGES = {
    "periods": "/hr/periods",
    "review": "/hr/periods/2025-10",
    "review-closed": "/hr/periods/2025-09",
    "adjustments": "/hr/periods/2025-10/adjustments",
    "imports": "/hr/imports",
    "disputes": "/hr/disputes?status=all",
    "users": "/hr/users",
    "audit": "/hr/audit",
}


def go(page: Page, url: str) -> None:
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, f"{url}: {answer and answer.status}"


def test_every_hr_page_fits_the_screen(
    page: Page, server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, server.url, "hr1")
    for name, url in HR_PAGES.items():
        go(page, server.url + url)
        no_sideways_scroll(page)
        # Tables fit their box on a desktop: nothing cut off at the right.
        if size == "desktop":
            cut = page.evaluate(
                "Array.from(document.querySelectorAll('table')).filter("
                "t => t.scrollWidth > t.parentElement.clientWidth + 1).length"
            )
            assert cut == 0, f"{url}: a table is wider than the page"
        shot(page, screenshots, f"hr-{name}-{size}")
    # The periods in words, with links; the review with its chart and changes.
    go(page, f"{server.url}/hr/periods")
    body = page.locator("main").inner_text()
    assert "草稿" in body and "已关账" in body and "2025-06" in body
    page.click("a[href='/hr/periods/2025-10']")
    page.wait_for_load_state()
    assert page.locator("svg.chart").count() == 1
    falls = page.locator("section", has_text="减少最多")
    assert "张伟" in falls.inner_text() and "-74.00" in falls.inner_text()
    # In English: one language, the same page.
    page.click("a.lang")
    page.wait_for_load_state()
    assert page.get_by_text("Fell most").is_visible() and page.get_by_text("减少最多").count() == 0
    no_sideways_scroll(page)
    shot(page, screenshots, f"hr-review-en-{size}")


def test_operations_reads_the_periods_without_forms(
    page: Page, server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, server.url, "ops1")
    go(page, f"{server.url}/hr/periods/2025-10")
    assert page.locator("form[action$='/close']").count() == 0
    assert page.get_by_text("工资表导出").count() == 0
    go(page, f"{server.url}/hr/disputes")
    assert page.locator("form[action$='/accept']").count() == 0
    answer = page.goto(f"{server.url}/hr/users")
    assert answer is not None and answer.status == 403
    assert "hr1" not in page.locator("main").inner_text()
    no_sideways_scroll(page)
    shot(page, screenshots, f"hr-ops-refused-{size}")


BAD_SURVEYS = (
    "survey_id,job_id,surveyed_at,channel,overall,attitude,promise_kept,comment\n"
    "S-NEW-1,J1,2025-10-16T10:00:00,phone,5,5,true,好\n"
    "S-NEW-2,J1,2025-10-17T10:00:00,phone,11,5,true,分数写错了\n"
)


def test_hr_uploads_a_file_with_a_bad_row_and_downloads_the_rejects(
    page: Page, server: LiveServer, screenshots: Path, size: str, tmp_path: Path
) -> None:
    sign_in(page, server.url, "hr1")
    go(page, f"{server.url}/hr/imports")
    no_sideways_scroll(page)
    page.set_input_files(
        "#imp-files",
        files=[{"name": "surveys.csv", "mimeType": "text/csv", "buffer": BAD_SURVEYS.encode()}],
    )
    page.click("form[action='/hr/imports'] button[type=submit]")
    page.wait_for_load_state()
    assert "/hr/imports/" in page.url
    assert "有 1 行没有导入" in page.locator("main").inner_text()
    problem = page.locator("table.problems tbody tr").first
    text = problem.inner_text()
    assert "surveys.csv" in text and "3" in text and "overall" in text
    no_sideways_scroll(page)
    shot(page, screenshots, f"hr-import-rejected-{size}")

    with page.expect_download() as waiting:
        page.click("a.download")
    download = waiting.value
    assert download.suggested_filename == "surveys.rejected.csv"
    saved = tmp_path / "rejects.csv"
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][-1].startswith("导入错误") and [r[0] for r in rows[1:]] == ["S-NEW-2"]
    assert "overall" in rows[1][-1]
    # The batch is listed on the import page.
    go(page, f"{server.url}/hr/imports")
    assert page.locator("table tbody tr").first.locator("td").nth(6).inner_text() == "1"


def test_hr_accepts_a_dispute_and_the_installer_sees_it_the_next_month(
    browser: Browser, server: LiveServer, screenshots: Path, size: str
) -> None:
    phone, desk = new_context(browser, size), new_context(browser, size)
    try:
        installer = phone.new_page()
        sign_in(installer, server.url, "I1")
        go(installer, f"{server.url}/me?period=2025-09")
        line = installer.locator(".group", has_text="扣款").locator(".line:has(summary)").first
        line.locator("summary").click()
        line.locator("textarea").fill("这单投诉不是我的责任")
        line.locator("button[type=submit]").click()
        installer.wait_for_load_state()
        assert installer.locator(".notice").inner_text().startswith("申诉 #")

        hr = desk.new_page()
        sign_in(hr, server.url, "hr1")
        go(hr, f"{server.url}/hr/disputes")
        card = hr.locator("article.dispute", has_text="这单投诉不是我的责任")
        assert "张伟" in card.inner_text() and "扣款" in card.inner_text()
        no_sideways_scroll(hr)
        shot(hr, screenshots, f"hr-disputes-open-{size}")
        card.locator("summary", has_text="接受").click()
        assert card.locator("input[name=period]").input_value() == "2025-10"  # 09 is closed
        card.locator("input[name=amount]").fill("50.00")
        card.locator("textarea[name=reason]").first.fill("核实为客户原因")
        card.locator("button", has_text="接受申诉").click()
        hr.wait_for_load_state()
        assert "已接受" in hr.locator(".notice").inner_text()
        go(hr, f"{server.url}/hr/disputes?status=accepted")
        answered = hr.locator("article.dispute", has_text="这单投诉不是我的责任")
        assert "50.00 元计入 2025-10" in answered.inner_text()
        assert "核实为客户原因" in answered.inner_text()
        no_sideways_scroll(hr)
        shot(hr, screenshots, f"hr-disputes-accepted-{size}")

        go(installer, f"{server.url}/me?period=2025-10")
        manual = installer.locator(".group", has_text="人工调整")
        assert "+50.00" in manual.inner_text()
        assert "已接受" in installer.locator("article.dispute").first.inner_text()
        no_sideways_scroll(installer)
        shot(installer, screenshots, f"installer-adjusted-{size}")
    finally:
        phone.close()
        desk.close()


def test_hr_closes_a_period_after_the_confirmation(
    page: Page, server: LiveServer, screenshots: Path, size: str
) -> None:
    sign_in(page, server.url, "hr1")
    go(page, f"{server.url}/hr/periods/2025-10")
    close = page.locator("section.confirm")
    assert "关账 2025-10" in close.inner_text() and "-70.00" in close.inner_text()
    close.locator("button.danger").click()  # not ticked: the browser keeps the form
    assert page.url.endswith("/hr/periods/2025-10")
    close.locator("input[name=confirm]").check()
    close.locator("button.danger").click()
    page.wait_for_load_state()
    assert "done=closed" in page.url
    assert "2025-10 已关账" in page.locator(".notice").inner_text()
    assert page.locator("h1 .tag").inner_text() == "已关账"
    assert page.locator("section.confirm").count() == 0
    no_sideways_scroll(page)
    shot(page, screenshots, f"hr-closed-{size}")
    go(page, f"{server.url}/hr/periods")
    first = page.locator("table.periods tbody tr").first
    assert "2025-10" in first.inner_text() and "已关账" in first.inner_text()
