"""Benchmark: compute the national-scale month from the store, then export it.

    python benchmarks/generate.py --scale national --out benchmarks/data/2025-10 --period 2025-10
    python benchmarks/bench_compute.py --repeat 3

The month is imported once into ``benchmarks/data/national.db`` (kept between runs: the import
is skipped when the store already holds jobs; ``--reimport`` starts it afresh). Each repetition
then runs two child processes, so that each peak memory (max RSS) is the child's own:

- the engine: ``Context.load(store)`` (what every computation of a store starts from: the
  frames with encoded ids, ``load_all(store, ids=new_id_type())``, and their input checksums);
  ``ctx.run("2025-10", standard plan)`` (``pipeline.run`` with
  calendar=..., zone=Asia/Shanghai) with the ``scoring.pipeline`` log at INFO, so that each
  stage's wall and CPU time (and the peak RSS at its end) is recorded; ``export_period(result,
  tmpdir)``, the payroll XLSX and CSV, with the Context let go first (as ``scoring
  export``). Wall and CPU time of each step, peak RSS after each.
- the floor: the same ``load_all`` again, then the hand-written polars query
  (benchmarks/floor.py) timed from the in-memory frames, and its per-installer money compared
  with the engine's statements (handed over as a parquet file): any difference fails the
  benchmark.

The medians and ratios are printed and written as JSON (``--json``), which
benchmarks/bench_zen.py reads for the engine's throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_import import run_import  # benchmarks/, beside this file

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data" / "2025-10"
DEFAULT_DB = HERE / "data" / "national.db"
DEFAULT_JSON = HERE / "data" / "bench_compute.json"
ZONE = "Asia/Shanghai"
STAGES = (
    "ids",
    "counting",
    "per-event rules",
    "split",
    "per-period rules",
    "caps",
    "statements",
    "ranking",
    "collect",
    "explanations",
    "checksums",
)
MONEY = (
    "bonus_fen",
    "deduction_before_cap_fen",
    "deduction_waived_by_cap_fen",
    "grievance_allowance_fen",
    "net_fen",
)


# -- the store ------------------------------------------------------------------------------------


def stored_jobs(db: Path) -> int:
    """How many jobs the store file holds (0 when it does not exist or has no schema yet)."""
    if not db.exists():
        return 0
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def ensure_store(data: Path, db: Path, *, reimport: bool) -> dict[str, Any] | None:
    """Import ``data`` into ``db`` unless it already holds the jobs; the import's figures."""
    if reimport:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    jobs = stored_jobs(db)
    if jobs:
        print(f"store {db}: {jobs:,} jobs already imported, import skipped")
        return None
    print(f"importing {data} into {db} ...", flush=True)
    report = run_import(data, f"sqlite:///{db}", db.parent / "rejects")
    print(
        f"imported in {report['seconds']:.2f} s, peak {report['peak_mib']:.0f} MiB, "
        f"rows {report['rows']}, rejected {report['rejected']}"
    )
    return report


