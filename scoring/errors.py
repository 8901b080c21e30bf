"""Errors are values with a place.

问题(Problem)是带位置的值:文件、工作表、行、列、取值、原因。校验会收集一个文件的全部问题后一起报告;
只有程序错误才抛出异常。用户错误经 ScoringError 传到命令行与 API,变成一条清晰的消息。
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, with where it is.

    ``row`` is the 1-based row number as the user sees it in the file (the header is row 1, so
    the first data row is row 2). ``reason`` is written zh-CN first with English beside it.
    """

    source: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    sheet: str | None = None
    line: int | None = None
    col: int | None = None

    def where(self) -> str:
        parts = [self.source]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"行/row {self.row}")
        if self.line is not None:
            parts.append(f"行/line {self.line}" + (f":{self.col}" if self.col is not None else ""))
        if self.column:
            parts.append(f"列/column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        shown = f" (值/value {self.value!r})" if self.value not in (None, "") else ""
        return f"{self.where()}: {self.reason}{shown}"


@dataclass
class ScoringError(Exception):
    """A user-facing error: one clear message, optionally backed by located problems."""

    message: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  … 另有 {more} 个问题 / {more} more problems" if more > 0 else ""
        return f"{self.message}\n{shown}{tail}"


class InputError(ScoringError):
    """A file or a value the user gave cannot be used."""


class PlanError(ScoringError):
    """A plan file is invalid."""


class CalendarError(ScoringError):
    """The working-day calendar does not know a date."""


class PeriodError(ScoringError):
    """A period operation is not allowed (for example closing a closed period)."""


class NotFoundError(ScoringError):
    """An installer, dispute or other record named by the user does not exist."""


class StoreError(ScoringError):
    """The store cannot be opened or is not at the expected schema."""
