"""The entity frames a run reads, and the sources of events with their tables and ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import polars as pl

SOURCE_TABLES = {
    "survey": "surveys",
    "revisit": "revisits",
    "complaint": "complaints",
    "job": "jobs",
}
SOURCE_IDS = {
    "survey": "survey_id",
    "revisit": "revisit_id",
    "complaint": "complaint_id",
    "job": "job_id",
}


@dataclass(frozen=True)
class Inputs:
    """The normalised entity frames (scoring/entities.py), lazy."""

    dealers: pl.LazyFrame
    teams: pl.LazyFrame
    installers: pl.LazyFrame
    jobs: pl.LazyFrame
    job_installers: pl.LazyFrame
    surveys: pl.LazyFrame
    revisits: pl.LazyFrame
    complaints: pl.LazyFrame

    @classmethod
    def of(cls, frames: Mapping[str, pl.LazyFrame | pl.DataFrame]) -> Inputs:
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in frames]
        if missing:
            raise ValueError(f"missing input frames: {missing}")
        return cls(**{n: frames[n].lazy() for n in names})

    def table(self, name: str) -> pl.LazyFrame:
        frame: pl.LazyFrame = getattr(self, name)
        return frame

    @property
    def id_type(self) -> pl.DataType:
        """The dtype of the id columns (``String``, or the Categorical of ``ids.encode_ids``)."""
        dtype: pl.DataType = self.installers.collect_schema()["installer_id"]
        return dtype
