"""Fuzzing the importer (issue 16): valid survey rows with damage injected, as CSV bytes and as
XLSX workbooks. Whatever the damage, the importer

- never raises anything but a clear user error (``InputError``, for a file it cannot read);
- accounts for every physical row: each non-blank line of a CSV is an accepted or a rejected
  row, or a line of a multi-line cell of the row just above it, as the reader's rule allows
  (at most ``MAX_RECORD_LINES`` lines, none of which looks like a row of its own): a row is
  never lost silently; each non-empty row of an XLSX sheet is accepted or rejected;
- leaves the store unchanged when a file is refused or (all or nothing) a row is rejected.

Bounded so that the whole file adds a few seconds to the suite.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.entities import SURVEYS
from scoring.errors import InputError
from scoring.importer import import_paths
from scoring.ingest import Parsed, read_file
from scoring.ingest.csvrows import MAX_RECORD_LINES
from scoring.ingest.text import MAX_TEXT
from scoring.store import Store, open_store
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
HEADER = [
    "survey_id",
    "job_id",
    "surveyed_at",
    "channel",
    "overall",
    "attitude",
    "promise_kept",
    "comment",
]
WIDTH = len(HEADER)
#: More examples for a deeper run: FUZZ_EXAMPLES=2000 pytest tests/test_ingest_fuzz.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- valid rows ---------------------------------------------------------------------------------

texts = st.text(alphabet=st.sampled_from(list("师傅很专业好评差准时abc 123,.'\"")), max_size=12)
rows = st.lists(
    st.tuples(
        st.sampled_from(["J1", "J2", "J3"]),
        st.integers(0, 28 * 24 * 60),
        st.sampled_from(["phone", "sms", "wechat", "app", "电话", ""]),
        st.sampled_from(["1", "2", "3", "4", "5", "满意", "非常满意", "5.0"]),
        st.sampled_from(["", "1", "4", "一般"]),
        st.sampled_from(["", "true", "false", "是", "否", "y"]),
        texts,
    ),
    min_size=1,
    max_size=25,
)


def cells_of(index: int, row: tuple[Any, ...]) -> list[str]:
    job, minutes, channel, overall, attitude, kept, comment = row
    at = datetime(2025, 10, 1) + timedelta(minutes=minutes)
    return [f"S{index}", job, at.strftime("%Y-%m-%d %H:%M"), channel, overall, attitude, kept]


def csv_line(cells: list[str], comment: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([*cells, comment])
    return out.getvalue()


# -- damage -----------------------------------------------------------------------------------

Damage = Callable[[bytes, st.DataObject], bytes]


def _at(data: st.DataObject, line: bytes) -> int:
    return data.draw(st.integers(0, len(line)), label="position")


def stray_quote(line: bytes, data: st.DataObject) -> bytes:
    at = _at(data, line)
    return line[:at] + b'"' + line[at:]


def extra_cell(line: bytes, data: st.DataObject) -> bytes:
    return line + b",x" * data.draw(st.integers(1, 3), label="extra cells")


def missing_cell(line: bytes, data: st.DataObject) -> bytes:
    cut = line.rfind(b",")
    return line[:cut] if cut > 0 else line


def invalid_bytes(line: bytes, data: st.DataObject) -> bytes:
    at = _at(data, line)
    return line[:at] + data.draw(st.sampled_from([b"\xff", b"\x80\x80", b"\xc3("])) + line[at:]


def control(line: bytes, data: st.DataObject) -> bytes:
    at = _at(data, line)
    char = data.draw(st.sampled_from(["\x00", "\x07", "\x1b", "\x0b", "\x0c", "\r", "\u200b"]))
    return line[:at] + char.encode() + line[at:]


def huge_cell(line: bytes, data: st.DataObject) -> bytes:
    return line + b"," + b"x" * (MAX_TEXT + 10)


def blank_line(line: bytes, data: st.DataObject) -> bytes:
    return line + b"\n" + data.draw(st.sampled_from([b"", b"   ", b"\r"]))


def quoted_newline(line: bytes, data: st.DataObject) -> bytes:
    """A multi-line comment, as a customer writes it (legitimate)."""
    return line + b',"' + b"line one\nline two" + b'"'


DAMAGE: list[Damage] = [
    stray_quote,
    extra_cell,
    missing_cell,
    invalid_bytes,
    control,
    huge_cell,
    blank_line,
    quoted_newline,
]


@st.composite
def damaged_csv(draw: st.DrawFn) -> bytes:
    valid = draw(rows)
    lines = [csv_line(cells_of(i, row), row[-1]).encode("utf-8") for i, row in enumerate(valid, 1)]
    data = draw(st.data())
    for index in draw(st.lists(st.integers(0, len(lines) - 1), max_size=6)):
        hurt = draw(st.sampled_from(DAMAGE), label="damage")
        if hurt is huge_cell or hurt is quoted_newline:
            lines[index] = lines[index][: lines[index].rfind(b",")]  # replaces the comment
        lines[index] = hurt(lines[index], data)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    header = ",".join(HEADER).encode()
    # Now and then a file that cannot be read at all: no header, or nothing.
    header = draw(st.sampled_from([header] * 8 + [b"", b"\xff\xfe"]))
    body = ending.join([header, *lines])
    return body + (ending if draw(st.booleans()) else b"")


# -- the invariants ----------------------------------------------------------------------------


def read_or_refuse(path: Path) -> Parsed | None:
    try:
        return read_file(path, SURVEYS, zone=ZONE)
    except InputError as exc:  # a whole file refused: a message, never a traceback
        assert " / " in exc.message and "Traceback" not in exc.message
        return None


def reported_rows(parsed: Parsed) -> list[int]:
    accepted = parsed.frame["_row"].to_list()
    rejected = parsed.rejected["_row"].to_list()
    assert not set(accepted) & set(rejected), "a row both accepted and rejected"
    assert len(set(accepted)) == len(accepted) and len(set(rejected)) == len(rejected)
    return sorted(accepted + rejected)


def physical_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


def check_csv_accounting(data: bytes, parsed: Parsed) -> None:
    lines = physical_lines(data)
    reported = set(reported_rows(parsed))
    assert reported <= set(range(2, len(lines) + 1)), "a row number outside the file"
    owner: int | None = None
    for number, line in enumerate(lines[1:], start=2):
        if number in reported:
            owner = number
            continue
        if not line.strip():
            continue  # a blank line is no row
        # Not reported: only a line of a multi-line cell of the row above may be that.
        assert owner is not None, f"row {number} lost"
        assert number - owner < MAX_RECORD_LINES, f"row {number} lost in row {owner}"
        assert line.count(b",") < WIDTH - 1, f"row {number}, a row of its own, was swallowed"
    problems_rows = {p.row for p in parsed.problems if p.row is not None}
    assert problems_rows == set(parsed.rejected["_row"].to_list()), "a rejection without reason"


@FUZZ
@given(damaged_csv())
def test_a_damaged_csv_is_accounted_row_by_row(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "surveys.csv"
    path.write_bytes(data)
    parsed = read_or_refuse(path)
    if parsed is not None:
        check_csv_accounting(data, parsed)


def test_the_issue_s_swallowing_quote_is_accounted(tmp_path: Path) -> None:
    """The example of the issue, as a fixed case of the same check."""
    lines = [
        csv_line(cells_of(i, ("J1", i, "phone", "5", "", "", "好")), "好") for i in range(1, 30)
    ]
    lines[4] = lines[4].replace(",好", ',"师傅很专业')
    lines[24] = lines[24].replace(",好", ',好评"')
    data = "\n".join([",".join(HEADER), *lines, ""]).encode()
    path = tmp_path / "surveys.csv"
    path.write_bytes(data)
    parsed = read_file(path, SURVEYS, zone=ZONE)
    check_csv_accounting(data, parsed)
    assert parsed.rejected.height >= 20


def test_an_invalid_byte_in_a_multi_line_cell_rejects_its_row(tmp_path: Path) -> None:
    """Found by the fuzz: the problem named line 3, which is no row, and row 2 went in."""
    data = ",".join(HEADER).encode() + b'\nS1,J1,2025-10-01 00:00,phone,1,,,"one\n\xfftwo"\n'
    path = tmp_path / "surveys.csv"
    path.write_bytes(data)
    parsed = read_file(path, SURVEYS, zone=ZONE)
    check_csv_accounting(data, parsed)
    [problem] = parsed.problems
    assert problem.row == 2 and "in line 3" in problem.reason
    assert parsed.frame.height == 0


# -- XLSX -------------------------------------------------------------------------------------

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2110, 1, 1)),
    # openpyxl refuses control characters in a cell (the CSV fuzz has them)
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20),
    st.just("   "),
)


@st.composite
def damaged_xlsx(draw: st.DrawFn) -> tuple[openpyxl.Workbook, str, int | None]:
    """A workbook, the sheet to be read and how many rows it has (None: to be refused)."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    hidden_first = draw(st.booleans())
    if hidden_first:
        first.title = "old"
        first.append(["junk"])
        first.sheet_state = "hidden"
        sheet = book.create_sheet("surveys")
    else:
        sheet = first
    sheet.append(HEADER)
    count = 0
    for i, row in enumerate(draw(rows), 1):
        cells: list[Any] = [*cells_of(i, row), row[-1]]
        for column in draw(st.lists(st.integers(1, WIDTH - 1), max_size=2)):
            cells[column] = draw(odd_values)
        if draw(st.booleans()):
            cells[0] = draw(st.sampled_from([i, 10**17 + i, f"S{i}\u200b", " "]))
        sheet.append(cells)
        if draw(st.booleans()) and isinstance(cells[0], int):
            sheet.cell(row=sheet.max_row, column=1).number_format = "000000"
        count += 1
    # Rows without anything in them are no rows: count those that have something.
    count = sum(
        1
        for values in sheet.iter_rows(min_row=2, values_only=True)
        if any(v is not None and str(v).strip() for v in values)
    )
    far = draw(st.sampled_from([None, "F40", "Z2", "IW3", "XFD9"]))
    if far in ("IW3", "XFD9"):  # beyond the columns a sheet may have: refused
        sheet[far] = "x"
        return book, sheet.title, None
    if far == "F40":
        sheet[far] = "x"
        count += 1
    elif far == "Z2":
        sheet[far] = "x"
    return book, sheet.title, count


