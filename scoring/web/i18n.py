"""The pages' words in zh-CN (first) and English: one catalog, one language per page.

A page is in the language of the ``lang`` cookie (``zh`` unless it says ``en``); the link in
the navigation goes through ``GET /lang/{code}`` to change it. Templates call ``t("key")`` (or
``t("key", n=3)`` for a message with ``{n}`` in it); the value is plain text, escaped by the
template like any other. Every key has both languages (a test checks the catalog, and that every
key the templates and page modules name exists).

Messages from the services are bilingual text ``中文 / English``; :func:`part` picks the side of
the page's language.

The sign-in and activation pages are rendered where no request is at hand, so the language of
the request being served is also kept in a context variable by :class:`LanguageMiddleware`
(:func:`current_language`).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from typing import Any, Literal

from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from scoring.web.i18n_dealer import MESSAGES as DEALER_MESSAGES

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
DEFAULT: Lang = "zh"
COOKIE = "lang"
#: The ``lang`` attribute of a page's <html> element.
HTML_LANG: dict[Lang, str] = {"zh": "zh-CN", "en": "en"}

# Keys are grouped by a prefix: app, nav, page names, then words (status, kind, grade...).
MESSAGES: dict[str, dict[Lang, str]] = {
    # -- the application and its navigation
    "app.name": {"zh": "售后服务满意度激励", "en": "Service satisfaction incentives"},
    "app.short": {"zh": "满意度激励", "en": "Incentives"},
    "nav.label": {"zh": "导航", "en": "Navigation"},
    "nav.home": {"zh": "首页", "en": "Home"},
    "nav.my_statement": {"zh": "我的结算单", "en": "My statement"},
    "nav.ranking": {"zh": "团队排名", "en": "Team ranking"},
    "nav.periods": {"zh": "月结", "en": "Periods"},
    "nav.sign_out": {"zh": "退出", "en": "Sign out"},
    "nav.switch_language": {"zh": "English", "en": "中文"},
    "nav.signed_in_as": {"zh": "已登录:{name}", "en": "Signed in: {name}"},
    # -- roles
    "role.hr": {"zh": "人事", "en": "HR"},
    "role.operations": {"zh": "运营", "en": "Operations"},
    "role.dealer": {"zh": "经销商", "en": "Dealer"},
    "role.installer": {"zh": "师傅", "en": "Installer"},
    # -- sign-in and activation
    "signin.title": {"zh": "登录", "en": "Sign in"},
    "signin.login": {"zh": "账号(师傅填工号)", "en": "Login (installers: your 工号)"},
    "signin.password": {"zh": "密码", "en": "Password"},
    "signin.submit": {"zh": "登录", "en": "Sign in"},
    "signin.first_time": {
        "zh": "第一次登录?用激活码激活账号",
        "en": "First time? Activate your account with your code",
    },
    "activate.title": {"zh": "激活账号", "en": "Activate your account"},
    "activate.help": {
        "zh": "请输入人事发给您的工号和激活码,并设置新密码。",
        "en": "Enter the 工号 (installer id) and the code HR gave you, and choose a password.",
    },
    "activate.login": {"zh": "工号", "en": "Installer id (工号)"},
    "activate.code": {"zh": "激活码", "en": "Activation code"},
    "activate.password": {
        "zh": "新密码(至少 {n} 位)",
        "en": "New password (at least {n} characters)",
    },
    "activate.confirm": {"zh": "再次输入新密码", "en": "The new password again"},
    "activate.submit": {"zh": "激活并登录", "en": "Activate and sign in"},
    "activate.have_password": {
        "zh": "已有密码?直接登录",
        "en": "Have a password already? Sign in",
    },
    # -- home
    "home.title": {"zh": "首页", "en": "Home"},
    "home.welcome": {"zh": "您好,{name}", "en": "Hello, {name}"},
    "home.where": {"zh": "请从下面选择要打开的页面。", "en": "Choose a page below."},
    "home.nothing": {
        "zh": "您的账号目前没有可打开的页面,请联系人事。",
        "en": "Your account has no pages yet; please contact HR.",
    },
    "home.periods": {"zh": "有结果的月份", "en": "Months with results"},
    # -- errors
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.400": {"zh": "请求有误", "en": "The request is not valid"},
    "error.401": {"zh": "需要登录", "en": "Please sign in"},
    "error.403": {"zh": "无权查看", "en": "Not allowed"},
    "error.404": {"zh": "找不到", "en": "Not found"},
    "error.405": {"zh": "不支持的操作", "en": "Not supported"},
    "error.409": {"zh": "当前状态下不能这样做", "en": "Not possible in the current state"},
    "error.429": {"zh": "尝试次数过多", "en": "Too many attempts"},
    "error.500": {"zh": "系统内部错误", "en": "Internal error"},
    "error.503": {"zh": "系统繁忙", "en": "The system is busy"},
    "error.other": {"zh": "出错了", "en": "Something went wrong"},
    "error.advice.400": {
        "zh": "请返回上一页,修改后再试。",
        "en": "Go back, correct what is marked and try again.",
    },
    "error.advice.403": {
        "zh": "如果您认为应当能看到,请联系人事。",
        "en": "If you think you should see this, please contact HR.",
    },
    "error.advice.404": {
        "zh": "链接可能已失效,或者您无权查看。",
        "en": "The link may be out of date, or it is not yours to see.",
    },
    "error.advice.409": {
        "zh": "请刷新页面查看最新状态。",
        "en": "Reload the page to see the current state.",
    },
    "error.advice.429": {"zh": "请稍等一会儿再试。", "en": "Please wait a while and try again."},
    "error.advice.500": {
        "zh": "问题已记录,请稍后再试;如果一直出现,请联系人事。",
        "en": "It has been logged. Try again later; if it keeps happening, contact HR.",
    },
    "error.advice.503": {"zh": "请过一分钟再试。", "en": "Please try again in a minute."},
    "error.problems": {"zh": "具体问题", "en": "Problems"},
    "error.original": {"zh": "原始信息", "en": "Original message"},
    "error.back_home": {"zh": "回到首页", "en": "Back to the home page"},
    # -- words: statuses, kinds, grades
    "status.open": {"zh": "待处理", "en": "Open"},
    "status.accepted": {"zh": "已接受", "en": "Accepted"},
    "status.rejected": {"zh": "已驳回", "en": "Rejected"},
    "status.overdue": {"zh": "已逾期", "en": "Overdue"},
    "status.draft": {"zh": "草稿(未关账,可能还会变)", "en": "Draft (period open, may change)"},
    "status.closed": {"zh": "已关账", "en": "Closed"},
    "status.draft_short": {"zh": "草稿", "en": "draft"},
    "status.closed_short": {"zh": "已关账", "en": "closed"},
    "kind.bonus": {"zh": "奖金", "en": "Bonuses"},
    "kind.allowance": {"zh": "委屈奖", "en": "Grievance allowances"},
    "kind.deduction": {"zh": "扣款", "en": "Deductions"},
    "kind.cap": {"zh": "封顶免扣", "en": "Waived by the cap"},
    "kind.adjustment": {"zh": "往期更正", "en": "Corrections of earlier months"},
    "kind.manual": {"zh": "人工调整", "en": "Manual adjustments"},
    "grade.unrated": {"zh": "未评级", "en": "Unrated"},
    "grade.none": {"zh": "无", "en": "none"},
    "target.line": {"zh": "明细", "en": "Line"},
    "target.survey": {"zh": "回访问卷", "en": "Survey"},
    "target.complaint": {"zh": "投诉", "en": "Complaint"},
    "target.revisit": {"zh": "回访", "en": "Revisit"},
    "target.job": {"zh": "工单", "en": "Job"},
    "target.missing": {"zh": "漏计", "en": "Missing"},
    "action.open": {"zh": "提出申诉", "en": "Dispute opened"},
    "action.accept": {"zh": "接受", "en": "Accepted"},
    "action.reject": {"zh": "驳回", "en": "Rejected"},
    # -- the installer's statement
    "me.title": {"zh": "我的结算单", "en": "My statement"},
    "me.not_installer": {
        "zh": "“我的结算单”是师傅本人的页面,您的账号({role})不是师傅账号。",
        "en": "“My statement” is the installer's own page; your account ({role}) is not one.",
    },
    "me.not_installer_hint": {
        "zh": "要查看某位师傅的结算单,请从团队排名或月结页面进入。",
        "en": "To see an installer's statement, open it from the ranking or the periods page.",
    },
    "installer.title": {"zh": "师傅结算单", "en": "Installer statement"},
    "installer.read_only": {
        "zh": "只读查看:申诉只能由师傅本人提出。",
        "en": "Read-only: only the installer can open a dispute.",
    },
    "installer.id": {"zh": "工号 {id}", "en": "Installer {id}"},
    "installer.no_data": {
        "zh": "还没有您的结算数据。数据导入并计算后会显示在这里。",
        "en": "No statement yet. It appears here once the month's data is imported and computed.",
    },
    "installer.period_no_data": {
        "zh": "{period} 没有您的结算数据,请选择其他月份。",
        "en": "There is no statement for {period}; choose another month.",
    },
    "period.label": {"zh": "月份", "en": "Month"},
    "period.show": {"zh": "查看", "en": "Show"},
    "period.option": {"zh": "{period}({status})", "en": "{period} ({status})"},
    "rating.title": {"zh": "评分", "en": "Rating"},
    "rating.words": {
        "zh": "{n} 份有效回访,平均 {mean},样本少时向全体均值 {mu} 靠拢(相当于再加 {m} 份均值评分),得 {rating}。",  # noqa: E501
        "en": "Counted surveys: {n}, averaging {mean}. Few surveys are pulled toward the "
        "overall mean {mu} (as if {m} more surveys at the mean were added): rating {rating}.",
    },
    "rating.words_short": {
        "zh": "{n} 份有效回访,评分 {rating}(样本少时向全体均值靠拢)。",
        "en": "Counted surveys: {n}; rating {rating} (few surveys are pulled toward the mean).",
    },
    "rating.none": {
        "zh": "本月没有有效回访,暂无评分。",
        "en": "No counted survey this month, so no rating.",
    },
    "grade.title": {"zh": "等级", "en": "Grade"},
    "grade.top": {"zh": "已是最高等级。", "en": "This is the top grade."},
    "grade.need_surveys": {
        "zh": "还需 {k} 份有效回访才能评级(至少 {min} 份)。",
        "en": "A grade needs at least {min} counted surveys: {k} more to go.",
    },
    "grade.need_five_star": {
        "zh": "再得 {k} 份五星好评可升到 {grade} 级(评分需达到 {threshold};按本月全体均值估算)。",
        "en": "Five-star surveys needed for grade {grade}: {k} more (a rating of {threshold}; "
        "estimated with this month's overall mean).",
    },
    "grade.unreachable": {
        "zh": "{grade} 级需要评分达到 {threshold}。",
        "en": "Grade {grade} needs a rating of {threshold}.",
    },
    "surveys.counted": {"zh": "有效回访", "en": "Counted surveys"},
    "incentive.total": {"zh": "激励合计", "en": "Incentive total"},
    "incentive.not_wage": {
        "zh": "激励合计是本月奖金、扣款、补贴和调整的合计,不是全部工资;基本工资另行发放。",
        "en": "The incentive total adds this month's bonuses, deductions, allowances and "
        "adjustments; it is not the whole wage, which is paid separately.",
    },
    "trend.title": {"zh": "近 12 个月", "en": "The last 12 months"},
    "trend.rating": {"zh": "评分", "en": "Rating"},
    "trend.incentive": {"zh": "激励合计(元)", "en": "Incentive total (yuan)"},
    "trend.empty": {"zh": "暂无数据", "en": "No data yet"},
    "lines.title": {"zh": "明细", "en": "Lines"},
    "lines.none": {"zh": "本月没有金额。", "en": "No amounts this month."},
    "lines.group_total": {"zh": "小计", "en": "Subtotal"},
    "lines.corrects": {"zh": "更正 {period}", "en": "Corrects {period}"},
    "lines.cap_note": {
        "zh": "扣款超过封顶的部分免扣,显示为正数。",
        "en": "Deductions above the cap are waived and shown as a positive amount.",
    },
    "totals.title": {"zh": "合计", "en": "Totals"},
    "totals.bonus": {"zh": "奖金", "en": "Bonuses"},
    "totals.deduction": {"zh": "扣款", "en": "Deductions"},
    "totals.deduction_before_cap": {"zh": "扣款(封顶前)", "en": "Deductions before the cap"},
    "totals.deduction_waived_by_cap": {"zh": "封顶免扣", "en": "Waived by the cap"},
    "totals.grievance_allowance": {"zh": "委屈奖", "en": "Grievance allowances"},
    "totals.prior_period_adjustment": {"zh": "往期更正", "en": "Corrections of earlier months"},
    "totals.manual_adjustment": {"zh": "人工调整", "en": "Manual adjustments"},
    "dispute.this_line": {"zh": "对这笔有异议?申诉", "en": "Disagree? Dispute this line"},
    "dispute.why": {"zh": "理由", "en": "Why"},
    "dispute.send": {"zh": "提交申诉", "en": "Send the dispute"},
    "dispute.sent": {
        "zh": "申诉 #{id} 已提交,人事将在 {by} 前答复。",
        "en": "Dispute #{id} sent; HR answers by {by}.",
    },
    "dispute.on_line": {"zh": "已申诉 #{id}", "en": "Disputed #{id}"},
    "missing.title": {"zh": "漏计申诉", "en": "Something missing?"},
    "missing.help": {
        "zh": "如果有应当计入却没有计入的回访、被错误扣款的投诉或漏掉的工单,请在这里说明。",
        "en": "A survey that should have counted, a complaint wrongly charged, a job that is "
        "missing: tell HR here.",
    },
    "missing.reference": {
        "zh": "相关单号(工单、问卷或投诉编号,可不填)",
        "en": "Reference (job, survey or complaint number; optional)",
    },
    "missing.what": {"zh": "说明", "en": "What is missing"},
    "missing.send": {"zh": "提交漏计申诉", "en": "Send the claim"},
    "disputes.title": {"zh": "我的申诉", "en": "My disputes"},
    "disputes.title_other": {"zh": "申诉", "en": "Disputes"},
    "disputes.none": {"zh": "没有申诉。", "en": "No disputes."},
    "disputes.about": {"zh": "对象", "en": "About"},
    "disputes.line_gone": {
        "zh": "(这笔明细在重新计算后已不存在)",
        "en": "(this line no longer exists after a recalculation)",
    },
    "disputes.answer_by": {"zh": "答复期限 {at}", "en": "Answer by {at}"},
    "disputes.amount": {"zh": "接受金额 {amount} 元", "en": "Accepted amount {amount} yuan"},
    "disputes.history": {"zh": "处理记录", "en": "History"},
    "disputes.period": {"zh": "{period}", "en": "{period}"},
    # -- HR's pages: shared words
    "hr.filter": {"zh": "筛选", "en": "Filter"},
    "hr.grades": {"zh": "等级分布", "en": "Grades"},
    "hr.pages": {"zh": "分页", "en": "Pages"},
    "hr.previous": {"zh": "上一页", "en": "Previous"},
    "hr.next": {"zh": "下一页", "en": "Next"},
    "hr.shown_of": {"zh": "第 {first}–{last} 条,共 {total} 条", "en": "{first}–{last} of {total}"},
    "hr.shown": {"zh": "第 {first}–{last} 条", "en": "{first}–{last}"},
    # -- periods
    "periods.title": {"zh": "月结", "en": "Periods"},
    "periods.intro": {
        "zh": "每个计算过或已关账的月份。有数据的未关账月份会自动计算草稿;复核后关账。",
        "en": "Every month computed or closed. Open months with data get a draft computed "
        "automatically; review one, then close it.",
    },
    "periods.none": {
        "zh": "还没有计算过任何月份。导入数据后,系统会自动计算草稿。",
        "en": "No month has been computed yet. Drafts are computed once data is imported.",
    },
    "periods.empty": {
        "zh": "没有数据的月份(草稿里没有结算单):{months}",
        "en": "Months without data (no statement in their drafts): {months}",
    },
    "periods.go_import": {"zh": "去导入数据", "en": "Import data"},
    "periods.month": {"zh": "月份", "en": "Month"},
    "periods.state_heading": {"zh": "状态", "en": "State"},
    "periods.installers": {"zh": "师傅人数", "en": "Installers"},
    "periods.when": {"zh": "时间", "en": "When"},
    "periods.open_disputes": {"zh": "待处理申诉", "en": "Open disputes"},
    "periods.disputes_n": {"zh": "{n} 件", "en": "{n} open"},
    "periods.links": {"zh": "操作", "en": "Open"},
    "periods.review": {"zh": "复核", "en": "Review"},
    "periods.adjustments": {"zh": "人工调整", "en": "Manual adjustments"},
    "periods.export_xlsx": {"zh": "工资表", "en": "Payroll file"},
    "periods.closed_at": {"zh": "关账于 {at}", "en": "Closed {at}"},
    "periods.computed_at": {"zh": "计算于 {at}", "en": "Computed {at}"},
    "periods.states_explained": {
        "zh": "已关账:结果已锁定。草稿:未关账,按最新数据计算。草稿(待更新):数据有变动,新草稿正在计算,"  # noqa: E501
        "显示的是上一次的结果。未计算:还没有草稿。",
        "en": "Closed: the result is locked. Draft: open, computed from the current data. "
        "Draft (updating): the data changed and a new draft is being computed; the last one is "
        "shown. Not computed: no draft yet.",
    },
    "periods.state.closed": {"zh": "已关账", "en": "Closed"},
    "periods.state.draft": {"zh": "草稿", "en": "Draft"},
    "periods.state.stale": {"zh": "草稿(待更新)", "en": "Draft (updating)"},
    "periods.state.not_computed": {"zh": "未计算", "en": "Not computed"},
    # -- the review of a period
    "hr.review.title": {"zh": "{period} 复核", "en": "Review of {period}"},
    "hr.review.closed_done": {
        "zh": "{period} 已关账,结果已锁定({at},{by})。以下是锁定的结果。",
        "en": "{period} is closed and its result locked ({at}, {by}). Below is the locked result.",
    },
    "hr.review.plan": {"zh": "方案 {plan}", "en": "plan {plan}"},
    "hr.review.stale": {
        "zh": "数据有变动,新草稿正在计算;以下是上一次计算的结果。",
        "en": "The data changed and a new draft is being computed; below is the previous one.",
    },
    "hr.review.draft_note": {
        "zh": "未关账:以下为草稿,数据变动后会重新计算。",
        "en": "Open: this is a draft, computed again whenever the data changes.",
    },
    "hr.review.adjustments": {"zh": "调整", "en": "Adjustments"},
    "hr.review.waived": {
        "zh": "封顶免扣 {amount} 元(封顶前扣款 {before} 元)。",
        "en": "Waived by the cap: {amount} yuan (deductions before the cap: {before} yuan).",
    },
    "hr.review.disputes": {"zh": "申诉(待处理 {n} 件)", "en": "Disputes ({n} open)"},
    "hr.review.exports": {"zh": "工资表导出", "en": "Payroll files"},
    "hr.review.xlsx_zh": {"zh": "XLSX(中文表头)", "en": "XLSX (Chinese headings)"},
    "hr.review.xlsx_en": {"zh": "XLSX(英文表头)", "en": "XLSX (English headings)"},
    "hr.review.csv_zh": {"zh": "CSV(中文表头)", "en": "CSV (Chinese headings)"},
    "hr.review.csv_en": {"zh": "CSV(英文表头)", "en": "CSV (English headings)"},
    "hr.review.export_draft": {
        "zh": "未关账月份导出的是草稿,文件名带 -DRAFT。",
        "en": "An open month exports its draft; the file name ends in -DRAFT.",
    },
    "hr.review.outliers": {"zh": "异常值", "en": "Outliers"},
    "hr.review.outliers_few": {
        "zh": "师傅少于 {n} 位,不判断异常值。",
        "en": "Fewer than {n} installers: too few to tell what is unusual.",
    },
    "hr.review.outliers_none": {
        "zh": "所有激励合计都在常见范围({low} 至 {high} 元)之内。",
        "en": "Every incentive total is within the usual range ({low} to {high} yuan).",
    },
    "hr.review.outliers_found": {
        "zh": "{n} 位师傅的激励合计超出常见范围({low} 至 {high} 元,即中间一半的范围向两边再放宽三倍),请核对:",  # noqa: E501
        "en": "{n} installers have an incentive total outside the usual range ({low} to {high} "
        "yuan: the middle half widened three times its width on each side). Check them:",
    },
    "hr.review.changes": {"zh": "与 {before} 相比变化最大", "en": "Biggest changes since {before}"},
    "hr.review.no_before": {
        "zh": "上个月没有结果,无法比较。",
        "en": "The month before has no result to compare with.",
    },
    "hr.review.rises": {"zh": "增加最多", "en": "Rose most"},
    "hr.review.falls": {"zh": "减少最多", "en": "Fell most"},
    "hr.review.no_changes": {"zh": "没有。", "en": "None."},
    "hr.review.change": {"zh": "变化", "en": "Change"},
    "hr.review.installer": {"zh": "师傅", "en": "Installer"},
    "hr.review.team": {"zh": "团队", "en": "Team"},
    "hr.review.other": {"zh": "委屈奖与调整", "en": "Other"},
    "hr.review.surveys": {"zh": "有效回访", "en": "Surveys"},
    "hr.review.statements": {"zh": "结算单({n} 位)", "en": "Statements ({n})"},
    "hr.review.no_statements": {"zh": "本月没有结算单。", "en": "No statements this month."},
    "hr.review.close_title": {"zh": "关账 {period}", "en": "Close {period}"},
    "hr.review.close_help": {
        "zh": "关账会按当前数据和方案最后计算一次,然后锁定 {period} 的结果,不再改变;之后发现的问题作为调整计入下一个未关账月份。请先核对以下合计:",  # noqa: E501
        "en": "Closing computes {period} once more from the current data and plan, then locks "
        "its result for good; anything found later is paid as an adjustment in the next open "
        "month. Check these totals first:",
    },
    "hr.review.close_stale": {
        "zh": "数据有变动:关账时按最新数据计算,结果可能与上面的合计不同;关账后会显示锁定的结果。",
        "en": "The data changed: the close computes from the current data, so its result may "
        "differ from the totals above; the locked result is shown after.",
    },
    "hr.review.close_disputes": {
        "zh": "本月还有 {n} 件申诉待处理;关账后接受的申诉计入下一个月。",
        "en": "{n} disputes of this month are still open; those accepted after the close are "
        "paid in a later month.",
    },
    "hr.review.close_confirm": {
        "zh": "我已核对,确认关账 {period}:结果将锁定,不再改变",
        "en": "I have checked: close {period} and lock its result for good",
    },
    "hr.review.close_button": {"zh": "关账 {period}", "en": "Close {period}"},
    # -- manual adjustments
    "hr.adjust.title": {"zh": "{period} 人工调整", "en": "Manual adjustments of {period}"},
    "hr.adjust.help": {
        "zh": "人工调整是一笔带理由的金额(正数为补发,负数为扣回),计入该月的激励合计;接受申诉的金额也列在这里。",  # noqa: E501
        "en": "A manual adjustment is an amount with a reason (positive pays more, negative "
        "takes back), added to the month's incentive total; accepted disputes are listed too.",
    },
    "hr.adjust.closed": {
        "zh": "{period} 已关账,不能再添加人工调整;请加到下一个未关账月份。",
        "en": "{period} is closed: add the adjustment to the next open month.",
    },
    "hr.adjust.new": {"zh": "添加人工调整", "en": "Add a manual adjustment"},
    "hr.adjust.installer": {"zh": "师傅工号", "en": "Installer id (工号)"},
    "hr.adjust.amount": {
        "zh": "金额(元,扣回写负数,如 -50.00)",
        "en": "Amount in yuan (negative to take back, e.g. -50.00)",
    },
    "hr.adjust.amount_short": {"zh": "金额(元)", "en": "Amount (yuan)"},
    "hr.adjust.reason": {"zh": "理由", "en": "Reason"},
    "hr.adjust.add": {"zh": "添加", "en": "Add"},
    "hr.adjust.added": {"zh": "已添加人工调整 #{id}。", "en": "Manual adjustment #{id} added."},
    "hr.adjust.list": {"zh": "本月的人工调整({n} 笔)", "en": "This month's adjustments ({n})"},
    "hr.adjust.none": {"zh": "本月没有人工调整。", "en": "No manual adjustments this month."},
    "hr.adjust.by": {"zh": "经办", "en": "By"},
    "hr.adjust.dispute": {"zh": "申诉 #{id}", "en": "dispute #{id}"},
    "hr.adjust.total": {"zh": "合计", "en": "Total"},
    # -- imports
    "imports.nav": {"zh": "导入", "en": "Import"},
    "imports.title": {"zh": "导入数据", "en": "Import data"},
    "imports.help": {
        "zh": "选择一个或多个 CSV 或 Excel 文件。有效的行会导入,有问题的行不导入,并逐行列出原因;下载拒收行文件修改后可直接重新导入。",  # noqa: E501
        "en": "Choose one or more CSV or Excel files. Valid rows go in; rows with a problem do "
        "not, and are listed with the reason. Download the rejects file, fix it and import it "
        "again as it is.",
    },
    "imports.files": {"zh": "文件", "en": "Files"},
    "imports.more": {"zh": "更多选项", "en": "More options"},
    "imports.entity": {"zh": "数据类型", "en": "Data"},
    "imports.entity_from_name": {"zh": "按文件名识别", "en": "From the file name"},
    "imports.sheet": {"zh": "工作表名称(Excel,可不填)", "en": "Sheet name (Excel; optional)"},
    "imports.submit": {"zh": "导入", "en": "Import"},
    "imports.names": {
        "zh": "文件名决定数据类型:",
        "en": "The file name says which data a file holds:",
    },
    "imports.recent": {"zh": "最近的导入", "en": "Recent imports"},
    "imports.none": {"zh": "还没有导入过数据。", "en": "Nothing has been imported yet."},
    "imports.batch": {"zh": "批次", "en": "Batch"},
    "imports.when": {"zh": "时间 · 经办", "en": "When · by"},
    "imports.files_n": {"zh": "文件数", "en": "Files"},
    "imports.accepted": {"zh": "新增", "en": "Added"},
    "imports.replaced": {"zh": "更新", "en": "Replaced"},
    "imports.unchanged": {"zh": "未变", "en": "Unchanged"},
    "imports.rejected": {"zh": "拒收", "en": "Rejected"},
    "imports.batch_title": {"zh": "导入结果 #{id}", "en": "Import #{id}"},
    "imports.some_rejected": {
        "zh": "有 {n} 行没有导入(见下表);其余有效的行已导入。",
        "en": "{n} rows were not imported (listed below); the valid rows are in.",
    },
    "imports.all_in": {"zh": "全部导入成功。", "en": "Everything was imported."},
    "imports.per_file": {"zh": "每个文件", "en": "Per file"},
    "imports.file": {"zh": "文件", "en": "File"},
    "imports.rows": {"zh": "行数", "en": "Rows"},
    "imports.rejects_file": {"zh": "拒收行文件", "en": "Rejects file"},
    "imports.download": {"zh": "下载", "en": "Download"},
    "imports.rejects_gone": {"zh": "文件已不在", "en": "no longer kept"},
    "imports.problems": {"zh": "拒收的行({n} 个问题)", "en": "Rejected rows ({n} problems)"},
    "imports.fix_help": {
        "zh": "下载拒收行文件,按最后一列“导入错误”修改,然后直接重新导入该文件。",
        "en": "Download the rejects file, fix each row as its last column (import_error) says, "
        "and import the file again as it is.",
    },
    "imports.row": {"zh": "行", "en": "Row"},
    "imports.column": {"zh": "列", "en": "Column"},
    "imports.value": {"zh": "值", "en": "Value"},
    "imports.reason": {"zh": "原因", "en": "Reason"},
    "imports.whole_file": {"zh": "整个文件", "en": "whole file"},
    "imports.more_problems": {
        "zh": "另有 {n} 个问题未列出,见拒收行文件。",
        "en": "{n} more problems are not listed here: see the rejects file.",
    },
    "imports.again": {"zh": "继续导入", "en": "Import more"},
    # -- the disputes queue
    "disputes.nav": {"zh": "申诉", "en": "Disputes"},
    "disputes.queue_title": {"zh": "申诉处理", "en": "Disputes"},
    "disputes.filters": {"zh": "申诉筛选", "en": "Filter disputes"},
    "disputes.tab.open": {"zh": "待处理", "en": "Open"},
    "disputes.tab.overdue": {"zh": "已逾期", "en": "Overdue"},
    "disputes.tab.accepted": {"zh": "已接受", "en": "Accepted"},
    "disputes.tab.rejected": {"zh": "已驳回", "en": "Rejected"},
    "disputes.tab.all": {"zh": "全部", "en": "All"},
    "disputes.queue_empty": {"zh": "没有符合条件的申诉。", "en": "No disputes match."},
    "disputes.missing_ref": {"zh": "单号 {ref}", "en": "reference {ref}"},
    "disputes.missing_noref": {"zh": "未给单号", "en": "no reference given"},
    "disputes.paid": {
        "zh": "已接受,{amount} 元计入 {period}。",
        "en": "Accepted: {amount} yuan paid in {period}.",
    },
    "disputes.answer": {"zh": "答复({by},{at}):", "en": "Answer ({by}, {at}):"},
    "disputes.accept": {"zh": "接受…", "en": "Accept…"},
    "disputes.reject": {"zh": "驳回…", "en": "Reject…"},
    "disputes.amount_field": {
        "zh": "金额(元,补发为正数)",
        "en": "Amount in yuan (positive pays the installer)",
    },
    "disputes.pay_in": {"zh": "计入月份(须未关账)", "en": "Pay in month (an open one)"},
    "disputes.reason": {"zh": "理由(师傅可见)", "en": "Reason (the installer sees it)"},
    "disputes.accept_button": {"zh": "接受申诉", "en": "Accept the dispute"},
    "disputes.reject_button": {"zh": "驳回申诉", "en": "Reject the dispute"},
    "disputes.done_accepted": {"zh": "申诉 #{id} 已接受。", "en": "Dispute #{id} accepted."},
    "disputes.done_rejected": {"zh": "申诉 #{id} 已驳回。", "en": "Dispute #{id} rejected."},
    "disputes.see": {"zh": "查看", "en": "See it"},
    # -- users
    "users.nav": {"zh": "用户", "en": "Users"},
    "users.title": {"zh": "用户", "en": "Users"},
    "users.role": {"zh": "角色", "en": "Role"},
    "users.every_role": {"zh": "全部角色", "en": "Every role"},
    "users.search": {"zh": "账号或姓名开头", "en": "Login or name starts with"},
    "users.login": {"zh": "账号", "en": "Login"},
    "users.display_name": {"zh": "姓名(可不填)", "en": "Display name (optional)"},
    "users.scope": {"zh": "范围", "en": "Scope"},
    "users.everything": {"zh": "全部", "en": "Everything"},
    "users.state": {"zh": "状态", "en": "State"},
    "users.enabled": {"zh": "启用", "en": "Enabled"},
    "users.disabled": {"zh": "已停用", "en": "Disabled"},
    "users.not_activated": {"zh": "未激活", "en": "Not activated"},
    "users.actions": {"zh": "操作", "en": "Actions"},
    "users.disable": {"zh": "停用", "en": "Disable"},
    "users.enable": {"zh": "启用", "en": "Enable"},
    "users.not_yourself": {
        "zh": "不能停用自己的账号",
        "en": "You cannot disable your own user",
    },
    "users.reset_password": {"zh": "重设密码…", "en": "Reset password…"},
    "users.new_password": {"zh": "新密码", "en": "New password"},
    "users.set_password": {"zh": "设置新密码", "en": "Set the password"},
    "users.none": {"zh": "没有符合条件的用户。", "en": "No users match."},
    "users.add": {"zh": "添加用户", "en": "Add a user"},
    "users.dealer_ids": {
        "zh": "经销商编号(经销商账号必填,多个用逗号分隔)",
        "en": "Dealer ids (a dealer user; several separated by commas)",
    },
    "users.installer_id": {
        "zh": "师傅工号(师傅账号必填)",
        "en": "Installer id (an installer user)",
    },
    "users.password": {"zh": "初始密码", "en": "First password"},
    "users.add_help": {
        "zh": "人事和运营账号不填范围;经销商账号只看其经销商的数据;师傅账号只看本人的数据。",
        "en": "HR and operations users have no scope; a dealer user sees its dealers' data "
        "only; an installer user its own only.",
    },
    "users.add_button": {"zh": "添加", "en": "Add"},
    "users.invite": {"zh": "邀请师傅", "en": "Invite installers"},
    "users.invite_help": {
        "zh": "为还没有账号的师傅批量创建账号,每人一个一次性激活码;师傅用工号和激活码首次登录并设置密码。",  # noqa: E501
        "en": "Creates the missing installer accounts in bulk, each with a one-time activation "
        "code; an installer signs in the first time with the 工号 and the code and sets a "
        "password.",
    },
    "users.invite_scope": {"zh": "邀请范围", "en": "Invite"},
    "users.invite_all": {"zh": "全部师傅", "en": "All installers"},
    "users.invite_team": {"zh": "一个团队的师傅", "en": "One team's installers"},
    "users.invite_dealer": {"zh": "一个经销商的师傅", "en": "One dealer's installers"},
    "users.invite_id": {
        "zh": "团队或经销商编号(选团队或经销商时填)",
        "en": "Team or dealer id (for one team or dealer)",
    },
    "users.valid_days": {"zh": "激活码有效天数", "en": "Codes valid for (days)"},
    "users.renew": {
        "zh": "为已邀请但未激活的师傅重新生成激活码",
        "en": "New codes for installers invited but not activated",
    },
    "users.format": {"zh": "文件格式", "en": "File format"},
    "users.codes_secret": {
        "zh": "文件里的激活码可以开通账号,请妥善保管,只发给本人。",
        "en": "The codes in the file open accounts: keep the file safe and give each code to "
        "its installer only.",
    },
    "users.invite_button": {"zh": "生成激活码文件", "en": "Create the codes file"},
    "users.done_added": {"zh": "已添加用户 {login}。", "en": "User {login} added."},
    "users.done_disabled": {"zh": "已停用 {login}。", "en": "{login} disabled."},
    "users.done_enabled": {"zh": "已启用 {login}。", "en": "{login} enabled."},
    "users.done_password": {
        "zh": "已为 {login} 设置新密码,其原有登录已失效。",
        "en": "New password set for {login}; its earlier sign-ins have ended.",
    },
    # -- operations: the plan (pages_plans.py)
    "plans.nav": {"zh": "方案", "en": "Plan"},
    "plans.title": {"zh": "激励方案", "en": "Incentive plan"},
    "plans.edit_link": {"zh": "编辑方案", "en": "Edit the plan"},
    "plans.upload_link": {"zh": "上传方案文件", "en": "Upload a plan file"},
    "plans.simulate_link": {"zh": "模拟", "en": "Simulate"},
    "plans.two_people": {
        "zh": "方案变更须两人完成:一人提议,另一位运营或人事用户批准后生效。每一步都记入审计日志。",
        "en": "A plan change takes two people: one proposes it, another operations or HR user "
        "approves it, and then it takes effect. Every step is in the audit log.",
    },
    "plans.in_force": {"zh": "现行方案({day})", "en": "In force ({day})"},
    "plans.none_in_force": {"zh": "今天没有生效的方案。", "en": "No plan is in force today."},
    "plans.applies": {"zh": "适用期间", "en": "Applies"},
    "plans.from_until": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "plans.from_on": {"zh": "自 {start} 起", "en": "from {start} on"},
    "plans.replaced_before": {
        "zh": "自 {start} 起(生效前已被替换)",
        "en": "from {start} (replaced before it took effect)",
    },
    "plans.approved_by": {"zh": "批准/启用", "en": "Approved or activated"},
    "plans.approved_line": {
        "zh": "{who} 于 {at} 批准(提议人 {proposer})",
        "en": "by {who} on {at} (proposed by {proposer})",
    },
    "plans.shipped": {
        "zh": "随系统提供的标准方案(尚未启用过其他版本)",
        "en": "the standard plan shipped with the system (no other version activated yet)",
    },
    "plans.shipped_at": {
        "zh": "随系统提供的标准方案,首次计算时于 {at} 启用",
        "en": "the standard plan shipped with the system, in force since the first "
        "computation on {at}",
    },
    "plans.direct": {
        "zh": "系统管理员于 {at} 直接启用",
        "en": "activated directly by the administrator on {at}",
    },
    "plans.pending": {"zh": "待批准的提议({n})", "en": "Waiting for approval ({n})"},
    "plans.pending_none": {"zh": "没有待批准的提议。", "en": "No proposal is waiting."},
    "plans.effective_from": {"zh": "自 {day} 起生效", "en": "in force from {day}"},
    "plans.proposed_line": {"zh": "{who} 于 {at} 提议", "en": "proposed by {who} on {at}"},
    "plans.replaces": {"zh": "替换 {plan}", "en": "replaces {plan}"},
    "plans.own_proposal": {
        "zh": "这是您提出的提议:须由另一位运营或人事用户批准或驳回,您不能批准自己的提议。"
        "您可以撤回它。",
        "en": "You made this proposal: another operations or HR user approves or rejects it; "
        "you cannot approve your own. You may withdraw it.",
    },
    "plans.open_own": {"zh": "查看或撤回", "en": "View or withdraw"},
    "plans.open_decide": {
        "zh": "查看、模拟并批准或驳回",
        "en": "View, simulate, approve or reject",
    },
    "plans.versions": {"zh": "方案版本", "en": "Plan versions"},
    "plans.version": {"zh": "版本", "en": "Version"},
    "plans.now_tag": {"zh": "现行", "en": "in force"},
    "plans.history": {"zh": "提议记录", "en": "Proposals decided"},
    "plans.history_none": {"zh": "还没有处理过的提议。", "en": "No proposal decided yet."},
    "plans.state": {"zh": "状态", "en": "Status"},
    "plans.proposed_by_h": {"zh": "提议", "en": "Proposed"},
    "plans.decided_by_h": {"zh": "处理", "en": "Decided"},
    "plans.reason": {"zh": "说明/理由", "en": "Note or reason"},
    "plans.note": {"zh": "提议说明", "en": "Why"},
    "plans.back": {"zh": "返回方案", "en": "Back to the plan"},
    "plans.text_numbered": {"zh": "方案全文(共 {n} 行)", "en": "The plan's text ({n} lines)"},
    "plans.problem_at": {"zh": "第 {line} 行", "en": "Line {line}"},
    "plans.check_ok": {
        "zh": "检查通过:{plan},自 {day} 起生效。",
        "en": "No problems: {plan}, in force from {day}.",
    },
    "plans.check_problems": {
        "zh": "发现 {n} 个问题,请按行修改:",
        "en": "Problems found: {n}. Fix them at their lines:",
    },
    "plans.period_state.closed": {"zh": "已关账", "en": "closed"},
    "plans.period_state.open": {"zh": "未关账", "en": "open"},
    "plans.edit.title": {"zh": "编辑方案", "en": "Edit the plan"},
    "plans.edit.from": {
        "zh": "下框是现行方案 {plan} 的全文,修改后可检查、模拟、提议。",
        "en": "The box holds the text of {plan}, in force: edit it, then check, simulate, propose.",
    },
    "plans.edit.text": {"zh": "方案内容", "en": "The plan"},
    "plans.edit.upload": {"zh": "上传方案文件(YAML)", "en": "Upload a plan file (YAML)"},
    "plans.edit.upload_note": {
        "zh": "选了文件就以文件为准;检查后文件内容会放进下框,可继续修改。",
        "en": "A chosen file is used instead of the box; after a check its text is in the box "
        "to edit further.",
    },
    "plans.edit.box": {"zh": "或在此编辑(YAML)", "en": "Or edit it here (YAML)"},
    "plans.edit.check": {"zh": "检查", "en": "Check"},
    "plans.sim.heading": {"zh": "模拟", "en": "Simulate"},
    "plans.sim.help": {
        "zh": "用上面的方案重算一个有数据的期间,与该期间现在的结果比较。不保存任何内容。",
        "en": "Compute a period with data again under the plan above and compare it with what "
        "the period pays now. Nothing is kept.",
    },
    "plans.sim.help_proposal": {
        "zh": "用这份提议的方案重算一个有数据的期间,与现在的结果比较。不保存任何内容。",
        "en": "Compute a period with data again under this proposal's plan and compare. "
        "Nothing is kept.",
    },
    "plans.sim.period": {"zh": "期间", "en": "Period"},
    "plans.sim.no_periods": {
        "zh": "还没有有数据的期间可供模拟。",
        "en": "No period has data to simulate against yet.",
    },
    "plans.sim.button": {"zh": "模拟", "en": "Simulate"},
    "plans.sim.title": {"zh": "模拟结果:{plan} · {period}", "en": "Simulation: {plan} · {period}"},
    "plans.sim.against_closed": {
        "zh": "与 {period} 关账时实付的结果比较",
        "en": "compared with what {period} paid when closed",
    },
    "plans.sim.against_open": {
        "zh": "与 {period} 目前的草稿比较",
        "en": "compared with the draft of {period} as it stands",
    },
    "plans.sim.nothing_kept": {"zh": "未保存任何内容", "en": "nothing was kept"},
    "plans.sim.total_now": {"zh": "现行方案合计", "en": "Total now"},
    "plans.sim.total_new": {"zh": "新方案合计", "en": "Total under the plan"},
    "plans.sim.difference": {"zh": "差额", "en": "Difference"},
    "plans.sim.moved": {"zh": "金额有变化的师傅", "en": "Installers whose pay changes"},
    "plans.sim.moved_of": {"zh": "{n} / {total}", "en": "{n} of {total}"},
    "plans.sim.counts": {
        "zh": "增加 {up} 人,减少 {down} 人,不变 {same} 人。",
        "en": "{up} get more, {down} get less, {same} unchanged.",
    },
    "plans.sim.chart": {
        "zh": "每位师傅激励合计的变化",
        "en": "Change of each installer's incentive",
    },
    "plans.sim.chart_note": {
        "zh": "横轴为变化金额(元,每档 {width}),纵轴为人数;红色减少,绿色增加,灰色不变。",
        "en": "Across: the change in yuan (bands of {width}); up: installers. Red less, green "
        "more, grey unchanged.",
    },
    "plans.sim.unchanged_bar": {"zh": "不变", "en": "same"},
    "plans.sim.by_kind": {"zh": "按类别合计", "en": "Totals by kind"},
    "plans.sim.kind": {"zh": "类别", "en": "Kind"},
    "plans.sim.now": {"zh": "现行", "en": "Now"},
    "plans.sim.new": {"zh": "新方案", "en": "Plan"},
    "plans.sim.change": {"zh": "变化", "en": "Change"},
    "plans.sim.team": {"zh": "团队", "en": "Team"},
    "plans.sim.ups": {"zh": "增加最多的师傅", "en": "Biggest rises"},
    "plans.sim.downs": {"zh": "减少最多的师傅", "en": "Biggest falls"},
    "plans.sim.no_ups": {"zh": "没有人增加。", "en": "Nobody gets more."},
    "plans.sim.no_downs": {"zh": "没有人减少。", "en": "Nobody gets less."},
    "plans.kind.bonus": {"zh": "奖金", "en": "Bonuses"},
    "plans.kind.deduction_before_cap": {"zh": "扣款(封顶前)", "en": "Deductions before the cap"},
    "plans.kind.deduction_waived_by_cap": {"zh": "封顶免扣", "en": "Waived by the cap"},
    "plans.kind.deduction": {"zh": "扣款", "en": "Deductions"},
    "plans.kind.grievance_allowance": {"zh": "委屈奖", "en": "Grievance allowances"},
    "plans.kind.prior_period_adjustment": {"zh": "往期更正", "en": "Corrections of earlier months"},
    "plans.kind.manual_adjustment": {"zh": "人工调整", "en": "Manual adjustments"},
    "plans.kind.net": {"zh": "激励合计", "en": "Incentive total"},
    "plans.propose.heading": {"zh": "提议", "en": "Propose"},
    "plans.propose.help": {
        "zh": "提议后须由另一位运营或人事用户批准才生效。生效期间须与文件中的 effective_from 一致,"
        "且在已关账的期间之后。",
        "en": "Another operations or HR user must approve it before it takes effect. The "
        "period must match effective_from in the file and come after every closed period.",
    },
    "plans.propose.effective": {
        "zh": "生效期间(YYYY-MM,自该月 1 日起)",
        "en": "In force from (YYYY-MM, its first day)",
    },
    "plans.propose.note": {
        "zh": "提议说明(改了什么,为什么)",
        "en": "Why: what changes and for whom",
    },
    "plans.propose.button": {"zh": "提议", "en": "Propose"},
    "plans.proposal.title": {"zh": "方案提议 #{id}", "en": "Plan proposal #{id}"},
    "plans.withdraw.heading": {"zh": "撤回提议", "en": "Withdraw the proposal"},
    "plans.withdraw.reason": {"zh": "撤回说明(可不填)", "en": "Why (optional)"},
    "plans.withdraw.button": {"zh": "撤回", "en": "Withdraw"},
    "plans.approve.heading": {"zh": "批准", "en": "Approve"},
    "plans.approve.help": {
        "zh": "批准后,这个版本自 {day} 起生效,未关账期间的草稿将按它重算。",
        "en": "Once approved this version is in force from {day}; the drafts of open periods "
        "are computed again under it.",
    },
    "plans.approve.note": {"zh": "批准说明(可不填)", "en": "Note (optional)"},
    "plans.approve.button": {"zh": "批准", "en": "Approve"},
    "plans.reject.heading": {"zh": "驳回", "en": "Reject"},
    "plans.reject.reason": {"zh": "驳回理由", "en": "Reason"},
    "plans.reject.button": {"zh": "驳回", "en": "Reject"},
    "plans.done.proposed": {
        "zh": "已提议 #{id}({plan}),等待另一位用户批准。",
        "en": "Proposal #{id} ({plan}) made; another user approves it.",
    },
    "plans.done.approved": {
        "zh": "已批准 #{id}:{plan} 自 {day} 起生效。",
        "en": "#{id} approved: {plan} is in force from {day}.",
    },
    "plans.done.rejected": {"zh": "已驳回 #{id}。", "en": "#{id} rejected."},
    "plans.done.withdrawn": {"zh": "已撤回 #{id}。", "en": "#{id} withdrawn."},
    "proposal.proposed": {"zh": "待批准", "en": "waiting"},
    "proposal.approved": {"zh": "已批准", "en": "approved"},
    "proposal.rejected": {"zh": "已驳回", "en": "rejected"},
    "proposal.withdrawn": {"zh": "已撤回", "en": "withdrawn"},
    # -- the audit log
    "audit.nav": {"zh": "审计", "en": "Audit"},
    "audit.title": {"zh": "审计日志", "en": "Audit log"},
    "audit.action": {"zh": "操作", "en": "Action"},
    "audit.every_action": {"zh": "全部操作", "en": "Every action"},
    "audit.actor": {"zh": "操作人", "en": "Who"},
    "audit.target": {"zh": "对象(开头)", "en": "Target (starts with)"},
    "audit.target_column": {"zh": "对象", "en": "Target"},
    "audit.from": {"zh": "从(日期)", "en": "From (date)"},
    "audit.to": {"zh": "到(日期)", "en": "To (date)"},
    "audit.clear": {"zh": "清除筛选", "en": "Clear the filters"},
    "audit.at": {"zh": "时间", "en": "When"},
    "audit.detail": {"zh": "详情", "en": "Detail"},
    "audit.none": {"zh": "没有符合条件的记录。", "en": "No entries match."},
    "audit.action.import": {"zh": "导入数据", "en": "Import"},
    "audit.action.compute": {"zh": "计算草稿", "en": "Compute a draft"},
    "audit.action.close": {"zh": "关账", "en": "Close"},
    "audit.action.adjust": {"zh": "人工调整", "en": "Manual adjustment"},
    "audit.action.dispute": {"zh": "提出申诉", "en": "Dispute opened"},
    "audit.action.dispute_resolve": {"zh": "处理申诉", "en": "Dispute answered"},
    "audit.action.plan_store": {"zh": "保存方案", "en": "Plan stored"},
    "audit.action.plan_activate": {"zh": "启用方案", "en": "Plan activated"},
    "audit.action.plan_propose": {"zh": "提议方案", "en": "Plan proposed"},
    "audit.action.plan_approve": {"zh": "批准方案", "en": "Plan approved"},
    "audit.action.plan_reject": {"zh": "驳回方案", "en": "Plan rejected"},
    "audit.action.plan_withdraw": {"zh": "撤回方案", "en": "Plan withdrawn"},
    "audit.action.sla_export": {"zh": "导出服务水平", "en": "Service levels exported"},
    "audit.action.user_add": {"zh": "添加用户", "en": "User added"},
    "audit.action.user_enable": {"zh": "启用用户", "en": "User enabled"},
    "audit.action.user_disable": {"zh": "停用用户", "en": "User disabled"},
    "audit.action.user_password": {"zh": "设置密码", "en": "Password set"},
    "audit.action.user_invite": {"zh": "邀请师傅", "en": "Installers invited"},
    "audit.action.user_activate": {"zh": "激活账号", "en": "Account activated"},
    "audit.action.signin": {"zh": "登录", "en": "Signed in"},
    "audit.action.signin_failed": {"zh": "登录失败", "en": "Sign-in failed"},
    "audit.action.signin_blocked": {"zh": "登录被限制", "en": "Sign-in blocked"},
    "audit.action.activate_failed": {"zh": "激活失败", "en": "Activation failed"},
    "audit.action.activate_blocked": {"zh": "激活被限制", "en": "Activation blocked"},
}

MESSAGES.update(DEALER_MESSAGES)


def text(key: str, lang: str, /, **values: Any) -> str:
    """The message ``key`` in ``lang`` (``{name}`` fields filled from ``values``). An unknown
    key is a programmer's mistake and raises KeyError."""
    message = MESSAGES[key][language(lang)]
    return message.format(**values) if values else message


