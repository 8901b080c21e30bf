"""POST /api/imports: upload input files, as ``scoring import`` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from scoring.services.imports import import_files as import_service
from scoring.web.auth import ImportCaller, SignedIn
from scoring.web.deps import ServicesDep
from scoring.web.models import ErrorOut, ImportOut, ProblemOut, display_name, file_reports
from scoring.web.uploads import saved

router = APIRouter(prefix="/api/imports", tags=["imports"], dependencies=[SignedIn])


@router.post(
    "",
    responses={
        422: {"model": ImportOut, "description": "rows were rejected; the body says what went in"},
        400: {"model": ErrorOut, "description": "a file cannot be read or its entity is unknown"},
    },
)
def import_files(
    files: Annotated[
        list[UploadFile],
        File(description="CSV or XLSX files; the entity comes from each file name"),
    ],
    services: ServicesDep,
    caller: ImportCaller,
    response: Response,
    entity: Annotated[str | None, Form(description="entity of every file, e.g. surveys")] = None,
    sheet: Annotated[str | None, Form(description="XLSX sheet name")] = None,
    all_or_nothing: Annotated[
        bool, Form(description="store nothing when any row is rejected")
    ] = False,
) -> ImportOut:
    """导入数据文件 / import data files. 200 when nothing was rejected, 422 when rows were
    (valid rows went in unless ``all_or_nothing``); every problem is listed with its place."""
    with saved(files, default="upload.csv") as uploads:
        report = import_service(
            services.store,
            caller=caller,
            paths=uploads.paths,
            runtime=services.runtime,
            entity=entity or None,
            sheet=sheet or None,
            all_or_nothing=all_or_nothing,
        )
        names = uploads.names
        problems = [
            ProblemOut.of(problem, {problem.source: display_name(path, names)})
            for path, found in report.problems.items()
            for problem in found
        ]
        body = ImportOut(
            batch_id=report.batch_id,
            stored=report.stored,
            rejected=report.rejected,
            files=file_reports(report.files, names),
            problems=problems,
            seconds=round(report.seconds, 3),
        )
    if report.rejected:
        response.status_code = 422
    return body
