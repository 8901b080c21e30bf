"""What an XLSX workbook says about itself, read from its XML before any cell is loaded.

- its sheets in tab order, with their visibility (``visible``, ``hidden``, ``veryHidden``) and
  the part (the XML file in the archive) of each;
- the cell styles whose number format pads a number with zeros (``00000``): Excel shows the
  id ``123`` of such a cell as ``00123``, and so must we;
- the shared strings longer than a cell may be (:data:`MAX_CELL_CHARS`, Excel's own limit):
  only their positions are kept, never their text.

Every part is read by :func:`stream`, an expat parse in chunks that refuses a document type
declaration (no entity of any kind is expanded) and keeps nothing the handlers do not keep.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from scoring.ingest.text import MAX_TEXT

#: Excel's limit for the text of one cell; a longer cell was not written by Excel.
MAX_CELL_CHARS = MAX_TEXT
_CHUNK = 1 << 20
#: A number format that only pads with zeros: ``00000`` (the common one for ids).
_ZERO_PAD = re.compile(r"0{2,}")
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"

Start = Callable[[str, dict[str, str]], None]
End = Callable[[str], None]
Chars = Callable[[str], None]


class XmlRefused(Exception):
    """An XLSX part declares a document type (which may define entities): not read."""


def local(name: str) -> str:
    """An element's name without its namespace (``{ns}c`` with the separator below → ``c``)."""
    return name.rpartition("}")[2]


def column_number(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def column_letters(number: int) -> str:
    """1 → ``A``, 16384 → ``XFD``."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refuse_doctype(*_args: object) -> None:
    raise XmlRefused("document type declaration")


def stream(
    handle: IO[bytes], start: Start, end: End | None = None, chars: Chars | None = None
) -> None:
    """Parse ``handle`` with expat, calling ``start``/``end``/``chars`` with local names."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if chars is not None:
        parser.CharacterDataHandler = chars
    while chunk := handle.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


@dataclass(frozen=True)
class SheetEntry:
    name: str
    #: ``visible``, ``hidden`` or ``veryHidden``.
    state: str
    #: The sheet's XML in the archive (None when the workbook does not say where it is).
    part: str | None

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass(frozen=True)
class Book:
    sheets: tuple[SheetEntry, ...]
    #: Cell style index → digits of its zero-padding number format.
    zero_pad: Mapping[int, int]
    #: Positions of the shared strings longer than :data:`MAX_CELL_CHARS`.
    long_strings: frozenset[int]

    def sheet(self, name: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.name == name), None)


def read_book(archive: zipfile.ZipFile) -> Book | None:
    """The workbook's sheets, styles and long shared strings; None when it has no workbook part
    where Excel puts it (the reader then says what is wrong with the file)."""
    names = set(archive.namelist())
    if _WORKBOOK not in names:
        return None
    targets = _relationships(archive) if _WORKBOOK_RELS in names else {}
    found: list[tuple[str, str, str | None]] = []

    def on_sheet(name: str, attrs: dict[str, str]) -> None:
        if local(name) == "sheet":
            rel = next((v for k, v in attrs.items() if local(k) == "id"), None)
            found.append((attrs.get("name", ""), attrs.get("state", "visible"), rel))

    with archive.open(_WORKBOOK) as handle:
        stream(handle, on_sheet)
    sheets = tuple(
        SheetEntry(name, state, _part(targets[rel][0]) if rel in targets else None)
        for name, state, rel in found
    )
    by_type = {kind: target for target, kind in targets.values()}
    styles = _part(by_type["styles"]) if "styles" in by_type else None
    strings = _part(by_type["sharedStrings"]) if "sharedStrings" in by_type else None
    return Book(
        sheets=sheets,
        zero_pad=_zero_pad_styles(archive, styles) if styles in names else {},
        long_strings=_long_strings(archive, strings) if strings in names else frozenset(),
    )


def _part(target: str) -> str:
    """A relationship target of the workbook as a name in the archive."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _relationships(archive: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Id → (target, last word of its type: ``worksheet``, ``styles``, ``sharedStrings``)."""
    out: dict[str, tuple[str, str]] = {}

    def on_rel(name: str, attrs: dict[str, str]) -> None:
        if local(name) == "Relationship" and "Id" in attrs:
            out[attrs["Id"]] = (attrs.get("Target", ""), attrs.get("Type", "").rpartition("/")[2])

    with archive.open(_WORKBOOK_RELS) as handle:
        stream(handle, on_rel)
    return out


def _zero_pad_styles(archive: zipfile.ZipFile, part: str) -> dict[int, int]:
    formats: dict[str, int] = {}  # numFmtId → digits, for the zero-padding formats
    styles: list[str] = []  # numFmtId of each cell style, in order
    depth = {"cellXfs": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "numFmt":
            code = attrs.get("formatCode", "").strip()
            if _ZERO_PAD.fullmatch(code):
                formats[attrs.get("numFmtId", "")] = len(code)
        elif tag == "cellXfs":
            depth["cellXfs"] += 1
        elif tag == "xf" and depth["cellXfs"]:
            styles.append(attrs.get("numFmtId", "0"))

    def end(name: str) -> None:
        if local(name) == "cellXfs":
            depth["cellXfs"] -= 1

    with archive.open(part) as handle:
        stream(handle, start, end)
    return {index: formats[fmt] for index, fmt in enumerate(styles) if fmt in formats}


def _long_strings(archive: zipfile.ZipFile, part: str) -> frozenset[int]:
    """Positions of the shared strings over the cell limit, counted without keeping any text."""
    long: set[int] = set()
    state = {"index": -1, "length": 0, "in_text": 0, "phonetic": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "si":
            state["index"] += 1
            state["length"] = 0
        elif tag == "rPh":  # a phonetic guide: not part of the cell's text
            state["phonetic"] += 1
        elif tag == "t" and not state["phonetic"]:
            state["in_text"] += 1

    def end(name: str) -> None:
        tag = local(name)
        if tag == "rPh":
            state["phonetic"] -= 1
        elif tag == "t" and state["in_text"]:
            state["in_text"] -= 1
        elif tag == "si" and state["length"] > MAX_CELL_CHARS:
            long.add(state["index"])

    def chars(text: str) -> None:
        if state["in_text"]:
            state["length"] += len(text)

    with archive.open(part) as handle:
        stream(handle, start, end, chars)
    return frozenset(long)