# -- one repetition (child process) ---------------------------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(db: Path, period: str, statements_out: Path | None) -> dict[str, Any]:
    """Load, evaluate, export, each timed (wall and CPU), with the peak RSS after each step."""
    import logging
    import re
    import tempfile
    from zoneinfo import ZoneInfo

    import polars as pl

    from payroll_export import export_period
    from scoring.periods import Context
    from scoring.rules import load_plan, standard_plan_path
    from scoring.store import open_store
    from scoring.workdays import WorkCalendar

    stages: dict[str, float] = {}
    stage_cpu: dict[str, float] = {}
    stage_peak: dict[str, float] = {}  # peak RSS of the process at the end of each stage
    pattern = re.compile(r"^\S+ (.+): ([0-9.]+) s \(cpu ([0-9.]+) s\)$")

    class Stages(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            print(f"  [{record.name}] {message}", file=sys.stderr)
            found = pattern.match(message)
            if found and record.name == "scoring.pipeline":
                stages[found.group(1)] = float(found.group(2))
                stage_cpu[found.group(1)] = float(found.group(3))
                stage_peak[found.group(1)] = _peak_mib()

    handler = Stages()
    for name in ("scoring.pipeline", "scoring.periods", "payroll_export"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)

    zone = ZoneInfo(ZONE)
    plan = load_plan(standard_plan_path())
    calendar = WorkCalendar.load()

    c0, t0 = time.process_time(), time.perf_counter()
    with open_store(f"sqlite:///{db}", migrate=False) as store:
        ctx = Context.load(store, zone=zone, calendar=calendar)
        frames = ctx.frames
    c1, t1 = time.process_time(), time.perf_counter()
    peak_load = _peak_mib()
    result = ctx.run(period, plan)
    c2, t2 = time.process_time(), time.perf_counter()
    peak_evaluate = _peak_mib()
    # As `scoring export` does: the Context (its frames) is gone before the export starts.
    frames_mib = sum(frame.estimated_size() for frame in frames.values()) / 2**20
    rows = {name: frame.height for name, frame in frames.items()}
    events = _event_counts(frames, period, zone, result)
    del ctx, frames
    c2b, t2b = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = export_period(result, Path(tmp))
        c3, t3 = time.process_time(), time.perf_counter()
        # The bookkeeping between evaluate and export is the benchmark's, not the product's.
        c3, t3 = c3 - (c2b - c2), t3 - (t2b - t2)
        sizes = {p.name: p.stat().st_size for p in files.paths}
    out: dict[str, Any] = {
        "threads": pl.thread_pool_size(),
        "load": t1 - t0,
        "evaluate": t2 - t1,
        "export": t3 - t2,
        "total": t3 - t0,
        "cpu": {"load": c1 - c0, "evaluate": c2 - c1, "export": c3 - c2},
        "peak_mib": _peak_mib(),
        "peak_after_load_mib": peak_load,
        "peak_after_evaluate_mib": peak_evaluate,
        "stages": stages,
        "stage_cpu": stage_cpu,
        "stage_peak_mib": stage_peak,
        "lines_mib": result.lines.estimated_size() / 2**20,
        "frames_mib": frames_mib,
        "sizes": sizes,
        "sheets": list(files.sheets),
        "lines": result.lines.height,
        "statements": result.statements.height,
        "rows": rows,
        "events": events,
    }
    if statements_out is not None:
        result.statements.select("installer_id", "grade", *MONEY).write_parquet(statements_out)
    return out


def floor_child(db: Path, period: str, statements_in: Path | None) -> dict[str, Any]:
    """Load the same frames, time the hand-written floor, compare with the engine's money."""
    from zoneinfo import ZoneInfo

    import polars as pl
    from floor import floor_query  # benchmarks/floor.py, beside this file

    from scoring.entities import new_id_type
    from scoring.store import open_store
    from scoring.store.records import load_all
    from scoring.workdays import WorkCalendar

    calendar = WorkCalendar.load()
    with open_store(f"sqlite:///{db}", migrate=False) as store:
        frames = load_all(store, ids=new_id_type())
    peak_load = _peak_mib()
    c0, t0 = time.process_time(), time.perf_counter()
    floor = floor_query(frames, period, calendar=calendar, zone=ZoneInfo(ZONE))
    c1, t1 = time.process_time(), time.perf_counter()
    out: dict[str, Any] = {
        "floor": t1 - t0,
        "floor_cpu": c1 - c0,
        "floor_peak_mib": _peak_mib(),
        "floor_peak_after_load_mib": peak_load,
    }
    if statements_in is not None:
        out["agreement"] = compare(pl.read_parquet(statements_in), floor)
    return out


def _event_counts(frames: dict[str, Any], period: str, zone: Any, result: Any) -> dict[str, int]:
    """How many events the per-event rules evaluated, per source (the period's events)."""
    import polars as pl
    from floor import month_bounds

    start, end = month_bounds(period, zone)

    def count(name: str, column: str) -> int:
        col = pl.col(column)
        return int(frames[name].select(((col >= start) & (col < end)).sum()).item())

    counted = int(
        result.surveys.select(pl.col("counted").sum()).item()
    )  # counted surveys of the period
    events = {
        "survey": counted,
        "complaint": count("complaints", "resolved_at"),
        "revisit": count("revisits", "revisited_at"),
        "job": count("jobs", "completed_at"),
    }
    events["all"] = sum(events.values())
    return events


def compare(statements: Any, floor: Any) -> dict[str, Any]:
    """Per-installer money of the engine and of the floor: equal, or where they differ."""
    import polars as pl

    engine = statements.select("installer_id", "grade", *MONEY)
    joined = engine.join(
        # the floor keeps the ids as it was given them: encoded (load_all(ids=...))
        floor.select(pl.col("installer_id").cast(pl.String), "grade", *MONEY),
        on="installer_id",
        how="full",
        coalesce=True,
        suffix="_floor",
    )
    filled = joined.with_columns(
        [pl.col(c).fill_null(0) for c in MONEY] + [pl.col(f"{c}_floor").fill_null(0) for c in MONEY]
    )
    report: dict[str, Any] = {
        "engine_installers": engine.height,
        "floor_installers": floor.height,
        "engine_net_total_fen": int(engine["net_fen"].sum()),
        "floor_net_total_fen": int(floor["net_fen"].sum()),
    }
    for column in MONEY:
        differ = filled.filter(pl.col(column) != pl.col(f"{column}_floor"))
        report[f"{column}_differ"] = differ.height
    grades = joined.filter(
        pl.col("grade").fill_null("unrated") != pl.col("grade_floor").fill_null("unrated")
    )
    report["grade_differ"] = grades.height
    net = filled.filter(pl.col("net_fen") != pl.col("net_fen_floor"))
    report["net_equal"] = net.height == 0
    if net.height:
        report["net_examples"] = net.head(10).to_dicts()
    return report


# -- the parent -----------------------------------------------------------------------------------


def _run_child(args: argparse.Namespace, *extra: str, tree: Path | None = None) -> dict[str, Any]:
    """One child; ``tree``: the source tree whose ``scoring`` it imports (default: this one)."""
    env = {**os.environ, "PYTHONPATH": str(tree or HERE.parent)}
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--db",
        str(args.db),
        "--period",
        args.period,
        *extra,
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        sys.exit(f"repetition failed (exit {done.returncode}): {' '.join(command)}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)


def _uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return " ".join(str(x) for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="generated month folder")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="SQLite store file (kept)")
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reimport", action="store_true", help="import afresh into --db")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor and the check")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="write results here")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="another source tree (e.g. `git archive` of an older commit): each repetition "
        "runs its engine and floor too, alternating with this tree's, and the ratios of both "
        "are printed side by side",
    )
    parser.add_argument("--child", choices=("engine", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--statements", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.db = args.db.resolve()

    if args.child:
        sys.path.insert(0, str(HERE))
        if args.child == "engine":
            result = child(args.db, args.period, args.statements)
        else:
            result = floor_child(args.db, args.period, args.statements)
        print(json.dumps(result, default=str))
        return

    before = _uptime()
    imported = ensure_store(args.data, args.db, reimport=args.reimport)
    if args.compare_with is not None:
        compare_trees(args, args.compare_with.resolve())
        return
    runs: list[dict[str, Any]] = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            statements = Path(tmp) / "statements.parquet"
            run = _run_child(args, "--child", "engine", "--statements", str(statements))
            if not args.no_floor:
                run.update(_run_child(args, "--child", "floor", "--statements", str(statements)))
        runs.append(run)
        stage_text = ", ".join(
            f"{k} {v:.2f} (cpu {run['stage_cpu'][k]:.2f})" for k, v in run["stages"].items()
        )
        cpu = run["cpu"]
        floor_text = (
            f"\n  floor {run['floor']:.2f} s (cpu {run['floor_cpu']:.2f} s), "
            f"floor process peak {run['floor_peak_mib']:.0f} MiB"
            if "floor" in run
            else ""
        )
        print(
            f"run {i + 1}: load {run['load']:.2f} s (cpu {cpu['load']:.2f}), "
            f"evaluate {run['evaluate']:.2f} s (cpu {cpu['evaluate']:.2f}), "
            f"export {run['export']:.2f} s (cpu {cpu['export']:.2f}), "
            f"total {run['total']:.2f} s, peak {run['peak_mib']:.0f} MiB "
            f"(after load {run['peak_after_load_mib']:.0f}, "
            f"after evaluate {run['peak_after_evaluate_mib']:.0f}; "
            f"frames {run['frames_mib']:.0f}, lines {run['lines_mib']:.0f})"
            f"{floor_text}\n  stages: {stage_text}",
            flush=True,
        )
        if "agreement" in run:
            agreement = run["agreement"]
            print(f"  floor vs engine: {json.dumps(agreement, default=str)}", flush=True)
    after = _uptime()

    summary: dict[str, Any] = {
        "period": args.period,
        "repeat": args.repeat,
        "uptime_before": before,
        "uptime_after": after,
        "nproc": os.cpu_count(),
        "import": imported,
        "median": {
            key: _median(runs, key) for key in ("load", "evaluate", "export", "total", "peak_mib")
        },
        "median_stages": {
            stage: statistics.median(r["stages"].get(stage, 0.0) for r in runs) for stage in STAGES
        },
        "events": runs[0]["events"],
        "lines": runs[0]["lines"],
        "statements": runs[0]["statements"],
        "runs": runs,
    }
    summary["median"]["evaluate_export"] = statistics.median(
        r["evaluate"] + r["export"] for r in runs
    )
    summary["median_cpu"] = {
        key: statistics.median(r["cpu"][key] for r in runs)
        for key in ("load", "evaluate", "export")
    }
    summary["median_stage_cpu"] = {
        stage: statistics.median(r["stage_cpu"].get(stage, 0.0) for r in runs) for stage in STAGES
    }
    for key in ("peak_after_load_mib", "peak_after_evaluate_mib"):
        summary["median"][key] = _median(runs, key)
    if not args.no_floor:
        floor_median = _median(runs, "floor")
        summary["median"]["floor"] = floor_median
        summary["median_cpu"]["floor"] = _median(runs, "floor_cpu")
        summary["median"]["floor_peak_mib"] = _median(runs, "floor_peak_mib")
        summary["ratio_engine_over_floor"] = summary["median"]["evaluate"] / floor_median
        summary["ratio_engine_over_floor_cpu"] = (
            summary["median_cpu"]["evaluate"] / summary["median_cpu"]["floor"]
        )
        summary["ratio_per_run"] = [r["evaluate"] / r["floor"] for r in runs]
        # Best-of ratio: the fastest engine run over the fastest floor run (less noise).
        summary["ratio_engine_over_floor_best"] = min(r["evaluate"] for r in runs) / min(
            r["floor"] for r in runs
        )
        summary["ratio_cpu_per_run"] = [r["cpu"]["evaluate"] / r["floor_cpu"] for r in runs]
        summary["floor_agrees"] = all(r["agreement"]["net_equal"] for r in runs)
    median = summary["median"]
    print(
        f"\nmedians over {args.repeat}: load {median['load']:.2f} s, "
        f"evaluate {median['evaluate']:.2f} s, export {median['export']:.2f} s, "
        f"total {median['total']:.2f} s (evaluate+export {median['evaluate_export']:.2f} s), "
        f"peak {median['peak_mib']:.0f} MiB"
    )
    print(
        "peak RSS at the end of each stage (run 1): "
        + ", ".join(f"{k} {v:.0f}" for k, v in runs[0]["stage_peak_mib"].items())
    )
    print(
        "median stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in summary["median_stages"].items())
    )
    if not args.no_floor:
        print(
            f"floor {summary['median']['floor']:.2f} s (cpu {summary['median_cpu']['floor']:.2f}); "
            f"engine/floor {summary['ratio_engine_over_floor']:.2f}x wall, "
            f"{summary['ratio_engine_over_floor_cpu']:.2f}x cpu, "
            f"{summary['ratio_engine_over_floor_best']:.2f}x best-of "
            f"(per run: {', '.join(f'{x:.2f}' for x in summary['ratio_per_run'])}); "
            f"per-installer net agrees: {summary['floor_agrees']}"
        )
    print(f"events evaluated by the per-event rules: {summary['events']}")
    print(f"uptime before: {before}\nuptime after:  {after}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2, default=str))
    print(f"written {args.json}")
    if not args.no_floor and not summary["floor_agrees"]:
        sys.exit("floor and engine disagree on per-installer net (see above)")


def compare_trees(args: argparse.Namespace, other: Path) -> None:
    """This tree and ``other``, alternately (which goes first alternates too), so that both
    see the same machine: per tree the median evaluate, floor, their ratio and peak RSS."""
    trees = {"this": HERE.parent, "other": other}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
    for i in range(args.repeat):
        order = list(trees) if i % 2 == 0 else list(reversed(trees))
        for name in order:
            with tempfile.TemporaryDirectory() as tmp:
                statements = Path(tmp) / "statements.parquet"
                extra = ("--statements", str(statements))
                run = _run_child(args, "--child", "engine", *extra, tree=trees[name])
                run.update(_run_child(args, "--child", "floor", *extra, tree=trees[name]))
            if not run["agreement"]["net_equal"]:
                sys.exit(f"{name}: floor and engine disagree on per-installer net")
            runs[name].append(run)
            print(
                f"run {i + 1} {name}: evaluate {run['evaluate']:.2f} s "
                f"(cpu {run['cpu']['evaluate']:.2f}), floor {run['floor']:.2f} s "
                f"(cpu {run['floor_cpu']:.2f}), ratio {run['evaluate'] / run['floor']:.2f}x, "
                f"peak {run['peak_mib']:.0f} MiB",
                flush=True,
            )
    summary: dict[str, Any] = {"uptime_after": _uptime(), "trees": {}}
    for name, found in runs.items():
        figures = {
            "tree": str(trees[name]),
            "evaluate": _median(found, "evaluate"),
            "floor": _median(found, "floor"),
            "ratio": statistics.median(r["evaluate"] / r["floor"] for r in found),
            "ratio_cpu": statistics.median(r["cpu"]["evaluate"] / r["floor_cpu"] for r in found),
            "peak_mib": _median(found, "peak_mib"),
            "peak_after_load_mib": _median(found, "peak_after_load_mib"),
            "export": _median(found, "export"),
            "runs": found,
        }
        summary["trees"][name] = figures
        print(
            f"{name} ({trees[name]}): medians of {len(found)}: "
            f"evaluate {figures['evaluate']:.2f} s, "
            f"floor {figures['floor']:.2f} s, engine/floor {figures['ratio']:.2f}x wall, "
            f"{figures['ratio_cpu']:.2f}x cpu, export {figures['export']:.2f} s, "
            f"peak {figures['peak_mib']:.0f} MiB"
        )
    print(f"uptime after: {summary['uptime_after']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2, default=str))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
