"""The pieces under the payroll export: ZIP writing, row XML, sheet planning, text guards."""

from __future__ import annotations

import contextlib
import importlib
import io
import zipfile
import zlib
from pathlib import Path
from types import ModuleType

import openpyxl
import polars as pl
import pytest

from payroll_export import cells, xlsx, zipwriter
from payroll_export.benchmark import run as run_benchmark
from payroll_export.cells import column_letters, csv_guard, formula_risk, xml_text
from payroll_export.checks import conform
from payroll_export.columns import CellKind, Column, Sheet
from payroll_export.errors import ExportError
from payroll_export.sheets import decimal_places, flatten_about
from payroll_export.xlsx import plan_parts, write_xlsx
from payroll_export.zipwriter import ZipWriter


def text_sheet(name: str, texts: list[str | None], *, refs: bool = True) -> Sheet:
    frame = pl.DataFrame({"c0": texts, "c1": list(range(len(texts)))})
    columns = (Column("text", "文本", CellKind.TEXT), Column("n", "序号", CellKind.INTEGER))
    return Sheet(name, frame, columns, cell_refs=refs)


def _deflate_modules() -> list[ModuleType]:
    """zlib, and ISA-L's deflate where it is installed (the export uses it when it is)."""
    modules: list[ModuleType] = [zlib]
    with contextlib.suppress(ImportError):
        modules.append(importlib.import_module("isal.isal_zlib"))
    return modules


@pytest.mark.parametrize("deflate", _deflate_modules(), ids=lambda module: module.__name__)
def test_zip_members_in_parallel_pieces_read_back(
    monkeypatch: pytest.MonkeyPatch, deflate: ModuleType
) -> None:
    monkeypatch.setattr(zipwriter, "DEFLATE", deflate)
    monkeypatch.setattr(zipwriter, "PIECE_BYTES", 1000)
    chunks = [bytes([65 + n % 26]) * (300 + n * 37) + b"\x00\xff" for n in range(60)]
    buffer = io.BytesIO()
    with ZipWriter(buffer, threads=2, in_flight=2) as archive:
        archive.write("small.xml", b"<a>small</a>")
        archive.write_stream("big.xml", [memoryview(chunk) for chunk in chunks])
        archive.write_stream("empty.xml", [])
        archive.write("名字.txt", "中文".encode())
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as read:
        assert read.testzip() is None
        assert read.namelist() == ["small.xml", "big.xml", "empty.xml", "名字.txt"]
        assert read.read("big.xml") == b"".join(chunks)
        assert read.read("small.xml") == b"<a>small</a>"
        assert read.read("empty.xml") == b""
        assert read.read("名字.txt").decode() == "中文"
        assert {info.date_time for info in read.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_zip_refuses_to_pass_four_gib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipwriter, "ZIP_LIMIT", 100)
    with pytest.raises(ExportError, match="4 GiB"), ZipWriter(io.BytesIO()) as archive:
        archive.write_stream("big.xml", [bytes(range(256))])


def test_row_bytes_are_the_arrow_buffers_or_a_copy() -> None:
    rows = pl.Series(["<row>" + "x" * n + "</row>" for n in range(2, 1000)])
    direct = xlsx._row_bytes(rows)
    assert all(isinstance(piece, memoryview) for piece in direct)
    assert b"".join(bytes(piece) for piece in direct) == "".join(rows.to_list()).encode()
    shuffled = rows.reverse()  # views no longer in buffer order
    assert (
        b"".join(bytes(p) for p in xlsx._row_bytes(shuffled))
        == "".join(shuffled.to_list()).encode()
    )
    short = pl.Series(["<row/>", "<row>" + "y" * 40 + "</row>"])  # a view inlined in place
    assert b"".join(bytes(p) for p in xlsx._row_bytes(short)) == "".join(short.to_list()).encode()
    assert xlsx._row_bytes(pl.Series([], dtype=pl.String)) == []


def test_many_chunks_and_pieces_make_one_sound_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipwriter, "PIECE_BYTES", 200)
    texts: list[str | None] = [f"第{n}行 & <{n}>" if n % 7 else None for n in range(250)]
    texts[3] = "=risky"
    path = tmp_path / "book.xlsx"
    names = write_xlsx(
        path, [text_sheet("data", texts, refs=False)], title="t", max_sheet_rows=100, chunk_rows=9
    )
    assert names == ("data", "data_2", "data_3")
    book = openpyxl.load_workbook(path)
    read: list[tuple[str | None, int]] = []
    for name in names:
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[0] == ("text", "n")
        read += [(row[0], row[1]) for row in rows[1:]]
    assert read == [(text, n) for n, text in enumerate(texts)]
    assert book["data"]["A5"].quotePrefix is True


