"""Writers of the dealer's monthly report (每月例会通报): an XLSX workbook with native Excel
charts (:mod:`.xlsx`) and one printable HTML page (:mod:`.html`), Chinese first."""

from payroll_export.dealer_report.html import write_html
from payroll_export.dealer_report.xlsx import write_xlsx

__all__ = ["write_html", "write_xlsx"]
