"""The sample data generator: deterministic, faithful to CONTRACT.md, realistic, and rich enough
to exercise every rule of the reference plan."""

from __future__ import annotations

import importlib.util
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scoring import entities
from scoring.demo_data import DEMO, NATIONAL, REGIONAL, SCALES, Scale, generate, write_files
from scoring.demo_data.writer import BOOLEAN_LABELS
from scoring.entities import SCORE_LABELS, Kind
from scoring.money import parse_yuan

PERIOD = "2025-10"
TS = "%Y-%m-%dT%H:%M:%S"
Tables = dict[str, pl.DataFrame]


@pytest.fixture(scope="module")
def tables() -> Tables:
    return generate(PERIOD, scale=DEMO, seed=7)


@pytest.fixture(scope="module")
def jobs(tables: Tables) -> pl.DataFrame:
    """Jobs with parsed times and one row per (job, installer, share)."""
    times = ["created_at", "appointment_start", "appointment_end", "arrived_at", "completed_at"]
    return tables["jobs"].with_columns(
        *[pl.col(c).str.to_datetime(TS, strict=True) for c in times],
        pl.col("promised_days").cast(pl.Int64),
    )


def share(mask: pl.Series) -> float:
    """The share of true values of a boolean series."""
    value = mask.cast(pl.Float64).mean()
    assert isinstance(value, float)
    return value


def crew(jobs: pl.DataFrame) -> pl.DataFrame:
    return (
        jobs.select("job_id", member=pl.col("installer_ids").str.split(";"))
        .explode("member")
        .with_columns(
            installer_id=pl.col("member").str.extract(r"^([^:]+)"),
            share=pl.col("member").str.extract(r":(.+)$"),
        )
    )


# --- determinism -------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_frames(tables: Tables) -> None:
    again = generate(PERIOD, scale=DEMO, seed=7)
    assert list(again) == list(tables)
    for name, frame in tables.items():
        assert_frame_equal(again[name], frame)


def test_another_seed_gives_other_frames(tables: Tables) -> None:
    other = generate(PERIOD, scale=DEMO, seed=8)
    for name in ("installers", "jobs", "surveys", "revisits", "complaints"):
        assert not other[name].equals(tables[name]), name


def test_the_network_of_a_seed_is_the_same_every_month(tables: Tables) -> None:
    november = generate("2025-11", scale=DEMO, seed=7)
    assert_frame_equal(november["dealers"], tables["dealers"])
    assert_frame_equal(november["teams"], tables["teams"])
    who = ["installer_id", "name", "team_id", "employment", "base_monthly_wage", "local_min_wage"]
    assert_frame_equal(november["installers"].select(who), tables["installers"].select(who))
    assert november["jobs"]["created_at"].str.slice(0, 7).mode().to_list() == ["2025-11"]
    # the ids of two months never collide
    assert set(november["jobs"]["job_id"]).isdisjoint(tables["jobs"]["job_id"])


# --- the contract ------------------------------------------------------------------------------


def test_columns_are_those_of_the_contract(tables: Tables) -> None:
    assert list(tables) == [e.name for e in entities.ENTITIES]
    for entity in entities.ENTITIES:
        frame = tables[entity.name]
        assert frame.columns == [f.name for f in entity.fields], entity.name
        assert set(frame.dtypes) == {pl.String()}, entity.name


def test_row_counts_are_those_of_the_scale(tables: Tables) -> None:
    assert tables["dealers"].height == DEMO.dealers
    low, high = DEMO.teams_per_dealer
    assert DEMO.dealers * low <= tables["teams"].height <= DEMO.dealers * high
    assert tables["installers"].height == DEMO.installers
    assert tables["jobs"].height == DEMO.jobs
    assert tables["surveys"].height == DEMO.surveys
    assert tables["revisits"].height == DEMO.revisits
    assert tables["complaints"].height == DEMO.complaints


def test_ids_are_unique_and_required_fields_filled(tables: Tables) -> None:
    for entity in entities.ENTITIES:
        frame = tables[entity.name]
        assert frame[entity.id_column].is_unique().all(), entity.name
        for field in entity.fields:
            if field.required:
                assert frame[field.name].null_count() == 0, (entity.name, field.name)
            assert not (frame[field.name] == "").any(), (entity.name, field.name)


