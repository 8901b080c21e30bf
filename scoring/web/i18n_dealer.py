"""The words of the dealer's pages (the ranking, a team, warnings, order shares), merged into
the one catalog :data:`scoring.web.i18n.MESSAGES`. Words a dealer uses, no statistics jargon."""

from __future__ import annotations

from typing import Literal

MESSAGES: dict[str, dict[Literal["zh", "en"], str]] = {
    # -- the ranking page
    "ranking.title": {"zh": "团队排名", "en": "Team ranking"},
    "ranking.computed_at": {"zh": "{at} 计算", "en": "computed {at}"},
    "ranking.closed_at": {"zh": "{at} 关账", "en": "closed {at}"},
    "ranking.dealer": {"zh": "经销商", "en": "Dealer"},
    "ranking.summary": {"zh": "概况", "en": "Summary"},
    "ranking.teams": {"zh": "团队数", "en": "Teams"},
    "ranking.ranked": {"zh": "参与排名", "en": "Ranked"},
    "ranking.dealer_mean": {"zh": "本经销商平均分", "en": "Dealer's average score"},
    "ranking.teams_heading": {"zh": "各团队本月表现", "en": "The teams this month"},
    "ranking.no_teams": {"zh": "本月没有团队数据", "en": "No team has data this month"},
    "ranking.rank": {"zh": "名次", "en": "Rank"},
    "ranking.rank_n": {"zh": "第 {n} 名", "en": "No. {n}"},
    "ranking.unranked": {"zh": "未排名", "en": "Not ranked"},
    "ranking.unranked.no_surveys": {
        "zh": "本月没有计入的回访问卷",
        "en": "no counted survey this month",
    },
    "ranking.team": {"zh": "团队", "en": "Team"},
    "ranking.rating": {"zh": "评分", "en": "Rating"},
    "ranking.good_rate": {"zh": "好评率", "en": "Good reviews"},
    "ranking.complaint_rate": {"zh": "有责投诉率", "en": "Complaints at fault"},
    "ranking.revisit_rate": {"zh": "回访完成率", "en": "Revisits done"},
    "ranking.sla_rate": {"zh": "服务承诺达成率", "en": "Service promises kept"},
    "ranking.change": {"zh": "较上月", "en": "Since last month"},
    "ranking.surveys_n": {"zh": "{n} 份问卷", "en": "{n} surveys"},
    "ranking.of_jobs": {"zh": "{k} 起 / {n} 单", "en": "{k} of {n} jobs"},
    "ranking.of_checks": {"zh": "{k} / {n} 项", "en": "{k} of {n} checks"},
    "ranking.shown_of": {
        "zh": "第 {first}–{last} 个团队,共 {total} 个",
        "en": "Teams {first}–{last} of {total}",
    },
    "ranking.chart_heading": {"zh": "各团队好评率", "en": "Good reviews per team"},
    "ranking.chart_title": {"zh": "好评率及其 95% 区间", "en": "Good reviews with 95% range"},
    "ranking.chart_note": {"zh": "· {n} 份问卷", "en": "· {n} surveys"},
    "ranking.chart_empty": {"zh": "本月没有问卷", "en": "No survey this month"},
    "ranking.chart_caption": {
        "zh": "圆点是本月好评率,横线是 95% 区间:问卷越少,横线越长,说明结果越不确定。",
        "en": "The dot is this month's share of good reviews, the bar its 95% range: the fewer "
        "the surveys, the longer the bar and the less certain the figure.",
    },
    "team_kind.in_house": {"zh": "自有", "en": "in-house"},
    "team_kind.outsourced": {"zh": "外包", "en": "outsourced"},
    # -- month over month
    "change.same": {"zh": "持平", "en": "unchanged"},
    "change.up": {"zh": "上升 {n} 名", "en": "up {n}"},
    "change.down": {"zh": "下降 {n} 名", "en": "down {n}"},
    "change.points_up": {"zh": "上升 {n} 个百分点", "en": "up {n} points"},
    "change.points_down": {"zh": "下降 {n} 个百分点", "en": "down {n} points"},
    "change.rank": {"zh": "名次{change}", "en": "rank {change}"},
    "change.good": {"zh": "好评率{change}", "en": "good reviews {change}"},
    "change.new": {"zh": "上月无此团队", "en": "not in last month's ranking"},
    "change.ranked_now": {"zh": "上月未排名", "en": "not ranked last month"},
    "change.was_ranked": {"zh": "上月第 {rank} 名", "en": "No. {rank} last month"},
    # -- the method, once
    "method.title": {"zh": "这些数字怎么算", "en": "How these figures are made"},
    "method.good_rate": {
        "zh": "好评率:综合评分 {good} 分及以上的回访问卷所占比例。有责投诉率:本月完工单中"
        "师傅有责的投诉所占比例。回访完成率:完工单中按时回访到客户的比例。",
        "en": "Good reviews: the share of surveys with an overall score of {good} or more. "
        "Complaints at fault: complaints the installer was responsible for, per completed job. "
        "Revisits done: completed jobs whose customer was reached in time.",
    },
    "method.rating": {
        "zh": "评分:团队本月问卷的平均分,但问卷少时不可靠,所以按相当于再加 {m} 份"
        "本经销商平均分({mean})的问卷来算:问卷少的团队评分靠近平均分,问卷多的团队评分"
        "接近自己的实际平均分。",
        "en": "Rating: the team's average survey score, counted as if {m} more surveys at the "
        "dealer's average ({mean}) had come in: a team with few surveys stays near the "
        "average, a team with many gets close to its own average.",
    },
    "method.interval": {
        "zh": "{confidence}% 区间:按问卷数估计,团队真实好评率大概率落在这个范围内;问卷越少,"
        "范围越宽。",
        "en": "{confidence}% range: where the team's true share of good reviews most likely "
        "lies, given how many surveys it had; the fewer the surveys, the wider.",
    },
    "method.rank": {
        "zh": "名次按评分从高到低;评分相同时,好评率区间下端高的在前。本月没有计入问卷的团队"
        "不排名。",
        "en": "Teams are ranked by rating; on equal ratings the one whose range of good reviews "
        "starts higher comes first. A team without a counted survey this month is not ranked.",
    },
    "method.others": {
        "zh": "服务承诺达成率:完工一个月内回访、投诉处理后一个工作日内回访、技术或待定原因"
        "当天上报等承诺中按时做到的比例。",
        "en": "Service promises kept: the share of promises to customers (revisit within a "
        "month, callback within a working day of a resolved complaint, same-day escalation) "
        "that were kept in time.",
    },
    # -- order shares (派单建议)
    "dispatch.title": {"zh": "派单建议", "en": "Order share"},
    "dispatch.not_covered": {"zh": "不参与派单分配", "en": "not in the order shares"},
    "dispatch.note": {
        "zh": "派单建议:按本月名次建议下月各团队的派单比例,参与的团队合计 100%,"
        "每个团队有最低份额;方案未覆盖的团队(如自有团队)另行安排。",
        "en": "Order shares: next month's suggested share of orders per team from this "
        "month's ranking; the teams it covers add up to 100%, each with a minimum share; "
        "teams it does not cover (such as in-house ones) are planned apart.",
    },
    # -- service-level warnings
    "warnings.title": {"zh": "服务预警", "en": "Service warnings"},
    "warnings.n": {"zh": "{n} 条预警", "en": "{n} warnings"},
    "warnings.none_run": {
        "zh": "还没有生成服务预警(每天自动检查一次)。",
        "en": "No service check has run yet (it runs once a day).",
    },
    "warnings.none": {
        "zh": "{day}:今明两天没有到期的服务承诺,昨天也没有超时。",
        "en": "{day}: nothing falls due today or tomorrow, and nothing was late yesterday.",
    },
    "warnings.as_of": {"zh": "检查日期 {day}", "en": "Checked on {day}"},
    "warnings.kind": {"zh": "类型", "en": "Kind"},
    "warnings.details": {"zh": "查看 {n} 条明细", "en": "Show the {n} records"},
    "warnings.check": {"zh": "服务承诺", "en": "Promise"},
    "warnings.record": {"zh": "单号", "en": "Record"},
    "warnings.job": {"zh": "工单 {job}", "en": "job {job}"},
    "warnings.due": {"zh": "到期日", "en": "Due"},
    "warning.due_today": {"zh": "今日到期", "en": "Due today"},
    "warning.due_tomorrow": {"zh": "明日到期", "en": "Due tomorrow"},
    "warning.breached_yesterday": {"zh": "昨日超时", "en": "Late yesterday"},
    "sla_check.revisit": {"zh": "完工一个月内回访", "en": "Revisit within a month"},
    "sla_check.complaint_callback": {
        "zh": "投诉处理后一个工作日内回访",
        "en": "Callback within a working day",
    },
    "sla_check.escalation": {"zh": "当天上报总部", "en": "Same-day escalation"},
    # -- the monthly report
    "report.title": {"zh": "每月例会通报", "en": "Monthly meeting report"},
    "report.xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "report.html": {"zh": "打开打印版", "en": "Open printable page"},
    "report.help": {
        "zh": "本经销商本月的团队排名、服务承诺、投诉分类、问卷各项得分和师傅升降级。",
        "en": "This dealer's month: team ranking, service promises, complaints by category, "
        "survey scores and installers who changed grade.",
    },
    # -- a team
    "team.back": {"zh": "返回 {dealer} 的团队排名", "en": "Back to {dealer}'s ranking"},
    "team.id": {"zh": "团队编号 {id}", "en": "team {id}"},
    "team.trend": {"zh": "近几个月走势", "en": "Recent months"},
    "team.trend_good": {"zh": "好评率", "en": "Good reviews"},
    "team.trend_rating": {"zh": "评分", "en": "Rating"},
    "team.installers": {"zh": "团队师傅", "en": "Installers"},
    "team.installer": {"zh": "师傅", "en": "Installer"},
    "team.no_installers": {
        "zh": "本月没有这个团队师傅的结算单",
        "en": "No statement of the team's installers this month",
    },
}
