"""Server-rendered pages: one layout, escaping helpers, bilingual labels (zh-CN first).

Every value that comes from data or a request goes through :func:`esc` (``html.escape`` with
quotes): names, comments and explanations come from uploaded files and must never become
markup. The pages use no script and no external asset (the machines have no internet); a
Content-Security-Policy that allows neither is sent with every page as a second line of
defence.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlencode

from fastapi.responses import HTMLResponse

from scoring.errors import Problem
from scoring.money import format_fen

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei",
 "Noto Sans CJK SC",sans-serif;margin:0 auto;padding:.75rem;max-width:60rem;line-height:1.5;
 color:#1d1d1f;background:#fafafa}
h1{font-size:1.35rem;margin:.5rem 0}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
a{color:#0b5cad}
.en{color:#6b6b6b;font-size:.85em;font-weight:normal}
.card{background:#fff;border:1px solid #ddd;border-radius:.6rem;padding:.75rem;margin:.6rem 0}
.big{font-size:1.6rem;font-weight:600}
.row{display:flex;justify-content:space-between;gap:.5rem;align-items:baseline}
.pos{color:#0a7a2f}.neg{color:#b00020}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:.35rem .5rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{font-weight:600;background:#f3f3f3}
ul.plain{list-style:none;padding:0;margin:0}
.notice{background:#eef7ee;border:1px solid #9c9;padding:.5rem .75rem;border-radius:.4rem}
.error{background:#fdecea;border:1px solid #e99;padding:.5rem .75rem;border-radius:.4rem}
.tag{display:inline-block;padding:0 .4rem;border-radius:.3rem;background:#eee;font-size:.85em}
.tag.open{background:#fff3cd}.tag.accepted{background:#d4edda}.tag.rejected{background:#f8d7da}
.tag.overdue{background:#b00020;color:#fff}
input,textarea,button,select{font:inherit}
input[type=text],textarea{width:100%;padding:.3rem}
textarea{min-height:3.5rem}
button{padding:.35rem .9rem;border-radius:.4rem;border:1px solid #888;background:#fff}
button.primary{background:#0b5cad;color:#fff;border-color:#0b5cad}
button.danger{background:#b00020;color:#fff;border-color:#b00020}
form.stack>*{display:block;margin:.3rem 0}
nav{margin-bottom:.5rem}nav a{margin-right:1rem}
details summary{cursor:pointer;color:#0b5cad}
@media (min-width:40rem){body{padding:1.25rem}}
"""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

KIND_LABELS = {
    "bonus": "奖金",
    "deduction": "扣款",
    "cap": "封顶免扣",
    "allowance": "委屈奖",
    "adjustment": "往期更正",
    "manual": "人工调整",
}
#: The statement money columns (:data:`scoring.web.models.MONEY_COLUMNS`) on the pages.
MONEY_LABELS = {
    "bonus": ("奖金", "bonus"),
    "deduction_before_cap": ("扣款(封顶前)", "deduction before cap"),
    "deduction_waived_by_cap": ("封顶免扣", "waived by cap"),
    "deduction": ("实扣", "deduction"),
    "grievance_allowance": ("委屈奖", "grievance allowance"),
    "prior_period_adjustment": ("往期更正", "prior-period adjustment"),
    "manual_adjustment": ("人工调整", "manual adjustment"),
    "net": ("实发", "net"),
}
STATUS_LABELS = {"open": "待处理", "accepted": "已接受", "rejected": "已驳回"}
GRADE_LABELS = {"unrated": "未评级"}


def esc(value: object) -> str:
    """Text as HTML: ``None`` is empty, everything else escaped, quotes included."""
    return "" if value is None else html.escape(str(value), quote=True)


def bi(zh: str, en: str) -> str:
    """A bilingual label: Chinese first, English smaller beside it (both escaped)."""
    return f'{esc(zh)} <span class="en">{esc(en)}</span>'


def path(*parts: str, **query: str | int | None) -> str:
    """A URL of this site with every path part and query value encoded (then escape it)."""
    url = "/" + "/".join(quote(part, safe="") for part in parts)
    given = {k: str(v) for k, v in query.items() if v is not None}
    return url + ("?" + urlencode(given) if given else "")


def link(href: str, label_html: str) -> str:
    return f'<a href="{esc(href)}">{label_html}</a>'


def money(fen: int | None, *, signed: bool = False) -> str:
    """Yuan with two decimals in a coloured span."""
    value = int(fen or 0)
    text = format_fen(value)
    if signed and value > 0:
        text = "+" + text
    css = "pos" if value > 0 else "neg" if value < 0 else ""
    return f'<span class="num {css}">{esc(text)}</span>'


def kind_label(kind: str) -> str:
    return bi(KIND_LABELS.get(kind, kind), kind)


def status_tag(status: str, *, overdue: bool = False) -> str:
    tag = f'<span class="tag {esc(status)}">{bi(STATUS_LABELS.get(status, status), status)}</span>'
    if overdue:
        tag += ' <span class="tag overdue">逾期 overdue</span>'
    return tag


def grade_label(grade: str | None) -> str:
    shown = grade or "unrated"
    return esc(GRADE_LABELS.get(shown, shown)) + (
        f' <span class="en">{esc(shown)}</span>' if shown in GRADE_LABELS else ""
    )


def table(
    headings: Sequence[str], rows: Iterable[Sequence[str]], *, numeric: set[int] | None = None
) -> str:
    """A table from already-escaped cells; ``numeric`` column indexes are right-aligned."""
    numeric = numeric or set()
    head = "".join(
        f'<th class="num">{h}</th>' if i in numeric else f"<th>{h}</th>"
        for i, h in enumerate(headings)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def nav(*extra: tuple[str, str]) -> str:
    links = [link("/", bi("首页", "home"))] + [link(href, label) for href, label in extra]
    return "<nav>" + "".join(links) + "</nav>"


def layout(title: str, body: str, *, status_code: int = 200) -> HTMLResponse:
    """A whole page; ``title`` is plain text (escaped here), ``body`` is HTML."""
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status_code, headers=SECURITY_HEADERS)


def error_page(status: int, message: str, problems: Sequence[Problem] = ()) -> HTMLResponse:
    items = "".join(f"<li>{esc(str(p))}</li>" for p in problems[:200])
    body = (
        nav()
        + f"<h1>{bi('出错了', 'error')} {status}</h1>"
        + f'<div class="error"><p>{esc(message)}</p>'
        + (f"<ul>{items}</ul>" if items else "")
        + "</div>"
        + f"<p>{bi('请返回上一页修改后重试。', 'go back, correct and try again.')}</p>"
    )
    return layout(f"错误 / error {status}", body, status_code=status)
