"""The seven entities of CONTRACT.md: fields, Chinese aliases, types, labels and references.

This is the single description of the input the importer reads, the store keeps and the engine
evaluates. Normalised frames use these names; money fields become Int64 ``<name>_fen`` columns,
timestamps ``Datetime("us", "UTC")``, dates ``Date``, scores ``Int8``, booleans ``Boolean``.
Unknown columns of an input file are kept in ``extra`` (a JSON object of text values).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl


class Kind(StrEnum):
    STRING = "string"
    MONEY = "money"
    DATE = "date"
    TIMESTAMP = "timestamp"
    SCORE = "score"
    BOOL = "bool"
    ENUM = "enum"
    INT = "int"
    SHARES = "shares"  # jobs.installer_ids: "I001:0.6;I002:0.4"


@dataclass(frozen=True)
class Field:
    name: str
    alias: str
    kind: Kind
    required: bool = True
    # enum value -> Chinese label (both accepted on input, value stored)
    labels: dict[str, str] = field(default_factory=dict)
    references: str | None = None  # entity name whose id this field must name

    @property
    def column(self) -> str:
        """The column name in normalised frames and in the store."""
        return f"{self.name}_fen" if self.kind is Kind.MONEY else self.name

    @property
    def dtype(self) -> pl.DataType:
        return _DTYPES[self.kind]


_DTYPES: dict[Kind, pl.DataType] = {
    Kind.STRING: pl.String(),
    Kind.MONEY: pl.Int64(),
    Kind.DATE: pl.Date(),
    Kind.TIMESTAMP: pl.Datetime("us", "UTC"),
    Kind.SCORE: pl.Int8(),
    Kind.BOOL: pl.Boolean(),
    Kind.ENUM: pl.String(),
    Kind.INT: pl.Int64(),
    Kind.SHARES: pl.String(),
}


@dataclass(frozen=True)
class Entity:
    name: str
    alias: str  # Chinese name, also accepted as file name
    fields: tuple[Field, ...]
    file_aliases: tuple[str, ...] = ()

    @property
    def id_field(self) -> Field:
        return self.fields[0]

    @property
    def id_column(self) -> str:
        return self.fields[0].name

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def schema(self) -> pl.Schema:
        """Polars schema of the normalised frame (without bookkeeping columns)."""
        cols = [(f.column, f.dtype) for f in self.fields]
        cols.append(("extra", pl.String()))
        return pl.Schema(cols)


SCORE_LABELS = {"5": "非常满意", "4": "满意", "3": "一般", "2": "不满意", "1": "非常不满意"}

TEAM_KINDS = {"in_house": "自有", "outsourced": "外包"}
EMPLOYMENT = {"employee": "员工", "contractor": "外包"}
SERVICE_TYPES = {"delivery": "送货", "install": "安装", "repair": "维修", "maintenance": "保养"}
CHANNELS = {"phone": "电话", "sms": "短信", "wechat": "微信", "app": "app"}
CATEGORIES = {
    "attitude": "态度",
    "lateness": "迟到",
    "upsell": "推销加价",
    "damage": "损坏",
    "workmanship": "工艺",
    "no_show": "爽约",
    "overcharge": "乱收费",
    "other": "其他",
}
SEVERITIES = {"minor": "一般", "major": "较重", "severe": "严重"}
RESPONSIBILITIES = {
    "installer": "师傅责任",
    "customer_unreasonable": "客户无理",
    "product": "产品质量",
    "logistics": "物流",
    "shared": "共同责任",
    "undetermined": "待定",
}

S, M, D, T, SC, B, E, N = (
    Kind.STRING,
    Kind.MONEY,
    Kind.DATE,
    Kind.TIMESTAMP,
    Kind.SCORE,
    Kind.BOOL,
    Kind.ENUM,
    Kind.INT,
)

DEALERS = Entity(
    "dealers",
    "经销商",
    (Field("dealer_id", "经销商编号", S), Field("name", "经销商名称", S)),
)
TEAMS = Entity(
    "teams",
    "团队",
    (
        Field("team_id", "团队编号", S),
        Field("name", "团队名称", S),
        Field("dealer_id", "经销商编号", S, references="dealers"),
        Field("kind", "团队类型", E, labels=TEAM_KINDS),
        Field("region", "区域", S, required=False),
    ),
    file_aliases=("网点",),
)
INSTALLERS = Entity(
    "installers",
    "安装师傅",
    (
        Field("installer_id", "工号", S),
        Field("name", "姓名", S),
        Field("team_id", "团队编号", S, references="teams"),
        Field("employment", "用工类型", E, labels=EMPLOYMENT),
        Field("base_monthly_wage", "基本工资", M, required=False),
        Field("local_min_wage", "当地最低工资", M, required=False),
        Field("active_from", "入职日期", D, required=False),
        Field("active_to", "离职日期", D, required=False),
    ),
)
JOBS = Entity(
    "jobs",
    "工单",
    (
        Field("job_id", "工单号", S),
        Field("installer_ids", "师傅工号", Kind.SHARES, references="installers"),
        Field("service_type", "服务类型", E, labels=SERVICE_TYPES),
        Field("product_category", "产品类别", S, required=False),
        Field("created_at", "派单时间", T),
        Field("appointment_start", "预约开始", T, required=False),
        Field("appointment_end", "预约结束", T, required=False),
        Field("arrived_at", "到达时间", T, required=False),
        Field("completed_at", "完工时间", T, required=False),
        Field("promised_days", "承诺工作日", N, required=False),
    ),
)
SURVEYS = Entity(
    "surveys",
    "满意度回访问卷",
    (
        Field("survey_id", "问卷编号", S),
        Field("job_id", "工单号", S, references="jobs"),
        Field("surveyed_at", "回访时间", T),
        Field("channel", "渠道", E, required=False, labels=CHANNELS),
        Field("overall", "综合评分", SC),
        Field("attitude", "服务态度", SC, required=False),
        Field("punctuality", "准时", SC, required=False),
        Field("professionalism", "专业", SC, required=False),
        Field("cleanliness", "清洁", SC, required=False),
        Field("promise_kept", "承诺兑现", B, required=False),
        Field("comment", "意见", S, required=False),
    ),
    file_aliases=("满意度调查", "问卷"),
)
REVISITS = Entity(
    "revisits",
    "回访结果",
    (
        Field("revisit_id", "回访编号", S),
        Field("job_id", "工单号", S, references="jobs"),
        Field("revisited_at", "回访时间", T),
        Field("reached", "是否接通", B),
        Field("issue_resolved", "问题已解决", B, required=False),
        Field("customer_satisfied", "客户满意", B, required=False),
        Field("note", "备注", S, required=False),
    ),
)
COMPLAINTS = Entity(
    "complaints",
    "投诉",
    (
        Field("complaint_id", "投诉编号", S),
        Field("job_id", "工单号", S, references="jobs"),
        Field("installer_id", "工号", S, required=False, references="installers"),
        Field("received_at", "受理时间", T),
        Field("category", "投诉类别", E, labels=CATEGORIES),
        Field("severity", "严重程度", E, labels=SEVERITIES),
        Field("responsibility", "责任认定", E, labels=RESPONSIBILITIES),
        Field("resolved_at", "处理完成时间", T, required=False),
        Field("customer_satisfied_with_resolution", "客户对处理满意", B, required=False),
        Field("escalated", "上报总部", B, required=False),
        # When the complaint was reported to headquarters in writing; implies ``escalated``
        # (the importer sets a blank ``escalated`` to true and rejects ``false``).
        Field("escalated_at", "上报时间", T, required=False),
        Field("resolution", "处理措施", S, required=False),
    ),
    file_aliases=("顾客投诉处理单", "投诉处理单"),
)

#: In dependency order: an entity only references entities before it.
ENTITIES: tuple[Entity, ...] = (DEALERS, TEAMS, INSTALLERS, JOBS, SURVEYS, REVISITS, COMPLAINTS)
BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}

#: jobs.installer_ids normalised into one row per (job, installer) with an exact share
#: ``share_num / share_den``; all installers of one job have the same ``share_den``.
JOB_INSTALLERS_SCHEMA = pl.Schema(
    [
        ("job_id", pl.String()),
        ("installer_id", pl.String()),
        ("share_num", pl.Int64()),
        ("share_den", pl.Int64()),
    ]
)

#: Columns that identify records: the keys of the engine's joins and groups, and the ids of
#: the events its lines come from (a line's ``source_id`` is one of them).
ID_COLUMNS = (
    "dealer_id",
    "team_id",
    "installer_id",
    "job_id",
    "survey_id",
    "revisit_id",
    "complaint_id",
)


def new_id_type() -> pl.DataType:
    """A Categorical of its own for the id columns of one set of frames.

    Joins, group-bys and uniques on a Categorical compare 32-bit codes instead of text: on
    the national month they ran 3-5x faster than on String ids, and each distinct id is
    kept once instead of once per row. Sorting and comparing stay lexical (polars orders a
    Categorical by its text). The categories have a fresh name, so they are freed with the
    frames that use them and never mix with another set's.
    """
    return pl.Categorical(pl.Categories(f"scoring-ids-{uuid.uuid4().hex}"))


def entity_for_name(name: str) -> Entity | None:
    """The entity a file or ``--entity`` names: English or Chinese, any case, singular or plural."""
    key = name.strip().lower()
    for entity in ENTITIES:
        names = {entity.name, entity.name.rstrip("s"), entity.alias, *entity.file_aliases}
        if key in {n.lower() for n in names}:
            return entity
    return None