def test_every_reference_is_valid(tables: Tables, jobs: pl.DataFrame) -> None:
    def ids(name: str) -> set[str]:
        return set(tables[name][entities.BY_NAME[name].id_column])

    assert set(tables["teams"]["dealer_id"]) <= ids("dealers")
    assert set(tables["installers"]["team_id"]) <= ids("teams")
    for name in ("surveys", "revisits", "complaints"):
        assert set(tables[name]["job_id"]) <= ids("jobs"), name

    members = crew(jobs).join(tables["installers"], on="installer_id", how="left")
    assert members["team_id"].null_count() == 0  # every installer exists
    per_job = members.group_by("job_id").agg(
        teams=pl.col("team_id").n_unique(),
        people=pl.len(),
        distinct=pl.col("installer_id").n_unique(),
        shares=pl.col("share"),
    )
    assert (per_job["teams"] == 1).all()  # the installers of a job are of one team
    assert (per_job["people"] == per_job["distinct"]).all()
    assert set(per_job["people"]) == {1, 2, 3}
    for shares in per_job["shares"]:
        given = [s for s in shares if s is not None]
        assert not given or (len(given) == len(shares) and sum(map(Fraction, given)) == 1)

    named = tables["complaints"].filter(pl.col("installer_id").is_not_null())
    check = named.join(crew(jobs), on=["job_id", "installer_id"], how="left")
    assert check["member"].null_count() == 0  # a named installer is one of the job's


def test_values_are_in_the_contract_formats(tables: Tables) -> None:
    for entity in entities.ENTITIES:
        frame = tables[entity.name]
        for field in entity.fields:
            values = frame[field.name].drop_nulls()
            where = (entity.name, field.name)
            if field.kind is Kind.TIMESTAMP:
                values.str.to_datetime(TS, strict=True)
            elif field.kind is Kind.DATE:
                values.str.to_date("%Y-%m-%d", strict=True)
            elif field.kind is Kind.MONEY:
                assert all(parse_yuan(v) > 0 for v in values), where
                assert values.str.contains(r"^\d+(\.\d{2})?$").all(), where
            elif field.kind in (Kind.INT, Kind.SCORE):
                assert values.str.contains(r"^\d+$").all(), where
            elif field.kind is Kind.BOOL:
                assert set(values) <= {"true", "false"}, where
            elif field.kind is Kind.ENUM:
                assert set(values) <= set(field.labels), where
    scores = ["overall", "attitude", "punctuality", "professionalism", "cleanliness"]
    for column in scores:
        assert set(tables["surveys"][column].drop_nulls()) <= set(SCORE_LABELS), column
    assert set(tables["jobs"]["promised_days"].drop_nulls()) <= {"0", "1", "2", "3"}


def test_every_enum_and_boolean_value_appears(tables: Tables) -> None:
    for entity in entities.ENTITIES:
        frame = tables[entity.name]
        for field in entity.fields:
            values = set(frame[field.name].drop_nulls())
            if field.kind is Kind.ENUM:
                assert values == set(field.labels), (entity.name, field.name)
            elif field.kind is Kind.BOOL:
                assert values == {"true", "false"}, (entity.name, field.name)
    assert set(tables["surveys"]["overall"]) == set(SCORE_LABELS)


