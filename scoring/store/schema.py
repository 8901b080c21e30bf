"""The store's tables: SQLAlchemy Core metadata, the current shape of the schema.

Alembic migrations in ``migrations/versions`` build this shape step by step; a test checks that
upgrading an empty store to head gives exactly these tables.

Conventions (docs/ARCHITECTURE.md): timestamps are BIGINT microseconds since the Unix epoch in
UTC, so that SQLite and PostgreSQL hold them exactly and bulk reads need no parsing; money is
BIGINT fen; dates are ISO text; unknown input columns are a JSON object in ``extra``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
)

from scoring.entities import ENTITIES, Entity, Kind

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_SQL_TYPES: dict[Kind, Any] = {
    Kind.STRING: Text,
    Kind.ENUM: String(40),
    Kind.SHARES: Text,
    Kind.MONEY: BigInteger,
    Kind.DATE: String(10),
    Kind.TIMESTAMP: BigInteger,
    Kind.SCORE: SmallInteger,
    Kind.BOOL: Boolean,
    Kind.INT: BigInteger,
}

#: Bookkeeping columns every entity table has besides its fields and ``extra``.
BOOKKEEPING = ("batch_id", "changed_at")


def _entity_table(entity: Entity) -> Table:
    columns: list[Column[Any]] = []
    for position, f in enumerate(entity.fields):
        sql_type = String(200) if position == 0 else _SQL_TYPES[f.kind]
        columns.append(
            Column(f.column, sql_type, primary_key=position == 0, nullable=not f.required)
        )
    columns.append(Column("extra", Text, nullable=True))
    columns.append(Column("batch_id", Integer, nullable=False))
    columns.append(Column("changed_at", BigInteger, nullable=False))
    # No secondary indexes: the engine reads whole tables in bulk, and each index made a
    # national month's import several seconds slower (random-order B-tree inserts).
    return Table(entity.name, metadata, *columns)


import_batches = Table(
    "import_batches",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("files", Integer, nullable=False),
    Column("accepted", BigInteger, nullable=False),
    Column("replaced", BigInteger, nullable=False),
    Column("unchanged", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
)

import_files = Table(
    "import_files",
    metadata,
    Column("batch_id", Integer, ForeignKey("import_batches.batch_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("path", Text, nullable=False),
    Column("entity", String(40), nullable=False),
    Column("sheet", Text, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("accepted", BigInteger, nullable=False),
    Column("replaced", BigInteger, nullable=False),
    Column("unchanged", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
    Column("rejects_path", Text, nullable=True),
    PrimaryKeyConstraint("batch_id", "position"),
)

#: Every problem of a rejected row, where HR can list it again after the command has ended.
rejected_problems = Table(
    "rejected_problems",
    metadata,
    Column("batch_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("row_number", BigInteger, nullable=True),
    Column("sheet", Text, nullable=True),
    Column("column_name", Text, nullable=True),
    Column("value", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Index("ix_rejected_problems_batch_id_position", "batch_id", "position"),
)

#: The rejected rows themselves, as the user wrote them (JSON of header -> text).
rejected_rows = Table(
    "rejected_rows",
    metadata,
    Column("batch_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("row_number", BigInteger, nullable=False),
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("batch_id", "position", "row_number"),
)

#: Earlier versions of replaced records: what the record was, which import wrote that version,
#: and which import replaced it when.
record_history = Table(
    "record_history",
    metadata,
    Column("entity", String(40), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("data", Text, nullable=False),
    Column("batch_id", Integer, nullable=False),
    Column("replaced_by_batch_id", Integer, nullable=False),
    Column("replaced_at", BigInteger, nullable=False),
    Index("ix_record_history_entity_record_id", "entity", "record_id"),
)

job_installers = Table(
    "job_installers",
    metadata,
    Column("job_id", String(200), nullable=False),
    Column("installer_id", String(200), nullable=False),
    Column("share_num", BigInteger, nullable=False),
    Column("share_den", BigInteger, nullable=False),
    PrimaryKeyConstraint("job_id", "installer_id"),
)

#: Named locks taken by updating their row inside a write transaction: in SQLite the update takes
#: the database's write lock, in PostgreSQL a row lock, so writers of one kind queue up.
store_locks = Table(
    "store_locks",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("held_at", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_audit_log_at", "at"),
    # The audit page filters by action or by actor, newest first.
    Index("ix_audit_log_action_event_id", "action", "event_id"),
    Index("ix_audit_log_actor_event_id", "actor", "event_id"),
)

ENTITY_TABLES: dict[str, Table] = {e.name: _entity_table(e) for e in ENTITIES}
LOCK_NAMES = ("import", "period")


# -- plans and periods (CONTRACT.md "Periods") ----------------------------------------------

#: Every version of every plan, with its text, so that a closed period can always name (and
#: recompute with) the exact plan it was closed with.
plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(100), nullable=False),
    Column("version", String(40), nullable=False),
    Column("effective_from", String(10), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("stored_at", BigInteger, nullable=False),
    Column("stored_by", Text, nullable=False),
    Column("activated_at", BigInteger, nullable=True),
    Column("activated_by", Text, nullable=True),
    PrimaryKeyConstraint("plan_id", "version"),
)

#: A plan version proposed by one user and approved (stored and put in force), rejected or
#: withdrawn by another: the second person of a plan change. ``status`` is proposed, approved,
#: rejected or withdrawn; only a proposed row changes, once. ``base_*`` names the version that
#: was in force for ``effective_from`` when it was proposed (what the proposer compared
#: against; NULL label: the shipped plan, not yet stored).
plan_proposals = Table(
    "plan_proposals",
    metadata,
    Column("proposal_id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(100), nullable=False),
    Column("version", String(40), nullable=False),
    Column("effective_from", String(10), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("proposed_at", BigInteger, nullable=False),
    Column("proposed_by", Text, nullable=False),
    Column("base_label", Text, nullable=True),
    Column("base_checksum", String(64), nullable=False),
    Column("decided_at", BigInteger, nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("decision_note", Text, nullable=True),
    Index("ix_plan_proposals_status", "status"),
)

#: One row per period that has been computed or closed. ``status`` is open or closed; a closed
#: row never changes again.
periods = Table(
    "periods",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("plan_id", String(100), nullable=True),
    Column("plan_version", String(40), nullable=True),
    Column("plan_checksum", String(64), nullable=True),
    Column("computed_at", BigInteger, nullable=True),
    Column("closed_at", BigInteger, nullable=True),
    Column("closed_by", Text, nullable=True),
    Column("about", Text, nullable=True),
    Column("ranking", Text, nullable=True),
    Column("totals", Text, nullable=True),
)


def _lines_table(name: str) -> Table:
    """Lines of a result (same columns as result.LINES_SCHEMA), read per installer."""
    return Table(
        name,
        metadata,
        Column("period", String(7), nullable=False),
        Column("line_no", BigInteger, nullable=False),
        Column("installer_id", String(200), nullable=False),
        Column("rule_id", String(100), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("amount_fen", BigInteger, nullable=False),
        Column("source", String(20), nullable=False),
        Column("source_id", Text, nullable=True),
        Column("job_id", Text, nullable=True),
        Column("corrects_period", String(7), nullable=True),
        Column("explanation_zh", Text, nullable=True),
        Column("explanation_en", Text, nullable=True),
        PrimaryKeyConstraint("period", "line_no"),
        Index(f"ix_{name}_period_installer_id", "period", "installer_id"),
    )


def _statements_table(name: str) -> Table:
    """Statements of a result (result.STATEMENTS_SCHEMA), read per installer or dealer."""
    return Table(
        name,
        metadata,
        Column("period", String(7), nullable=False),
        Column("installer_id", String(200), nullable=False),
        Column("name", Text, nullable=True),
        Column("team_id", Text, nullable=True),
        Column("team_name", Text, nullable=True),
        Column("dealer_id", Text, nullable=True),
        Column("employment", String(20), nullable=True),
        Column("surveys", BigInteger, nullable=False),
        Column("rating_num", BigInteger, nullable=True),
        Column("rating_den", BigInteger, nullable=True),
        Column("rating", String(20), nullable=True),
        Column("grade", String(20), nullable=False),
        Column("bonus_fen", BigInteger, nullable=False),
        Column("deduction_before_cap_fen", BigInteger, nullable=False),
        Column("deduction_waived_by_cap_fen", BigInteger, nullable=False),
        Column("deduction_fen", BigInteger, nullable=False),
        Column("grievance_allowance_fen", BigInteger, nullable=False),
        Column("prior_period_adjustment_fen", BigInteger, nullable=False),
        Column("manual_adjustment_fen", BigInteger, nullable=False),
        Column("net_fen", BigInteger, nullable=False),
        PrimaryKeyConstraint("period", "installer_id"),
        Index(f"ix_{name}_period_dealer_id", "period", "dealer_id"),
        # HR's review: quantiles and outliers of a month by incentive total, read in order
        # from the index instead of sorting the month's statements (migration 0010).
        Index(f"ix_{name}_period_net_fen", "period", "net_fen", "installer_id"),
        # and counts its statements per grade from the index alone (migration 0010).
        Index(f"ix_{name}_period_grade", "period", "grade"),
    )


#: The lines and statements a closed period paid, frozen at close.
period_lines = _lines_table("period_lines")
period_statements = _statements_table("period_statements")

#: The same frozen lines once more, as compressed column blocks (Parquet, a block of up to
#: ``results.BLOCK_LINES`` lines each, in line order) written in the close's transaction: the
#: payroll export reads a whole month from them in about a third of the time the rows take
#: (benchmarks/README.md). ``sha256`` is of ``data``; a block that does not match it, or blocks
#: that do not add up to the period's lines, are not used (the rows are read instead).
frozen_line_blocks = Table(
    "frozen_line_blocks",
    metadata,
    Column("period", String(7), nullable=False),
    Column("block_no", Integer, nullable=False),
    Column("first_line", BigInteger, nullable=False),
    Column("line_count", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("period", "block_no"),
)

#: The draft of an open period, materialised in the store so that reads never compute: the
#: newest draft of each open period replaces the one before, in one transaction. ``state`` is
#: the fingerprint of what it was computed from (services.drafts.draft_state); a read whose
#: store has moved on since says the draft is stale while a new one is computed.
drafts = Table(
    "drafts",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("state", String(64), nullable=False),
    Column("plan_id", String(100), nullable=True),
    Column("plan_version", String(40), nullable=True),
    Column("plan_checksum", String(64), nullable=True),
    Column("computed_at", BigInteger, nullable=False),
    Column("computed_by", Text, nullable=False),
    Column("about", Text, nullable=True),
    Column("totals", Text, nullable=True),
)
draft_lines = _lines_table("draft_lines")
draft_statements = _statements_table("draft_statements")

#: The team ranking of a result, one row per team: ``status`` closed (frozen) or draft;
#: ``data`` the whole row as JSON (its figures vary with the plan), found by dealer.
ranking_rows = Table(
    "ranking_rows",
    metadata,
    Column("period", String(7), nullable=False),
    Column("status", String(10), nullable=False),
    Column("position", Integer, nullable=False),
    Column("dealer_id", String(200), nullable=True),
    Column("team_id", String(200), nullable=True),
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("period", "status", "position"),
    Index("ix_ranking_rows_period_status_dealer_id", "period", "status", "dealer_id"),
    Index("ix_ranking_rows_period_status_team_id", "period", "status", "team_id"),
)

#: Scheduled runs claimed by a process: one row per job and slot (e.g. the nightly draft of
#: one day), so that of several servers on one store exactly one runs each slot.
job_runs = Table(
    "job_runs",
    metadata,
    Column("job_id", String(40), nullable=False),
    Column("slot", String(40), nullable=False),
    Column("holder", Text, nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
    Column("outcome", Text, nullable=True),
    PrimaryKeyConstraint("job_id", "slot"),
)

#: Leases on long work (computing drafts) that must not run twice at once: held until
#: ``until`` (microseconds) unless renewed; a crashed holder's lease simply runs out.
leases = Table(
    "leases",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("holder", Text, nullable=True),
    Column("until", BigInteger, nullable=False),
)

#: Manual adjustments HR adds to an open period (signed fen, with author and reason).
manual_adjustments = Table(
    "manual_adjustments",
    metadata,
    Column("adjustment_id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    Column("installer_id", String(200), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("dispute_id", Integer, nullable=True),
    Index("ix_manual_adjustments_period", "period"),
    Index("ix_manual_adjustments_dispute_id", "dispute_id"),
)

#: Disputes an installer raises against a line, or the survey or complaint behind it.
disputes = Table(
    "disputes",
    metadata,
    Column("dispute_id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    Column("installer_id", String(200), nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("target_id", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("respond_by", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Column("resolved_by", Text, nullable=True),
    Column("resolution", Text, nullable=True),
    Column("amount_fen", BigInteger, nullable=True),
    Index("ix_disputes_installer_id", "installer_id"),
    # HR's queue: open ones by deadline (overdue: open and past it), answered ones by status.
    Index("ix_disputes_status_respond_by", "status", "respond_by"),
)

#: Every step of a dispute, in order.
dispute_events = Table(
    "dispute_events",
    metadata,
    Column("dispute_id", Integer, nullable=False),
    Column("step", Integer, nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(20), nullable=False),
    Column("note", Text, nullable=True),
    PrimaryKeyConstraint("dispute_id", "step"),
)


# -- users and sign-in (CONTRACT.md "Users and roles") -----------------------------------------

#: Who may sign in to the web service. ``password_hash`` is an argon2 hash (never the password);
#: it is NULL for an invited installer until the account is activated. ``token_version`` grows
#: whenever the password changes or the account is disabled, so that tokens and sessions signed
#: before are refused. The activation code of an invited account is kept hashed like a password,
#: with when it expires and when it was used.
users = Table(
    "users",
    metadata,
    Column("login", String(200), primary_key=True),
    Column("display_name", Text, nullable=True),
    Column("role", String(20), nullable=False),
    Column("installer_id", String(200), nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("password_changed_at", BigInteger, nullable=True),
    Column("token_version", Integer, nullable=False),
    Column("activation_hash", Text, nullable=True),
    Column("activation_expires_at", BigInteger, nullable=True),
    Column("activated_at", BigInteger, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
    Column("changed_by", Text, nullable=False),
    # One account per installer (NULLs, the other roles, are never equal to each other).
    Index("uq_users_installer_id", "installer_id", unique=True),
    Index("ix_users_role_login", "role", "login"),
)

#: The dealers whose data a dealer user sees.
user_dealers = Table(
    "user_dealers",
    metadata,
    Column("login", String(200), ForeignKey("users.login"), nullable=False),
    Column("dealer_id", String(200), nullable=False),
    PrimaryKeyConstraint("login", "dealer_id"),
)

#: Secrets the service generated for itself (the token signing key when SCORING_SECRET_KEY is
#: unset), so that every process using the store signs and verifies with the same one.
store_secrets = Table(
    "store_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

#: Recent failed sign-ins and activations, counted per login and per address to slow down
#: guessing; rows older than the window are deleted as new ones come.
signin_failures = Table(
    "signin_failures",
    metadata,
    Column("failure_id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("login", String(200), nullable=False),
    Column("address", String(100), nullable=False),
    Index("ix_signin_failures_login_at", "login", "at"),
    Index("ix_signin_failures_address_at", "address", "at"),
    Index("ix_signin_failures_at", "at"),
)

__all__ = [
    "plan_proposals",
    "BOOKKEEPING",
    "draft_lines",
    "draft_statements",
    "drafts",
    "job_runs",
    "leases",
    "ranking_rows",
    "dispute_events",
    "disputes",
    "manual_adjustments",
    "frozen_line_blocks",
    "period_lines",
    "period_statements",
    "periods",
    "plans",
    "ENTITY_TABLES",
    "LOCK_NAMES",
    "audit_log",
    "import_batches",
    "import_files",
    "job_installers",
    "metadata",
    "record_history",
    "rejected_problems",
    "rejected_rows",
    "signin_failures",
    "store_locks",
    "store_secrets",
    "user_dealers",
    "users",
]

#: The scheduler's daily service-level warnings (issue 15): per local day of the run, the
#: checks that fall due that day or the next and are not done, and those breached the day
#: before, one row per check, record and team (scoring/services/sla_warnings.py).
sla_warnings = Table(
    "sla_warnings",
    metadata,
    Column("day", String(10), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("period", String(7), nullable=False),
    Column("check_id", String(40), nullable=False),
    Column("record_id", String(200), nullable=False),
    Column("job_id", String(200), nullable=True),
    Column("team_id", String(200), nullable=True),
    Column("dealer_id", String(200), nullable=True),
    Column("due_date", String(10), nullable=True),
    Column("done_at", BigInteger, nullable=True),
    Column("status", String(10), nullable=False),
    PrimaryKeyConstraint("day", "position"),
    Index("ix_sla_warnings_day_dealer_id", "day", "dealer_id"),
)
