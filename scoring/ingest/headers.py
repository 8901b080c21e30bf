"""Map the header row of a file to the fields of an entity.

A header names a field by its English name or its Chinese alias, in any case, with surrounding
spaces ignored, in any order. Other headers are kept as ``extra``. The error column that
``write_rejects`` adds is ignored, so that a fixed rejects file re-imports as it is.

File-level policy (the same for every problem here): a missing required column or two columns
for the same field is one problem of the whole file, with no row; every row of the file is then
rejected, because no row of it can be trusted to be complete or unambiguous. The rows still get
their own value problems, so HR sees everything that is wrong in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.entities import Entity
from scoring.ingest.model import ERROR_COLUMN_NAMES

EXTRA = "extra"


@dataclass(frozen=True)
class FileProblem:
    """A problem of the whole file: ``column`` is the header as written (None if absent)."""

    reason: str
    column: str | None = None


@dataclass(frozen=True)
class HeaderMap:
    """Where each field and each extra column is in the text frame.

    ``fields``: field name -> frame column; ``extra``: frame column -> header as written (the
    key in the ``extra`` JSON); ``header_of``: frame column -> header as written, for problems;
    ``columns``: header as written -> field name or ``"extra"`` (the public mapping);
    ``ignored``: frame columns that are not data (the error column of a rejects file).
    """

    fields: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    header_of: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    problems: tuple[FileProblem, ...] = ()


def normalise(header: str) -> str:
    """The comparable form of a header: inner whitespace collapsed, trimmed, case folded."""
    return " ".join(header.split()).casefold()


def map_headers(headers: list[str], names: list[str], entity: Entity) -> HeaderMap:
    """Map ``headers`` (as written) whose frame columns are ``names`` to ``entity``'s fields."""
    lookup: dict[str, str] = {}
    for f in entity.fields:
        lookup[normalise(f.name)] = f.name
        lookup[normalise(f.alias)] = f.name
    ignored_keys = {normalise(n) for n in ERROR_COLUMN_NAMES}

    fields: dict[str, str] = {}
    extra: dict[str, str] = {}
    header_of: dict[str, str] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[FileProblem] = []
    seen_extra: dict[str, str] = {}

    for header, name in zip(headers, names, strict=True):
        key = normalise(header)
        header_of[name] = header
        if key in ignored_keys:
            ignored.append(name)
            continue
        if not key:
            continue  # a column without a header cannot be named by a rule; kept only as text
        target = lookup.get(key)
        if target is not None:
            if target in fields:
                first = header_of[fields[target]]
                problems.append(
                    FileProblem(
                        f"列重复:「{first}」与「{header}」都对应字段 {target},无法确定用哪一列 / "
                        f"duplicate column: {first!r} and {header!r} both map to {target}",
                        column=header,
                    )
                )
                continue
            fields[target] = name
            columns[header] = target
            continue
        if key in seen_extra:
            first = seen_extra[key]
            problems.append(
                FileProblem(
                    f"列名重复:「{first}」与「{header}」/ duplicate column header: "
                    f"{first!r} and {header!r}",
                    column=header,
                )
            )
            continue
        seen_extra[key] = header
        extra[name] = header
        columns[header] = EXTRA

    for f in entity.fields:
        if f.required and f.name not in fields:
            problems.append(
                FileProblem(
                    f"缺少必需的列「{f.alias}」({f.name}),全部行未导入 / "
                    f"missing required column {f.name} ({f.alias}); no row of the file is imported"
                )
            )
    return HeaderMap(fields, extra, header_of, columns, tuple(ignored), tuple(problems))
