"""The dealer's monthly report (每月例会通报) as a download, for the API and the dealer's page:
written by :func:`scoring.services.reports.write` (rights and scope checked there) into a
temporary folder that is removed once the file is sent."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from scoring.period import Period
from scoring.services import reports
from scoring.services.access import Caller
from scoring.services.reports import Format, Headings
from scoring.web.deps import Services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The report page is whole by itself: no script, no external file, inline styles only.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
)


def report_file(
    services: Services,
    *,
    caller: Caller,
    period: Period,
    dealer_id: str,
    format: Format,
    headings: Headings,
) -> FileResponse:
    """One dealer's report of ``period``: the workbook, or the page shown in the browser."""
    folder = Path(tempfile.mkdtemp(prefix="scoring-report-"))
    try:
        (written,) = reports.write(
            services.store,
            caller=caller,
            period=period,
            runtime=services.runtime,
            out_dir=folder,
            dealer_ids=[dealer_id],
            formats=(format,),
            headings=headings,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    path = written.paths[format]
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
    if format == "html":
        return FileResponse(
            path,
            media_type="text/html; charset=utf-8",
            filename=path.name,
            content_disposition_type="inline",
            headers={
                "Content-Security-Policy": REPORT_CSP,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
            background=cleanup,
        )
    return FileResponse(path, media_type=XLSX, filename=path.name, background=cleanup)
