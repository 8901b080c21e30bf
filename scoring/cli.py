"""The command line: a thin layer over the library (CONTRACT.md, "Command line").

Each command parses its arguments, calls the library, prints a short result and turns a user
error (``ScoringError``) into one clear message on standard error and a non-zero exit status.
"""

from __future__ import annotations

import functools
import getpass
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from scoring.errors import InputError, ScoringError
from scoring.period import Period
from scoring.services.access import Caller
from scoring.services.runtime import Runtime
from scoring.settings import db_url, get_settings
from scoring.store import Store, open_store
from scoring.store.db import as_busy
from scoring.timefmt import local_time

app = typer.Typer(
    help="售后服务满意度激励与评分引擎 / satisfaction-linked incentive and scoring engine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
plan_app = typer.Typer(
    help="方案 / plans: check, propose, approve, activate, list, show the schema.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")
dispute_app = typer.Typer(
    help="申诉 / disputes: open, list, show, accept, reject.", no_args_is_help=True
)
app.add_typer(dispute_app, name="dispute")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

USER_ERROR = 2
REJECTED_ROWS = 3
INTERNAL_ERROR = 70

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    db: str | None = None
    verbose: bool = False


state = _State()


class Grid:
    """A table: drawn with rich on a terminal, plain tab-separated lines for scripts."""

    def __init__(self, title: str, headings: Sequence[str]) -> None:
        self.title = title
        self.headings = list(headings)
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        self.rows.append(tuple(cells))


def emit(grid: Grid) -> None:
    if out.is_terminal:
        table = Table(title=grid.title)
        for heading in grid.headings:
            table.add_column(heading)
        for row in grid.rows:
            table.add_row(*row)
        out.print(table)
        return
    print(f"# {grid.title}")
    print("\t".join(grid.headings))
    for row in grid.rows:
        print("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))


def user_errors(func: F) -> F:
    """Turn library errors into one clear message and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScoringError as exc:
            err.print(f"[bold red]错误 / error:[/] {exc}", markup=True, highlight=False)
            raise typer.Exit(USER_ERROR) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug of ours: say so plainly, keep the detail for -v
            busy = as_busy(exc)
            if busy is not None:
                err.print(f"[bold red]错误 / error:[/] {busy}", markup=True, highlight=False)
                raise typer.Exit(USER_ERROR) from None
            if state.verbose:
                raise
            err.print(
                f"[bold red]内部错误 / internal error:[/] {type(exc).__name__}: {exc}\n"
                "请加 -v 重试并报告 / rerun with -v and report it",
                markup=True,
                highlight=False,
            )
            raise typer.Exit(INTERNAL_ERROR) from None

    return wrapper  # type: ignore[return-value]


def store() -> Store:
    return open_store(db_url(state.db))


def caller(explicit: str | None = None) -> Caller:
    """The command line acts as the local administrator, who owns the store."""
    return Caller.local(actor(explicit))


def runtime() -> Runtime:
    return Runtime.of(get_settings())


def period_arg(text: str) -> Period:
    """A period argument, parsed once here (a bad one is a clear user error)."""
    return Period.parse(text)


def actor(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    configured = get_settings().user
    if configured:
        return configured
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


@app.callback()
def main_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="SCORING_DB",
            help="数据库 / store URL: sqlite:///file.db or postgresql://…; default ./scoring.db",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="详细日志 / verbose")] = False,
) -> None:
    state.db = db
    state.verbose = verbose
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )


@app.command("import")
@user_errors
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="文件或文件夹 / files or folders")],
    entity: Annotated[
        str | None,
        typer.Option(help="数据类型 / entity, when the file name does not say (e.g. surveys)"),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="工作表 / XLSX sheet name")] = None,
    all_or_nothing: Annotated[
        bool,
        typer.Option(help="有任何拒收行则全部不入库 / store nothing if any row is rejected"),
    ] = False,
    rejects_dir: Annotated[
        Path | None, typer.Option(help="拒收行写到这里 / where rejected rows are written")
    ] = None,
    user: Annotated[str | None, typer.Option(help="操作人 / who imports")] = None,
) -> None:
    """导入数据文件 / import data files (CSV or XLSX; entity from the file name)."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from scoring.services.imports import import_files

    with (
        store() as target,
        Progress(
            SpinnerColumn(),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} {task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("导入 / importing", total=None)
        report = import_files(
            target,
            caller=caller(user),
            paths=paths,
            runtime=runtime(),
            rejects_dir=rejects_dir,
            entity=entity,
            sheet=sheet,
            all_or_nothing=all_or_nothing,
            progress=lambda msg, done, total: progress.update(
                task, description=msg, completed=done, total=total
            ),
        )
    table = Grid(
        f"导入批次 / import batch {report.batch_id or '-'}",
        (
            "文件 / file",
            "类型 / entity",
            "新增 / accepted",
            "替换 / replaced",
            "未变 / unchanged",
            "拒收 / rejected",
        ),
    )
    for f in report.files:
        table.add_row(
            Path(f.path).name,
            f.entity,
            str(f.accepted),
            str(f.replaced),
            str(f.unchanged),
            str(f.rejected),
        )
    emit(table)
    for path, problems in report.problems.items():
        err.print(f"[bold]{Path(path).name}[/]: {len(problems)} 个问题 / problems", markup=True)
        for problem in problems[:200]:
            err.print(f"  - {problem}", markup=False, highlight=False)
        if len(problems) > 200:
            err.print(f"  … 另有 {len(problems) - 200} 个 / {len(problems) - 200} more")
    for f in report.files:
        if f.rejects_path:
            err.print(
                f"拒收行已写入 / rejected rows written to {f.rejects_path}"
                " — 修改后可直接重新导入 / fix and re-import it",
                markup=False,
                highlight=False,
            )
    if not report.stored:
        err.print("全部未入库 (--all-or-nothing) / nothing was stored (--all-or-nothing)")
    if report.rejected:
        raise typer.Exit(REJECTED_ROWS)


def _money_table(title: str, statements: Any, limit: int = 20) -> Grid:
    from scoring.money import format_fen

    table = Grid(
        title,
        (
            "工号 / installer",
            "等级 / grade",
            "评分 / rating",
            "奖金 / bonus",
            "扣款 / deduction",
            "委屈奖 / allowance",
            "调整 / adjust",
            "实发 / net",
        ),
    )
    for row in statements.head(limit).iter_rows(named=True):
        table.add_row(
            row["installer_id"],
            row["grade"],
            row["rating"] or "",
            format_fen(row["bonus_fen"]),
            format_fen(row["deduction_fen"]),
            format_fen(row["grievance_allowance_fen"]),
            format_fen(row["prior_period_adjustment_fen"] + row["manual_adjustment_fen"]),
            format_fen(row["net_fen"]),
        )
    return table


def _totals_line(statements: Any) -> str:
    from scoring.money import format_fen

    def total(column: str) -> str:
        return format_fen(int(statements.get_column(column).sum()))

    return (
        f"师傅 / installers {statements.height}; 奖金 / bonus {total('bonus_fen')}; "
        f"扣款 / deduction {total('deduction_fen')} "
        f"(封顶免扣 / waived by caps {total('deduction_waived_by_cap_fen')}); "
        f"委屈奖 / allowance {total('grievance_allowance_fen')}; "
        f"往期调整 / prior adjustments {total('prior_period_adjustment_fen')}; "
        f"人工调整 / manual {total('manual_adjustment_fen')}; 实发合计 / net {total('net_fen')}"
    )


@app.command("compute")
@user_errors
def compute_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    plan: Annotated[
        Path | None, typer.Option(help="用这个方案试算 / compute with this plan file")
    ] = None,
    user: Annotated[str | None, typer.Option(help="操作人 / who computes")] = None,
) -> None:
    """试算未关账期间 / compute a draft of an open period (any number of times)."""
    from scoring.services.periods import compute

    chosen = period_arg(period)
    with store() as target:
        result, stored = compute(
            target, caller=caller(user), period=chosen, runtime=runtime(), plan_path=plan
        )
    label = f"{stored.plan_id} v{stored.version}" if stored else str(plan)
    out.print(f"期间 / period {chosen} 草稿 / DRAFT, 方案 / plan {label}")
    out.print(_totals_line(result.statements))
    emit(_money_table("净额最高 / highest net", result.statements.sort("net_fen", descending=True)))
    not_counted = result.surveys.filter(~result.surveys.get_column("counted"))
    if not_counted.height:
        reasons = not_counted.group_by("reason").len().sort("reason").rows()
        shown = ", ".join(f"{reason} {n}" for reason, n in reasons)
        out.print(f"未计入的问卷 / surveys not counted: {shown}")


@app.command("close")
@user_errors
def close_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    user: Annotated[str | None, typer.Option(help="操作人 / who closes")] = None,
) -> None:
    """关账并锁定 / close and lock a period with the plan in force."""
    from scoring.services.periods import close

    chosen = period_arg(period)
    with store() as target:
        result = close(target, caller=caller(user), period=chosen, runtime=runtime())
    out.print(f"期间 {chosen} 已关账 / period {chosen} closed")
    out.print(_totals_line(result.statements))


@app.command("export")
@user_errors
def export_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    out_dir: Annotated[Path, typer.Option("--out", help="输出目录 / output folder")],
    headings: Annotated[str, typer.Option(help="表头语言 / heading language: en or zh")] = "en",
    user: Annotated[str | None, typer.Option(help="操作人 / who exports")] = None,
) -> None:
    """导出工资表 / export payroll files (DRAFT for an open period)."""
    from scoring.services.exports import export, headings_of

    chosen = period_arg(period)
    with store() as target:
        files = export(
            target,
            caller=caller(user),
            period=chosen,
            out_dir=out_dir,
            headings=headings_of(headings),
            runtime=runtime(),
            fresh=True,
        )
    for path in (files.xlsx, files.csv, *files.extra):
        out.print(str(path), markup=False, highlight=False)


@app.command("simulate")
@user_errors
def simulate_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    plan: Annotated[Path, typer.Option(help="待比较的方案 / the plan to compare")],
    user: Annotated[str | None, typer.Option(help="操作人 / who simulates")] = None,
) -> None:
    """模拟方案 / what a plan would pay against what the period pays now; changes nothing."""
    from scoring.money import format_fen
    from scoring.services.periods import simulate

    chosen = period_arg(period)
    with store() as target:
        comparison = simulate(
            target, caller=caller(user), period=chosen, plan_path=plan, runtime=runtime()
        )
    frame = comparison.per_installer
    changed = frame.filter(frame.get_column("change_fen") != 0)
    table = Grid(
        f"{chosen}: 变化的师傅 / installers whose pay changes ({changed.height})",
        ("工号 / installer", "现在 / now", "模拟 / simulated", "变化 / change"),
    )
    for row in changed.sort("change_fen").iter_rows(named=True):
        table.add_row(
            row["installer_id"],
            format_fen(row["net_fen"]),
            format_fen(row["net_fen_draft"]),
            format_fen(row["change_fen"]),
        )
    emit(table)
    out.print(
        f"合计 / total: 现在 / now {format_fen(comparison.total_now_fen)}, "
        f"模拟 / simulated {format_fen(comparison.total_draft_fen)}, "
        f"变化 / change {format_fen(comparison.total_draft_fen - comparison.total_now_fen)}"
    )