def test_times_are_in_order(tables: Tables, jobs: pl.DataFrame) -> None:
    def broken(frame: pl.DataFrame, condition: pl.Expr) -> int:
        """Rows where the condition is false (a blank time breaks nothing)."""
        return frame.filter(condition.not_()).height

    assert broken(jobs, pl.col("created_at") < pl.col("appointment_start")) == 0
    assert broken(jobs, pl.col("appointment_start") < pl.col("appointment_end")) == 0
    assert broken(jobs, pl.col("created_at") < pl.col("arrived_at")) == 0
    assert broken(jobs, pl.col("arrived_at") < pl.col("completed_at")) == 0
    assert broken(jobs, pl.col("created_at") < pl.col("completed_at")) == 0

    done = jobs.select("job_id", "created_at", "completed_at")
    surveys = tables["surveys"].with_columns(pl.col("surveyed_at").str.to_datetime(TS))
    surveys = surveys.join(done, on="job_id")
    assert broken(surveys, pl.col("surveyed_at") >= pl.col("completed_at")) == 0
    assert broken(surveys, pl.col("surveyed_at") > pl.col("created_at")) == 0
    revisits = tables["revisits"].with_columns(pl.col("revisited_at").str.to_datetime(TS))
    revisits = revisits.join(done, on="job_id")
    assert broken(revisits, pl.col("revisited_at") > pl.col("completed_at")) == 0
    assert revisits["completed_at"].null_count() == 0  # only completed jobs are called back
    complaints = tables["complaints"].with_columns(
        pl.col("received_at").str.to_datetime(TS), pl.col("resolved_at").str.to_datetime(TS)
    )
    complaints = complaints.join(done, on="job_id")
    assert broken(complaints, pl.col("received_at") > pl.col("created_at")) == 0
    assert broken(complaints, pl.col("received_at") >= pl.col("completed_at")) == 0
    assert broken(complaints, pl.col("resolved_at") > pl.col("received_at")) == 0


def test_installers_work_only_while_active(tables: Tables, jobs: pl.DataFrame) -> None:
    installers = tables["installers"].with_columns(
        pl.col("active_from").str.to_date(), pl.col("active_to").str.to_date()
    )
    work = crew(jobs).join(jobs, on="job_id").join(installers, on="installer_id")
    early = work.filter(pl.col("created_at").dt.date() < pl.col("active_from"))
    late = work.filter(pl.col("completed_at").dt.date() > pl.col("active_to"))
    assert early.height == 0
    assert late.height == 0
    assert installers["active_from"].dt.strftime("%Y-%m").is_in([PERIOD]).any()  # joiners
    assert installers["active_to"].dt.strftime("%Y-%m").is_in([PERIOD]).any()  # leavers
    gone = installers.filter(pl.col("active_to") < datetime(2025, 10, 1).date())
    assert gone.height >= 1
    assert work.filter(pl.col("installer_id").is_in(gone["installer_id"].implode())).height == 0


# --- realism -----------------------------------------------------------------------------------


def test_distributions_are_roughly_as_intended(tables: Tables, jobs: pl.DataFrame) -> None:
    overall = tables["surveys"]["overall"].cast(pl.Int64)
    assert share(overall >= 4) > 0.8
    assert 0.5 < share(overall == 5) < 0.75
    assert 0.01 < share(overall <= 2) < 0.12

    ids = jobs["installer_ids"]
    assert 0.10 < share(ids.str.contains(";")) < 0.20
    assert ids.str.contains(":").any() and ids.str.contains(r";[^:]+$").any()  # explicit, equal
    assert (ids.str.count_matches(";") == 2).any()  # three installers
    late = jobs.filter(pl.col("arrived_at") > pl.col("appointment_end") + pl.duration(minutes=30))
    assert 0.03 < late.height / jobs.height < 0.08
    days = (pl.col("completed_at").dt.date() - pl.col("created_at").dt.date()).dt.total_days()
    assert jobs.filter(days >= 4).height > 20  # several days after creation
    assert 0.5 < share(jobs["promised_days"].is_not_null()) < 0.7
    assert 0 < jobs["completed_at"].null_count() < 0.05 * jobs.height
    before = jobs.filter(
        pl.col("created_at") < datetime(2025, 10, 1),
        pl.col("completed_at") >= datetime(2025, 10, 1),
    )
    assert before.height > 0  # created before the month, completed in it
    assert set(jobs["product_category"].drop_nulls()) >= {"空调", "冰箱", "净水器", "沙发"}

    surveys = tables["surveys"]
    assert (surveys["promise_kept"] == "true").sum() > 0.85 * surveys[
        "promise_kept"
    ].drop_nulls().len()
    assert 0.1 < share(surveys["comment"].is_not_null()) < 0.4
    assert surveys["comment"].drop_nulls().str.contains(r"[\u4e00-\u9fff]").all()

    completed = jobs["completed_at"].is_not_null().sum()
    assert 0.4 < tables["revisits"].height / completed < 0.6
    revisits = tables["revisits"]
    assert share(revisits["reached"] == "true") > 0.8
    resolved = revisits["issue_resolved"].drop_nulls()
    assert 0.02 < share(resolved == "false") < 0.2

    complaints = tables["complaints"]
    assert complaints.height == round(0.05 * jobs.height)
    assert 0.6 < share(complaints["resolved_at"].is_not_null()) < 0.97
    assert 0.1 < share(complaints["installer_id"].is_not_null()) < 0.7


