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
from collections.abc import Mapping
from typing import Any, Literal

from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

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
}


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


def part(message: str, lang: str) -> str:
    """One side of a bilingual service message ``中文 / English``; the whole when not split."""
    zh, sep, en = message.partition(" / ")
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
