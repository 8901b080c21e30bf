"""The Chinese working-day calendar and working-day deadlines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import chinese_calendar
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from scoring.errors import CalendarError, InputError
from scoring.settings import get_settings
from scoring.workdays import WorkCalendar, package_years, read_year_dir, read_year_file

D = dt.date


@pytest.fixture(autouse=True)
def _no_calendar_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SCORING_CALENDAR_DIR", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar(package_years())


def deadlines(
    cal: WorkCalendar, rows: list[tuple[dt.date | None, int | None]]
) -> list[dt.date | None]:
    frame = pl.LazyFrame(rows, schema={"created": pl.Date, "days": pl.Int64}, orient="row")
    out = frame.select(cal.deadline_expr("created", "days")).collect()
    assert out.columns == ["deadline"]
    assert out.schema["deadline"] == pl.Date
    return out["deadline"].to_list()


def write_year(folder: Path, year: int, holidays: list[str], workdays: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{year}.json"
    path.write_text(
        json.dumps({"year": year, "holidays": holidays, "workdays": workdays}), encoding="utf-8"
    )
    return path


# --- the package's years -------------------------------------------------------------------


def test_known_years_come_from_the_package(calendar: WorkCalendar) -> None:
    assert calendar.known_years[0] == 2004
    assert calendar.known_years == tuple(range(2004, calendar.known_years[-1] + 1))
    assert 2025 in calendar.known_years and 2026 in calendar.known_years
    assert calendar.source_of(2025) == "chinesecalendar"


def test_worked_example_national_day_2025(calendar: WorkCalendar) -> None:
    # 10-01..08 off, 10-09 (Thu) and 10-10 (Fri) on, 10-11 a make-up working Saturday.
    assert deadlines(calendar, [(D(2025, 9, 30), 2)]) == [D(2025, 10, 10)]
    assert deadlines(calendar, [(D(2025, 9, 30), 1)]) == [D(2025, 10, 9)]
    assert deadlines(calendar, [(D(2025, 9, 30), 3)]) == [D(2025, 10, 11)]
    assert calendar.is_workday(D(2025, 10, 11)) is True
    assert calendar.is_workday(D(2025, 10, 8)) is False
    assert calendar.is_workday(D(2025, 9, 28)) is True  # make-up Sunday before the holiday
    # Completed on the make-up Saturday: after the deadline, so overdue.
    frame = pl.LazyFrame({"created": [D(2025, 9, 30)], "completed": [D(2025, 10, 11)]})
    overdue = frame.select(
        (pl.col("completed") > calendar.deadline_expr("created", pl.lit(2))).alias("overdue")
    )
    assert overdue.collect()["overdue"].to_list() == [True]


def test_a_literal_number_of_days_applies_to_every_row(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame({"created": [D(2025, 9, 30), D(2025, 6, 13), D(2025, 6, 14)]})
    out = frame.select(calendar.deadline_expr("created", pl.lit(1))).collect()
    assert out.to_series().to_list() == [D(2025, 10, 9), D(2025, 6, 16), D(2025, 6, 16)]


def test_days_zero_is_the_created_day_even_off_work(calendar: WorkCalendar) -> None:
    assert deadlines(calendar, [(D(2025, 10, 1), 0), (D(2025, 6, 14), 0)]) == [
        D(2025, 10, 1),
        D(2025, 6, 14),
    ]


def test_weekends_are_off_and_created_day_never_counts(calendar: WorkCalendar) -> None:
    friday, saturday, sunday = D(2025, 6, 13), D(2025, 6, 14), D(2025, 6, 15)
    got = deadlines(calendar, [(friday, 1), (saturday, 1), (sunday, 1), (friday, 5)])
    assert got == [D(2025, 6, 16), D(2025, 6, 16), D(2025, 6, 16), D(2025, 6, 20)]


def test_nulls_give_null(calendar: WorkCalendar) -> None:
    assert deadlines(calendar, [(None, 2), (D(2025, 1, 6), None)]) == [None, None]


def test_across_the_year_end(calendar: WorkCalendar) -> None:
    # 2025-12-31 is a Wednesday; 2026-01-01..03 are the New Year holidays, 2026-01-04 (Sun)
    # is a make-up working day.
    assert _walk(D(2025, 12, 31), 3) == [D(2026, 1, 4), D(2026, 1, 5), D(2026, 1, 6)]
    assert deadlines(calendar, [(D(2025, 12, 31), 1), (D(2025, 12, 31), 3)]) == [
        D(2026, 1, 4),
        D(2026, 1, 6),
    ]


def _walk(created: dt.date, days: int) -> list[dt.date]:
    """The next ``days`` working days after ``created``, by the package, one day at a time."""
    found: list[dt.date] = []
    day = created
    while len(found) < days:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            found.append(day)
    return found


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.dates(D(2004, 1, 1), D(2025, 12, 31)), st.integers(0, 60)),
        min_size=1,
        max_size=20,
    )
)
def test_deadline_matches_a_day_by_day_walk(
    calendar: WorkCalendar, rows: list[tuple[dt.date, int]]
) -> None:
    expected = [created if days == 0 else _walk(created, days)[-1] for created, days in rows]
    assert deadlines(calendar, list(rows)) == expected


def test_is_workday_expr_matches_the_package(calendar: WorkCalendar) -> None:
    days = pl.date_range(D(2024, 1, 1), D(2026, 12, 31), eager=True)
    got = pl.LazyFrame({"day": days}).select(calendar.is_workday_expr("day")).collect()
    expected = pl.DataFrame(
        {"is_workday": [chinese_calendar.is_workday(d) for d in days.to_list()]}
    )
    assert_frame_equal(got, expected)
    assert got["is_workday"].sum() > 700


def test_streaming_engine_agrees(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame(
        {"created": [D(2025, 9, 30), D(2024, 2, 8), None], "days": [2, 4, 1]},
        schema={"created": pl.Date, "days": pl.Int32},
    ).with_columns(calendar.deadline_expr("created", "days"))
    assert_frame_equal(frame.collect(engine="streaming"), frame.collect())
    assert frame.collect()["deadline"][0] == D(2025, 10, 10)


# --- years the calendar does not know -------------------------------------------------------


def test_unknown_created_year_is_an_error_naming_it(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame({"created": [D(2025, 3, 3), D(2027, 3, 1)], "days": [1, 2]})
    with pytest.raises(CalendarError, match="2027") as caught:
        calendar.check_deadlines(frame, "created", "days")
    assert "工作日历不含2027年" in caught.value.message
    assert "does not know the year 2027" in caught.value.message
    assert [p.reason for p in caught.value.problems] == [caught.value.message]
    with pytest.raises(CalendarError, match="2027"):
        frame.select(calendar.deadline_expr("created", "days")).collect()


def test_year_before_the_package_is_unknown(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame({"created": [D(2003, 12, 31)], "days": [0]})
    with pytest.raises(CalendarError, match="2003"):
        calendar.check_deadlines(frame, "created", "days")
    with pytest.raises(CalendarError, match="2003"):
        calendar.is_workday(D(2003, 12, 31))
    with pytest.raises(CalendarError, match="2003"):
        frame.select(calendar.is_workday_expr("created")).collect()


def test_deadline_running_past_the_last_year_is_an_error(calendar: WorkCalendar) -> None:
    last = calendar.known_years[-1]
    frame = pl.LazyFrame({"created": [D(last, 12, 28)], "days": [10]})
    with pytest.raises(CalendarError, match=str(last + 1)):
        calendar.check_deadlines(frame, "created", "days")
    with pytest.raises(CalendarError, match=str(last + 1)):
        frame.select(calendar.deadline_expr("created", "days")).collect()
    with pytest.raises(CalendarError, match=str(last + 1)):
        frame.select(calendar.deadline_expr("created", "days")).collect(engine="streaming")


def test_deadline_problems_lists_every_missing_year(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame(
        {
            "created": [D(2030, 1, 2), D(2025, 5, 6), D(2002, 1, 1), D(2027, 1, 1), None],
            "days": [1, 3, 1, 0, 1],
        }
    )
    got = calendar.deadline_problems(frame, "created", "days").collect()
    assert got["years"].to_list() == [[2002, 2027, 2030]]
    assert got["negative_days"].to_list() == [0]
    with pytest.raises(CalendarError) as caught:
        calendar.check_deadlines(frame, "created", "days")
    assert "2002" in caught.value.message
    assert len(caught.value.problems) == 3


def test_check_passes_on_known_dates(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame({"created": [D(2025, 9, 30), None], "days": [2, 1]})
    calendar.check_deadlines(frame, "created", "days")
    calendar.check_dates(frame, "created")


def test_check_dates(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame({"completed": [D(2025, 1, 2), D(2031, 5, 5)]})
    with pytest.raises(CalendarError, match="2031"):
        calendar.check_dates(frame, "completed")


def test_negative_days_are_an_input_error(calendar: WorkCalendar) -> None:
    frame = pl.LazyFrame({"created": [D(2025, 3, 3)], "days": [-1]})
    with pytest.raises(InputError, match="negative"):
        calendar.check_deadlines(frame, "created", "days")
    with pytest.raises(InputError, match="不能为负"):
        frame.select(calendar.deadline_expr("created", "days")).collect()


def test_is_workday_rejects_datetimes(calendar: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        calendar.is_workday(dt.datetime(2025, 1, 2, 8, 0))


# --- official year files --------------------------------------------------------------------


def test_loading_a_year_file_extends_the_calendar(tmp_path: Path) -> None:
    path = write_year(
        tmp_path,
        2027,
        holidays=["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09"],
        workdays=["2027-02-06"],  # a Saturday
    )
    cal = WorkCalendar.load(tmp_path)
    assert 2027 in cal.known_years
    assert cal.source_of(2027) == str(path)
    assert cal.is_workday(D(2027, 2, 6)) is True
    assert cal.is_workday(D(2027, 2, 5)) is False
    assert cal.is_workday(D(2027, 2, 7)) is False  # an ordinary Sunday
    # From the package's last year into the file's year.
    last = D(2026, 12, 31)
    assert cal.is_workday(last)
    assert deadlines(cal, [(last, 1), (D(2027, 2, 4), 1), (D(2027, 2, 4), 2)]) == [
        D(2027, 1, 4),
        D(2027, 2, 6),
        D(2027, 2, 10),
    ]


def test_a_gap_year_is_never_jumped(tmp_path: Path) -> None:
    write_year(tmp_path, 2028, holidays=["2028-01-03"], workdays=[])
    cal = WorkCalendar.load(tmp_path)
    assert cal.known_years[-2:] == (2026, 2028)
    assert deadlines(cal, [(D(2028, 1, 1), 1)]) == [D(2028, 1, 4)]
    frame = pl.LazyFrame({"created": [D(2026, 12, 30)], "days": [5]})
    with pytest.raises(CalendarError, match="2027"):
        cal.check_deadlines(frame, "created", "days")
    with pytest.raises(CalendarError, match="2027"):
        frame.select(cal.deadline_expr("created", "days")).collect()


def test_a_year_file_replaces_the_package_year(tmp_path: Path) -> None:
    write_year(tmp_path, 2025, holidays=[], workdays=[])
    cal = WorkCalendar.load(tmp_path)
    assert cal.is_workday(D(2025, 10, 1)) is True
    assert cal.is_workday(D(2025, 10, 11)) is False
    assert deadlines(cal, [(D(2025, 9, 30), 2)]) == [D(2025, 10, 2)]


def test_load_reads_the_settings_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_year(tmp_path, 2027, holidays=["2027-01-01"], workdays=[])
    monkeypatch.setenv("SCORING_CALENDAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert 2027 in WorkCalendar.load().known_years


def test_other_files_of_the_folder_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("notes", encoding="utf-8")
    assert read_year_dir(tmp_path) == {}


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="does not exist"):
        WorkCalendar.load(tmp_path / "nowhere")


def _reasons(error: CalendarError) -> list[str]:
    return [p.reason for p in error.problems]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "cannot read"),
        ("[1, 2]", "must be a JSON object"),
        ('{"year": 2027, "holidays": []}', "missing workdays"),
        ('{"year": 2028, "holidays": [], "workdays": []}', "must match the file name"),
        ('{"year": 2027, "holidays": ["2026-12-31"], "workdays": []}', "outside the year"),
        ('{"year": 2027, "holidays": ["2027-13-01"], "workdays": []}', "YYYY-MM-DD"),
        ('{"year": 2027, "holidays": [20270101], "workdays": []}', "YYYY-MM-DD"),
        ('{"year": 2027, "holidays": "2027-01-01", "workdays": []}', "must be a list"),
        (
            '{"year": 2027, "holidays": ["2027-02-06"], "workdays": ["2027-02-06"]}',
            "both a holiday and a make-up working day",
        ),
        ('{"year": 2027, "holidays": [], "workdays": ["2027-02-08"]}', "Saturday or Sunday"),
    ],
)
def test_bad_year_files_name_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "2027.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        read_year_file(path)
    assert str(path) in caught.value.message
    assert any(expected in reason for reason in _reasons(caught.value)), caught.value
    assert all(p.source == str(path) for p in caught.value.problems)
    with pytest.raises(CalendarError) as from_dir:
        WorkCalendar.load(tmp_path)
    assert str(path) in str(from_dir.value)


def test_bad_file_name(tmp_path: Path) -> None:
    (tmp_path / "next-year.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CalendarError, match="YYYY.json") as caught:
        read_year_dir(tmp_path)
    assert caught.value.problems[0].source.endswith("next-year.json")


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "2027.json").write_text(
        '{"year": 2027, "holidays": ["2026-01-01", "2027-01-01"], "workdays": ["2027-01-01"]}',
        encoding="utf-8",
    )
    (tmp_path / "2028.json").write_text("oops", encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        read_year_dir(tmp_path)
    sources = [Path(p.source).name for p in caught.value.problems]
    # 2026-01-01 outside the year; 2027-01-01 in both lists, and a Friday as a make-up day.
    assert sources.count("2027.json") == 3
    assert sources.count("2028.json") == 1
    values = {p.value for p in caught.value.problems if p.value}
    assert {"2026-01-01", "2027-01-01"} <= values