@plan_app.command("check")
@user_errors
def plan_check_command(
    file: Annotated[Path, typer.Argument(help="方案文件 / plan file (YAML)")],
) -> None:
    """校验方案 / validate a plan and report every problem with its line and column."""
    from scoring.services.plans import check

    if not file.is_file():
        raise InputError(f"找不到方案文件 / no plan file {file}")
    _plan, problems = check(caller=caller(), raw=file.read_bytes(), source=str(file))
    if problems:
        for problem in problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"{len(problems)} 个问题 / problems")
        raise typer.Exit(USER_ERROR)
    out.print(f"{file}: 方案有效 / the plan is valid")


@plan_app.command("activate")
@user_errors
def plan_activate_command(
    file: Annotated[Path, typer.Argument(help="方案文件 / plan file (YAML)")],
    user: Annotated[str | None, typer.Option(help="操作人 / who activates")] = None,
) -> None:
    """启用方案版本 / store a plan version and put it in force from its effective date."""
    from scoring.services.plans import activate

    with store() as target:
        stored = activate(target, caller=caller(user), path=file)
    out.print(
        f"方案 {stored.plan_id} 第 {stored.version} 版自 {stored.effective_from} 起生效 / plan "
        f"{stored.plan_id} version {stored.version} in force from {stored.effective_from}"
    )


