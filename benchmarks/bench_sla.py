"""Benchmark: the service-level checks of the national month against the per-event rules.

    python benchmarks/generate.py --scale national --out benchmarks/data/2025-10 --period 2025-10
    python benchmarks/bench_sla.py --repeat 3

The month is imported once into ``benchmarks/data/national.db`` as for bench_compute.py (the
import is skipped when the store holds jobs). One process then loads the frames as a Context
does (``load_all(store, ids=new_id_type())``) and, per repetition, times

- the per-event rules: the ``per-event rules`` stage of ``pipeline.run`` (plan ``standard``),
  wall and CPU, read from the ``scoring.pipeline`` log (the whole run is needed for it);
- the service-level checks: ``service_levels.evaluate`` of the standard plan's three checks
  for the same period and frames (every row per check, record and team, and ``by_team``).

The target (issue 15) is the checks within 2x the per-event rules' time. Medians and the ratio
of the medians are printed, and written as JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_compute import DEFAULT_DATA, DEFAULT_DB, _uptime, ensure_store  # benchmarks/

HERE = Path(__file__).resolve().parent
ZONE = "Asia/Shanghai"
STAGE = "per-event rules"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--as-of", default="2025-11-30", help="the checks' date")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "data" / "bench_sla.json")
    args = parser.parse_args()

    from zoneinfo import ZoneInfo

    from scoring import pipeline, service_levels
    from scoring.entities import new_id_type
    from scoring.rules import load_plan, standard_plan_path
    from scoring.store import open_store
    from scoring.store.records import load_all
    from scoring.workdays import WorkCalendar

    ensure_store(args.data, args.db, reimport=False)
    print(f"uptime before: {_uptime()}")
    stage: dict[str, float] = {}
    pattern = re.compile(r"^\S+ (.+): ([0-9.]+) s \(cpu ([0-9.]+) s\)$")

    class Stages(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = pattern.match(record.getMessage())
            if found and found.group(1) == STAGE:
                stage["wall"], stage["cpu"] = float(found.group(2)), float(found.group(3))

    logger = logging.getLogger("scoring.pipeline")
    logger.setLevel(logging.INFO)
    logger.addHandler(Stages())

    zone = ZoneInfo(ZONE)
    plan = load_plan(standard_plan_path())
    calendar = WorkCalendar.load()
    as_of = dt.date.fromisoformat(args.as_of)
    started = time.perf_counter()
    with open_store(f"sqlite:///{args.db}", migrate=False) as store:
        frames = load_all(store, ids=new_id_type())
    print(f"frames loaded in {time.perf_counter() - started:.2f} s")

    sums = pipeline.input_checksums(frames)
    runs: list[dict[str, Any]] = []
    counts: dict[str, Any] = {}
    for number in range(1, args.repeat + 1):
        stage.clear()
        pipeline.run(args.period, plan, frames, calendar=calendar, zone=zone, checksums=sums)
        c0, t0 = time.process_time(), time.perf_counter()
        levels = service_levels.evaluate(
            plan, frames, period=args.period, as_of=as_of, zone=zone, calendar=calendar
        )
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        run = {
            "rules_wall": stage["wall"],
            "rules_cpu": stage["cpu"],
            "sla_wall": wall,
            "sla_cpu": cpu,
        }
        runs.append(run)
        counts = {
            "rows": levels.checks.height,
            "by_check_status": {
                f"{check} {status}": n
                for check, status, n in levels.checks.group_by("check", "status")
                .len()
                .sort("check", "status")
                .rows()
            },
        }
        print(
            f"run {number}: per-event rules {run['rules_wall']:.2f} s (cpu {run['rules_cpu']:.2f}),"
            f" service levels {wall:.2f} s (cpu {cpu:.2f}), ratio {wall / run['rules_wall']:.2f}",
            flush=True,
        )
        del levels

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    summary = {
        "runs": runs,
        "median": {key: median(key) for key in runs[0]},
        "ratio_wall": median("sla_wall") / median("rules_wall"),
        "ratio_cpu": median("sla_cpu") / median("rules_cpu"),
        "checks": counts,
        "as_of": args.as_of,
        "uptime_after": _uptime(),
    }
    print(
        f"median: per-event rules {summary['median']['rules_wall']:.2f} s, service levels "
        f"{summary['median']['sla_wall']:.2f} s; ratio {summary['ratio_wall']:.2f} wall, "
        f"{summary['ratio_cpu']:.2f} cpu (target <= 2)"
    )
    print(f"checks: {counts}")
    print(f"uptime after: {summary['uptime_after']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    sys.exit(0 if summary["ratio_wall"] <= 2 else 1)


if __name__ == "__main__":
    main()
