"""Names of the working columns of the validation pass.

Working columns live beside the typed columns until the end of the pass; their names start with
two underscores and a NUL-free tag so that they cannot collide with a field name.
"""

from __future__ import annotations


def text_column(field_name: str) -> str:
    """The trimmed text of a field's cell (null when empty)."""
    return f"__text__{field_name}"


def work_column(field_name: str, part: str) -> str:
    """A helper column of one field's conversion."""
    return f"__{part}__{field_name}"


def extra_column(index: int) -> str:
    """The trimmed text of the ``index``-th unknown column."""
    return f"__extra__{index}"


def raw_column(index: int) -> str:
    """The ``index``-th cell of a row as read (untrimmed)."""
    return f"__raw__{index}"