@FUZZ
@given(damaged_xlsx())
def test_a_damaged_xlsx_is_accounted_row_by_row(
    tmp_path: Path, case: tuple[openpyxl.Workbook, str, int | None]
) -> None:
    book, sheet, expected = case
    path = tmp_path / "surveys.xlsx"
    book.save(path)
    parsed = read_or_refuse(path)
    if expected is None:
        assert parsed is None
        return
    assert parsed is not None and parsed.sheet == sheet  # never the hidden one
    assert len(reported_rows(parsed)) == expected
    problems_rows = {p.row for p in parsed.problems if p.row is not None}
    assert problems_rows == set(parsed.rejected["_row"].to_list())


# -- the store ---------------------------------------------------------------------------------


def snapshot(store: Store) -> dict[str, Any]:
    with store.connect() as conn:
        tables = ["surveys", "import_batches", "import_files", "rejected_rows", "audit_log"]
        counts = {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables}
        surveys = conn.exec_driver_sql("SELECT * FROM surveys ORDER BY survey_id").fetchall()
    return {"counts": counts, "surveys": surveys}


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Store]:
    files = {k: v for k, v in inputs.ALL.items() if k != "surveys"}
    with open_store(f"sqlite:///{tmp_path / 'fuzz.db'}") as store:
        import_paths(
            store,
            [inputs.write(tmp_path / "seed", files)],
            actor="hr",
            zone=ZONE,
            rejects_dir=tmp_path / "rejected",
        )
        yield store


