"""The command line: a thin layer over the library (CONTRACT.md, "Command line").

Each command parses its arguments, calls the library, prints a short result and turns a user
error (``ScoringError``) into one clear message on standard error and a non-zero exit status.
"""

from __future__ import annotations

import functools
import getpass
import logging
from collections.abc import Callable
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

out = Console()
err = Console(stderr=True)

USER_ERROR = 2
REJECTED_ROWS = 3
INTERNAL_ERROR = 70

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    db: str | None = None
    verbose: bool = False


state = _State()


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
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from scoring.importer import import_paths

    settings = get_settings()
    with (
        store() as target,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
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
            progress=lambda msg: progress.update(task, description=msg),
        )
    table = Table(title=f"导入批次 / import batch {report.batch_id or '-'}")
    for heading in (
        "文件 / file",
        "类型 / entity",
        "新增 / accepted",
        "替换 / replaced",
        "未变 / unchanged",
        "拒收 / rejected",
    ):
        table.add_column(heading)
    for f in report.files:
        table.add_row(
            Path(f.path).name,
            f.entity,
            str(f.accepted),
            str(f.replaced),
            str(f.unchanged),
            str(f.rejected),
        )
    out.print(table)
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


def main() -> None:
    """Console-script entry point."""
    app(prog_name="scoring")


if __name__ == "__main__":  # pragma: no cover
    main()
