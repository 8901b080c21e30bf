"""The only writer of payroll files: a computed period as XLSX and CSV (CONTRACT.md, "Payroll
export"). 工资导出:把一个期间的计算结果写成 XLSX 与 CSV。

    from payroll_export import export_period
    files = export_period(result, Path("out"), headings="zh")
    files.xlsx, files.csv, files.sheets

What it writes, and the choices made:

- ``payroll-PERIOD.xlsx`` and ``payroll-PERIOD.csv``; ``payroll-PERIOD-DRAFT.*`` when
  ``result.draft``. Written under a temporary name and renamed into place. The same result
  always gives the same bytes (fixed ZIP timestamps, no "exported at").
- Sheets ``payroll``, ``lines``, ``ranking``, ``about``, in that order. Sheet names stay English
  with ``headings="zh"`` (scripts and the contract address sheets by name); only the column
  headings change language (:mod:`payroll_export.columns` has every heading).
- Money is written from the ``_fen`` integers as exact decimal text (``-12.34``): a number
  cell with format ``0.00`` in XLSX, the same text in CSV. No float ever touches money.
- ``rating`` is a number cell with format ``0.000`` holding exactly the engine's three-decimal
  text (blank when null), so it sorts and filters as a number and shows ``4.500``, not ``4.5``.
- ``lines``: ``explanation`` is the zh-CN text, ``explanation_en`` the English one.
- ``ranking`` is written as given: ``_fen`` columns become yuan (heading without the suffix),
  integer and float columns numbers, text columns that all hold decimals with the same
  places (``"4.512"``) numbers with those places, other texts as text.
- ``about``: ``status`` (DRAFT/CLOSED, replacing any ``status`` key of ``result.about``),
  ``period`` when ``about`` lacks it, then every key of ``result.about``; nested mappings are
  flattened to ``inputs.surveys.rows``; values are text (ISO 8601 for dates, JSON for lists).
- Formula injection: a text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
  is, in XLSX, an inline string (never a formula) with a ``quotePrefix`` style, so Excel shows
  it exactly as it is and keeps it text if someone edits the cell; in CSV it gets a leading
  single quote (OWASP). Only text columns are guarded: money stays a parseable number.
- A sheet holds at most ``max_sheet_rows`` rows with its heading (Excel: 1,048,576); longer
  sheets continue on ``lines_2``, ``lines_3`` … with the heading repeated. Nothing is dropped.
- Before writing, the result is checked against the contract (sums of lines per kind, net,
  grades, ratings, periods); an inconsistent result raises :class:`ExportError` listing every
  problem, and nothing is written.
- Speed: worksheets are generated as XML text by polars and deflated on several threads
  (see :mod:`payroll_export.xlsx` and :mod:`payroll_export.zipwriter`); with the ``isal``
  package installed, deflate is about four times faster. ``python -m payroll_export.benchmark``
  measures it.
"""

from payroll_export.checks import check_result
from payroll_export.columns import Headings
from payroll_export.errors import ExportError
from payroll_export.export import ExportedFiles, export_period, file_stem
from payroll_export.xlsx import EXCEL_MAX_ROWS

__all__ = [
    "EXCEL_MAX_ROWS",
    "ExportError",
    "ExportedFiles",
    "Headings",
    "check_result",
    "export_period",
    "file_stem",
]
