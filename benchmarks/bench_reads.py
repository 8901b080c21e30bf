"""Benchmark: one installer's statement from the API under a fixed offered load (issue 12).

    python benchmarks/bench_reads.py /tmp/benchdemo/scoring.db --rate 200 --seconds 20

Starts ``scoring --db sqlite:///FILE serve --port P --no-scheduler --workers W`` on 127.0.0.1
(loopback only), waits until it answers, picks up to ``--ids`` installer ids of the period from
the store (``period_statements`` for a closed period, else ``draft_statements``), then sends
``GET /api/periods/{period}/statements/{id}`` at a fixed offered rate (open loop: request i is
due at ``i / rate`` seconds) from a pool of threads, each with its own keep-alive connection.
A request's latency is counted from the moment it was due, not from when a thread got to it,
so a server that falls behind shows it (no coordinated omission). Prints p50/p95/p99, the
achieved rate and the errors, then stops the server. Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


@dataclass
class Outcome:
    latency_s: float
    status: int  # 0 when the request failed without an HTTP answer
    error: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def installer_ids(db: Path, period: str, limit: int) -> tuple[list[str], str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        for table in ("period_statements", "draft_statements"):
            if table not in tables:
                continue
            rows = con.execute(
                f"SELECT installer_id FROM {table} WHERE period = ? ORDER BY installer_id LIMIT ?",
                (period, limit),
            ).fetchall()
            if rows:
                return [str(row[0]) for row in rows], table
    finally:
        con.close()
    raise SystemExit(f"no statements of {period} in {db} (is the period computed or closed?)")


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    scoring = Path(sys.executable).with_name("scoring")
    cmd = [str(scoring), "--db", f"sqlite:///{db.resolve()}", "serve", "--host", HOST]
    cmd += ["--port", str(port), "--no-scheduler", "--workers", str(workers)]
    return subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_ready(proc: subprocess.Popen[bytes], port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.local = threading.local()

    def get(self, path: str) -> int:
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.local.conn = conn
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            self.local.conn = None
            raise


def drive(
    client: Client, paths: list[str], rate: float, seconds: float, threads: int
) -> tuple[list[Outcome], float]:
    count = int(rate * seconds)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def one(path: str, due: float) -> None:
        try:
            status = client.get(path)
            outcome = Outcome(time.monotonic() - due, status)
        except Exception as exc:  # every failure is counted, none stops the run
            outcome = Outcome(time.monotonic() - due, 0, type(exc).__name__)
        with lock:
            outcomes.append(outcome)

    start = time.monotonic() + 0.1
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i in range(count):
            due = start + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, paths[i % len(paths)], due)
    return outcomes, time.monotonic() - start


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


def report(outcomes: list[Outcome], elapsed: float, rate: float) -> None:
    ok = sorted(o.latency_s * 1000 for o in outcomes if o.status == 200)
    errors: dict[str, int] = {}
    for o in outcomes:
        if o.status != 200:
            key = o.error or f"HTTP {o.status}"
            errors[key] = errors.get(key, 0) + 1
    print(f"requests: {len(outcomes)} in {elapsed:.1f} s, offered {rate:.0f}/s, ", end="")
    print(f"achieved {len(outcomes) / elapsed:.1f}/s ({len(ok)} ok)")
    if ok:
        print(
            f"latency ms: p50 {percentile(ok, 0.50):.1f}  p95 {percentile(ok, 0.95):.1f}  "
            f"p99 {percentile(ok, 0.99):.1f}  max {ok[-1]:.1f}  mean {statistics.fmean(ok):.1f}"
        )
    print(f"errors: {sum(errors.values())}" + (f" {errors}" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="SQLite store file")
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--rate", type=float, default=200.0, help="offered requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=64, help="client threads")
    parser.add_argument("--ids", type=int, default=2000, help="installer ids to cycle through")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--warmup", type=int, default=50, help="requests before timing")
    args = parser.parse_args()
    if not args.db.is_file():
        raise SystemExit(f"no such store: {args.db}")

    ids, table = installer_ids(args.db, args.period, args.ids)
    paths = [f"/api/periods/{args.period}/statements/{i}" for i in ids]
    print(f"store {args.db}: {len(ids)} installers of {args.period} from {table}")
    # a SIGTERM (e.g. from `timeout`) still stops the server through the finally below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    port = free_port()
    proc = start_server(args.db, port, args.workers)
    try:
        wait_ready(proc, port, paths[0], timeout=120)
        client = Client(port, args.timeout)
        for path in paths[: args.warmup]:
            client.get(path)
        print(f"server: port {port}, {args.workers} workers; load: {os.getloadavg()}")
        outcomes, elapsed = drive(client, paths, args.rate, args.seconds, args.threads)
        report(outcomes, elapsed, args.rate)
        print(f"load after: {os.getloadavg()}")
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
