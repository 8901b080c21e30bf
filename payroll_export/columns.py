"""What each column of each sheet holds, how it is written, and its English and Chinese heading.

Sheet frames handed to the writers name their columns ``c0, c1, …`` in sheet order; a
:class:`Column` says how to write the values and what to call them. Sheet names stay English in
both heading languages: the contract names them and scripts find the sheets by those names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

import polars as pl

Headings = Literal["en", "zh"]
HEADING_LANGUAGES: tuple[Headings, ...] = ("en", "zh")


class CellKind(Enum):
    """How a column's values are written.

    - ``TEXT``: String; an inline string cell in XLSX, guarded against formula injection in both
      XLSX and CSV.
    - ``INTEGER``: Int64; a number.
    - ``MONEY``: Int64 fen; a number of yuan with format ``0.00`` in XLSX, ``-12.34`` in CSV.
    - ``DECIMAL``: String holding a decimal number with ``Column.places`` places (``"4.235"``,
      exact as the engine rounded it); a number with that many places shown in XLSX (format
      ``0.000`` for three), the same text in CSV.
    - ``NUMBER``: Float64; a number in general format (a non-finite value is written as text).
    - ``BOOLEAN``: Boolean; an Excel boolean, ``true``/``false`` in CSV.
    """

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DECIMAL = "decimal"
    NUMBER = "number"
    BOOLEAN = "boolean"


#: The dtype a sheet frame column must have for each kind.
KIND_DTYPES: dict[CellKind, pl.DataType] = {
    CellKind.TEXT: pl.String(),
    CellKind.INTEGER: pl.Int64(),
    CellKind.MONEY: pl.Int64(),
    CellKind.DECIMAL: pl.String(),
    CellKind.NUMBER: pl.Float64(),
    CellKind.BOOLEAN: pl.Boolean(),
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet: English name, Chinese heading, kind, display width, places."""

    name: str
    zh: str
    kind: CellKind
    width: float = 12.0
    #: Decimal places of a ``DECIMAL`` column (1 to 4).
    places: int | None = None
    #: A text column with few distinct values (codes, periods): checked per distinct value.
    repeated: bool = False

    def heading(self, headings: Headings) -> str:
        return self.zh if headings == "zh" else self.name


@dataclass(frozen=True, slots=True)
class Sheet:
    """A sheet to write: ``frame`` has one column ``c<i>`` per entry of ``columns``."""

    name: str
    frame: pl.DataFrame
    columns: tuple[Column, ...]
    #: Whether cells carry their ``r="B7"`` reference. The big ``lines`` sheets leave it out
    #: (ECMA-376 makes it optional; Excel, LibreOffice, openpyxl and calamine place such cells
    #: in order), which makes them a sixth smaller and faster to write and compress.
    cell_refs: bool = True

    def headings(self, headings: Headings) -> list[str]:
        return [column.heading(headings) for column in self.columns]


def frame_column(index: int) -> str:
    """The name of the ``index``-th column in a sheet frame."""
    return f"c{index}"


_T, _I, _M, _D = CellKind.TEXT, CellKind.INTEGER, CellKind.MONEY, CellKind.DECIMAL