_runs = itertools.count()


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 10))
@given(damaged_csv())
def test_a_refused_file_leaves_the_store_unchanged(
    seeded: Store, tmp_path: Path, data: bytes
) -> None:
    folder = tmp_path / f"run{next(_runs)}"
    folder.mkdir()
    (folder / "surveys.csv").write_bytes(data)
    before = snapshot(seeded)
    try:
        report = import_paths(
            seeded,
            [folder],
            actor="fuzz",
            zone=ZONE,
            rejects_dir=tmp_path / "rejected",
            all_or_nothing=True,
        )
    except InputError:
        assert snapshot(seeded) == before
        return
    after = snapshot(seeded)
    if report.rejected:
        assert not report.stored and after == before
    else:
        assert report.stored and after["counts"]["import_batches"] == (
            before["counts"]["import_batches"] + 1
        )


def test_invalid_bytes_in_the_header_refuse_the_file(tmp_path: Path) -> None:
    """Found by the fuzz: a problem for row 1, which no rejected row carried."""
    path = tmp_path / "surveys.csv"
    path.write_bytes(b"survey_id,job_id\xff,surveyed_at,overall\nS1,J1,2025-10-01,5\n")
    with pytest.raises(InputError, match=r"the header \(row 1\) of surveys.csv holds bytes"):
        read_file(path, SURVEYS, zone=ZONE)