def language(value: str | None) -> Lang:
    """A language code as given by a cookie or a link: ``en`` or else the default ``zh``."""
    return "en" if value == "en" else DEFAULT


def lang_of(request: Request) -> Lang:
    """The language of the page answering ``request`` (the ``lang`` cookie)."""
    return language(request.cookies.get(COOKIE))


#: Where a bilingual message turns English when the Chinese side ends in a closing bracket
#: (``评分须为…(非常满意…)/ score must be…``) and no space comes before the slash.
_CLOSING_SLASH = re.compile(r"(?<=[)）」』】])/ ")


def part(message: str, lang: str) -> str:
    """One side of a bilingual service message ``中文 / English``; the whole when not split."""
    zh, sep, en = message.partition(" / ")
    if not sep:
        found = _CLOSING_SLASH.search(message)
        if found is not None:
            zh, sep, en = message[: found.start()], "/", message[found.end() :]
    if not sep or not zh.strip() or not en.strip():
        return message
    return en.strip() if lang == "en" else zh.strip()


# -- the language of the request being served (for pages rendered without the request) -------

_CURRENT: contextvars.ContextVar[Lang] = contextvars.ContextVar("page_language", default=DEFAULT)


def current_language() -> Lang:
    return _CURRENT.get()


def _cookie_language(headers: Mapping[str, str]) -> Lang:
    raw = headers.get("cookie")
    return language(cookie_parser(raw).get(COOKIE)) if raw else DEFAULT


class LanguageMiddleware:
    """Keep the request's language in a context variable while the request is served."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        token = _CURRENT.set(_cookie_language(headers))
        try:
            await self.app(scope, receive, send)
        finally:
            _CURRENT.reset(token)
