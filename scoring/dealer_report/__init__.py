"""The dealer's monthly report (每月例会通报): what a dealer reviews at its monthly meeting.

One report per dealer and month, built from what the month's result holds (the stored ranking
and statements of the closed period, or of the draft of an open one) and from the month's
records: the teams' ranking and figures, the change from last month, the service levels met
per team, the complaints by category and verdict, the survey dimensions per team, the most
frequent words of comments and notes, the installers who rose or fell a grade, and the
suggested shares of next month's orders with the reason for each.

- :mod:`.sections`: the sections as pure functions over frames.
- :mod:`.build`: :class:`ReportInputs` (read once for every dealer of a month) →
  :class:`DealerReport` per dealer.

The writers are in ``payroll_export.dealer_report`` (XLSX with native charts, printable
HTML); the service that reads the store, checks rights and scopes and writes the files is
``scoring.services.reports``.
"""

from scoring.dealer_report.build import DealerReport, ReportInputs, build_reports

__all__ = ["DealerReport", "ReportInputs", "build_reports"]
