"""Who may do what: the roles of CONTRACT.md ("Users and roles"), in one table.

Every service function takes the ``caller`` (who acts) as a keyword argument and asks
:func:`require` for the right it needs before it touches the store; lists are narrowed to the
caller's scope by :meth:`Caller.scope_filter` rather than refused whole. Faces (the command line,
the API, the pages, the scheduler) never check a role themselves: they say who the caller is
and call the service.

- ``hr``: everything.
- ``operations``: plans (check, simulate, activate), every period read-only, service levels.
- ``dealer``: read-only, scoped to its dealer ids: their teams' ranking, installers,
  statements and service levels.
- ``installer``: its own statements, rating and disputes.

The command line is the local administrator, who owns the store (:meth:`Caller.local`); the
scheduler acts as :meth:`Caller.system`. Both have every right.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from scoring.errors import ScoringError


class Role(enum.StrEnum):
    HR = "hr"
    OPERATIONS = "operations"
    DEALER = "dealer"
    INSTALLER = "installer"


class Right(enum.StrEnum):
    """What a service function needs the caller to be allowed."""

    IMPORT = "import"  # import files, read import reports and rejects
    COMPUTE = "compute"  # compute drafts, close
    ADJUST = "adjust"  # manual adjustments
    EXPORT = "export"  # payroll files
    READ_PERIODS = "read_periods"  # every statement of a period, totals, ranking
    READ_STATEMENTS = "read_statements"  # statements within the caller's scope
    READ_RANKING = "read_ranking"  # ranking within the caller's scope
    PLANS = "plans"  # check, store, propose, simulate plans
    APPROVE_PLANS = "approve_plans"  # approve a plan another user proposed
    SERVICE_LEVELS = "service_levels"  # service-level checks within the caller's scope
    DISPUTE = "dispute"  # open a dispute about one's own statement
    RESOLVE_DISPUTES = "resolve_disputes"  # accept or reject disputes
    READ_DISPUTES = "read_disputes"  # disputes within the caller's scope
    USERS = "users"  # manage users
    AUDIT = "audit"  # read the audit log
    BACKUP = "backup"  # back up the whole store, restore it from a backup


RIGHTS: dict[Role, frozenset[Right]] = {
    Role.HR: frozenset(Right),
    Role.OPERATIONS: frozenset(
        {
            Right.READ_PERIODS,
            Right.READ_STATEMENTS,
            Right.READ_RANKING,
            Right.PLANS,
            Right.APPROVE_PLANS,
            Right.SERVICE_LEVELS,
            Right.READ_DISPUTES,
        }
    ),
    Role.DEALER: frozenset(
        {Right.READ_STATEMENTS, Right.READ_RANKING, Right.SERVICE_LEVELS, Right.READ_DISPUTES}
    ),
    Role.INSTALLER: frozenset({Right.READ_STATEMENTS, Right.DISPUTE, Right.READ_DISPUTES}),
}


class Forbidden(ScoringError):
    """The caller's role or scope does not cover what was asked (HTTP 403)."""


class NotSignedIn(ScoringError):
    """No valid credentials: none, a wrong password, an expired or tampered token, a disabled
    user, a password changed since the token was signed (HTTP 401)."""


@dataclass
class RateLimited(ScoringError):
    """Too many failed sign-ins of this login or from this address (HTTP 429)."""

    retry_after: int = 60  # seconds until the oldest counted failure leaves the window


@dataclass(frozen=True)
class Caller:
    """Who acts, with the role and scope the rights are checked against.

    ``login`` is what the audit log records. A dealer user sees the data of ``dealer_ids``; an
    installer user that of ``installer_id``. Other roles are not scoped.
    """

    login: str
    role: Role
    dealer_ids: frozenset[str] = field(default_factory=frozenset)
    installer_id: str | None = None
    display_name: str | None = None

    @classmethod
    def local(cls, login: str) -> Caller:
        """The command line: the local administrator, who owns the store."""
        return cls(login=login, role=Role.HR)

    @classmethod
    def system(cls, login: str = "scheduler") -> Caller:
        """A scheduled job."""
        return cls(login=login, role=Role.HR)

    def may(self, right: Right) -> bool:
        return right in RIGHTS[self.role]

    @property
    def scoped(self) -> bool:
        """True when the caller sees only part of the data (a dealer or an installer)."""
        return self.role in (Role.DEALER, Role.INSTALLER)

    def sees_installer(self, installer_id: str, dealer_id: str | None) -> bool:
        """Whether an installer (of ``dealer_id``) is inside the caller's scope."""
        if self.role is Role.INSTALLER:
            return installer_id == self.installer_id
        if self.role is Role.DEALER:
            return dealer_id is not None and dealer_id in self.dealer_ids
        return True

    def excludes_installer(self, installer_id: str) -> bool:
        """True when the installer is outside the scope whatever its dealer (an installer
        user asking for someone else): decided before anything is read."""
        return self.role is Role.INSTALLER and installer_id != self.installer_id

    def sees_dealer(self, dealer_id: str | None) -> bool:
        if self.role is Role.DEALER:
            return dealer_id is not None and dealer_id in self.dealer_ids
        return self.role is not Role.INSTALLER

    def scope_values(self) -> tuple[str, Iterable[str]] | None:
        """The column and values a list is narrowed to (None: the whole list)."""
        if self.role is Role.INSTALLER:
            return "installer_id", [self.installer_id] if self.installer_id else []
        if self.role is Role.DEALER:
            return "dealer_id", sorted(self.dealer_ids)
        return None


def require(caller: Caller, right: Right) -> None:
    """:class:`Forbidden` unless ``caller``'s role has ``right``."""
    if not caller.may(right):
        raise Forbidden(
            f"无权执行此操作 / the role {caller.role.value} may not do this ({right.value})"
        )
