"""The sign-in and activation pages (zh-CN first): plain forms, no script."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from scoring.services.passwords import MIN_PASSWORD_LENGTH
from scoring.web.html import bi, esc, layout

FIRST_TIME = bi("第一次登录?用激活码激活账号", "first time? activate with your code")
ACTIVATE_HELP = bi(
    "请输入人事发给您的工号和激活码,并设置新密码。",
    "enter the 工号 and code HR gave you, and choose a password.",
)
NEW_PASSWORD = bi(
    f"新密码(至少 {MIN_PASSWORD_LENGTH} 位)",
    f"new password (at least {MIN_PASSWORD_LENGTH} characters)",
)


def _message(error: str | None) -> str:
    return f'<div class="error"><p>{esc(error)}</p></div>' if error else ""


def signin_page(
    *, csrf_field: str, next_url: str, login: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    body = (
        f"<h1>{bi('登录', 'sign in')}</h1>"
        + _message(error)
        + '<form class="stack card" method="post" action="/login">'
        + csrf_field
        + f'<input type="hidden" name="next" value="{esc(next_url)}">'
        + f'<label for="username">{bi("账号(师傅填工号)", "login (installers: 工号)")}</label>'
        + '<input type="text" id="username" name="username" autocomplete="username" required '
        + f'value="{esc(login)}">'
        + f'<label for="password">{bi("密码", "password")}</label>'
        + '<input type="password" id="password" name="password" '
        + 'autocomplete="current-password" required>'
        + f'<button class="primary" type="submit">{bi("登录", "sign in")}</button>'
        + "</form>"
        + f'<p><a href="/activate">{FIRST_TIME}</a></p>'
    )
    return layout("登录 / sign in", body, status_code=status)


def activate_page(
    *, csrf_field: str, login: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    body = (
        f"<h1>{bi('激活账号', 'activate your account')}</h1>"
        + f"<p>{ACTIVATE_HELP}</p>"
        + _message(error)
        + '<form class="stack card" method="post" action="/activate">'
        + csrf_field
        + f'<label for="username">{bi("工号", "installer id")}</label>'
        + '<input type="text" id="username" name="username" autocomplete="username" required '
        + f'value="{esc(login)}">'
        + f'<label for="code">{bi("激活码", "activation code")}</label>'
        + '<input type="text" id="code" name="code" autocomplete="one-time-code" required>'
        + f'<label for="password">{NEW_PASSWORD}</label>'
        + '<input type="password" id="password" name="password" autocomplete="new-password" '
        + f'minlength="{MIN_PASSWORD_LENGTH}" required>'
        + f'<label for="confirm">{bi("再次输入新密码", "the new password again")}</label>'
        + '<input type="password" id="confirm" name="confirm" autocomplete="new-password" '
        + "required>"
        + f'<button class="primary" type="submit">{bi("激活并登录", "activate, sign in")}</button>'
        + "</form>"
        + f'<p><a href="/login">{bi("已有密码?直接登录", "have a password? sign in")}</a></p>'
    )
    return layout("激活账号 / activate", body, status_code=status)