def test_sheet_parts_respect_rows_and_bytes() -> None:
    sheet = text_sheet("t", ["a" * 10] * 10)
    bound = 64 + (7 * 10 + 96) + 96  # per row, as cells.row_bytes_bound counts it
    parts = plan_parts([sheet], max_sheet_rows=5, byte_cap=10**9)
    assert [(p.name, p.start, p.stop) for p in parts] == [
        ("t", 0, 4),
        ("t_2", 4, 8),
        ("t_3", 8, 10),
    ]
    parts = plan_parts([sheet], max_sheet_rows=100, byte_cap=3 * bound)
    assert [(p.start, p.stop) for p in parts] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    parts = plan_parts([sheet], max_sheet_rows=100, byte_cap=1)  # never fewer than one row
    assert len(parts) == 10
    empty = plan_parts([text_sheet("e", [])], max_sheet_rows=5)
    assert [(p.name, p.start, p.stop) for p in empty] == [("e", 0, 0)]
    with pytest.raises(ValueError, match="heading"):
        plan_parts([sheet], max_sheet_rows=1)


def test_xml_text_escapes_only_what_it_must() -> None:
    texts = ["plain 中文", "a&b<c>d", "cr\rlf\n", "bell\x07", "_x0041_", "\ufffe", None]
    escaped = pl.select(xml_text(pl.lit(pl.Series(texts)))).to_series().to_list()
    assert escaped == [
        "plain 中文",
        "a&amp;b&lt;c&gt;d",
        "cr&#13;lf\n",
        "bell_x0007_",
        "_x005F_x0041_",
        "_xFFFE_",
        None,
    ]


def test_formula_guards() -> None:
    texts = ["=1", "+1", "-1", "@1", "\t1", "\r1", "1=", " =1", "", None, "中"]
    series = pl.Series(texts)
    risky = pl.select(formula_risk(pl.lit(series))).to_series().to_list()
    assert risky == [True] * 6 + [False] * 5
    guarded = pl.select(csv_guard(pl.lit(series))).to_series().to_list()
    assert guarded == ["'=1", "'+1", "'-1", "'@1", "'\t1", "'\r1", "1=", " =1", "", None, "中"]


def test_column_letters() -> None:
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_decimal_places_of_texts() -> None:
    assert decimal_places(pl.Series(["4.235", None, "-0.500"])) == 3
    assert decimal_places(pl.Series(["87.5", "1.0"])) == 1
    assert decimal_places(pl.Series(["87.5%"])) is None
    assert decimal_places(pl.Series(["1.5", "1.50"])) is None
    assert decimal_places(pl.Series(["12"])) is None
    assert decimal_places(pl.Series([None], dtype=pl.String)) is None


def test_flatten_about() -> None:
    about = {"a": {"b": {"c": 1}, "d": {}}, "e": True, "f": None, "g": {"x", "y"}}
    assert list(flatten_about(about)) == [
        ("a.b.c", "1"),
        ("a.d", None),
        ("e", "true"),
        ("f", None),
        ("g", '["x", "y"]'),
    ]


def test_chunk_flags_find_nulls_and_texts_needing_care() -> None:
    frame = pl.DataFrame({"c0": ["ok", "fine"], "c1": ["ok", " padded"], "c2": [1, None]})
    columns = [
        Column("a", "a", CellKind.TEXT),
        Column("b", "b", CellKind.TEXT, repeated=True),
        Column("c", "c", CellKind.INTEGER),
    ]
    flags = cells.chunk_flags(frame, columns)
    assert [(f.nulls, f.attention) for f in flags] == [(False, False), (False, True), (True, True)]


def test_benchmark_runs_small(tmp_path: Path) -> None:
    report = run_benchmark(2_000, tmp_path, installers=50)
    assert report.lines == 2_000
    assert report.lines_per_second > 0
    assert report.xlsx.exists() and report.csv.exists()


def test_conform_reports_values_out_of_range() -> None:
    frame = pl.DataFrame({"a": pl.Series([2**63], dtype=pl.UInt64)})
    _, problems = conform("lines", frame, pl.Schema({"a": pl.Int64}))
    assert len(problems) == 1 and "out of range" in problems[0].reason


def test_csv_text_removes_control_characters_then_guards() -> None:
    from payroll_export.cells import csv_text

    texts = ["张\x00伟", "\t=1", "a\x1bb\r\nc", "\x85中", None]
    out = pl.select(csv_text(pl.lit(pl.Series(texts)))).to_series().to_list()
    assert out == ["张伟", "'\t=1", "ab\nc", "中", None]
