"""Text cells: the one normalisation rule, and the limits checked at the door.

- Ids (a record's id and every reference: ``*_id``): a cell holding a control character (NUL
  included) or an invisible one (zero-width space, joiners, word joiner, byte-order mark:
  U+200B–U+200D, U+2060, U+FEFF) is **rejected**, never cleaned: removing them silently could
  merge two records, keeping them makes look-alike twins. At most :data:`MAX_ID` characters.
- Names: control characters rejected the same way; at most :data:`MAX_NAME` characters.
- Free text (comments, notes, resolutions, regions, categories): control characters other
  than line feed and tab are **removed**; at most :data:`MAX_TEXT` characters, Excel's limit
  for one cell, so that whatever is stored can be exported.

Every limit is checked before anything is stored, so no stored text can fail an export later.
"""

from __future__ import annotations

import polars as pl

from scoring.entities import Field
from scoring.ingest.conversion import Check, Conversion

#: Excel's limit for the text of one cell.
MAX_TEXT = 32_767
MAX_NAME = 200
MAX_ID = 64

#: Control characters (C0, DEL, C1) and the invisible characters that make look-alike ids.
INVISIBLE = r"[\x00-\x1F\x7F-\x9F\x{200B}-\x{200D}\x{2060}\x{FEFF}]"
#: What is removed from free text: control characters except line feed and tab.
CONTROL = r"[\x00-\x08\x0B-\x1F\x7F-\x9F]"

INVISIBLE_REASON = (
    "含有控制字符或不可见字符(如 NUL、零宽空格),请删除后再导入 / "
    "holds a control or invisible character (e.g. NUL, zero-width space); remove it"
)


def too_long(limit: int) -> str:
    return f"文本过长,最多 {limit:,} 个字符 / text too long: at most {limit:,} characters"


def kind_of(field: Field) -> str:
    """``id``, ``name`` or ``text``: which rule a string field follows."""
    if field.name.endswith("_id"):
        return "id"
    if field.name == "name":
        return "name"
    return "text"


def string_conversion(field: Field, text: pl.Expr) -> Conversion:
    """A string field: its text checked (ids, names) or cleaned (free text), and its length."""
    out = field.column
    kind = kind_of(field)
    if kind == "text":
        value = text.str.replace_all(CONTROL, "")
        limit = MAX_TEXT
        checks: tuple[Check, ...] = ()
    else:
        value = text
        limit = MAX_ID if kind == "id" else MAX_NAME
        checks = (Check(field.name, text.str.contains(INVISIBLE), INVISIBLE_REASON),)
    length = Check(field.name, text.str.len_chars() > limit, too_long(limit))
    return Conversion(steps=({out: value},), checks=(*checks, length))
