"""Cell text as polars expressions: XML escaping, the formula-injection guard, SpreadsheetML rows.

Everything here is vectorised: a chunk of a sheet becomes one ``<row>…</row>`` string per row in
a single ``select`` (one ``pl.format`` per row, the fastest way polars has to glue text), so the
big ``lines`` sheet is written at millions of rows a second. Before a chunk is written,
:func:`chunk_flags` finds which columns have nulls and which texts need any care; the rest take
the fast path, where the value goes into the row as it is.

Text in SpreadsheetML (ECMA-376 Part 1, §22.9.2.19 ST_Xstring):
- ``&``, ``<`` and ``>`` are XML-escaped; a carriage return is written ``&#13;`` so that XML
  line-end normalisation cannot turn it into a line feed.
- Characters XML 1.0 forbids (C0 controls other than tab, line feed and carriage return, and
  U+FFFE/U+FFFF) are written ``_xHHHH_``, which Excel turns back into the character; a text that
  already contains ``_xHHHH_`` has its underscore written ``_x005F_`` so it reads back unchanged.
- Text that starts or ends with white space is marked ``xml:space="preserve"``.
- Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a style
  with ``quotePrefix``; see :mod:`payroll_export.xlsx`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from payroll_export.columns import CellKind, Column, frame_column
from scoring.money import yuan_text_expr

#: Characters that make a spreadsheet treat a typed-in text as a formula (OWASP CSV injection).
FORMULA_START = r"^[=+\-@\t\r]"

#: Style indexes of ``cellXfs`` in ``styles.xml`` (see ``xlsx.STYLES_XML``).
STYLE_MONEY = 1
STYLE_TEXT_GUARDED = 3
STYLE_HEADER = 4
STYLE_HEADER_GUARDED = 5
#: Decimal places → style with that many places (2 is the money style, ``0.00``).
DECIMAL_STYLES = {1: 6, 2: STYLE_MONEY, 3: 2, 4: 7}

#: Name of the helper column holding each row's 1-based sheet row number as text.
ROW_NUMBER = "_row"

_ESCAPE_NEEDED = r"[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]|_x[0-9A-Fa-f]{4}_"
_FORBIDDEN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_FORBIDDEN_CHARS = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + [
    "\ufffe",
    "\uffff",
]
_SPACES = (" ", "\t", "\n", "\r")
#: Anything that keeps a text off the fast path (one regex: one scan per value).
_ATTENTION = rf"^[=+\-@\t\r\n ]|{_ESCAPE_NEEDED}|[ \t\n\r]\z"


def column_letters(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def formula_risk(text: pl.Expr) -> pl.Expr:
    """True where a text starts with a character that spreadsheets read as a formula."""
    return text.str.contains(FORMULA_START).fill_null(False)


def csv_guard(text: pl.Expr) -> pl.Expr:
    """OWASP: a risky text gets a leading single quote, so spreadsheets show it as text."""
    return pl.when(formula_risk(text)).then(pl.concat_str([pl.lit("'"), text])).otherwise(text)


#: Control characters kept out of CSV files (C0 but tab and line feed, DEL, C1).
CSV_CONTROL = r"[\x00-\x08\x0B-\x1F\x7F-\x9F]"


def csv_text(text: pl.Expr) -> pl.Expr:
    """A text cell of a CSV file we write: control characters removed, then formula-guarded."""
    return csv_guard(text.str.replace_all(CSV_CONTROL, ""))


def xml_text(text: pl.Expr) -> pl.Expr:
    """``text`` escaped for an XML element in SpreadsheetML (see the module docstring)."""
    escaped = (
        text.str.replace_all(r"_(x[0-9A-Fa-f]{4}_)", "_x005F_${1}")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all("\r", "&#13;", literal=True)
    )
    forbidden_escaped = escaped
    for char in _FORBIDDEN_CHARS:
        forbidden_escaped = forbidden_escaped.str.replace_all(
            char, f"_x{ord(char):04X}_", literal=True
        )
    return (
        pl.when(~text.str.contains(_ESCAPE_NEEDED))
        .then(text)
        .when(~text.str.contains(_FORBIDDEN))
        .then(escaped)
        .otherwise(forbidden_escaped)
    )


def _edge_space(text: pl.Expr) -> pl.Expr:
    return pl.any_horizontal(
        [text.str.starts_with(space) | text.str.ends_with(space) for space in _SPACES]
    )


def needs_attention(text: pl.Expr) -> pl.Expr:
    """True where a text needs escaping, a formula guard or preserved white space."""
    return text.str.contains(_ATTENTION)


@dataclass(frozen=True, slots=True)
class ColumnFlags:
    """What a chunk of one column holds: any null, any text off the fast path."""

    nulls: bool = True
    attention: bool = True


def chunk_flags(frame: pl.DataFrame, columns: Sequence[Column]) -> list[ColumnFlags]:
    """The :class:`ColumnFlags` of every column of ``frame`` (one pass, aggregated)."""
    if not columns:
        return []
    exprs: list[pl.Expr] = []
    for index, column in enumerate(columns):
        value = pl.col(frame_column(index))
        exprs.append(value.is_null().any().alias(f"n{index}"))
        if column.kind is CellKind.TEXT:
            distinct = value.unique() if column.repeated else value
            exprs.append(needs_attention(distinct).fill_null(False).any().alias(f"a{index}"))
    found = frame.select(exprs).row(0, named=True)
    return [
        ColumnFlags(
            nulls=bool(found[f"n{index}"]),
            attention=column.kind is not CellKind.TEXT or bool(found[f"a{index}"]),
        )
        for index, column in enumerate(columns)
    ]


class _Format:
    """Literal markup and value expressions, joined by one ``pl.format``."""

    def __init__(self) -> None:
        self._template: list[str] = []
        self._args: list[pl.Expr] = []

    def text(self, markup: str) -> None:
        if "{" in markup or "}" in markup:
            raise AssertionError(f"braces in markup: {markup!r}")
        self._template.append(markup)

    def value(self, expr: pl.Expr) -> None:
        self._template.append("{}")
        self._args.append(expr)

    def expr(self) -> pl.Expr:
        if not self._args:
            return pl.lit("".join(self._template))
        return pl.format("".join(self._template), *self._args)


def _start(out: _Format, index: int, refs: bool) -> None:
    if refs:
        out.text(f'<c r="{column_letters(index)}')
        out.value(pl.col(ROW_NUMBER))
        out.text('"')
    else:
        out.text("<c")


def _style(style: int | None) -> str:
    return f' s="{style}"' if style is not None else ""


def _text_cell(
    out: _Format,
    index: int,
    text: pl.Expr,
    *,
    refs: bool,
    plain: int | None,
    guarded: int,
    careful: bool,
) -> None:
    _start(out, index, refs)
    if not careful:
        out.text(f'{_style(plain)} t="inlineStr"><is><t>')
        out.value(text)
    else:
        risky = formula_risk(text)
        out.value(pl.when(risky).then(pl.lit(_style(guarded))).otherwise(pl.lit(_style(plain))))
        out.text(' t="inlineStr"><is>')
        preserve = pl.lit('<t xml:space="preserve">')
        out.value(pl.when(_edge_space(text)).then(preserve).otherwise(pl.lit("<t>")))
        out.value(xml_text(text))
    out.text("</t></is></c>")


def _number_cell(out: _Format, index: int, number: pl.Expr, style: int | None, refs: bool) -> None:
    _start(out, index, refs)
    out.text(f"{_style(style)}><v>")
    out.value(number)
    out.text("</v></c>")


def _cell(
    out: _Format, index: int, column: Column, flags: ColumnFlags, *, refs: bool, header: bool
) -> None:
    """Add the ``<c>`` of column ``c<index>`` to ``out``; a null is no cell (``<c/>``)."""
    value = pl.col(frame_column(index))
    cell = _Format() if flags.nulls else out
    kind = CellKind.TEXT if header else column.kind
    if kind is CellKind.TEXT:
        plain, guarded = (
            (STYLE_HEADER, STYLE_HEADER_GUARDED) if header else (None, STYLE_TEXT_GUARDED)
        )
        _text_cell(
            cell, index, value, refs=refs, plain=plain, guarded=guarded, careful=flags.attention
        )
    elif kind is CellKind.MONEY:
        _number_cell(cell, index, yuan_text_expr(value), STYLE_MONEY, refs)
    elif kind is CellKind.DECIMAL:
        _number_cell(cell, index, value, DECIMAL_STYLES.get(column.places or 0), refs)
    elif kind is CellKind.INTEGER:
        _number_cell(cell, index, value.cast(pl.String), None, refs)
    elif kind is CellKind.BOOLEAN:
        flag = pl.when(value).then(pl.lit("1")).otherwise(pl.lit("0"))
        _start(cell, index, refs)
        cell.text(' t="b"><v>')
        cell.value(flag)
        cell.text("</v></c>")
    elif kind is CellKind.NUMBER:
        shown = value.cast(pl.String)
        finite, other = _Format(), _Format()
        _number_cell(finite, index, shown, None, refs)
        _text_cell(
            other, index, shown, refs=refs, plain=None, guarded=STYLE_TEXT_GUARDED, careful=True
        )
        cell.value(pl.when(value.is_finite()).then(finite.expr()).otherwise(other.expr()))
    else:  # pragma: no cover - the enum is closed
        raise AssertionError(kind)
    if flags.nulls:
        out.value(cell.expr().fill_null("" if refs else "<c/>"))


def row_xml(
    columns: Sequence[Column],
    flags: Sequence[ColumnFlags] | None = None,
    *,
    refs: bool,
    header: bool = False,
) -> pl.Expr:
    """One ``<row r="N">…</row>`` string per frame row; needs the ``_row`` column.

    ``flags`` (from :func:`chunk_flags`) choose the fast path per column; without them every
    column takes the careful one. Without ``refs`` cells carry no ``r`` attribute.
    """
    out = _Format()
    out.text('<row r="')
    out.value(pl.col(ROW_NUMBER))
    out.text('">')
    for index, column in enumerate(columns):
        column_flags = flags[index] if flags is not None else ColumnFlags()
        _cell(out, index, column, column_flags, refs=refs, header=header)
    out.text("</row>")
    return out.expr().alias("xml")


def row_bytes_bound(columns: Sequence[Column]) -> pl.Expr:
    """An upper bound of the XML bytes of each row, for keeping a sheet under the ZIP limit.

    Escaping grows a text at most sevenfold (one control byte → ``_xHHHH_``); a cell's markup
    and a number fit in 96 bytes, a row's markup in 64.
    """
    per_cell: list[pl.Expr] = []
    for index, column in enumerate(columns):
        if column.kind in (CellKind.TEXT, CellKind.DECIMAL):
            length = pl.col(frame_column(index)).str.len_bytes().fill_null(0).cast(pl.Int64)
            per_cell.append(length * 7 + 96)
        else:
            per_cell.append(pl.lit(96, pl.Int64))
    return pl.sum_horizontal([pl.lit(64, pl.Int64), *per_cell]).alias("bound")
