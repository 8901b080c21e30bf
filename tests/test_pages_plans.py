"""Operations' plan pages over HTTP: the plan in force with its history, a text checked with its
problems at their lines, a simulation whose figures are the service's, a proposal approved by a
second user (then in force), the proposer's own approval refused with the reason, a rejection
with its reason, a withdrawal; rights (operations and HR; dealers and installers 403) and the
CSRF token on every form. Store: tests/page_data.py (2025-06..09 closed, 2025-10 a draft).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scoring import periods
from scoring.period import Period
from scoring.services import plans
from scoring.services.access import Caller, Role
from scoring.services.runtime import Runtime
from scoring.settings import Settings
from scoring.store.audit import audit_entries
from scoring.web.charts import change_histogram
from scoring.web.templating import yuan
from tests.auth_helpers import csrf_from, ensure_user, page_client, signed_in, store_of
from tests.page_data import copy_store, pages_db
from tests.plan_helpers import line_of, plan_text

__all__ = ["pages_db"]

PAGES = ("/ops/plans", "/ops/plans/edit")
BAD_CSRF = "表单已过期"
#: A plan from November 2025 (after the closed months) paying 20.00 for a five-star survey.
NOVEMBER = plan_text(five_star="20.00", version=2, effective_from="2025-11-01")


@pytest.fixture
def app(pages_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    from scoring.api import create_app

    settings = Settings(rejects_dir=tmp_path / "rejected", fast_hashes_for_tests=True)
    application = create_app(
        settings, store_url=copy_store(pages_db, tmp_path / "store"), refresh="inline"
    )
    with TestClient(application) as client:
        ensure_user(store_of(client), Role.OPERATIONS, login="ops2")
        yield client


@pytest.fixture
def ops(app: TestClient) -> TestClient:
    return signed_in(app, "ops1")


def main_text(html: str) -> str:
    found = re.search(r"<main>(.*)</main>", html, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", found.group(1))


def post(client: TestClient, url: str, data: dict[str, Any], **kw: Any) -> Any:
    """A form posted with the CSRF token of ``client``'s session."""
    token = csrf_from(client.get("/ops/plans/edit").text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def propose(
    client: TestClient, text: str = NOVEMBER, note: str = "五星回访奖励提高到 20 元"
) -> int:
    answer = post(
        client, "/ops/plans/propose", {"text": text, "note": note, "effective_from": "2025-11"}
    )
    assert answer.status_code == 303, answer.text
    found = re.search(r"/ops/plans/proposals/(\d+)\?done=proposed", answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return int(found.group(1))


# -- rights ------------------------------------------------------------------------------------


def test_operations_and_hr_use_the_pages_dealers_and_installers_get_403(app: TestClient) -> None:
    for url in PAGES:
        anonymous = TestClient(app.app).get(url, follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    for login in ("ops1", "hr1"):
        user = page_client(app, login)
        for url in PAGES:
            assert user.get(url).status_code == 200, (login, url)
        assert 'href="/ops/plans"' in user.get("/").text  # in the navigation
    for login in ("dealer1", "I1"):
        user = page_client(app, login)
        for url in PAGES:
            refused = user.get(url)
            assert refused.status_code == 403, (login, url)
            assert "effective_from" not in refused.text
        assert 'href="/ops/plans"' not in user.get("/").text
        token = csrf_from(user.get("/login").text)
        for url in ("/ops/plans/check", "/ops/plans/propose"):
            forced = user.post(url, data={"text": NOVEMBER, "note": "x", "csrf_token": token})
            assert forced.status_code == 403, (login, url)


def test_every_form_needs_the_csrf_token(ops: TestClient) -> None:
    for url, data in (
        ("/ops/plans/check", {"text": NOVEMBER}),
        ("/ops/plans/simulate", {"text": NOVEMBER, "period": "2025-09"}),
        ("/ops/plans/propose", {"text": NOVEMBER, "note": "n"}),
        ("/ops/plans/proposals/1/approve", {}),
        ("/ops/plans/proposals/1/reject", {"reason": "r"}),
        ("/ops/plans/proposals/1/withdraw", {}),
    ):
        forged = ops.post(url, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 403 and BAD_CSRF in forged.text, url
    assert "没有待批准的提议" in main_text(ops.get("/ops/plans").text)  # nothing proposed


# -- the plan page -----------------------------------------------------------------------------


def test_the_plan_in_force_with_its_links(ops: TestClient) -> None:
    page = main_text(ops.get("/ops/plans").text)
    assert "standard v1" in page
    assert "随系统提供的标准方案" in page  # none activated yet: the shipped plan
    for href in ("/ops/plans/edit", "/ops/plans/edit#upload", "/ops/plans/edit#simulate"):
        assert f'href="{href}"' in page
    edit = ops.get("/ops/plans/edit").text
    assert "effective_from:" in edit and 'name="text"' in edit
    # Only periods with data are offered to simulate against, newest first.
    offered = re.findall(r'<option value="(\d{4}-\d{2})"', edit)
    assert offered == ["2025-10", "2025-09", "2025-08", "2025-07", "2025-06"]


def test_in_english_the_page_speaks_english(ops: TestClient) -> None:
    ops.cookies.set("lang", "en")
    page = main_text(ops.get("/ops/plans").text)
    assert "Incentive plan" in page and "激励方案" not in page


# -- check -------------------------------------------------------------------------------------


def test_check_shows_each_problem_at_its_line_never_a_traceback(ops: TestClient) -> None:
    broken = NOVEMBER.replace("kind: bonus", "kind: bonsu", 1)
    line = line_of(broken, "    kind: bonsu")
    answer = post(ops, "/ops/plans/check", {"text": broken})
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert "Traceback" not in html
    # The listing numbers every line; the bad one is marked and carries the problem in words.
    assert f'<li id="L{line}" class="bad">' in html
    bad = re.search(rf'<li id="L{line}" class="bad">(.*?)</li>', html, re.S)
    assert bad is not None and "bonsu" in bad.group(1) and f"第 {line} 行" in bad.group(1)
    assert f'href="#L{line}"' in html  # the list of problems links to it
    assert 'id="L1"' in html and f'id="L{len(broken.splitlines())}"' in html
    # The text stays in the box to be fixed.
    assert "kind: bonsu" in html.split('id="plan-text"', 1)[1]
    # The problem is written in Chinese on a Chinese page (and English on an English one).
    problem = re.search(r'<p class="why" role="note">(.*?)</p>', html, re.S)
    assert problem is not None and re.search(r"[\u4e00-\u9fff]", problem.group(1))


def test_a_valid_plan_passes_the_check_and_an_uploaded_file_wins(ops: TestClient) -> None:
    answer = post(
        ops,
        "/ops/plans/check",
        {"text": "not: a plan"},
        files={"plan": ("november.yaml", NOVEMBER.encode("utf-8"), "text/yaml")},
    )
    assert answer.status_code == 200
    page = main_text(answer.text)
    assert "检查通过:standard v2,自 2025-11-01 起生效。" in page
    assert 'class="bad"' not in answer.text
    assert "not: a plan" not in answer.text  # the file's text replaced the box's
    garbage = post(ops, "/ops/plans/check", {"text": "\x00{{{ not yaml"})
    assert garbage.status_code == 200 and "Traceback" not in garbage.text
    assert 'class="error"' in garbage.text


# -- simulate ----------------------------------------------------------------------------------


def test_simulate_shows_the_services_figures(app: TestClient, ops: TestClient) -> None:
    answer = post(ops, "/ops/plans/simulate", {"text": NOVEMBER, "period": "2025-09"})
    assert answer.status_code == 200, answer.text
    html = answer.text
    expected = plans.simulate(
        store_of(app),
        caller=Caller("ops1", Role.OPERATIONS),
        period=Period.parse("2025-09"),
        runtime=Runtime.of(Settings()),
        raw=NOVEMBER.encode("utf-8"),
        source="plan.yaml",
    )
    net = expected.total()
    assert net.change_fen > 0  # a richer five-star survey pays more
    page = main_text(html)
    for fen in (net.now_fen, net.simulated_fen):
        assert yuan(fen) in page
    assert yuan(net.change_fen, signed=True) in page
    ups, downs = expected.biggest()
    assert ups and not downs
    top = ups[0]
    assert f'{top["name"]} <span class="muted small">{top["installer_id"]}</span>' in html
    assert yuan(int(top["change_fen"]), signed=True) in page
    assert "没有人减少。" in page
    # The distribution as an inline SVG histogram, drawn on the server.
    chart = re.search(r"<svg.*?</svg>", html, re.S)
    assert chart is not None and "<rect" in chart.group(0) and "<script" not in html
    moved = expected.distribution
    assert f"增加 {moved.increased} 人,减少 {moved.decreased} 人,不变 {moved.unchanged} 人" in page
    # Nothing was kept: no version stored, no proposal.
    assert [p.version for p in plans.list_plans(store_of(app), caller=Caller.local("t"))] in (
        [],
        ["1"],
    )


def test_simulate_an_invalid_plan_shows_its_problems(ops: TestClient) -> None:
    broken = NOVEMBER.replace("kind: bonus", "kind: bonsu", 1)
    answer = post(ops, "/ops/plans/simulate", {"text": broken, "period": "2025-09"})
    assert answer.status_code == 200
    assert f'<li id="L{line_of(broken, "    kind: bonsu")}" class="bad">' in answer.text
    assert "模拟结果" not in answer.text


def test_the_change_histogram_colours_falls_rises_and_the_unchanged() -> None:
    chart = str(
        change_histogram(
            [(-200, -100, 2), (-100, 0, 1), (0, 100, 4)],
            unchanged=3,
            title="变化",
            zero_text="不变",
        )
    )
    assert chart.count("<rect") == 4  # three bands and the unchanged bar between them
    red, grey, green = chart.index("#b00020"), chart.index("#9a9a9a"), chart.index("#0a7a2f")
    assert red < grey < green
    assert ">不变<" in chart and ">-200<" in chart and ">100<" in chart
    assert "empty" in str(change_histogram([], unchanged=0, title="t"))


# -- propose, approve, reject, withdraw ---------------------------------------------------------


def test_a_second_user_approves_and_the_plan_is_in_force(app: TestClient, ops: TestClient) -> None:
    number = propose(ops)
    mine = ops.get(f"/ops/plans/proposals/{number}?done=proposed").text
    assert "已提议" in mine and "您不能批准自己的提议" in mine
    assert "/approve" not in mine  # no approve button for the proposer
    overview = main_text(ops.get("/ops/plans").text)
    assert f"#{number} standard v2" in overview and "待批准" in overview
    # The proposer's own approval, forced, is refused with the reason.
    refused = post(ops, f"/ops/plans/proposals/{number}/approve", {})
    assert refused.status_code == 403
    assert "须由提议人以外的另一位用户批准" in refused.text
    # A second operations user simulates the proposal, then approves it.
    ops2 = page_client(app, "ops2")
    seen = ops2.get(f"/ops/plans/proposals/{number}").text
    assert f"/ops/plans/proposals/{number}/approve" in seen
    simulated = post(ops2, "/ops/plans/simulate", {"proposal_id": str(number), "period": "2025-09"})
    assert simulated.status_code == 200 and "模拟结果:standard v2 · 2025-09" in simulated.text
    approved = post(ops2, f"/ops/plans/proposals/{number}/approve", {"note": "同意"})
    assert approved.status_code == 303
    done = ops2.get(approved.headers["location"]).text
    assert "已批准" in done and "自 2025-11-01 起生效" in done
    page = main_text(ops.get("/ops/plans").text)
    assert "ops2 于" in page and "批准(提议人 ops1)" in page
    in_force = plans.overview(
        store_of(app), caller=Caller.local("t"), runtime=Runtime.of(Settings())
    ).versions
    assert [v.label for v in in_force][:1] == ["standard v2"]
    assert in_force[0].approved_by == "ops2" and in_force[0].effective_from == "2025-11-01"
    with store_of(app).begin() as conn:
        actions = {(e["action"], e["actor"]) for e in audit_entries(conn, limit=50)}
    assert {("plan_propose", "ops1"), ("plan_approve", "ops2")} <= actions


def test_hr_rejects_with_a_reason_and_the_proposer_withdraws(
    app: TestClient, ops: TestClient
) -> None:
    number = propose(ops)
    hr = page_client(app, "hr1")
    no_reason = post(hr, f"/ops/plans/proposals/{number}/reject", {"reason": "  "})
    assert no_reason.status_code == 400
    rejected = post(hr, f"/ops/plans/proposals/{number}/reject", {"reason": "预算不够"})
    assert rejected.status_code == 303
    page = hr.get(rejected.headers["location"]).text
    assert "已驳回" in page and "预算不够" in page and "hr1" in page
    history = main_text(ops.get("/ops/plans").text)
    assert "预算不够" in history and "已驳回" in history
    # A new version proposed, then withdrawn by its proposer (nobody else may).
    again = propose(ops, plan_text(five_star="15.00", version=3, effective_from="2025-11-01"))
    assert post(hr, f"/ops/plans/proposals/{again}/withdraw", {}).status_code == 403
    withdrawn = post(ops, f"/ops/plans/proposals/{again}/withdraw", {"reason": "改主意了"})
    assert withdrawn.status_code == 303
    assert "已撤回" in ops.get(withdrawn.headers["location"]).text


def test_a_refused_proposal_keeps_the_text_with_the_reason_at_its_line(ops: TestClient) -> None:
    answer = post(
        ops, "/ops/plans/propose", {"text": NOVEMBER, "note": "n", "effective_from": "2025-12"}
    )
    assert answer.status_code == 400
    line = line_of(NOVEMBER, "effective_from:")
    assert f'<li id="L{line}" class="bad">' in answer.text
    assert "生效日期不一致" in answer.text
    assert "effective_from: 2025-11-01" in answer.text.split('id="plan-text"', 1)[1]
    no_note = post(ops, "/ops/plans/propose", {"text": NOVEMBER, "note": " "})
    assert no_note.status_code == 400 and "请写明提议说明" in no_note.text


class _CountingRefresher:
    """Stands in for the draft refresher and counts how often it is woken."""

    def __init__(self) -> None:
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1


def test_checking_simulating_and_proposing_do_not_wake_the_draft_refresher(
    app: TestClient, ops: TestClient
) -> None:
    counting = _CountingRefresher()
    state = app.app.state  # type: ignore[attr-defined]
    state.services = dataclasses.replace(state.services, refresher=counting)
    assert post(ops, "/ops/plans/check", {"text": NOVEMBER}).status_code == 200
    simulated = post(ops, "/ops/plans/simulate", {"text": NOVEMBER, "period": "2025-09"})
    assert simulated.status_code == 200
    number = propose(ops)
    assert counting.kicks == 0
    # An approval puts a plan in force: the drafts are computed again.
    approved = post(page_client(app, "hr1"), f"/ops/plans/proposals/{number}/approve", {})
    assert approved.status_code == 303
    assert counting.kicks == 1


def test_a_version_approved_for_a_later_month_is_listed_but_not_yet_in_force(
    app: TestClient, ops: TestClient
) -> None:
    runtime = Runtime.of(Settings())
    today = periods.today(runtime.zone)
    later = Period.of(today).next().next()
    text = plan_text(five_star="20.00", version=2, effective_from=later.first_day.isoformat())
    number = propose_at(ops, text, later.name, note="<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ops.get(f"/ops/plans/proposals/{number}").text
    assert (
        post(page_client(app, "hr1"), f"/ops/plans/proposals/{number}/approve", {}).status_code
        == 303
    )
    found = plans.overview(store_of(app), caller=Caller.local("t"), runtime=runtime)
    assert found.in_force is not None and found.in_force.label == "standard v1"
    assert found.in_force.until == (later.first_day - dt.timedelta(days=1)).isoformat()
    assert [(v.label, v.effective_from, v.until) for v in found.versions][0] == (
        "standard v2",
        later.first_day.isoformat(),
        None,
    )
    page = main_text(ops.get("/ops/plans").text)
    assert f"自 {later.first_day.isoformat()} 起" in page and "standard v1" in page


def propose_at(client: TestClient, text: str, period: str, note: str) -> int:
    answer = post(
        client, "/ops/plans/propose", {"text": text, "note": note, "effective_from": period}
    )
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("/proposals/")[1].split("?")[0])
