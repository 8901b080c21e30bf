"""Uploaded files on disk for the services, which read paths, under their uploaded names.

The entity of an import comes from the file name (``surveys.csv``, ``满意度回访问卷.xlsx``), so each
upload is written under its own base name (in a folder of its own, so two uploads of one name
never collide) inside a temporary folder removed when the request is done. Problems and
messages that name a temporary path are relabelled with the uploaded name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated

from fastapi import File, UploadFile

from scoring.errors import InputError, ScoringError

MAX_NAME_LENGTH = 200

#: An uploaded plan, as the plan and period routes take it.
PlanUpload = Annotated[UploadFile, File(description="plan file (YAML)")]


def safe_name(filename: str | None, default: str) -> str:
    """The base name of an uploaded file, without any folder a browser or client put in it."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    if name in ("", ".", "..") or name.startswith("."):
        name = default
    if len(name) > MAX_NAME_LENGTH:
        suffix = Path(name).suffix[:10]
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


@dataclasses.dataclass
class Saved:
    """Uploaded files written to a temporary folder."""

    paths: list[Path]
    names: dict[str, str]  # str(temporary path) -> uploaded name

    def relabel(self, text: str) -> str:
        for path, name in self.names.items():
            text = text.replace(path, name)
        return text

    def relabelled(self, exc: ScoringError) -> ScoringError:
        exc.message = self.relabel(exc.message)
        exc.args = (exc.message,)
        exc.problems = [
            dataclasses.replace(
                p, source=self.names.get(p.source, self.relabel(p.source)), reason=p.reason
            )
            for p in exc.problems
        ]
        return exc


@contextlib.contextmanager
def saved(uploads: Sequence[UploadFile], *, default: str) -> Iterator[Saved]:
    """Write ``uploads`` to a temporary folder for the duration of the block."""
    if not uploads:
        raise InputError("没有上传文件 / no file was uploaded")
    with tempfile.TemporaryDirectory(prefix="scoring-upload-") as folder:
        paths: list[Path] = []
        names: dict[str, str] = {}
        for index, upload in enumerate(uploads):
            name = safe_name(upload.filename, default)
            target = Path(folder) / str(index) / name
            target.parent.mkdir()
            with target.open("wb") as out:
                shutil.copyfileobj(upload.file, out, 1 << 20)
            paths.append(target)
            names[str(target)] = name
        found = Saved(paths, names)
        try:
            yield found
        except ScoringError as exc:
            raise found.relabelled(exc) from None


@contextlib.contextmanager
def saved_one(upload: UploadFile, *, default: str) -> Iterator[tuple[Path, Saved]]:
    """One uploaded file (a plan) on disk for the block."""
    with saved([upload], default=default) as found:
        yield found.paths[0], found