#: ``payroll`` sheet: (statement column, Column). Money columns drop their ``_fen`` suffix.
PAYROLL_COLUMNS: tuple[tuple[str, Column], ...] = (
    ("period", Column("period", "期间", _T, 9, repeated=True)),
    ("installer_id", Column("installer_id", "工号", _T, 12)),
    ("name", Column("name", "姓名", _T, 12)),
    ("team_id", Column("team_id", "团队编号", _T, 12, repeated=True)),
    ("team_name", Column("team_name", "团队名称", _T, 18, repeated=True)),
    ("dealer_id", Column("dealer_id", "经销商编号", _T, 12, repeated=True)),
    ("employment", Column("employment", "用工类型", _T, 11, repeated=True)),
    ("surveys", Column("surveys", "有效问卷数", _I, 10)),
    ("rating", Column("rating", "评分", _D, 8, places=3)),
    ("grade", Column("grade", "等级", _T, 8, repeated=True)),
    ("bonus_fen", Column("bonus", "奖金", _M, 12)),
    ("deduction_before_cap_fen", Column("deduction_before_cap", "扣款(封顶前)", _M, 14)),
    ("deduction_waived_by_cap_fen", Column("deduction_waived_by_cap", "封顶免扣", _M, 14)),
    ("deduction_fen", Column("deduction", "扣款", _M, 12)),
    ("grievance_allowance_fen", Column("grievance_allowance", "委屈奖", _M, 12)),
    ("prior_period_adjustment_fen", Column("prior_period_adjustment", "往期调整", _M, 14)),
    ("manual_adjustment_fen", Column("manual_adjustment", "人工调整", _M, 12)),
    ("net_fen", Column("net", "实发合计", _M, 12)),
)

#: ``lines`` sheet: (line column, Column). ``explanation`` is the zh-CN text.
LINES_COLUMNS: tuple[tuple[str, Column], ...] = (
    ("period", Column("period", "期间", _T, 9, repeated=True)),
    ("installer_id", Column("installer_id", "工号", _T, 12)),
    ("rule_id", Column("rule_id", "规则编号", _T, 16, repeated=True)),
    ("kind", Column("kind", "类型", _T, 11, repeated=True)),
    ("amount_fen", Column("amount", "金额", _M, 12)),
    ("source", Column("source", "来源", _T, 10, repeated=True)),
    ("source_id", Column("source_id", "来源编号", _T, 14)),
    ("job_id", Column("job_id", "工单号", _T, 14)),
    ("corrects_period", Column("corrects_period", "更正期间", _T, 10, repeated=True)),
    ("explanation_zh", Column("explanation", "说明", _T, 48)),
    ("explanation_en", Column("explanation_en", "说明(英文)", _T, 60)),
)

#: ``about`` sheet: key/value rows, both text.
ABOUT_COLUMNS: tuple[Column, ...] = (
    Column("key", "项目", _T, 32),
    Column("value", "内容", _T, 72),
)

#: Chinese headings of ranking columns the export knows; any other column keeps its own name.
RANKING_ZH: dict[str, str] = {
    "period": "期间",
    "dealer_id": "经销商编号",
    "dealer_name": "经销商名称",
    "rank": "名次",
    "team_id": "团队编号",
    "team_name": "团队名称",
    "kind": "团队类型",
    "region": "区域",
    "installers": "师傅人数",
    "surveys": "有效问卷数",
    "survey_sum": "综合评分合计",
    "good_surveys": "好评问卷数",
    "rating": "评分",
    "rating_num": "评分分子",
    "rating_den": "评分分母",
    "wilson_lower": "好评率置信下限",
    "decided_by": "排名依据",
    "dealer_mean": "经销商平均分",
    "dealer_mean_num": "经销商平均分分子",
    "dealer_mean_den": "经销商平均分分母",
    "completed_jobs": "完工工单数",
    "complaints_at_fault": "有责投诉数",
    "complaints_per_100_jobs": "每百单有责投诉",
    "revisit_reached_jobs": "回访接通工单数",
    "revisit_reach_rate": "回访接通率",
    "sla_checks": "服务承诺检查数",
    "sla_met": "按时完成数",
    "sla_breached": "超时数",
    "sla_pending": "未到期数",
    "sla_share_met": "服务承诺达成率",
    "sla_as_of": "服务承诺统计日期",
    "grade": "等级",
    "bonus": "奖金",
    "deduction_before_cap": "扣款(封顶前)",
    "deduction_waived_by_cap": "封顶免扣",
    "deduction": "扣款",
    "grievance_allowance": "委屈奖",
    "prior_period_adjustment": "往期调整",
    "manual_adjustment": "人工调整",
    "net": "实发合计",
}