def _print_proposal(found: Any) -> None:
    from scoring.services.plans import PROPOSAL_WORDS

    zh, en = PROPOSAL_WORDS[found.status]
    out.print(
        f"方案提议 #{found.proposal_id}:{found.label} 自 {found.effective_from} 起,{zh} / plan "
        f"proposal #{found.proposal_id}: {found.label} from {found.effective_from}, {en}",
        markup=False,
        highlight=False,
    )


@plan_app.command("propose")
@user_errors
def plan_propose_command(
    file: Annotated[Path, typer.Argument(help="方案文件 / plan file (YAML)")],
    note: Annotated[str, typer.Option(help="提议说明 / why: what changes and for whom")],
    effective_from: Annotated[
        str | None, typer.Option(help="生效期间 / YYYY-MM, must repeat the file's")
    ] = None,
    user: Annotated[str | None, typer.Option(help="提议人 / who proposes")] = None,
) -> None:
    """提议方案版本 / propose a plan version; another user approves it."""
    from scoring.services.plans import propose

    if not file.is_file():
        raise InputError(f"找不到方案文件 / no plan file {file}")
    with store() as target:
        found = propose(
            target,
            caller=caller(user),
            raw=file.read_bytes(),
            source=str(file),
            note=note,
            effective_from=effective_from,
        )
    _print_proposal(found)


@plan_app.command("approve")
@user_errors
def plan_approve_command(
    proposal: Annotated[int, typer.Argument(help="提议编号 / proposal number")],
    note: Annotated[str | None, typer.Option(help="批准说明 / a note")] = None,
    user: Annotated[str | None, typer.Option(help="批准人(非提议人)/ who approves")] = None,
) -> None:
    """批准方案提议 / approve another user's proposal: store it and put it in force."""
    from scoring.services.plans import approve

    with store() as target:
        found = approve(target, caller=caller(user), proposal_id=proposal, note=note)
    _print_proposal(found)


