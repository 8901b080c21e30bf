"""The words of the monthly report in Chinese and English: sections, columns and values.

Each section of a :class:`~scoring.dealer_report.DealerReport` is shown through a tuple of
:class:`Col`: which frame column, its heading in both languages and how its value is written
(``kind``): ``text``, ``int``, ``dec`` (a decimal written as text, e.g. a rating ``4.125``),
``share`` (a share ``0.875`` shown as a percent), ``percent`` (already ``87.5%``) or
``label`` (a code shown by its words, e.g. ``outsourced`` → 外包).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scoring.entities import CATEGORIES, RESPONSIBILITIES, TEAM_KINDS

Kind = Literal["text", "int", "dec", "share", "percent", "label"]


@dataclass(frozen=True, slots=True)
class Col:
    name: str
    zh: str
    en: str
    kind: Kind = "text"
    width: int = 12


#: Words for codes, (zh, en).
VALUES: dict[str, tuple[str, str]] = {
    **{code: (zh, code.replace("_", " ")) for code, zh in TEAM_KINDS.items()},
    "in_house": ("自有", "in-house"),
    **{code: (zh, code.replace("_", " ")) for code, zh in CATEGORIES.items()},
    **{code: (zh, code.replace("_", " ")) for code, zh in RESPONSIBILITIES.items()},
    "total": ("合计", "total"),
    "rose": ("升", "rose"),
    "fell": ("降", "fell"),
    "rating": ("评分", "rating"),
    "wilson": ("好评率置信下限", "Wilson bound"),
    "team_id": ("团队编号", "team id"),
    "survey_comment": ("问卷意见", "survey comments"),
    "complaint_resolution": ("投诉处理措施", "complaint resolutions"),
    "revisit_note": ("回访备注", "revisit notes"),
}


def value_words(code: object, language: str) -> str:
    if code is None:
        return ""
    words = VALUES.get(str(code))
    if words is None:
        return str(code)
    return words[0] if language == "zh" else words[1]


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    zh: str
    en: str
    columns: tuple[Col, ...]
    #: The English sheet name when the title is longer than Excel's 31 characters.
    sheet_en: str = ""

    def sheet(self, language: str) -> str:
        return self.zh if language == "zh" else (self.sheet_en or self.en)


RANKING = Section(
    "ranking",
    "团队排名",
    "Team ranking",
    (
        Col("rank", "名次", "rank", "int", 6),
        Col("team_id", "团队编号", "team id"),
        Col("team_name", "团队名称", "team", width=18),
        Col("kind", "团队类型", "kind", "label", 8),
        Col("surveys", "有效问卷数", "surveys", "int", 10),
        Col("rating", "评分", "rating", "dec", 8),
        Col("completed_jobs", "完工工单数", "completed jobs", "int", 10),
        Col("complaints_at_fault", "有责投诉数", "complaints at fault", "int", 10),
        Col("complaints_per_100_jobs", "每百单有责投诉", "per 100 jobs", "dec", 12),
        Col("revisit_reach_rate", "回访接通率", "revisits reached", "percent", 10),
        Col("sla_share_met", "服务承诺达成率", "service levels met", "share", 12),
        Col("decided_by", "排名依据", "decided by", "label", 12),
    ),
)

CHANGES = Section(
    "changes",
    "环比变化",
    "Month over month",
    (
        Col("team_id", "团队编号", "team id"),
        Col("team_name", "团队名称", "team", width=18),
        Col("rank_before", "上月名次", "rank last month", "int", 10),
        Col("rank", "本月名次", "rank", "int", 10),
        Col("rank_change", "名次变化", "rank change", "int", 10),
        Col("rating_before", "上月评分", "rating last month", "dec", 10),
        Col("rating", "本月评分", "rating", "dec", 10),
        Col("rating_change", "评分变化", "rating change", "dec", 10),
        Col("surveys_before", "上月问卷数", "surveys last month", "int", 10),
        Col("surveys", "本月问卷数", "surveys", "int", 10),
        Col("complaints_per_100_jobs_before", "上月每百单投诉", "per 100 jobs last month", "dec"),
        Col("complaints_per_100_jobs", "本月每百单投诉", "per 100 jobs", "dec"),
        Col("revisit_reach_rate_before", "上月回访接通率", "reached last month", "percent"),
        Col("revisit_reach_rate", "本月回访接通率", "reached", "percent"),
        Col("sla_share_met_before", "上月服务承诺达成率", "service levels last month", "share"),
        Col("sla_share_met", "本月服务承诺达成率", "service levels", "share"),
    ),
)

SERVICE_LEVELS = Section(
    "service_levels",
    "服务承诺达成",
    "Service levels met",
    (
        Col("team_id", "团队编号", "team id"),
        Col("team_name", "团队名称", "team", width=18),
        Col("check", "检查项", "check", "label", 28),
        Col("met", "按时完成", "met", "int", 10),
        Col("breached", "超时", "breached", "int", 10),
        Col("pending", "未到期", "pending", "int", 10),
        Col("checks", "检查数", "checks", "int", 10),
        Col("share_met", "达成率", "share met", "share", 10),
    ),
)

COMPLAINTS = Section(
    "complaints",
    "投诉类别与责任认定",
    "Complaints by category and verdict",
    (
        Col("category", "投诉类别", "category", "label", 14),
        *(
            Col(code, zh, code.replace("_", " "), "int", 10)
            for code, zh in RESPONSIBILITIES.items()
        ),
        Col("total", "合计", "total", "int", 8),
    ),
    "Complaints",
)

SURVEYS = Section(
    "surveys",
    "问卷各维度",
    "Survey dimensions",
    (
        Col("team_id", "团队编号", "team id"),
        Col("team_name", "团队名称", "team", width=18),
        Col("surveys", "有效问卷数", "surveys", "int", 10),
        Col("overall", "综合评分", "overall", "dec", 10),
        Col("attitude", "服务态度", "attitude", "dec", 10),
        Col("punctuality", "准时", "punctuality", "dec", 10),
        Col("professionalism", "专业", "professionalism", "dec", 10),
        Col("cleanliness", "清洁", "cleanliness", "dec", 10),
        Col("promise_kept", "承诺兑现率", "promise kept", "percent", 10),
    ),
)

WORDS = Section(
    "words",
    "意见高频词",
    "Most frequent words",
    (
        Col("source", "来源", "source", "label", 14),
        Col("position", "序号", "#", "int", 6),
        Col("term", "词语", "term", width=24),
        Col("count", "次数", "count", "int", 8),
    ),
)

GRADES = Section(
    "grades",
    "师傅等级升降",
    "Installers who rose or fell a grade",
    (
        Col("installer_id", "工号", "installer id"),
        Col("name", "姓名", "name"),
        Col("team_id", "团队编号", "team id"),
        Col("team_name", "团队名称", "team", width=18),
        Col("grade_before", "上月等级", "grade last month", width=10),
        Col("grade", "本月等级", "grade", width=10),
        Col("direction", "升降", "rose or fell", "label", 8),
        Col("steps", "级数", "steps", "int", 6),
        Col("rating_before", "上月评分", "rating last month", "dec", 10),
        Col("rating", "本月评分", "rating", "dec", 10),
    ),
    "Grade changes",
)

DISPATCH = Section(
    "dispatch",
    "下月派单建议",
    "Suggested order shares next month",
    (
        Col("team_id", "团队编号", "team id"),
        Col("team_name", "团队名称", "team", width=18),
        Col("rank", "名次", "rank", "int", 6),
        Col("rating", "评分", "rating", "dec", 8),
        Col("weight", "权重", "weight", "int", 8),
        Col("share", "建议份额", "share", "percent", 10),
        Col("reason_zh", "理由", "reason (zh)", width=44),
        Col("reason_en", "理由(英文)", "reason", width=44),
    ),
    "Order shares",
)

SECTIONS = (RANKING, CHANGES, SERVICE_LEVELS, COMPLAINTS, SURVEYS, WORDS, GRADES, DISPATCH)

SUMMARY = ("概况", "Summary")
TITLE = ("月度例会通报", "Monthly meeting report")
ABOUT: dict[str, tuple[str, str]] = {
    "dealer": ("经销商", "dealer"),
    "period": ("期间", "period"),
    "status": ("状态", "status"),
    "plan": ("方案", "plan"),
    "computed_at": ("计算或关账时间", "computed or closed at"),
    "generated_at": ("生成时间", "generated at"),
    "sla_as_of": ("服务承诺统计截至", "service levels as of"),
    "previous_period": ("环比月份", "compared with"),
    "notes": ("说明", "notes"),
}
STATUS = {"CLOSED": ("已关账", "closed"), "DRAFT": ("草稿", "draft")}
