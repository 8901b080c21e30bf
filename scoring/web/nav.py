"""The navigation of every page, chosen by the signed-in caller's rights.

One table, :data:`NAV`: a link shows when the caller's role has the right it names (and, for
"my statement", when the caller is an installer). Add a page's entry here when the page exists;
its label is an i18n key (:mod:`scoring.web.i18n`). The link whose ``prefix`` the current path
starts with is marked as the current page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scoring.services.access import Caller, Right


@dataclass(frozen=True)
class NavItem:
    key: str  # i18n key of the label
    href: str
    shows: Callable[[Caller], bool]
    #: Paths that belong to this entry (default: ``href``).
    prefixes: tuple[str, ...] = ()
    #: The page of one period, when the entry has one (``/ranking/{period}``): the start page
    #: links each period to it.
    period_page: str | None = None

    def is_current(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes or (self.href,))


@dataclass(frozen=True)
class NavLink:
    """A link as the template draws it."""

    key: str
    href: str
    current: bool
    period_page: str | None = None

    def of_period(self, period: str) -> str | None:
        return self.period_page.format(period=period) if self.period_page else None


def has(right: Right) -> Callable[[Caller], bool]:
    def shows(caller: Caller) -> bool:
        return caller.may(right)

    return shows


def is_installer(caller: Caller) -> bool:
    """The caller is an installer's own account (it has a statement of its own)."""
    return caller.installer_id is not None


def reads_ranking_only(caller: Caller) -> bool:
    return caller.may(Right.READ_RANKING) and caller.installer_id is None


NAV: tuple[NavItem, ...] = (
    NavItem("nav.my_statement", "/me", is_installer),
    NavItem("nav.ranking", "/ranking", reads_ranking_only, period_page="/ranking/{period}"),
    # HR's pages (operations reads the periods, their reviews and the disputes).
    NavItem(
        "nav.periods",
        "/hr/periods",
        has(Right.READ_PERIODS),
        prefixes=("/hr/periods",),
        period_page="/hr/periods/{period}",
    ),
    NavItem("imports.nav", "/hr/imports", has(Right.IMPORT)),
    NavItem("disputes.nav", "/hr/disputes", has(Right.READ_PERIODS)),
    # Operations' pages (HR uses them too: the second person who approves a plan).
    NavItem("plans.nav", "/ops/plans", has(Right.PLANS), prefixes=("/ops/plans",)),
    NavItem("users.nav", "/hr/users", has(Right.USERS)),
    NavItem("audit.nav", "/hr/audit", has(Right.AUDIT)),
)


def nav_for(caller: Caller | None, path: str) -> list[NavLink]:
    """The links ``caller`` sees on the page at ``path`` (none before signing in)."""
    if caller is None:
        return []
    return [
        NavLink(item.key, item.href, item.is_current(path), item.period_page)
        for item in NAV
        if item.shows(caller)
    ]
