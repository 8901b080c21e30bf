"""Write a workbook of :class:`Sheet` values as an XLSX package, streaming the big sheets.

The package is the smallest that Excel, LibreOffice and openpyxl open without complaint:
content types, relationships, ``workbook.xml``, ``styles.xml`` (formats ``0.00`` and ``0.000``,
bold headings, ``quotePrefix`` for guarded text), core properties and one worksheet part per
sheet. Worksheets are generated as XML text by polars, chunk by chunk, and deflated in parallel
by :class:`ZipWriter`; the Python side never touches a single cell.

Cells hold inline strings (``t="inlineStr"``) and numbers. A text that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a style with ``quotePrefix="1"``: Excel
shows the text unchanged, keeps it text when the cell is edited, and never evaluates it (a
string cell is never a formula to begin with; the prefix also guards re-entry).

A sheet holds at most ``max_sheet_rows`` rows counting its heading row (Excel: 1,048,576);
longer sheets continue on ``NAME_2``, ``NAME_3`` … with the heading repeated. A part is also
ended early if its XML could pass ``byte_cap`` (kept under the 4 GiB ZIP limit).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import polars as pl
import pyarrow as pa

from payroll_export.cells import (
    ROW_NUMBER,
    chunk_flags,
    column_letters,
    row_bytes_bound,
    row_xml,
)
from payroll_export.columns import CellKind, Column, Headings, Sheet, frame_column
from payroll_export.zipwriter import Chunk, ZipWriter

log = logging.getLogger(__name__)

EXCEL_MAX_ROWS = 1_048_576
#: Worksheet XML bytes a part may reach: under 4 GiB with room for its head and tail.
MEMBER_BYTE_CAP = 4_000_000_000
#: Rows generated and compressed as one piece; about 30–80 MB of XML for the lines sheet.
CHUNK_ROWS = 100_000

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

#: ``cellXfs``: 0 general, 1 ``0.00``, 2 ``0.000``, 3 text with quotePrefix, 4 bold heading,
#: 5 bold heading with quotePrefix, 6 ``0.0``, 7 ``0.0000`` (see ``cells.DECIMAL_STYLES``).
STYLES_XML = (
    _XML_DECL + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="0.000"/>'
    '<numFmt numFmtId="165" formatCode="0.0"/><numFmt numFmtId="166" formatCode="0.0000"/>'
    "</numFmts>"
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' quotePrefix="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True, slots=True)
class SheetPart:
    """Rows ``start:stop`` of ``sheet``, written as the worksheet named ``name``."""

    name: str
    sheet: Sheet
    start: int
    stop: int


def _ranges(sheet: Sheet, max_data_rows: int, byte_cap: int) -> list[tuple[int, int]]:
    """Row ranges of the parts of ``sheet``: at most ``max_data_rows`` rows and ``byte_cap``.

    Works one part at a time, so memory stays that of one part's row sizes.
    """
    height = sheet.frame.height
    if height == 0:
        return [(0, 0)]
    bound = row_bytes_bound(sheet.columns)
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < height:
        stop = min(height, start + max_data_rows)
        rows = sheet.frame.slice(start, stop - start)
        if rows.select(bound.sum()).item() > byte_cap:
            sizes = rows.select(bound.cum_sum()).to_series()
            fitting = int(sizes.search_sorted(byte_cap, side="right"))
            stop = start + max(fitting, 1)
        ranges.append((start, stop))
        start = stop
    return ranges


def plan_parts(
    sheets: Sequence[Sheet], *, max_sheet_rows: int, byte_cap: int = MEMBER_BYTE_CAP
) -> list[SheetPart]:
    """Every worksheet to write, in order: each sheet, then its continuations ``NAME_2`` …"""
    if max_sheet_rows < 2:
        raise ValueError("max_sheet_rows must leave room for the heading and one row")
    parts: list[SheetPart] = []
    for sheet in sheets:
        for number, (start, stop) in enumerate(_ranges(sheet, max_sheet_rows - 1, byte_cap), 1):
            name = sheet.name if number == 1 else f"{sheet.name}_{number}"
            parts.append(SheetPart(name, sheet, start, stop))
    return parts


def _view_buffers(array: pa.Array) -> list[Chunk] | None:
    """The data buffers of a string-view array, if they hold its strings back to back.

    Polars builds a new string column by appending each string longer than 12 bytes to its
    data buffers in row order, and exports them to Arrow without a copy. When that layout is
    confirmed here (every view points just after the previous one), the buffers are the rows'
    bytes in order and can go to the compressor as they are.
    """
    count = len(array)
    buffers = array.buffers()
    data = [buffer for buffer in buffers[2:] if buffer is not None]
    if array.null_count or not data:
        return None
    words = pl.from_arrow(
        pa.Array.from_buffers(pa.int32(), 4 * (array.offset + count), [None, buffers[1]])
    )
    assert isinstance(words, pl.Series)
    words = words.slice(4 * array.offset, 4 * count)
    sizes = pl.Series([buffer.size for buffer in data], dtype=pl.Int64)
    starts = sizes.cum_sum() - sizes
    views = pl.DataFrame({"w": words}).select(
        pl.col("w").gather_every(4, 0).cast(pl.Int64).alias("length"),
        pl.col("w").gather_every(4, 2).cast(pl.Int64).alias("buffer"),
        pl.col("w").gather_every(4, 3).cast(pl.Int64).alias("offset"),
    )
    if views["length"].min() <= 12:  # type: ignore[operator]
        return None
    if views["buffer"].min() < 0 or views["buffer"].max() >= len(data):  # type: ignore[operator]
        return None
    placed = views.select(
        (pl.lit(starts).gather(pl.col("buffer")) + pl.col("offset")).alias("at"),
        (pl.col("length").cum_sum() - pl.col("length")).alias("expected"),
    )
    if not placed["at"].equals(placed["expected"]) or views["length"].sum() != sizes.sum():
        return None
    return [memoryview(buffer) for buffer in data]


def _row_bytes(rows: pl.Series) -> list[Chunk]:
    """The UTF-8 bytes of all rows back to back: the Arrow buffers themselves when possible."""
    if rows.null_count():
        raise AssertionError("row XML must never be null")
    if rows.is_empty():
        return []
    array = rows.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_string_view(array.type):
        buffers = _view_buffers(array)
        if buffers is not None:
            return buffers
    return [rows.str.join("").cast(pl.Binary).item()]


def _header_xml(columns: Sequence[Column], headings: Sequence[str]) -> str:
    if not columns:
        return ""
    text_columns = [Column(c.name, c.zh, CellKind.TEXT) for c in columns]
    frame = pl.DataFrame(
        {frame_column(i): [heading] for i, heading in enumerate(headings)} | {ROW_NUMBER: ["1"]},
        schema={frame_column(i): pl.String for i in range(len(headings))} | {ROW_NUMBER: pl.String},
    )
    flags = chunk_flags(frame, text_columns)
    return str(frame.select(row_xml(text_columns, flags, refs=True, header=True)).item())


def _sheet_head(part: SheetPart, headings: Headings, selected: bool) -> str:
    columns = part.sheet.columns
    last_row = part.stop - part.start + 1
    dimension = f"A1:{column_letters(len(columns) - 1)}{last_row}" if columns else "A1"
    selected_attr = ' tabSelected="1"' if selected else ""
    view = (
        f'<sheetViews><sheetView workbookViewId="0"{selected_attr}>'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
    )
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{column.width}" customWidth="1"/>'
        for i, column in enumerate(columns, 1)
    )
    cols = f"<cols>{widths}</cols>" if columns else ""
    return (
        _XML_DECL + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<dimension ref="{dimension}"/>{view}<sheetFormatPr defaultRowHeight="15"/>{cols}'
        f"<sheetData>{_header_xml(columns, part.sheet.headings(headings))}"
    )


def _sheet_chunks(
    part: SheetPart, headings: Headings, *, selected: bool, chunk_rows: int
) -> Iterator[Chunk]:
    yield _sheet_head(part, headings, selected).encode("utf-8")
    columns = part.sheet.columns
    for offset in range(part.start, part.stop, chunk_rows):
        length = min(chunk_rows, part.stop - offset)
        first_row = offset - part.start + 2
        rows = part.sheet.frame.slice(offset, length)
        expr = row_xml(columns, chunk_flags(rows, columns), refs=part.sheet.cell_refs)
        numbered = rows.with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).cast(pl.String).alias(ROW_NUMBER)
        )
        yield from _row_bytes(numbered.select(expr).to_series())
    yield b"</sheetData></worksheet>"


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT_WORKSHEET}"/>'
        for i in range(1, count + 1)
    )
    return (
        _XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f"{sheets}</Types>"
    )


def _root_rels() -> str:
    return (
        _XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"
    )


def _core_xml(title: str) -> str:
    return (
        _XML_DECL + "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>scoring</dc:creator>"
        "</cp:coreProperties>"
    )


def _workbook_xml(names: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, 1)
    )
    return (
        _XML_DECL + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    return (
        _XML_DECL + f'<Relationships xmlns="{_PKG_REL_NS}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def write_xlsx(
    path: Path,
    sheets: Sequence[Sheet],
    *,
    title: str,
    headings: Headings = "en",
    max_sheet_rows: int = EXCEL_MAX_ROWS,
    byte_cap: int = MEMBER_BYTE_CAP,
    chunk_rows: int = CHUNK_ROWS,
    threads: int | None = None,
) -> tuple[str, ...]:
    """Write ``sheets`` to ``path`` and return the worksheet names in workbook order.

    ``threads`` deflate the big worksheets (default: one per CPU, at most four).
    """
    if threads is None:
        threads = min(4, os.cpu_count() or 2)
    parts = plan_parts(sheets, max_sheet_rows=max_sheet_rows, byte_cap=byte_cap)
    names = tuple(part.name for part in parts)
    with path.open("wb") as file, ZipWriter(file, threads=threads) as archive:
        archive.write("[Content_Types].xml", _content_types(len(parts)).encode())
        archive.write("_rels/.rels", _root_rels().encode())
        archive.write("docProps/core.xml", _core_xml(title).encode())
        archive.write("xl/workbook.xml", _workbook_xml(names).encode())
        archive.write("xl/_rels/workbook.xml.rels", _workbook_rels(len(parts)).encode())
        archive.write("xl/styles.xml", STYLES_XML.encode())
        for number, part in enumerate(parts, 1):
            started = time.perf_counter()
            chunks = _sheet_chunks(part, headings, selected=number == 1, chunk_rows=chunk_rows)
            archive.write_stream(f"xl/worksheets/sheet{number}.xml", chunks)
            log.debug(
                "sheet %s: %d rows in %.2f s",
                part.name,
                part.stop - part.start,
                time.perf_counter() - started,
            )
    return names