@plan_app.command("reject")
@user_errors
def plan_reject_command(
    proposal: Annotated[int, typer.Argument(help="提议编号 / proposal number")],
    reason: Annotated[str, typer.Option(help="驳回理由 / why")],
    user: Annotated[str | None, typer.Option(help="驳回人(非提议人)/ who rejects")] = None,
) -> None:
    """驳回方案提议 / reject another user's proposal, with a reason."""
    from scoring.services.plans import reject

    with store() as target:
        found = reject(target, caller=caller(user), proposal_id=proposal, reason=reason)
    _print_proposal(found)


@plan_app.command("list-proposals")
@user_errors
def plan_proposals_command(
    status: Annotated[
        str | None, typer.Option(help="proposed, approved, rejected or withdrawn")
    ] = None,
) -> None:
    """列出方案提议 / the plan proposals, newest first."""
    from scoring.services.plans import PROPOSAL_WORDS, list_proposals

    zone = get_settings().zone
    with store() as target:
        found = list_proposals(target, caller=caller(), status=status, limit=1000)
    table = Grid(
        "方案提议 / plan proposals",
        (
            "编号 / #",
            "方案 / plan",
            "生效 / effective",
            "状态 / status",
            "提议 / by",
            "处理 / decided",
        ),
    )
    for p in found:
        table.add_row(
            str(p.proposal_id),
            p.label,
            p.effective_from,
            PROPOSAL_WORDS[p.status][0] + " / " + p.status,
            f"{p.proposed_by} {local_time(p.proposed_at, zone)}",
            f"{p.decided_by} {local_time(p.decided_at, zone)}" if p.decided_by else "",
        )
    emit(table)


@plan_app.command("list")
@user_errors
def plan_list_command() -> None:
    """列出方案版本 / list the stored plan versions."""
    from scoring.services.plans import list_plans

    with store() as target:
        found = list_plans(target, caller=caller())
    table = Grid(
        "方案版本 / plan versions",
        (
            "方案 / plan",
            "版本 / version",
            "生效 / effective",
            "已启用 / active",
            "校验和 / checksum",
        ),
    )
    for p in found:
        table.add_row(
            p.plan_id,
            p.version,
            p.effective_from,
            "yes" if p.activated_at else "no",
            p.checksum[:12],
        )
    emit(table)


@plan_app.command("schema")
def plan_schema_command() -> None:
    """输出方案 JSON Schema / print the JSON schema of the plan format (for editors)."""
    import json

    from scoring.rules.spec import Plan

    out.print_json(json.dumps(Plan.model_json_schema(), ensure_ascii=False))


@app.command("adjust")
@user_errors
def adjust_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM (open)")],
    installer: Annotated[str, typer.Argument(help="工号 / installer id")],
    amount: Annotated[
        str, typer.Option(help="金额(元,可为负)/ signed amount in yuan, e.g. -12.50")
    ],
    reason: Annotated[str, typer.Option(help="理由 / reason (required)")],
    user: Annotated[str | None, typer.Option(help="经办人 / author")] = None,
) -> None:
    """人工调整 / add a manual adjustment to an open period."""
    from scoring.money import format_fen
    from scoring.services.adjustments import add

    chosen = period_arg(period)
    with store() as target:
        made = add(
            target,
            caller=caller(user),
            period=chosen,
            installer_id=installer,
            amount=amount,
            reason=reason,
        )
    adjustment_id, fen = made.adjustment_id, made.amount_fen
    out.print(f"人工调整 #{adjustment_id}: {installer} {format_fen(fen)} ({chosen})")


@app.command("audit")
@user_errors
def audit_command(
    action: Annotated[str | None, typer.Option(help="只看某类操作 / only this action")] = None,
    limit: Annotated[int, typer.Option(help="条数 / how many, newest first")] = 50,
) -> None:
    """审计日志 / who imported, computed, closed, adjusted, disputed or changed a plan, when."""
    from scoring.services.audit import entries as audit_entries
    from scoring.store.audit import AuditFilter

    with store() as target:
        entries = audit_entries(
            target, caller=caller(), where=AuditFilter(action=action), limit=limit
        )
    table = Grid(
        "审计日志 / audit log",
        (
            "时间 / at",
            "操作人 / actor",
            "操作 / action",
            "对象 / target",
            "详情 / detail",
        ),
    )
    for e in entries:
        at = local_time(e["at"], get_settings().zone, seconds=True)
        detail = e["detail"] or ""
        table.add_row(
            at,
            e["actor"],
            e["action"],
            e["target"] or "",
            detail[:120] + ("…" if len(detail) > 120 else ""),
        )
    emit(table)


def _when(us: int | None) -> str:
    return local_time(us, get_settings().zone)


