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

from scoring.errors import ScoringError
from scoring.settings import db_url, get_settings
from scoring.store import Store, open_store

app = typer.Typer(
    help="售后服务满意度激励与评分引擎 / satisfaction-linked incentive and scoring engine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
plan_app = typer.Typer(help="方案 / plans: check, show the schema.", no_args_is_help=True)
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

    from scoring.importer import import_paths

    settings = get_settings()
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
        report = import_paths(
            target,
            paths,
            actor=actor(user),
            zone=settings.zone,
            rejects_dir=rejects_dir or settings.rejects_dir,
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


def _context(target: Store) -> Any:
    from scoring.periods import Context

    return Context.load(target, zone=get_settings().zone)


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
    from scoring.periods import compute

    with store() as target:
        result, stored = compute(_context(target), period, actor=actor(user), plan_path=plan)
    label = f"{stored.plan_id} v{stored.version}" if stored else str(plan)
    out.print(f"期间 / period {period} 草稿 / DRAFT, 方案 / plan {label}")
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
    from scoring.periods import close

    with store() as target:
        result = close(_context(target), period, actor=actor(user))
    out.print(f"期间 {period} 已关账 / period {period} closed")
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
    from payroll_export import export_period
    from scoring.errors import InputError
    from scoring.periods import result_for_export

    if headings not in ("en", "zh"):
        raise InputError(f"--headings 只能是 en 或 zh / must be en or zh, not {headings!r}")
    with store() as target:
        result = result_for_export(_context(target), period, actor=actor(user))
    out_dir.mkdir(parents=True, exist_ok=True)
    files = export_period(result, out_dir, headings=headings)  # type: ignore[arg-type]
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
    from scoring.periods import simulate

    with store() as target:
        comparison = simulate(_context(target), period, plan, actor=actor(user))
    frame = comparison.per_installer
    changed = frame.filter(frame.get_column("change_fen") != 0)
    table = Grid(
        f"{period}: 变化的师傅 / installers whose pay changes ({changed.height})",
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
    from scoring.rules.load import check_plan

    problems = check_plan(file)
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
    from scoring.periods import store_plan_file

    with store() as target:
        stored = store_plan_file(target, file, actor=actor(user), activate=True)
    out.print(
        f"方案 {stored.plan_id} 第 {stored.version} 版自 {stored.effective_from} 起生效 / plan "
        f"{stored.plan_id} version {stored.version} in force from {stored.effective_from}"
    )


@plan_app.command("list")
@user_errors
def plan_list_command() -> None:
    """列出方案版本 / list the stored plan versions."""
    from scoring.store.periods import list_plans

    with store() as target, target.begin() as conn:
        found = list_plans(conn)
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
    from scoring.money import format_fen, parse_amount
    from scoring.periods import parse_period
    from scoring.store.periods import add_manual

    parse_period(period)
    fen = parse_amount(amount)
    with store() as target, target.begin() as conn:
        adjustment_id = add_manual(
            conn,
            period=period,
            installer_id=installer,
            amount_fen=fen,
            reason=reason,
            author=actor(user),
        )
    out.print(f"人工调整 #{adjustment_id}: {installer} {format_fen(fen)} ({period})")


@app.command("audit")
@user_errors
def audit_command(
    action: Annotated[str | None, typer.Option(help="只看某类操作 / only this action")] = None,
    limit: Annotated[int, typer.Option(help="条数 / how many, newest first")] = 50,
) -> None:
    """审计日志 / who imported, computed, closed, adjusted, disputed or changed a plan, when."""
    import datetime as dt

    from scoring.store.periods import audit_entries

    with store() as target, target.begin() as conn:
        entries = audit_entries(conn, action=action, limit=limit)
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
    zone = get_settings().zone
    for e in entries:
        at = dt.datetime.fromtimestamp(e["at"] / 1e6, tz=zone).strftime("%Y-%m-%d %H:%M:%S")
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
    import datetime as dt

    if us is None:
        return ""
    return dt.datetime.fromtimestamp(us / 1e6, tz=get_settings().zone).strftime("%Y-%m-%d %H:%M")


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
    from scoring.disputes import get_dispute, open_dispute
    from scoring.periods import parse_period
    from scoring.workdays import WorkCalendar

    parse_period(period)
    with store() as target_store:
        dispute_id = open_dispute(
            target_store,
            period=period,
            installer_id=installer,
            target_kind=target,
            target_id=target_id,
            comment=comment,
            actor=actor(user) if user else installer,
            calendar=WorkCalendar.load(),
            zone=get_settings().zone,
        )
        found = get_dispute(target_store, dispute_id)
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
    from scoring.store import now_us
    from scoring.store.periods import list_disputes

    with store() as target, target.begin() as conn:
        found = list_disputes(conn, status=status, installer_id=installer)
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
    from scoring.disputes import get_dispute

    with store() as target:
        d = get_dispute(target, dispute_id)
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
    from scoring.disputes import resolve
    from scoring.money import parse_amount

    fen = parse_amount(amount)
    with store() as target:
        d = resolve(
            target,
            dispute_id=dispute_id,
            accept=True,
            reason=reason,
            actor=actor(user),
            amount_fen=fen,
            period=period,
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
    from scoring.disputes import resolve

    with store() as target:
        d = resolve(target, dispute_id=dispute_id, accept=False, reason=reason, actor=actor(user))
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
    from scoring.periods import parse_period

    parse_period(period)
    run = run_demo(out_dir, period=period, seed=seed, zone=get_settings().zone, actor=actor())
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
    out.print(
        f"继续查看 / explore: {program} --db sqlite:///{run.db_path.resolve()} audit",
        markup=False,
        highlight=False,
    )


@app.command("serve")
@user_errors
def serve_command(
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
    scheduler: Annotated[
        bool, typer.Option(help="同时运行定时任务 / also run the scheduled jobs")
    ] = True,
) -> None:
    """网页与接口 / the web API, the pages and the scheduler."""
    from scoring.api import serve

    serve(host, port, get_settings(), store_url=db_url(state.db), scheduler=scheduler)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="scoring")


if __name__ == "__main__":  # pragma: no cover
    main()
