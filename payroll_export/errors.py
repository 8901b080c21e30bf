"""The one error the payroll export raises for a result it will not write."""

from __future__ import annotations

from scoring.errors import ScoringError


class ExportError(ScoringError):
    """A result cannot be written as payroll files (inconsistent, malformed or too large)."""
