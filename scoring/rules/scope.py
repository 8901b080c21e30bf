"""What a condition can see: the fields of its source, of the job, the plan's parameters.

Fields come from the entities of CONTRACT.md (scoring/entities.py), so a field added there is
usable in plans at once. Each field knows the column that holds it in the evaluation frame:
event fields by their own column, job fields as ``job.<column>``, unknown input columns read
from ``extra`` as ``extra:<header>`` (or ``job.extra:<header>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scoring import entities
from scoring.entities import Entity, Kind
from scoring.rules.types import Ty

_KIND_TY = {
    Kind.STRING: Ty.STR,
    Kind.ENUM: Ty.STR,
    Kind.SHARES: Ty.STR,
    Kind.MONEY: Ty.NUM,
    Kind.DATE: Ty.DATE,
    Kind.TIMESTAMP: Ty.TS,
    Kind.SCORE: Ty.INT,
    Kind.INT: Ty.INT,
    Kind.BOOL: Ty.BOOL,
}

#: Event sources of per-event rules and the entity each reads.
SOURCE_ENTITIES: dict[str, Entity] = {
    "survey": entities.SURVEYS,
    "revisit": entities.REVISITS,
    "complaint": entities.COMPLAINTS,
    "job": entities.JOBS,
}

#: Other records of the same job that ``job.has_<x>(...)`` / ``job.count_<x>(...)`` look at.
JOB_RELATIONS: dict[str, str] = {
    "complaint": "complaints",
    "revisit": "revisits",
    "survey": "surveys",
}

JOB_PREFIX = "job."


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    ty: Ty
    column: str
    money: bool = False
    den_column: str | None = None  # an exact fraction stored as two columns (the rating)
    values: tuple[str, ...] | None = None  # enum values
    labels: Mapping[str, str] = field(default_factory=dict)  # enum value → zh label


@dataclass(frozen=True)
class Scope:
    """The names a condition may use, and where their values live."""

    name: str  # "survey", "complaint", "installer", ...
    fields: Mapping[str, FieldInfo]
    job: Scope | None = None  # the ``job.`` namespace, when the source has a job
    relations: bool = False  # ``job.has_complaint(...)`` and friends are available
    extra_column: str | None = "extra"  # where ``field("header")`` reads unknown columns
    params: Mapping[str, object] = field(default_factory=dict)

    def with_params(self, params: Mapping[str, object]) -> Scope:
        job = self.job.with_params(params) if self.job is not None else None
        return Scope(self.name, self.fields, job, self.relations, self.extra_column, params)


def entity_fields(entity: Entity, prefix: str = "") -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    for f in entity.fields:
        values = tuple(f.labels) if f.kind is Kind.ENUM else None
        out[f.name] = FieldInfo(
            name=f.name,
            ty=_KIND_TY[f.kind],
            column=prefix + f.column,
            money=f.kind is Kind.MONEY,
            values=values,
            labels=dict(f.labels) if f.kind is Kind.ENUM else {},
        )
    return out


def job_scope(prefix: str = JOB_PREFIX) -> Scope:
    return Scope(
        "job",
        entity_fields(entities.JOBS, prefix),
        relations=True,
        extra_column=prefix + "extra",
    )


def event_scope(source: str) -> Scope:
    """The scope of a per-event rule over ``source`` (survey, revisit, complaint, job)."""
    entity = SOURCE_ENTITIES[source]
    if source == "job":
        # The job is the event itself: ``job.x`` and ``x`` are the same column.
        return Scope("job", entity_fields(entity), job=job_scope(""), relations=False)
    return Scope(source, entity_fields(entity), job=job_scope())


def relation_scope(source: str) -> Scope:
    """The scope inside ``job.has_<source>(...)``: the fields of that record, nothing else."""
    return Scope(source, entity_fields(SOURCE_ENTITIES[source]))


def installer_scope(measures: Mapping[str, Ty], grades: tuple[str, ...] | None = None) -> Scope:
    """The scope of per-period rules and caps: the installer, its rating and the measures."""
    fields = entity_fields(entities.INSTALLERS)
    fields["surveys"] = FieldInfo("surveys", Ty.INT, "surveys")
    fields["rating"] = FieldInfo("rating", Ty.NUM, "rating_num", den_column="rating_den")
    fields["grade"] = FieldInfo("grade", Ty.STR, "grade", values=grades)
    for name, ty in measures.items():
        fields[name] = FieldInfo(name, ty, f"measure:{name}")
    return Scope("installer", fields)