def test_the_network_is_believable(tables: Tables) -> None:
    assert tables["dealers"]["name"].str.contains("公司$").all()
    teams = tables["teams"]
    assert teams.group_by("dealer_id").agg(pl.col("kind").n_unique())["kind"].min() == 2
    outsourced = teams.filter(pl.col("kind") == "outsourced")["name"]
    assert outsourced.str.contains("服务部|安装部|工程队|公司|中心").all()
    assert set(teams["region"].drop_nulls()) <= {
        "华东",
        "华南",
        "华北",
        "华中",
        "西南",
        "西北",
        "东北",
    }

    installers = tables["installers"]
    assert installers["name"].str.len_chars().is_between(2, 4).all()
    contractors = installers.filter(pl.col("employment") == "contractor")
    assert contractors["base_monthly_wage"].null_count() == contractors.height
    employees = installers.filter(pl.col("employment") == "employee")
    wages = [parse_yuan(w) for w in employees["base_monthly_wage"].drop_nulls()]
    assert all(180_000 <= w <= 800_000 for w in wages)
    assert employees["base_monthly_wage"].null_count() >= 1  # an employee without a cap
    minimum = [parse_yuan(w) for w in employees["local_min_wage"].drop_nulls()]
    assert all(180_000 <= w <= 280_000 for w in minimum)


# --- the reference plan's situations -----------------------------------------------------------


