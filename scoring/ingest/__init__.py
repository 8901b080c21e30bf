"""Data intake: one CSV or XLSX file → a typed, validated polars frame plus located problems.

数据导入:读取一个 CSV/XLSX 文件,映射表头与标签,得到类型化的有效行、原样保留的被拒绝行,以及
带文件/工作表/行/列位置的全部问题。

    read_file          read.py       read, map headers, convert, check → Parsed
    check_references   references.py reject rows naming ids that do not exist
    write_rejects      rejects.py    the rejected rows with their reasons, for HR to fix

Modules, in the order the data flows: source (file → text), headers (header → field),
values/yuan/moments/shares (text → typed, with checks), rules (checks across fields),
validate (the one pass), problems (problem frames → Problem objects).
"""

from scoring.ingest.model import ERROR_COLUMN, ROW, Parsed
from scoring.ingest.read import detect_entity, read_file
from scoring.ingest.references import check_references
from scoring.ingest.rejects import write_rejects

__all__ = [
    "ERROR_COLUMN",
    "ROW",
    "Parsed",
    "check_references",
    "detect_entity",
    "read_file",
    "write_rejects",
]
