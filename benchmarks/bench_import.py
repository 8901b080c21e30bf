"""Benchmark: import a national-scale month into a fresh embedded store.

    python benchmarks/generate.py --scale national --out benchmarks/data/2025-10 --period 2025-10
    python benchmarks/bench_import.py benchmarks/data/2025-10 --repeat 3

Each repetition imports the folder into a new SQLite file in a child process, so that its peak
memory (max RSS) is measured alone; the medians are what benchmarks/README.md records. A second
import of the same files into the same store (everything unchanged) is measured too.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = """
import json, resource, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
from scoring.importer import import_paths
from scoring.store import open_store
folder, url, rejects = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
with open_store(url) as store:
    t0 = time.perf_counter()
    report = import_paths(store, [folder], actor="bench", zone=ZoneInfo("Asia/Shanghai"),
                          rejects_dir=rejects)
    seconds = time.perf_counter() - t0
rows = {f.entity: f.accepted + f.replaced + f.unchanged for f in report.files}
print(json.dumps({"seconds": seconds, "rows": rows, "rejected": report.rejected,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_import(folder: Path, url: str, rejects: Path) -> dict[str, Any]:
    """Import ``folder`` into the store at ``url`` in a child process; its figures (seconds, rows,
    rejected, peak_mib). Exits when the import fails."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), url, str(rejects)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"import failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first: list[float] = []
    again: list[float] = []
    peaks: list[float] = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            t0 = time.perf_counter()
            fresh = run_import(args.folder, url, Path(tmp) / "rejected")
            wall = time.perf_counter() - t0
            repeat = run_import(args.folder, url, Path(tmp) / "rejected")
        first.append(float(fresh["seconds"]))
        again.append(float(repeat["seconds"]))
        peaks.append(float(fresh["peak_mib"]))
        print(
            f"run {i + 1}: import {fresh['seconds']:.2f} s (process {wall:.2f} s), "
            f"peak {fresh['peak_mib']:.0f} MiB, re-import {repeat['seconds']:.2f} s, "
            f"rows {fresh['rows']}, rejected {fresh['rejected']}"
        )
    print(
        f"median import {statistics.median(first):.2f} s, "
        f"median re-import (all unchanged) {statistics.median(again):.2f} s, "
        f"median peak {statistics.median(peaks):.0f} MiB "
        f"(this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
