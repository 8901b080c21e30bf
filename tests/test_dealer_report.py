"""The dealer's monthly report (每月例会通报): sections, scope, files (XLSX with charts, HTML),
the command line, the API, the scheduler after a close; good and bad paths, both stores."""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from payroll_export.dealer_report.xlsx import put_text
from scoring import jobs
from scoring.api import create_app
from scoring.cli import app as cli_app
from scoring.dealer_report import sections
from scoring.errors import NotFoundError
from scoring.importer import import_paths
from scoring.period import Period
from scoring.services import periods as period_services
from scoring.services import reports
from scoring.services.access import Caller, Forbidden, Role
from scoring.services.runtime import Runtime
from scoring.services.statements import NotComputed
from scoring.settings import Settings
from scoring.store import Store, open_store
from scoring.store import audit as store_audit
from scoring.workdays import WorkCalendar
from tests import inputs
from tests.auth_helpers import api_token, bearer, make_users

ZONE = ZoneInfo("Asia/Shanghai")
OCTOBER, NOVEMBER = Period(2025, 10), Period(2025, 11)
HR = Caller.local("hr")
DEALER1 = Caller("d1", Role.DEALER, dealer_ids=frozenset({"D1"}))
AS_OF = dt.date(2025, 10, 31)
runner = CliRunner()

#: November: a second job of I3 (team T3 of D2) with a 5-star survey and comments.
NOVEMBER_FILES = {
    "jobs": "job_id,installer_ids,service_type,created_at,completed_at\n"
    "J4,I3,repair,2025-11-03T09:00:00,2025-11-04T15:00:00\n"
    "J5,I1,install,2025-11-03T09:00:00,2025-11-05T15:00:00\n",
    "surveys": "survey_id,job_id,surveyed_at,overall,attitude,punctuality,promise_kept,comment\n"
    "S3,J4,2025-11-05T10:00:00,5,5,4,yes,师傅非常专业\n"
    "S4,J5,2025-11-06T10:00:00,4,4,5,no,师傅非常专业\n",
    "revisits": "revisit_id,job_id,revisited_at,reached,note\n"
    "R2,J4,2025-11-06T10:00:00,yes,客户表示满意\n"
    "R3,J4,2025-11-07T10:00:00,yes,客户表示满意。已告知保修政策\n",
}


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    monkeypatch.setattr("scoring.periods.today", lambda zone: AS_OF)
    return Runtime(
        zone=ZONE,
        calendar=WorkCalendar.load(),
        rejects_dir=tmp_path / "rejected",
        reports_dir=tmp_path / "reports",
    )


def load(store: Store, folder: Path, files: dict[str, str] | None = None) -> None:
    import_paths(
        store, [inputs.write(folder, files)], actor="hr", zone=ZONE, rejects_dir=folder / "r"
    )


@pytest.fixture
def computed(store: Store, tmp_path: Path, runtime: Runtime) -> Store:
    load(store, tmp_path / "in")
    period_services.compute(store, caller=HR, period=OCTOBER, runtime=runtime)
    return store


def one(store: Store, runtime: Runtime, dealer: str, period: Period = OCTOBER) -> object:
    (found,) = reports.build(store, caller=HR, period=period, runtime=runtime, dealer_ids=[dealer])
    return found


# -- sections (pure) ------------------------------------------------------------------------


def test_the_complaints_matrix_counts_every_category_and_verdict() -> None:
    complaints = pl.DataFrame(
        {
            "category": ["attitude", "attitude", "damage"],
            "responsibility": ["installer", "shared", "logistics"],
        }
    )
    matrix = sections.complaints_matrix(complaints)
    assert matrix.height == 9 and matrix["category"].to_list()[-1] == "total"
    rows = {r["category"]: r for r in matrix.iter_rows(named=True)}
    attitude = rows["attitude"]
    assert (attitude["installer"], attitude["shared"], attitude["total"]) == (1, 1, 2)
    assert rows["damage"]["logistics"] == 1 and rows["lateness"]["total"] == 0
    assert rows["total"]["total"] == 3 and rows["total"]["installer"] == 1


