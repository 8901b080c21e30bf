"""Benchmark: `scoring close` peak memory and `scoring export` of the closed period (issue 12).

    python benchmarks/bench_close_export.py OPEN.db --period 2025-10 --work /tmp/close.db
    python benchmarks/bench_close_export.py CLOSED.db --period 2025-10 --export-only --repeat 3

Without ``--export-only``: copies the store (the period still open) to ``--work`` (SQLite's
backup, so the original stays open for the next run), then runs ``scoring close PERIOD`` on
the copy and reports its wall time and peak resident memory (the child's ``ru_maxrss`` from
``wait4``: the largest RSS the process reached; the target is under 4 GiB). Then runs
``scoring export PERIOD --out DIR`` of the closed period ``--repeat`` times, reporting each
wall time, peak memory and the median, and the size and SHA-256 of each file written (the same
inputs must give byte-identical files from one version to the next). Every command is this
checkout's (``python -c 'from scoring.cli import main'`` with this checkout on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30


def scoring(db: Path, *args: str) -> tuple[float, int, str]:
    """Run this checkout's ``scoring``: (wall seconds, peak RSS in bytes, output)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-c", "from scoring.cli import main; main()"]
    cmd += ["--db", f"sqlite:///{db.resolve()}", *args]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"scoring {' '.join(args)} failed ({proc.returncode}):\n{text}")
    return elapsed, usage.ru_maxrss * 1024, text


def copy_store(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="SQLite store, the period open (or closed)")
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--work", type=Path, help="the copy to close (default: a temp file)")
    parser.add_argument("--export-only", action="store_true", help="the period is closed")
    parser.add_argument("--repeat", type=int, default=3, help="exports to time")
    args = parser.parse_args()
    if not args.db.is_file():
        raise SystemExit(f"no such store: {args.db}")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, commit {commit}, {os.cpu_count()} cores")
    print("load average at start " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    scratch = Path(tempfile.mkdtemp(prefix="bench-close-export-"))
    try:
        store = args.db
        if not args.export_only:
            store = args.work or scratch / "close.db"
            started = time.perf_counter()
            copy_store(args.db, store)
            print(f"copied {args.db} to {store} in {time.perf_counter() - started:.1f} s")
            took, peak, _ = scoring(store, "close", args.period)
            verdict = "under" if peak < 4 * GIB else "NOT under"
            print(
                f"close {args.period}: {took:.1f} s, peak RSS {peak / GIB:.2f} GiB "
                f"({peak / 2**20:,.0f} MiB; {verdict} 4 GiB)"
            )
        times = []
        for run in range(args.repeat):
            out = scratch / f"export-{run}"
            took, peak, _ = scoring(store, "export", args.period, "--out", str(out))
            times.append(took)
            print(
                f"export {args.period} run {run + 1}: {took:.2f} s, "
                f"peak RSS {peak / 2**20:,.0f} MiB"
            )
            if run == 0:
                for path in sorted(out.rglob("*")):
                    if path.is_file():
                        size = path.stat().st_size
                        print(f"  {path.name}: {size:,} bytes, sha256 {sha256(path)}")
        median = statistics.median(times)
        verdict = "under" if median < 5 else "NOT under"
        print(
            f"export median {median:.2f} s over {len(times)} runs ({verdict} 5 s); load average "
            "after " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