def counted_surveys(tables: Tables, jobs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(every survey with the reason it does not count, the counted surveys of the period),
    as REFERENCE_PLAN.md "What counts" says."""
    surveys = (
        tables["surveys"]
        .with_columns(pl.col("surveyed_at").str.to_datetime(TS), pl.col("overall").cast(pl.Int64))
        .join(jobs.select("job_id", "completed_at"), on="job_id")
    )
    in_window = (pl.col("surveyed_at") >= pl.col("completed_at")) & (
        pl.col("surveyed_at") <= pl.col("completed_at") + pl.duration(days=30)
    )
    surveys = surveys.with_columns(
        reason=pl.when(pl.col("completed_at").is_null())
        .then(pl.lit("job_not_completed"))
        .when(~in_window)
        .then(pl.lit("outside_window"))
    )
    valid = surveys.filter(pl.col("reason").is_null()).sort("surveyed_at", "survey_id")
    latest = valid.group_by("job_id").agg(pl.all().last())
    superseded = valid.join(latest.select("survey_id"), on="survey_id", how="anti")
    surveys = surveys.with_columns(
        reason=pl.when(pl.col("survey_id").is_in(superseded["survey_id"].implode()))
        .then(pl.lit("superseded"))
        .otherwise(pl.col("reason"))
    )
    counted = latest.filter(pl.col("surveyed_at").dt.strftime("%Y-%m") == PERIOD)
    return surveys, counted


def test_surveys_not_counted_for_every_reason(tables: Tables, jobs: pl.DataFrame) -> None:
    surveys, counted = counted_surveys(tables, jobs)
    reasons = surveys["reason"].value_counts()
    assert set(reasons["reason"].drop_nulls()) == {
        "job_not_completed",
        "outside_window",
        "superseded",
    }
    in_period = surveys.filter(pl.col("surveyed_at").dt.strftime("%Y-%m") == PERIOD)
    assert "outside_window" in set(in_period["reason"])  # late surveys land in the month
    assert counted.height > 0.8 * DEMO.surveys


def test_every_grade_appears(tables: Tables, jobs: pl.DataFrame) -> None:
    _, counted = counted_surveys(tables, jobs)
    mu = Fraction(int(counted["overall"].sum()), counted.height)
    per_installer = (
        counted.select("job_id", "overall")
        .join(crew(jobs).select("job_id", "installer_id"), on="job_id")
        .group_by("installer_id")
        .agg(n=pl.len(), total=pl.col("overall").sum())
    )
    grades = set()
    for n, total in per_installer.select("n", "total").iter_rows():
        rating = (total + 5 * mu) / (n + 5)
        if n < 3:
            grades.add("unrated")
        else:
            grades.add(
                "A" if rating >= Fraction(46, 10) else "B" if rating >= Fraction(42, 10) else
                "C" if rating >= Fraction(35, 10) else "D"
            )  # fmt: skip
    assert grades == {"A", "B", "C", "D", "unrated"}


def test_caps_clean_months_and_allowances_are_reached(tables: Tables, jobs: pl.DataFrame) -> None:
    amounts = {"minor": 5_000, "major": 15_000, "severe": 30_000}
    complaints = tables["complaints"].with_columns(
        month=pl.col("resolved_at").str.slice(0, 7),
        fen=pl.col("severity").replace_strict(amounts, return_dtype=pl.Int64),
    )
    resolved = complaints.filter(pl.col("month") == PERIOD)
    assert (resolved["responsibility"] == "customer_unreasonable").any()  # 委屈奖
    assert (resolved["responsibility"] == "shared").any()

    # the complaint_upheld deductions named on an installer alone already exceed its cap
    upheld = (
        resolved.filter(
            pl.col("responsibility") == "installer", pl.col("installer_id").is_not_null()
        )
        .group_by("installer_id")
        .agg(pl.col("fen").sum())
        .join(tables["installers"], on="installer_id")
    )
    contract_cap = upheld.filter(pl.col("employment") == "contractor", pl.col("fen") > 100_000)
    assert contract_cap.height >= 1
    statutory = []
    for fen, base, minimum in (
        upheld.filter(pl.col("employment") == "employee")
        .select("fen", "base_monthly_wage", "local_min_wage")
        .iter_rows()
    ):
        if base is None:
            continue
        cap = parse_yuan(base) // 5
        if minimum is not None:
            cap = max(0, min(cap, parse_yuan(base) - parse_yuan(minimum)))
        statutory.append((fen > cap, minimum is not None and cap < parse_yuan(base) // 5))
    assert (True, True) in statutory  # capped by what must remain above the minimum wage
    assert (True, False) in statutory  # capped at 20% of the wage

    # a clean month: at least 10 completed jobs and no at-fault complaint resolved in the period
    done = crew(jobs).join(
        jobs.filter(pl.col("completed_at").dt.strftime("%Y-%m") == PERIOD), on="job_id"
    )
    busy = done.group_by("installer_id").len().filter(pl.col("len") >= 10)
    blamed = resolved.filter(pl.col("responsibility") == "installer").join(
        crew(jobs).select("job_id", member_id="installer_id"), on="job_id"
    )
    charged = set(blamed.select(pl.coalesce("installer_id", "member_id")).to_series())
    assert set(busy["installer_id"]) - charged


def test_job_rules_are_reached(tables: Tables, jobs: pl.DataFrame) -> None:
    in_period = jobs.filter(pl.col("completed_at").dt.strftime("%Y-%m") == PERIOD)
    late = in_period.filter(
        pl.col("arrived_at") > pl.col("appointment_end") + pl.duration(minutes=30)
    )
    assert late.height > 0
    # created after the National Day holidays, 3 calendar days past any 1–3 working-day deadline
    overdue = in_period.filter(
        pl.col("created_at") >= datetime(2025, 10, 9),
        (pl.col("completed_at").dt.date() - pl.col("created_at").dt.date()).dt.total_days()
        > pl.col("promised_days") + 2,
    )
    assert overdue.height > 0
    revisits = tables["revisits"].filter(pl.col("revisited_at").str.starts_with(PERIOD))
    assert ((revisits["reached"] == "true") & (revisits["issue_resolved"] == "false")).any()


# --- writing files -----------------------------------------------------------------------------


def small(tables: Tables, rows: int = 300) -> Tables:
    return {name: frame.head(rows) for name, frame in tables.items()}


def from_chinese(entity: entities.Entity, frame: pl.DataFrame) -> pl.DataFrame:
    """Back to English headers and values, the way an importer maps them."""
    columns = []
    for field in entity.fields:
        labels = (
            SCORE_LABELS
            if field.kind is Kind.SCORE
            else BOOLEAN_LABELS
            if field.kind is Kind.BOOL
            else field.labels
        )
        reverse = {label: value for value, label in labels.items()}
        column = pl.col(field.alias).cast(pl.String)
        columns.append((column.replace(reverse) if reverse else column).alias(field.name))
    return frame.select(columns)


def test_english_csv_round_trips(tables: Tables, tmp_path: Path) -> None:
    paths = write_files(tables, tmp_path)
    assert [p.name for p in paths] == [f"{e.name}.csv" for e in entities.ENTITIES]
    assert not paths[0].read_bytes().startswith(b"\xef\xbb\xbf")
    for entity, path in zip(entities.ENTITIES, paths, strict=True):
        back = pl.read_csv(path, infer_schema=False)
        assert_frame_equal(back, tables[entity.name])


def test_chinese_csv_has_chinese_names_headers_and_labels(tables: Tables, tmp_path: Path) -> None:
    paths = write_files(tables, tmp_path, chinese=True)
    assert [p.name for p in paths] == [f"{e.alias}.csv" for e in entities.ENTITIES]
    assert (tmp_path / "工单.csv").exists() and (tmp_path / "满意度回访问卷.csv").exists()
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbf")  # as Excel writes it
    for entity, path in zip(entities.ENTITIES, paths, strict=True):
        back = pl.read_csv(path, infer_schema=False)
        assert back.columns == [f.alias for f in entity.fields]
        assert_frame_equal(from_chinese(entity, back), tables[entity.name])
    surveys = pl.read_csv(tmp_path / "满意度回访问卷.csv", infer_schema=False)
    assert set(surveys["综合评分"]) == set(SCORE_LABELS.values())
    assert set(surveys["渠道"]) == {"电话", "短信", "微信", "app"}
    assert set(surveys["承诺兑现"].drop_nulls()) == {"是", "否"}
    complaints = pl.read_csv(tmp_path / "投诉.csv", infer_schema=False)
    assert set(complaints["责任认定"]) == set(entities.RESPONSIBILITIES.values())
    jobs = pl.read_csv(tmp_path / "工单.csv", infer_schema=False)
    assert set(jobs["服务类型"]) == {"送货", "安装", "维修", "保养"}


def read_sheet(path: Path) -> list[tuple[object, ...]]:
    """The rows of the first sheet, each as wide as the header (XLSX leaves out empty cells)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = book.worksheets[0]
        header = next(sheet.iter_rows(values_only=True))
        return list(sheet.iter_rows(values_only=True, max_col=len(header)))
    finally:
        book.close()


def test_chinese_xlsx_has_typed_cells(tables: Tables, tmp_path: Path) -> None:
    subset = small(tables)
    paths = write_files(subset, tmp_path, fmt="xlsx", chinese=True)
    assert [p.name for p in paths] == [f"{e.alias}.xlsx" for e in entities.ENTITIES]

    book = openpyxl.load_workbook(tmp_path / "工单.xlsx", read_only=True)
    assert book.sheetnames == ["工单"]
    book.close()
    rows = read_sheet(tmp_path / "工单.xlsx")
    assert list(rows[0]) == [f.alias for f in entities.JOBS.fields]
    assert len(rows) == 1 + subset["jobs"].height
    first = dict(zip(rows[0], rows[1], strict=True))
    assert isinstance(first["派单时间"], datetime)
    assert first["派单时间"].strftime(TS) == subset["jobs"]["created_at"][0]
    assert first["服务类型"] in {"送货", "安装", "维修", "保养"}

    rows = read_sheet(tmp_path / "安装师傅.xlsx")
    wages = [r[4] for r in rows[1:] if r[4] is not None]
    assert wages and all(isinstance(w, int | float) for w in wages)
    assert {r[3] for r in rows[1:]} <= {"员工", "外包"}


def test_xlsx_text_cells_read_back_as_the_csv(tables: Tables, tmp_path: Path) -> None:
    subset = small(tables, 50)
    write_files(subset, tmp_path, fmt="xlsx", typed_cells=False)
    for entity in entities.ENTITIES:
        rows = read_sheet(tmp_path / f"{entity.name}.xlsx")
        back = pl.DataFrame(
            [list(r) for r in rows[1:]],
            schema=[str(h) for h in rows[0]],
            orient="row",
            infer_schema_length=None,
        ).cast(pl.String)
        assert_frame_equal(back, subset[entity.name], check_dtypes=False)


def test_write_files_refuses_what_it_cannot_write(tables: Tables, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown entities"):
        write_files({"orders": tables["jobs"]}, tmp_path)
    with pytest.raises(ValueError, match="csv or xlsx"):
        write_files(tables, tmp_path, fmt="json")  # type: ignore[arg-type]


# --- arguments, scale and speed ----------------------------------------------------------------


def test_bad_arguments_are_refused() -> None:
    for period in ("2025-13", "2025/10", "25-10", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            generate(period, scale=DEMO)
    with pytest.raises(ValueError, match="seed"):
        generate(PERIOD, scale=DEMO, seed=-1)
    with pytest.raises(ValueError, match="invalid scale"):
        Scale(dealers=2, teams_per_dealer=(3, 5), installers=5, jobs=10, surveys=1, revisits=1,
              complaints=1)  # fmt: skip
    with pytest.raises(ValueError, match="complaints"):
        Scale(dealers=1, teams_per_dealer=(1, 2), installers=5, jobs=10, surveys=1, revisits=1,
              complaints=11)  # fmt: skip


def test_presets() -> None:
    assert SCALES["demo"] is DEMO and SCALES["national"] is NATIONAL
    assert NATIONAL.installers == 50_000 and NATIONAL.jobs == 3_000_000
    assert (NATIONAL.surveys, NATIONAL.revisits, NATIONAL.complaints) == (
        2_500_000,
        1_500_000,
        150_000,
    )
    tiny = NATIONAL.scaled(0.001)
    assert tiny.installers == 50 and tiny.jobs == 3_000 and tiny.dealers == 1


def test_a_tiny_scale_still_generates() -> None:
    tiny = Scale(dealers=1, teams_per_dealer=(1, 2), installers=3, jobs=20, surveys=15,
                 revisits=8, complaints=2)  # fmt: skip
    tables = generate(PERIOD, scale=tiny, seed=1)
    assert tables["jobs"].height == 20 and tables["complaints"].height == 2
    assert tables["surveys"].height == 15 and tables["revisits"].height == 8


@pytest.mark.parametrize("period", ["2024-02", "2025-12", "2026-01"])
def test_any_month_can_be_generated(period: str) -> None:
    tables = generate(period, scale=DEMO.scaled(0.25), seed=5)
    completed = tables["jobs"]["completed_at"].drop_nulls()
    assert share(completed.str.starts_with(period)) > 0.9
    assert tables["jobs"]["job_id"].str.starts_with("WO" + period.replace("-", "")).all()
    for name, column in (("surveys", "surveyed_at"), ("complaints", "resolved_at")):
        assert share(tables[name][column].drop_nulls().str.starts_with(period)) > 0.6, name
    times = tables["jobs"]["appointment_start"].drop_nulls().str.to_datetime(TS, strict=True)
    assert times.dt.hour().is_between(8, 19).all()


def test_a_mid_size_month_generates_fast() -> None:
    started = time.perf_counter()
    tables = generate(PERIOD, scale=REGIONAL, seed=3)
    elapsed = time.perf_counter() - started
    assert tables["jobs"].height == REGIONAL.jobs == 150_000
    assert tables["installers"].height == REGIONAL.installers
    wages = tables["installers"]["base_monthly_wage"].drop_nulls()
    assert wages.str.contains(r"\.\d\d$").any() and not wages.str.contains(r"\.").all()
    assert elapsed < 15, f"{elapsed:.1f} s for {REGIONAL.jobs:,} jobs"


def test_the_benchmark_script_writes_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("benchmark_generate", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    status = module.main(["--scale", "demo", "--out", str(tmp_path), "--period", PERIOD])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{e.name}.csv" for e in entities.ENTITIES
    )
    out = capsys.readouterr().out
    assert "3,000 rows" in out and "generated in" in out
    assert module.main(["--scale", "demo", "--out", str(tmp_path), "--period", "2025-13"]) == 2