@dispute_app.command("open")
@user_errors
def dispute_open_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    installer: Annotated[str, typer.Argument(help="工号 / installer id")],
    target: Annotated[
        str, typer.Argument(help="对象 / what: line, survey, complaint, revisit or job")
    ],
    target_id: Annotated[str, typer.Argument(help="编号 / its id (a line: rule:source_id)")],
    comment: Annotated[str, typer.Option(help="申诉理由 / why")],
    user: Annotated[str | None, typer.Option(help="提出人 / who disputes")] = None,
) -> None:
    """提出申诉 / dispute a line, or the survey or complaint behind it."""
    from scoring.services import disputes

    chosen = period_arg(period)
    with store() as target_store:
        dispute_id = disputes.open_dispute(
            target_store,
            caller=caller(user),
            period=chosen,
            installer_id=installer,
            target_kind=target,
            target_id=target_id,
            comment=comment,
            runtime=runtime(),
        )
        found = disputes.get(target_store, caller=caller(user), dispute_id=dispute_id)
    out.print(
        f"申诉 / dispute #{dispute_id} 已提交 / opened; "
        f"答复期限 / answer by {_when(found['respond_by'])}"
    )


@dispute_app.command("list")
@user_errors
def dispute_list_command(
    status: Annotated[str | None, typer.Option(help="open, accepted or rejected")] = None,
    installer: Annotated[str | None, typer.Option(help="工号 / installer id")] = None,
) -> None:
    """申诉列表 / list disputes."""
    from scoring.disputes import is_overdue
    from scoring.services.disputes import list_disputes
    from scoring.store import now_us

    with store() as target:
        found = list_disputes(
            target, caller=caller(), status=status, installer_id=installer, limit=None
        )
    table = Grid(
        "申诉 / disputes",
        (
            "#",
            "期间 / period",
            "工号 / installer",
            "对象 / target",
            "状态 / status",
            "期限 / answer by",
            "理由 / comment",
        ),
    )
    now = now_us()
    for d in found:
        state_text = d["status"] + (" (逾期 / overdue)" if is_overdue(d, now) else "")
        table.add_row(
            str(d["dispute_id"]),
            d["period"],
            d["installer_id"],
            f"{d['target_kind']} {d['target_id']}",
            state_text,
            _when(d["respond_by"]),
            d["comment"],
        )
    emit(table)


@dispute_app.command("show")
@user_errors
def dispute_show_command(
    dispute_id: Annotated[int, typer.Argument(help="申诉编号 / dispute #")],
) -> None:
    """申诉详情与每一步 / one dispute with every step."""
    from scoring.services.disputes import get

    with store() as target:
        d = get(target, caller=caller(), dispute_id=dispute_id)
    out.print(
        f"#{d['dispute_id']} {d['period']} {d['installer_id']} "
        f"{d['target_kind']} {d['target_id']}: {d['status']}"
    )
    for e in d["events"]:
        out.print(
            f"  {e['step']}. {_when(e['at'])} {e['actor']} {e['action']}: {e['note'] or ''}",
            markup=False,
        )


@dispute_app.command("accept")
@user_errors
def dispute_accept_command(
    dispute_id: Annotated[int, typer.Argument(help="申诉编号 / dispute #")],
    amount: Annotated[str, typer.Option(help="补发金额(元)/ amount in yuan, signed")],
    reason: Annotated[str, typer.Option(help="理由 / reason")],
    period: Annotated[
        str | None, typer.Option(help="计入期间 / open period for the amount")
    ] = None,
    user: Annotated[str | None, typer.Option(help="经办人 / who resolves")] = None,
) -> None:
    """接受申诉 / accept a dispute with an amount (a manual adjustment linked to it)."""
    from scoring.services.disputes import resolve

    chosen = period_arg(period) if period else None
    with store() as target:
        d = resolve(
            target,
            caller=caller(user),
            dispute_id=dispute_id,
            accept=True,
            reason=reason,
            amount=amount,
            period=chosen,
        )
    out.print(f"申诉 #{dispute_id}: {d['status']}")


@dispute_app.command("reject")
@user_errors
def dispute_reject_command(
    dispute_id: Annotated[int, typer.Argument(help="申诉编号 / dispute #")],
    reason: Annotated[str, typer.Option(help="理由 / reason")],
    user: Annotated[str | None, typer.Option(help="经办人 / who resolves")] = None,
) -> None:
    """驳回申诉 / reject a dispute with a reason."""
    from scoring.services.disputes import resolve

    with store() as target:
        d = resolve(target, caller=caller(user), dispute_id=dispute_id, accept=False, reason=reason)
    out.print(f"申诉 #{dispute_id}: {d['status']}")


