"""Where the memory goes: the resident size of one compute, sampled while it runs.

    python benchmarks/trace_memory.py [--db benchmarks/data/national.db] [--period 2025-10]

Loads the month from the store and runs ``pipeline.run`` once (the same calls as
bench_compute.py's engine child), with a thread reading the process's resident size
(``/proc/self/statm``) every 10 ms. Prints, per step and per stage of the pipeline, the
highest resident size seen while it ran and the size at its end. Linux only; run by hand.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import threading
import time
from pathlib import Path

from bench_compute import STAGES  # benchmarks/, beside this file

HERE = Path(__file__).resolve().parent
PAGE = os.sysconf("SC_PAGE_SIZE")


class Sampler(threading.Thread):
    """Reads the resident size every ``every`` seconds; keeps the highest per label."""

    def __init__(self, every: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.label = "start"
        self.high: dict[str, int] = {}
        self.order: list[str] = []
        self.stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE

    def mark(self, label: str) -> None:
        self.note()
        self.label = label
        if label not in self.high:
            self.order.append(label)
        self.note()

    def note(self) -> None:
        value = self.rss()
        if value > self.high.get(self.label, 0):
            self.high[self.label] = value

    def run(self) -> None:
        while not self.stop.is_set():
            self.note()
            time.sleep(self.every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=HERE / "data" / "national.db")
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--export", action="store_true", help="also export (XLSX + CSV)")
    args = parser.parse_args()

    import tempfile
    from zoneinfo import ZoneInfo

    from payroll_export import export_period
    from scoring import pipeline
    from scoring.entities import new_id_type
    from scoring.rules import load_plan, standard_plan_path
    from scoring.store import open_store
    from scoring.store.records import load_all
    from scoring.workdays import WorkCalendar

    sampler = Sampler()
    sampler.start()
    stage = re.compile(r"^\S+ (.+): ([0-9.]+) s \(cpu ([0-9.]+) s\)$")
    following = dict(zip(STAGES, [*STAGES[1:], "after evaluate"], strict=True))

    class Marks(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = stage.match(record.getMessage())
            if found:
                done = found.group(1)
                print(f"  {done}: {found.group(2)} s, now {sampler.rss() / 2**20:,.0f} MiB")
                sampler.mark(following.get(done, "after " + done))

    logger = logging.getLogger("scoring.pipeline")
    logger.setLevel(logging.INFO)
    logger.addHandler(Marks())

    plan = load_plan(standard_plan_path())
    calendar = WorkCalendar.load()
    sampler.mark("load")
    started = time.perf_counter()
    with open_store(f"sqlite:///{args.db}", migrate=False) as store:
        frames = load_all(store, ids=new_id_type())
    print(f"load: {time.perf_counter() - started:.2f} s, now {sampler.rss() / 2**20:,.0f} MiB")
    size = sum(frame.estimated_size() for frame in frames.values())
    print(f"  frames: {size / 2**20:,.0f} MiB")
    sampler.mark("ids")
    started = time.perf_counter()
    result = pipeline.run(
        args.period, plan, frames, calendar=calendar, zone=ZoneInfo("Asia/Shanghai")
    )
    print(f"evaluate: {time.perf_counter() - started:.2f} s")
    print(f"  lines: {result.lines.estimated_size() / 2**20:,.0f} MiB")
    if args.export:
        sampler.mark("export")
        with tempfile.TemporaryDirectory() as tmp:
            export_period(result, Path(tmp))
    sampler.mark("end")
    sampler.stop.set()
    print("highest resident size while running:")
    for label in sampler.order:
        print(f"  {label:>18}: {sampler.high[label] / 2**20:8,.0f} MiB")


if __name__ == "__main__":
    main()
