"""Importing by upload: ``/hr/imports`` (the form and the recent batches), the page of what a
batch did (``/hr/imports/{batch_id}``: per file, and every rejected row with its file, row,
column and reason), and its rejects files to download, fix and import again. Templates
``hr_imports.html`` and ``hr_import_batch.html``.

The form posts the files to the same service as ``POST /api/imports`` and ``scoring import``
(:func:`scoring.services.imports.import_files`); the valid rows go in, the rejected ones are
listed. Only a rejects file that a batch recorded, inside the service's rejects folder, is
ever sent (:func:`scoring.services.imports.rejects_file`).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from scoring.entities import ENTITIES
from scoring.errors import InputError
from scoring.services import imports
from scoring.web.auth import CsrfChecked, ImportCaller, SignedIn
from scoring.web.deps import ServicesDep
from scoring.web.hr_parts import CSV, download, hr_render
from scoring.web.uploads import saved
from scoring.web.urls import path

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

BatchId = Annotated[int, Path(ge=1, le=2**31 - 1, description="import batch number")]
Position = Annotated[int, Path(ge=0, le=100_000, description="file of the batch, from 0")]


@router.get("/hr/imports", response_class=HTMLResponse)
def import_page(request: Request, services: ServicesDep, caller: ImportCaller) -> HTMLResponse:
    """导入数据 / upload files, and the recent import batches."""
    batches = imports.recent_batches(services.store, caller=caller)
    return hr_render(request, "hr_imports.html", caller=caller, batches=batches, entities=ENTITIES)


@router.post("/hr/imports", dependencies=[CsrfChecked])
def upload(
    services: ServicesDep,
    caller: ImportCaller,
    files: Annotated[list[UploadFile], File()],
    entity: Annotated[str, Form(max_length=60)] = "",
    sheet: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    """Import the uploaded files as one batch, then show what became of them."""
    chosen = [f for f in files if f.filename]  # a form sent without a file has an empty part
    if not chosen:
        raise InputError("请选择要导入的文件 / choose the files to import")
    # A folder of its own for this upload's rejects files: two uploads of surveys.csv in the
    # same second would otherwise write one file, and a batch's link serve another's rows.
    rejects_dir = services.runtime.rejects_dir / f"upload-{secrets.token_hex(6)}"
    with saved(chosen, default="upload.csv") as uploads:
        report = imports.import_files(
            services.store,
            caller=caller,
            paths=uploads.paths,
            runtime=services.runtime,
            entity=entity.strip() or None,
            sheet=sheet.strip() or None,
            rejects_dir=rejects_dir,
        )
    assert report.batch_id is not None  # stored: the page never asks for all-or-nothing
    return RedirectResponse(path("hr", "imports", str(report.batch_id)), status_code=303)


@router.get("/hr/imports/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request, batch_id: BatchId, services: ServicesDep, caller: ImportCaller
) -> HTMLResponse:
    """导入结果 / what one import batch did: per file, and every rejected row."""
    report = imports.batch_report(
        services.store, caller=caller, batch_id=batch_id, runtime=services.runtime
    )
    aliases = {e.name: e.alias for e in ENTITIES}
    return hr_render(request, "hr_import_batch.html", caller=caller, report=report, aliases=aliases)


@router.get("/hr/imports/{batch_id}/rejects/{position}", response_class=FileResponse)
def rejects_download(
    batch_id: BatchId, position: Position, services: ServicesDep, caller: ImportCaller
) -> FileResponse:
    """拒收行文件 / the rejected rows of one file with their reasons (CSV), to fix and import
    again as it is."""
    found = imports.rejects_file(
        services.store,
        caller=caller,
        batch_id=batch_id,
        position=position,
        runtime=services.runtime,
    )
    return download(found, name=found.name, media_type=CSV)