@app.command("demo")
@user_errors
def demo_command(
    out_dir: Annotated[Path, typer.Option("--out", help="演示目录 / demo folder")] = Path(
        "demo-output"
    ),
    period: Annotated[str, typer.Option(help="期间 / period YYYY-MM")] = "2025-10",
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 7,
) -> None:
    """演示 / generate a sample network and month, import, compute, close, export, summarise."""
    from scoring.demo import best_and_worst_teams, grade_counts, run_demo

    chosen = period_arg(period)
    run = run_demo(out_dir, period=chosen, seed=seed, runtime=runtime(), caller=caller())
    rows = sum(f.accepted for f in run.report.files)
    out.print(f"[bold]演示 / demo {period}[/] (seed {seed})")
    out.print(
        f"导入 / imported {rows} 条记录 / records from {len(run.inputs)} files, "
        f"拒收 / rejected {run.report.rejected}"
    )
    out.print(_totals_line(run.result.statements))
    grades = ", ".join(f"{g} {n}" for g, n in grade_counts(run.result).items())
    out.print(f"等级分布 / grades: {grades}")
    best, worst = best_and_worst_teams(run.result)
    for title, frame in (("最佳团队 / best teams", best), ("末位团队 / last teams", worst)):
        table = Grid(title, frame.columns)
        for row in frame.iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        emit(table)
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in run.seconds.items())
    out.print(f"用时 / time: {timing}")
    out.print("文件 / files:")
    for path in (run.db_path, out_dir / "input", run.files.xlsx, run.files.csv, *run.files.extra):
        out.print(f"  {path}", markup=False, highlight=False)
    # The command as it was run (./.venv/bin/scoring after scripts/demo.sh), so it can be pasted.
    program = sys.argv[0] if sys.argv and Path(sys.argv[0]).name == "scoring" else "scoring"
    db = f"sqlite:///{run.db_path.resolve()}"
    out.print(f"继续查看 / explore: {program} --db {db} audit", markup=False, highlight=False)
    out.print(f"网页 / web: {program} --db {db} serve", markup=False, highlight=False)
    out.print("然后打开 / then open http://127.0.0.1:8000/login", markup=False, highlight=False)
    people = Grid(
        "演示账号(仅本演示库,每次运行新生成)/ demo users (this demo store only, new each run)",
        ["账号 / login", "角色 / role", "密码 / password", "范围 / sees"],
    )
    for person in run.people:
        people.add_row(person.login, person.role.value, person.password, person.scope)
    emit(people)


@app.command("serve")
@user_errors
def serve_command(
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
    scheduler: Annotated[
        bool, typer.Option(help="同时运行定时任务 / also run the scheduled jobs")
    ] = True,
    workers: Annotated[int, typer.Option(min=1, max=64, help="工作进程数 / worker processes")] = 1,
) -> None:
    """网页与接口 / the web API, the pages and the scheduler."""
    from scoring.api import serve

    serve(
        host,
        port,
        store_url=db_url(state.db),
        scheduler=scheduler,
        workers=workers,
    )


# -- users (issue 13) -------------------------------------------------------------------------