def test_month_over_month_is_exact_and_signed() -> None:
    now = sections.ranking_frame(
        [
            {"team_id": "T1", "rank": 1, "rating": "4.500", "rating_num": 9, "rating_den": 2},
            {"team_id": "T2", "rank": 2, "rating": "4.000", "rating_num": 4, "rating_den": 1},
            {"team_id": "T3", "rank": None, "rating": None},
        ]
    )
    before = sections.ranking_frame(
        [
            {"team_id": "T1", "rank": 2, "rating": "4.333", "rating_num": 13, "rating_den": 3},
            {"team_id": "T2", "rank": 1, "rating": "4.125", "rating_num": 33, "rating_den": 8},
        ]
    )
    changes = sections.month_over_month(now, before)
    shown = changes.select("team_id", "rank_before", "rank", "rank_change", "rating_change")
    assert shown.rows() == [
        ("T1", 2, 1, 1, "+0.167"),  # 9/2 - 13/3 = 1/6
        ("T2", 1, 2, -1, "-0.125"),
        ("T3", None, None, None, None),
    ]
    alone = sections.month_over_month(now, None)
    assert alone["rank_before"].null_count() == 3


def test_grade_changes_need_a_grade_in_both_months() -> None:
    columns = ["installer_id", "name", "team_id", "team_name", "dealer_id", "rating", "grade"]
    now = pl.DataFrame(
        [
            ("I1", "张伟", "T1", "一队", "D1", "4.800", "A"),
            ("I2", "李娜", "T1", "一队", "D1", "3.900", "C"),
            ("I3", "王强", "T1", "一队", "D1", "4.200", "B"),
            ("I4", "赵六", "T1", "一队", "D1", None, "unrated"),
        ],
        schema=columns,
        orient="row",
    )
    before = now.with_columns(
        pl.Series("grade", ["C", "A", "B", "A"]), pl.Series("rating", ["4.0", "4.9", "4.2", "5"])
    )
    changes = sections.grade_changes(now, before, ["A", "B", "C", "D"])
    assert changes.select("installer_id", "grade_before", "grade", "direction", "steps").rows() == [
        ("I1", "C", "A", "rose", 2),
        ("I2", "A", "C", "fell", 2),
    ]
    assert sections.grade_changes(now, None, ["A"]).height == 0


