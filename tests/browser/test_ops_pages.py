"""Operations in a real browser, on a phone (375 px) and a desktop (1280 px): the plan pages fit
the screen (no sideways scroll); an operations user checks a broken plan and sees the problem at
its line, fixes it, simulates it against a closed month (totals, biggest changes, the histogram),
proposes it, cannot approve it; an HR user approves it and the plan page shows it in force. Each
test has its own server on a fresh copy of the store of tests/page_data.py."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.browser.conftest import LiveServer, new_context, no_sideways_scroll, shot, sign_in
from tests.plan_helpers import line_of, plan_text

NOVEMBER = plan_text(five_star="20.00", version=2, effective_from="2025-11-01")


def tables_fit(page: Page) -> None:
    cut = page.evaluate(
        "Array.from(document.querySelectorAll('table')).filter("
        "t => t.scrollWidth > t.parentElement.clientWidth + 1).length"
    )
    assert cut == 0, f"{page.url}: a table is wider than its box"


def submit(page: Page, action: str) -> None:
    page.click(f"button[formaction='{action}']")
    page.wait_for_load_state()


def test_operations_checks_simulates_proposes_and_hr_approves(
    browser: Browser, server: LiveServer, screenshots: Path, size: str
) -> None:
    ops_context = new_context(browser, size, timeout_ms=15000)
    hr_context = new_context(browser, size, timeout_ms=15000)
    try:
        ops = ops_context.new_page()
        sign_in(ops, server.url, "ops1")
        ops.click("nav a[href='/ops/plans']")
        ops.wait_for_load_state()
        assert "standard v1" in ops.locator("main").inner_text()
        no_sideways_scroll(ops)
        shot(ops, screenshots, f"ops-plans-{size}")

        # A broken plan: the problem at its line, in words, never a traceback.
        ops.click("main a[href='/ops/plans/edit']")
        ops.wait_for_load_state()
        no_sideways_scroll(ops)
        broken = NOVEMBER.replace("kind: bonus", "kind: bonsu", 1)
        ops.fill("#plan-text", broken)
        submit(ops, "/ops/plans/check")
        line = line_of(broken, "    kind: bonsu")
        marked = ops.locator(f"#L{line}")
        assert marked.is_visible() and "bonsu" in marked.inner_text()
        assert f"第 {line} 行" in marked.inner_text()
        assert "Traceback" not in ops.content()
        no_sideways_scroll(ops)
        shot(ops, screenshots, f"ops-plan-check-{size}")

        # Fixed, then simulated against September (closed).
        ops.fill("#plan-text", NOVEMBER)
        ops.select_option("#sim-period", "2025-09")
        submit(ops, "/ops/plans/simulate")
        result = ops.locator("#result")
        assert "模拟结果:standard v2 · 2025-09" in result.inner_text()
        assert result.locator("svg.chart rect").count() >= 2
        rises = result.locator("section", has_text="增加最多").last
        assert "张伟" in rises.inner_text()
        no_sideways_scroll(ops)
        if size == "desktop":
            tables_fit(ops)
        shot(ops, screenshots, f"ops-plan-simulate-{size}")  # docs/screenshots/plans.png

        # Proposed from November; the proposer cannot approve it.
        ops.fill("#effective", "2025-11")
        ops.fill("#note", "五星回访奖励提高到 20 元")
        submit(ops, "/ops/plans/propose")
        assert "/ops/plans/proposals/" in ops.url
        assert "等待另一位用户批准" in ops.locator(".notice").inner_text()
        assert "您不能批准自己的提议" in ops.locator("main").inner_text()
        assert ops.locator("form[action$='/approve']").count() == 0
        no_sideways_scroll(ops)
        shot(ops, screenshots, f"ops-plan-proposed-{size}")
        proposal = ops.url.split("?", 1)[0]

        # HR, the second person, simulates it and approves it.
        hr = hr_context.new_page()
        sign_in(hr, server.url, "hr1")
        hr.goto(f"{server.url}/ops/plans")
        hr.click("article.proposal a.button")
        hr.wait_for_load_state()
        assert hr.url.split("?", 1)[0] == proposal
        hr.select_option("#sim-period", "2025-10")
        hr.click("#simulate button[type=submit]")
        hr.wait_for_load_state()
        assert "模拟结果:standard v2 · 2025-10" in hr.locator("#result").inner_text()
        no_sideways_scroll(hr)
        shot(hr, screenshots, f"ops-plan-decide-{size}")
        hr.fill("#approve-note", "同意")
        hr.click("form[action$='/approve'] button[type=submit]")
        hr.wait_for_load_state()
        assert "自 2025-11-01 起生效" in hr.locator(".notice").inner_text()

        ops.goto(f"{server.url}/ops/plans")
        versions = ops.locator("table.versions").inner_text()
        assert "standard v2" in versions and "hr1" in versions
        no_sideways_scroll(ops)
        shot(ops, screenshots, f"ops-plans-approved-{size}")
    finally:
        ops_context.close()
        hr_context.close()


def test_dealers_and_installers_are_refused(
    browser: Browser, server: LiveServer, screenshots: Path, size: str
) -> None:
    context = new_context(browser, size, timeout_ms=15000)
    try:
        page = context.new_page()
        for login in ("dealer1", "I1"):
            sign_in(page, server.url, login)
            assert page.locator("nav a[href='/ops/plans']").count() == 0
            answer = page.goto(f"{server.url}/ops/plans")
            assert answer is not None and answer.status == 403
            no_sideways_scroll(page)
            context.clear_cookies()
        shot(page, screenshots, f"ops-plans-refused-{size}")
    finally:
        context.close()
