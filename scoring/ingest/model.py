"""The result of reading one input file, and the names every ingest module shares.

读取一个输入文件的结果:有效行的类型化数据、被拒绝行的原文,以及带位置的全部问题。
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scoring.entities import Entity
from scoring.errors import Problem

#: Bookkeeping column: the row number the user sees (the header is row 1).
ROW = "_row"

#: The column ``write_rejects`` appends; the reader ignores it so a fixed file re-imports cleanly.
ERROR_COLUMN = "导入错误 / import_error"
#: Header spellings of the error column that the reader ignores (compared after normalising).
ERROR_COLUMN_NAMES = (ERROR_COLUMN, "导入错误", "import_error")


@dataclass(frozen=True)
class Parsed:
    """One file read, typed and validated.

    ``frame`` holds the valid rows only, as ``entity.schema`` plus ``_row``; ``rejected`` holds
    every rejected row exactly as the user wrote it (the file's headers, text, plus ``_row``) so
    that HR can fix and re-import it. A row with any problem is rejected as a whole: payroll
    must never be computed from half a record.

    ``headers`` is the header row as written (in file order, duplicates and blanks included,
    without the ignored error column); ``raw`` holds the text of every data row under the same
    column names as ``rejected``, so that a later check (references) can still reject a valid
    row with the user's own text. The columns of ``raw``/``rejected`` are the headers made unique
    (a repeated header gets `` (2)``, ``(3)``…; a blank one is named by its position), and
    ``headers`` maps them back by position.
    """

    entity: Entity
    source: str
    sheet: str | None
    frame: pl.DataFrame
    job_installers: pl.DataFrame | None
    rejected: pl.DataFrame
    problems: list[Problem]
    columns: dict[str, str]
    headers: tuple[str, ...] = ()
    raw: pl.DataFrame | None = None
    #: What the user should know that rejects nothing (a hidden first sheet was skipped):
    #: problems without a row or column, reported with the file's problems.
    notes: tuple[Problem, ...] = ()

    @property
    def accepted_count(self) -> int:
        return self.frame.height

    @property
    def rejected_count(self) -> int:
        return self.rejected.height