def test_survey_dimensions_are_exact_means_of_what_was_answered() -> None:
    surveys = pl.DataFrame(
        {
            "team_id": ["T1", "T1", "T1"],
            "overall": [5, 4, 4],
            "attitude": [5, None, 4],
            "punctuality": [None, None, None],
            "professionalism": [5, 5, 4],
            "cleanliness": [3, 4, 4],
            "promise_kept": [True, False, None],
        },
        schema_overrides={"punctuality": pl.Int64},
    )
    teams = pl.DataFrame({"team_id": ["T1", "T2"], "team_name": ["一队", "二队"]})
    found = sections.survey_dimensions(surveys, teams).rows(named=True)
    assert found[0] == {
        "team_id": "T1",
        "team_name": "一队",
        "surveys": 3,
        "overall": "4.33",
        "attitude": "4.50",
        "punctuality": None,
        "professionalism": "4.67",
        "cleanliness": "3.67",
        "promise_kept": "50.0%",
    }
    assert found[1]["surveys"] == 0 and found[1]["overall"] is None


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x"])
def test_put_text_never_writes_a_formula(tmp_path: Path, text: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    put_text(sheet["A1"], text)
    put_text(sheet["A2"], "bell\x07 ok")
    book.save(tmp_path / "t.xlsx")
    again = openpyxl.load_workbook(tmp_path / "t.xlsx")["Sheet"]
    assert again["A1"].data_type == "s" and again["A1"].quotePrefix
    assert again["A1"].value == text.replace("\r", "\n") or again["A1"].value == text
    assert again["A2"].value == "bell ok" and not again["A2"].quotePrefix
    with zipfile.ZipFile(tmp_path / "t.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


# -- the service ----------------------------------------------------------------------------


def test_a_dealers_report_of_a_draft_month(computed: Store, runtime: Runtime) -> None:
    report = one(computed, runtime, "D2")
    assert isinstance(report, reports.DealerReport)
    assert (report.dealer_id, report.dealer_name, report.status) == ("D2", "南方家居", "DRAFT")
    assert report.plan == "standard v1" and report.sla_as_of == "2025-10-31"
    ranked = report.ranking.select("rank", "team_id", "surveys", "rating", "sla_share_met")
    assert ranked.rows() == [(1, "T3", 1, "1.000", "0.000")]
    assert report.service_levels.select("check", "met", "breached", "pending").rows() == [
        ("revisit", 0, 0, 1),
        ("complaint_callback", 0, 1, 0),
        ("all", 0, 1, 1),
    ]
    matrix = {r["category"]: r for r in report.complaints.iter_rows(named=True)}
    assert matrix["attitude"]["installer"] == 1 and matrix["total"]["total"] == 1
    assert report.surveys.select("team_id", "surveys", "overall", "attitude").rows() == [
        ("T3", 1, "1.00", "2.00")
    ]
    assert report.dispatch is not None
    assert report.dispatch.select("team_id", "share", "reason_zh").rows() == [
        ("T3", "100.00%", "排名第 1,权重 4")
    ]
    notes = [en for _, en in report.notes]
    assert any("is not closed" in n for n in notes)
    assert any("2025-09 was never computed" in n for n in notes)
    assert report.changes["rank_before"].null_count() == 1


def test_month_over_month_and_the_words_of_the_next_month(
    computed: Store, tmp_path: Path, runtime: Runtime
) -> None:
    load(computed, tmp_path / "nov", NOVEMBER_FILES)
    period_services.compute(computed, caller=HR, period=OCTOBER, runtime=runtime)
    period_services.compute(computed, caller=HR, period=NOVEMBER, runtime=runtime)
    report = one(computed, runtime, "D2", NOVEMBER)
    assert isinstance(report, reports.DealerReport)
    row = report.changes.row(0, named=True)
    assert (row["team_id"], row["rank_before"], row["rank"], row["rank_change"]) == ("T3", 1, 1, 0)
    assert row["rating_before"] == "1.000" and row["rating"] == "5.000"
    assert row["rating_change"] == "+4.000"
    assert not any("never computed" in en for _, en in report.notes)
    both = reports.build(computed, caller=HR, period=NOVEMBER, runtime=runtime)
    assert [r.dealer_id for r in both] == ["D1", "D2"]
    # Each dealer said 师傅非常专业 once in November: below the minimum count of two.
    assert both[0].words.height == 0
    assert both[1].words.rows() == [("revisit_note", 1, "客户表示满意", 2)]
    assert both[1].surveys.select("surveys", "punctuality", "promise_kept").rows() == [
        (1, "4.00", "100.0%")
    ]


def test_scope_and_bad_paths(computed: Store, runtime: Runtime) -> None:
    (mine,) = reports.build(computed, caller=DEALER1, period=OCTOBER, runtime=runtime)
    assert mine.dealer_id == "D1" and set(mine.ranking["team_id"]) == {"T1", "T2"}
    with pytest.raises(NotFoundError):
        reports.build(computed, caller=DEALER1, period=OCTOBER, runtime=runtime, dealer_ids=["D2"])
    with pytest.raises(NotFoundError):
        reports.build(computed, caller=HR, period=OCTOBER, runtime=runtime, dealer_ids=["D9"])
    with pytest.raises(Forbidden):
        reports.build(
            computed,
            caller=Caller("i1", Role.INSTALLER, installer_id="I1"),
            period=OCTOBER,
            runtime=runtime,
        )
    with pytest.raises(NotComputed, match="not been computed"):
        reports.build(computed, caller=HR, period=Period(2025, 8), runtime=runtime)


def test_an_empty_month_still_gives_every_section(computed: Store, runtime: Runtime) -> None:
    period_services.compute(computed, caller=HR, period=Period(2025, 7), runtime=runtime)
    report = one(computed, runtime, "D1", Period(2025, 7))
    assert isinstance(report, reports.DealerReport)
    assert report.ranking["rank"].null_count() == report.ranking.height == 2
    assert report.complaints["total"].sum() == 0
    assert report.words.height == 0 and report.grades.height == 0
    assert report.surveys["surveys"].to_list() == [0, 0]


def test_the_files_have_charts_and_stay_text(
    store: Store, tmp_path: Path, runtime: Runtime
) -> None:
    files = dict(inputs.ALL)
    files["teams"] = inputs.TEAMS.replace("速装服务部", "=cmd|' /C calc'!A0").replace(
        "自有一队", "<script>alert(1)</script>"
    )
    load(store, tmp_path / "in", files)
    period_services.compute(store, caller=HR, period=OCTOBER, runtime=runtime)
    assert reports.build(store, caller=HR, period=OCTOBER, runtime=runtime)[0].ranking.height == 2
    (written,) = reports.write(
        store,
        caller=HR,
        period=OCTOBER,
        runtime=runtime,
        out_dir=tmp_path / "out",
        dealer_ids=["D1"],
    )
    xlsx, html = written.paths["xlsx"], written.paths["html"]
    assert xlsx.name == "report-2025-10-D1.xlsx" and html.name == "report-2025-10-D1.html"
    with zipfile.ZipFile(xlsx) as archive:
        names = archive.namelist()
        assert sum(n.startswith("xl/charts/chart") for n in names) >= 4
        assert not any("<f>" in archive.read(n).decode() for n in names if "worksheets/" in n)
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames[:3] == ["概况", "团队排名", "环比变化"]
    ranking = book["团队排名"]
    assert ranking["A1"].value == "名次"
    names_cells = [c for c in ranking["C"] if c.value and "=cmd" in str(c.value)]
    assert names_cells and all(c.data_type == "s" and c.quotePrefix for c in names_cells)
    page = html.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "团队排名" in page and "Team ranking" in page and "@media print" in page
    with store.begin() as conn:
        (entry,) = store_audit.audit_entries(conn, action="dealer_report")
    assert entry["actor"] == "hr" and entry["target"] == "2025-10"


def test_english_headings(computed: Store, tmp_path: Path, runtime: Runtime) -> None:
    (written,) = reports.write(
        computed,
        caller=HR,
        period=OCTOBER,
        runtime=runtime,
        out_dir=tmp_path / "en",
        dealer_ids=["D2"],
        formats=("xlsx",),
        headings="en",
    )
    book = openpyxl.load_workbook(written.paths["xlsx"])
    assert book.sheetnames[1] == "Team ranking" and book["Team ranking"]["A1"].value == "rank"
    assert set(written.paths) == {"xlsx"}


# -- after a close: the scheduler ----------------------------------------------------------


def test_the_scheduler_writes_every_dealers_report_once_after_a_close(
    computed: Store, runtime: Runtime
) -> None:
    period_services.close(computed, caller=HR, period=OCTOBER, runtime=runtime)
    made = jobs.closed_period_reports(computed, runtime=runtime)
    assert list(made) == ["2025-10"]
    folder = runtime.reports_dir / "2025-10"  # type: ignore[operator]
    assert sorted(p.name for p in folder.iterdir()) == [
        "report-2025-10-D1.html",
        "report-2025-10-D1.xlsx",
        "report-2025-10-D2.html",
        "report-2025-10-D2.xlsx",
    ]
    assert jobs.closed_period_reports(computed, runtime=runtime) == {}
    report = openpyxl.load_workbook(folder / "report-2025-10-D1.xlsx")["概况"]
    assert "已关账" in [c.value for c in report["B"]]


def test_a_report_that_fails_is_recorded_and_the_close_stands(
    computed: Store,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    period_services.close(computed, caller=HR, period=OCTOBER, runtime=runtime)

    def broken(*_args: object, **_kwargs: object) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr("scoring.services.reports.write_xlsx", broken)
    with caplog.at_level(logging.ERROR, logger="scoring.services.reports"):
        made = jobs.closed_period_reports(computed, runtime=runtime)
    assert made["2025-10"].failed == {"D1": "OSError: disk full", "D2": "OSError: disk full"}
    assert "disk full" in caplog.text
    with computed.begin() as conn:
        (entry,) = store_audit.audit_entries(conn, action="dealer_report_failed")
        from scoring.store import periods as store_periods

        assert store_periods.is_closed(conn, "2025-10")
    assert "disk full" in str(entry["detail"])


def test_no_reports_folder_means_no_scheduled_reports(computed: Store, runtime: Runtime) -> None:
    from dataclasses import replace

    period_services.close(computed, caller=HR, period=OCTOBER, runtime=runtime)
    assert jobs.closed_period_reports(computed, runtime=replace(runtime, reports_dir=None)) == {}


# -- the command line ----------------------------------------------------------------------


def test_report_by_command_line(tmp_path: Path) -> None:
    base = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    folder = str(inputs.write(tmp_path / "in"))
    assert runner.invoke(cli_app, [*base, "import", folder]).exit_code == 0
    never = runner.invoke(cli_app, [*base, "report", "2025-10", "--dealer", "D1", "--out", "o"])
    assert never.exit_code == 2 and "not been computed" in never.stderr
    assert runner.invoke(cli_app, [*base, "compute", "2025-10"]).exit_code == 0
    out = tmp_path / "reports"
    done = runner.invoke(cli_app, [*base, "report", "2025-10", "--dealer", "D1", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert str(out / "report-2025-10-D1.xlsx") in done.stdout
    assert (out / "report-2025-10-D1.html").exists()
    html_only = ["--all-dealers", "--out", str(out), "--format", "html"]
    every = runner.invoke(cli_app, [*base, "report", "2025-10", *html_only])
    assert every.exit_code == 0 and (out / "report-2025-10-D2.html").exists()
    for bad, said in (
        (["--out", str(out)], "--all-dealers"),
        (["--dealer", "D1", "--all-dealers", "--out", str(out)], "--all-dealers"),
        (["--dealer", "D9", "--out", str(out)], "no dealer"),
        (["--dealer", "D1", "--out", str(out), "--format", "pdf"], "xlsx or html"),
        (["--dealer", "D1", "--out", str(out), "--as-of", "yesterday"], "YYYY-MM-DD"),
    ):
        answer = runner.invoke(cli_app, [*base, "report", "2025-10", *bad])
        assert answer.exit_code == 2 and said in answer.stderr, (bad, answer.output)
        assert "Traceback" not in answer.stderr


# -- the API --------------------------------------------------------------------------------


@pytest.fixture
def client(store_url: str, tmp_path: Path, runtime: Runtime) -> Iterator[TestClient]:
    with open_store(store_url) as store:
        load(store, tmp_path / "in")
        make_users(store)
        period_services.compute(store, caller=HR, period=OCTOBER, runtime=runtime)
    settings = Settings(rejects_dir=tmp_path / "rejected", reports_dir=tmp_path / "reports")
    with TestClient(create_app(settings, store_url=store_url, refresh="off")) as test_client:
        yield test_client


def test_the_report_download_is_scoped(client: TestClient) -> None:
    url = "/api/periods/2025-10/report"
    dealer = bearer(api_token(client, "dealer1"))
    answer = client.get(url, params={"dealer": "D1"}, headers=dealer)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "report-2025-10-D1.xlsx" in answer.headers["content-disposition"]
    assert answer.content[:2] == b"PK"
    page = client.get(url, params={"dealer": "D1", "format": "html"}, headers=dealer)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "华东家电" in page.text and "南方家居" not in page.text
    outside = client.get(url, params={"dealer": "D2"}, headers=dealer)
    assert outside.status_code == 404 and "南方" not in outside.text
    hr = bearer(api_token(client, "hr1"))
    assert client.get(url, params={"dealer": "D2"}, headers=hr).status_code == 200
    assert client.get(url, params={"dealer": "D9"}, headers=hr).status_code == 404
    assert client.get(url, params={"dealer": "D1"}).status_code == 401
    installer = bearer(api_token(client, "I1"))
    assert client.get(url, params={"dealer": "D1"}, headers=installer).status_code == 403
    assert client.get(url, headers=hr).status_code == 400  # no dealer named
    bad = client.get(url, params={"dealer": "D1", "format": "pdf"}, headers=hr)
    assert bad.status_code == 400
    never = client.get("/api/periods/2025-08/report", params={"dealer": "D1"}, headers=hr)
    assert never.status_code == 409 and "not been computed" in never.json()["error"]


def test_every_sheet_name_fits_excel() -> None:
    from payroll_export.dealer_report.labels import SECTIONS

    for section in SECTIONS:
        for language in ("zh", "en"):
            assert 0 < len(section.sheet(language)) <= 31, section.sheet(language)