user_app = typer.Typer(
    help="用户 / users of the web service: add, list, disable, enable, password, invite.",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")


def _read_password(from_stdin: bool) -> str:
    """The password from standard input (one line), or typed twice at a terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ScoringError("标准输入没有密码 / no password on standard input")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise ScoringError(
            "请用 --password-stdin 从标准输入读取密码 / give --password-stdin to read the "
            "password from standard input"
        )
    typed: str = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    return typed


def _admin() -> Any:
    from scoring.services.access import Caller

    return Caller.local(actor())


_PASSWORD_STDIN = typer.Option(
    "--password-stdin", help="从标准输入读取密码(一行)/ read the password from standard input"
)


@user_app.command("add")
@user_errors
def user_add_command(
    login: Annotated[str, typer.Argument(help="账号 / login (installers: 工号)")],
    role: Annotated[str, typer.Option(help="角色 / role: hr, operations, dealer, installer")],
    dealer: Annotated[
        list[str] | None, typer.Option(help="经销商编号 / dealer id (dealer users; repeatable)")
    ] = None,
    installer: Annotated[
        str | None, typer.Option(help="工号 / installer id (installer users)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="显示名 / display name")] = None,
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """添加用户 / add a user of the web service with a role and scope."""
    from scoring.services.users import add_user

    password = _read_password(password_stdin)
    with store() as target:
        added = add_user(
            target,
            caller=_admin(),
            login=login,
            role=role,
            password=password,
            display_name=name,
            dealer_ids=dealer or (),
            installer_id=installer,
        )
    out.print(
        f"已添加 / added {added.login} ({added.role.value}{_scope_text(added)})",
        markup=False,
        highlight=False,
    )


def _scope_text(user: Any) -> str:
    if user.dealer_ids:
        return ": " + ", ".join(user.dealer_ids)
    if user.installer_id:
        return ": " + user.installer_id
    return ""


@user_app.command("list")
@user_errors
def user_list_command(
    role: Annotated[str | None, typer.Option(help="只列此角色 / only this role")] = None,
) -> None:
    """列出用户 / list the users, their roles, scopes and state."""
    from scoring.services.users import list_users

    with store() as target:
        found = list_users(target, caller=_admin(), role=role)
    table = Grid(
        "用户 / users",
        (
            "账号 / login",
            "姓名 / name",
            "角色 / role",
            "范围 / scope",
            "状态 / state",
            "修改 / changed",
        ),
    )
    for u in found:
        state_text = (
            "停用 / disabled"
            if not u.enabled
            else "启用 / enabled"
            if u.has_password
            else "待激活 / invited"
        )
        table.add_row(
            u.login,
            u.display_name or "",
            u.role.value,
            _scope_text(u).removeprefix(": "),
            state_text,
            f"{_when(u.changed_at)} {u.changed_by}",
        )
    emit(table)


@user_app.command("disable")
@user_errors
def user_disable_command(
    login: Annotated[str, typer.Argument(help="账号 / login")],
) -> None:
    """停用用户 / disable a user: it can no longer sign in, its tokens stop working."""
    from scoring.services.users import disable_user

    with store() as target:
        done = disable_user(target, caller=_admin(), login=login)
    out.print(f"已停用 / disabled {done.login}", markup=False, highlight=False)


@user_app.command("enable")
@user_errors
def user_enable_command(
    login: Annotated[str, typer.Argument(help="账号 / login")],
) -> None:
    """启用用户 / enable a disabled user again."""
    from scoring.services.users import enable_user

    with store() as target:
        done = enable_user(target, caller=_admin(), login=login)
    out.print(f"已启用 / enabled {done.login}", markup=False, highlight=False)


@user_app.command("password")
@user_errors
def user_password_command(
    login: Annotated[str, typer.Argument(help="账号 / login")],
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """设置密码 / set a user's password (its earlier sign-ins end)."""
    from scoring.services.users import set_password

    password = _read_password(password_stdin)
    with store() as target:
        done = set_password(target, caller=_admin(), login=login, new_password=password)
    out.print(f"已设置密码 / password set for {done.login}", markup=False, highlight=False)


@user_app.command("invite")
@user_errors
def user_invite_command(
    out_file: Annotated[
        Path, typer.Option("--out", help="激活码文件 / file of codes to write (.csv or .xlsx)")
    ],
    installers: Annotated[str | None, typer.Option(help="all: 全部师傅 / every installer")] = None,
    team: Annotated[str | None, typer.Option(help="团队编号 / one team's installers")] = None,
    dealer: Annotated[str | None, typer.Option(help="经销商编号 / one dealer's installers")] = None,
    days: Annotated[int, typer.Option(help="激活码有效天数 / days the codes are valid")] = 14,
    renew: Annotated[
        bool,
        typer.Option(help="未激活的账号发新码 / new codes for invited accounts not yet activated"),
    ] = False,
) -> None:
    """邀请师傅 / create the missing installer accounts with one-time activation codes."""
    from scoring.services.users import invite_installers

    if installers is not None and installers != "all":
        raise ScoringError(
            f"--installers 只能是 all / --installers takes only 'all', not {installers!r}"
        )
    with store() as target:
        report = invite_installers(
            target,
            caller=_admin(),
            out=out_file,
            installers="all" if installers is not None else None,
            team=team,
            dealer=dealer,
            valid_days=days,
            renew=renew,
        )
    out.print(
        f"新建 / created {report.created}, 重发 / renewed {report.renewed}, 已有账号 / existing "
        f"{report.existing}; 有效期至 / valid until {report.expires_at:%Y-%m-%d %H:%M}; "
        f"{report.seconds:.1f} s",
        markup=False,
        highlight=False,
    )
    if report.conflicts:
        shown = ", ".join(report.conflicts[:20])
        err.print(
            f"{len(report.conflicts)} 个工号已被其他账号占用 / 工号 already the login of another "
            f"user: {shown}",
            markup=False,
            highlight=False,
        )
    out.print(f"激活码 / codes: {report.path}", markup=False, highlight=False)


@app.command("backup")
@user_errors
def backup_command(
    path: Annotated[Path, typer.Argument(help="备份文件 / backup file to write")],
    force: Annotated[bool, typer.Option(help="覆盖已有文件 / replace an existing file")] = False,
) -> None:
    """备份整个数据库 / back up the whole store (SQLite: one database file; PostgreSQL: pg_dump)."""
    from scoring.services.backup import backup

    with store() as target:
        made = backup(target, caller=caller(), path=path, force=force)
    out.print(
        f"已备份到 / backed up to {made.path} ({made.kind}, 版本 / migration {made.revision}, "
        f"{made.size:,} bytes)",
        markup=False,
        highlight=False,
    )


@app.command("restore")
@user_errors
def restore_command(
    path: Annotated[Path, typer.Argument(help="备份文件 / backup file to restore")],
    force: Annotated[
        bool, typer.Option(help="覆盖非空数据库 / replace the content of a store that is not empty")
    ] = False,
) -> None:
    """从备份恢复 / restore the store from a backup (stop scoring serve first)."""
    from scoring.services.backup import restore

    with store() as target:
        done = restore(target, caller=caller(), path=path, force=force)
    out.print(
        f"已从 {done.path} 恢复 / restored from {done.path} (版本 / migration {done.revision})",
        markup=False,
        highlight=False,
    )


def main() -> None:
    """Console-script entry point."""
    app(prog_name="scoring")


if __name__ == "__main__":  # pragma: no cover
    main()


@app.command("sla")
@user_errors
def sla_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="检查日期 / check date YYYY-MM-DD (default: today, local)"),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="写出 sla-PERIOD.csv/.xlsx 的目录 / output folder")
    ] = None,
    headings: Annotated[str, typer.Option(help="表头语言 / heading language: en or zh")] = "en",
) -> None:
    """服务承诺检查 / the service-level checks of a period, per dealer and team."""
    import datetime as dt

    from scoring.errors import InputError
    from scoring.services import service_levels
    from scoring.services.access import Caller
    from scoring.workdays import WorkCalendar

    if headings not in ("en", "zh"):
        raise InputError(f"--headings 只能是 en 或 zh / must be en or zh, not {headings!r}")
    day: dt.date | None = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of.strip())
        except ValueError:
            raise InputError(
                f"--as-of 应为日期 YYYY-MM-DD / --as-of is a date YYYY-MM-DD, not {as_of!r}"
            ) from None
    settings = get_settings()
    options: dict[str, Any] = {
        "caller": Caller.local(actor()),
        "period": period,
        "as_of": day,
        "zone": settings.zone,
        "calendar": WorkCalendar.load(settings.calendar_dir),
    }
    with store() as target:
        if out_dir is None:
            levels = service_levels.evaluate(target, **options)
            paths: tuple[Path, ...] = ()
        else:
            levels, files = service_levels.write(
                target,
                out_dir=out_dir,
                headings=headings,  # type: ignore[arg-type]
                **options,
            )
            paths = (files.xlsx, files.csv)
    out.print(
        f"期间 / period {levels.period} 服务承诺 / service levels as of {levels.as_of}: "
        f"{levels.checks.height} 项检查 / checks",
        markup=False,
        highlight=False,
    )
    grid = Grid(
        "按经销商与团队 / per dealer and team",
        ["dealer", "team", "check", "met", "breached", "pending", "share_met"],
    )
    for row in levels.by_team.iter_rows(named=True):
        grid.add_row(
            str(row["dealer_id"] or "-"),
            str(row["team_id"] or "-"),
            str(row["check"]),
            str(row["met"]),
            str(row["breached"]),
            str(row["pending"]),
            str(row["share_met"] or "-"),
        )
    emit(grid)
    for path in paths:
        out.print(str(path), markup=False, highlight=False)


