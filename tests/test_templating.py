"""The templates' environment: escaping always on, undefined names fail, money and times as
people read them, the security headers on every page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup

from scoring.money import format_fen
from scoring.services.access import Caller, Role
from scoring.web.nav import nav_for
from scoring.web.templating import (
    SECURITY_HEADERS,
    environment,
    money,
    page_context,
    render_page,
    yuan,
)

HOSTILE = "<script>alert('x')</script>"


def test_every_value_is_escaped() -> None:
    rendered = environment().from_string("<p title='{{ v }}'>{{ v }}</p>").render(v=HOSTILE)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "&#39;x&#39;" in rendered  # quotes too: safe inside attributes


def test_an_undefined_name_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError):
        environment().from_string("{{ missing }}").render()


def test_money_is_grouped_signed_and_coloured_by_sign() -> None:
    assert yuan(123450) == "1,234.50"
    assert yuan(-123456789) == "-1,234,567.89"
    assert yuan(5, signed=True) == "+0.05" and yuan(0, signed=True) == "0.00"
    assert yuan(None) == "0.00"
    assert format_fen(123450) == "1234.50"  # files keep the plain form
    assert money(-5000) == Markup('<span class="num neg">-50.00</span>')
    assert money(30000, signed=True) == Markup('<span class="num pos">+300.00</span>')
    assert 'class="num zero"' in money(0)


def test_filters_in_a_page() -> None:
    context = page_context(None, lang="en", here="/x")
    context["zone"] = ZoneInfo("Asia/Shanghai")
    template = environment().from_string(
        "{{ at|when }}|{{ 'open'|word('status') }}|{{ 'odd'|word('status') }}|"
        "{{ 'unrated'|grade }}|{{ 'A'|grade }}|{{ m|part }}|{{ f|money }}"
    )
    at = 1_760_250_600_000_000  # 2025-10-12 06:30 UTC
    out = template.render(context, at=at, m="中文 / English", f=-100)
    assert out == ('2025-10-12 14:30|Open|odd|Unrated|A|English|<span class="num neg">-1.00</span>')


def test_a_page_carries_the_security_headers_and_no_external_asset() -> None:
    context = page_context(None, lang="zh", here="/login", csrf_field='<input name="csrf">')
    context.update(next_url="/", login=HOSTILE, error=None)
    page = render_page("signin.html", context, status=401)
    assert page.status_code == 401
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert "default-src 'none'" in page.headers["content-security-policy"]
    body = bytes(page.body).decode()
    assert '<html lang="zh-CN">' in body and "<script" not in body
    assert "http://" not in body and "https://" not in body
    assert "&lt;script&gt;" in body  # the login typed is escaped in its field


def test_the_navigation_follows_the_role() -> None:
    def keys(caller: Caller | None) -> list[str]:
        return [link.key for link in nav_for(caller, "/me")]

    assert keys(None) == []
    assert keys(Caller("I1", Role.INSTALLER, installer_id="I1")) == ["nav.my_statement"]
    assert keys(Caller("d", Role.DEALER, dealer_ids=frozenset({"D1"}))) == ["nav.ranking"]
    assert keys(Caller("o", Role.OPERATIONS)) == [
        "nav.ranking",
        "nav.periods",
        "disputes.nav",
        "plans.nav",
    ]
    assert keys(Caller("h", Role.HR)) == [
        "nav.ranking",
        "nav.periods",
        "imports.nav",
        "disputes.nav",
        "plans.nav",
        "users.nav",
        "audit.nav",
    ]
    (mine,) = nav_for(Caller("I1", Role.INSTALLER, installer_id="I1"), "/me")
    assert mine.current