@app.command("report")
@user_errors
def report_command(
    period: Annotated[str, typer.Argument(help="期间 / period YYYY-MM")],
    out_dir: Annotated[Path, typer.Option("--out", help="写出报告的目录 / output folder")],
    dealer: Annotated[
        list[str] | None,
        typer.Option("--dealer", help="经销商编号,可重复 / dealer id, repeatable"),
    ] = None,
    all_dealers: Annotated[
        bool, typer.Option("--all-dealers", help="所有经销商 / every dealer")
    ] = False,
    file_format: Annotated[
        str, typer.Option("--format", help="xlsx、html 或 both / xlsx, html or both")
    ] = "both",
    headings: Annotated[str, typer.Option(help="表头语言 / heading language: zh or en")] = "zh",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="服务承诺统计日期 / service levels as of YYYY-MM-DD (default: as the ranking's)",
        ),
    ] = None,
) -> None:
    """经销商月度例会通报 / the dealer's monthly report: one XLSX and one HTML page per dealer."""
    import datetime as dt

    from scoring.services import reports

    if bool(dealer) == all_dealers:
        raise InputError(
            "请指定 --dealer ID 或 --all-dealers(二选一)/ give --dealer ID or --all-dealers "
            "(one of the two)"
        )
    formats = reports.FORMATS if file_format == "both" else (reports.format_of(file_format),)
    day: dt.date | None = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of.strip())
        except ValueError:
            raise InputError(
                f"--as-of 应为日期 YYYY-MM-DD / --as-of is a date YYYY-MM-DD, not {as_of!r}"
            ) from None
    with store() as target:
        written = reports.write(
            target,
            caller=Caller.local(actor()),
            period=Period.parse(period),
            runtime=Runtime.of(get_settings()),
            out_dir=out_dir,
            dealer_ids=None if all_dealers else dealer,
            formats=formats,
            headings=reports.headings_of(headings),
            as_of=day,
        )
    out.print(
        f"期间 / period {Period.parse(period)}: {len(written)} 份报告 / reports",
        markup=False,
        highlight=False,
    )
    for files in written:
        for path in files.paths.values():
            out.print(str(path), markup=False, highlight=False)
