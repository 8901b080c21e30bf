"""Benchmark: reads under a fixed offered load against `scoring serve` on loopback (issue 12).

    python benchmarks/bench_reads.py NATIONAL.db --compare SMALL.db --rate 200 --seconds 20
    python benchmarks/bench_reads.py NATIONAL.db --pages --rate 5 --seconds 20
    python benchmarks/bench_reads.py NATIONAL.db --rate 200 --seconds 600 --rss

For each store (the first, then ``--compare``'s): adds the benchmark's users if missing (an HR
user and an installer user, through ``scoring user add --password-stdin``), starts
``scoring --db sqlite:///FILE serve --port P --no-scheduler --workers W`` on 127.0.0.1 from
this checkout (``python -c 'from scoring.cli import main'`` with this checkout first on
PYTHONPATH, never another checkout's ``scoring``), waits until it answers and signs in:

- statement API (default): a bearer token from ``POST /api/token`` (the HR user, who may read
  every installer), then ``GET /api/periods/{period}/statements/{id}`` cycling through up to
  ``--ids`` installers of the period;
- ``--pages``: signs in through the page form (``/login``, CSRF field, session cookie) as the
  installer and as HR, then cycles through the installer's page (``/me``), the ranking page
  (``/ranking/{period}``) and HR's review page (``/hr/periods/{period}``), timing each apart.

Requests are sent at a fixed offered rate (open loop: request i is due at ``i / rate``
seconds) from a pool of threads, each with its own keep-alive connection; a request's latency
counts from the moment it was due, so a server that falls behind shows it (no coordinated
omission). Any answer but 200 is an error. ``--rss`` samples the resident memory of the
server's processes (from /proc) through the run and prints it per minute. Prints p50/p95/p99,
the achieved rate, the errors and, with ``--compare``, the ratio of the two p50s; then stops
the server. Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-reads-password-1"
HR_LOGIN = "bench-hr"
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
INSTALLER_LOGIN = "bench-installer"


@dataclass
class Outcome:
    latency_s: float
    status: int  # 0 when the request failed without an HTTP answer
    error: str = ""
    kind: str = ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def scoring_cmd(db: Path) -> list[str]:
    """This checkout's `scoring` (not whichever one the venv's script would import)."""
    return [sys.executable, "-c", "from scoring.cli import main; main()"] + [
        "--db",
        f"sqlite:///{db.resolve()}",
    ]


def scoring_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def installer_ids(db: Path, period: str, limit: int) -> tuple[list[str], str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        closed = con.execute(
            "SELECT 1 FROM periods WHERE period = ? AND status = 'closed'", (period,)
        ).fetchone()
        table = "period_statements" if closed else "draft_statements"
        rows = con.execute(
            f"SELECT installer_id FROM {table} WHERE period = ? ORDER BY installer_id LIMIT ?",
            (period, limit),
        ).fetchall()
        if rows:
            return [str(row[0]) for row in rows], table
    finally:
        con.close()
    raise SystemExit(f"no statements of {period} in {db} (is the period computed or closed?)")


def existing_users(db: Path) -> dict[str, str | None]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT login, installer_id FROM users").fetchall())
    except sqlite3.OperationalError:  # a store from before sign-in: the server migrates it
        return {}
    finally:
        con.close()


def add_user(db: Path, login: str, *options: str) -> None:
    cmd = scoring_cmd(db) + ["user", "add", login, *options, "--password-stdin"]
    done = subprocess.run(
        cmd, input=PASSWORD + "\n", text=True, capture_output=True, env=scoring_env()
    )
    if done.returncode != 0:
        raise SystemExit(f"could not add user {login}: {done.stdout}{done.stderr}")


def ensure_users(db: Path, installer_id: str) -> None:
    """The benchmark's HR user and one installer user (kept in the store between runs)."""
    found = existing_users(db)
    if HR_LOGIN not in found:
        add_user(db, HR_LOGIN, "--role", "hr")
    if INSTALLER_LOGIN not in found:
        add_user(db, INSTALLER_LOGIN, "--role", "installer", "--installer", installer_id)
    elif found[INSTALLER_LOGIN] != installer_id:
        raise SystemExit(f"{INSTALLER_LOGIN} is installer {found[INSTALLER_LOGIN]} in {db}")


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = scoring_cmd(db) + ["serve", "--host", HOST, "--port", str(port)]
    cmd += ["--no-scheduler", "--workers", str(workers)]
    return subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=scoring_env(),
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, list[str]], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        found: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found, response.read()
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before answering")
        try:
            request(port, "GET", "/login")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


def bearer_token(port: int, login: str) -> str:
    body = urlencode({"username": login, "password": PASSWORD}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, data = request(port, "POST", "/api/token", body, headers)
    if status != 200:
        raise SystemExit(f"POST /api/token as {login}: HTTP {status} {data[:200]!r}")
    return str(json.loads(data)["access_token"])


def _cookies(headers: dict[str, list[str]]) -> dict[str, str]:
    found = {}
    for line in headers.get("set-cookie", []):
        name, _, rest = line.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def session_cookie(port: int, login: str) -> str:
    """Sign in through the page form as a browser does: the form's CSRF field and cookie,
    then the session cookie of the redirect."""
    status, headers, page = request(port, "GET", "/login")
    if status != 200:
        raise SystemExit(f"GET /login: HTTP {status}")
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("no CSRF field on the sign-in page")
    cookies = _cookies(headers)
    form = {"username": login, "password": PASSWORD, "csrf_token": match.group(1).decode()}
    status, headers, _ = request(
        port,
        "POST",
        "/login",
        urlencode(form).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    session = _cookies(headers).get("scoring_session")
    if status != 303 or not session:
        raise SystemExit(f"signing in as {login} through the form: HTTP {status}, no session")
    return f"scoring_session={session}"


@dataclass(frozen=True)
class Target:
    kind: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.local = threading.local()
        self.lock = threading.Lock()
        #: Requests sent again after the server had closed an idle keep-alive connection.
        self.resent = 0

    def get(self, target: Target) -> int:
        conn: http.client.HTTPConnection | None = getattr(self.local, "conn", None)
        reused = conn is not None
        if conn is None:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.local.conn = conn
        try:
            conn.request("GET", target.path, headers=target.headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.local.conn = None
            if reused and isinstance(exc, STALE_CONNECTION):
                # The server closed a keep-alive connection idle past its timeout (5 s):
                # sent again on a new connection, as a browser does; the time counts.
                with self.lock:
                    self.resent += 1
                return self.get(target)
            raise


def drive(
    client: Client, targets: list[Target], rate: float, seconds: float, threads: int
) -> tuple[list[Outcome], float]:
    count = int(rate * seconds)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def one(target: Target, due: float) -> None:
        try:
            status = client.get(target)
            outcome = Outcome(time.monotonic() - due, status, kind=target.kind)
        except Exception as exc:  # every failure is counted, none stops the run
            outcome = Outcome(time.monotonic() - due, 0, type(exc).__name__, target.kind)
        with lock:
            outcomes.append(outcome)

    start = time.monotonic() + 0.1
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i in range(count):
            due = start + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            pool.submit(one, targets[i % len(targets)], due)
    return outcomes, time.monotonic() - start


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * len(sorted_values)) - 1))
    return sorted_values[index]


@dataclass
class Figures:
    label: str
    count: int
    ok: int
    p50: float
    p95: float
    p99: float
    max: float
    errors: dict[str, int]


def figures(label: str, outcomes: list[Outcome]) -> Figures:
    ok = sorted(o.latency_s * 1000 for o in outcomes if o.status == 200)
    errors: dict[str, int] = {}
    for o in outcomes:
        if o.status != 200:
            key = o.error or f"HTTP {o.status}"
            errors[key] = errors.get(key, 0) + 1
    return Figures(
        label,
        len(outcomes),
        len(ok),
        percentile(ok, 0.50),
        percentile(ok, 0.95),
        percentile(ok, 0.99),
        ok[-1] if ok else float("nan"),
        errors,
    )


def print_figures(f: Figures) -> None:
    print(
        f"  {f.label:<22} {f.ok}/{f.count} ok  p50 {f.p50:.1f}  p95 {f.p95:.1f}  "
        f"p99 {f.p99:.1f}  max {f.max:.1f} ms  errors {sum(f.errors.values())}"
        + (f" {f.errors}" if f.errors else "")
    )


# -- memory of the server's processes -----------------------------------------------------


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


class RssSampler(threading.Thread):
    """Every ``interval`` seconds, the RSS of each process of the server's tree."""

    def __init__(self, root: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.samples: list[tuple[float, dict[int, int]]] = []
        self.stop = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set():
            sample = {}
            for pid in process_tree(self.root):
                kib = rss_kib(pid)
                if kib:
                    sample[pid] = kib
            self.samples.append((time.monotonic() - self.started_at, sample))
            self.stop.wait(self.interval)

    def report(self) -> None:
        if not self.samples:
            return
        pids = sorted({pid for _, s in self.samples for pid in s})
        print(f"  RSS MiB of the server's processes {pids} (total, then each), per minute:")
        last_minute = -1
        for at, sample in self.samples:
            minute = int(at // 60)
            if minute != last_minute or (at, sample) == self.samples[-1]:
                last_minute = minute
                each = " ".join(f"{sample.get(pid, 0) / 1024:.0f}" for pid in pids)
                print(f"    {at:6.0f} s  {sum(sample.values()) / 1024:7.1f}  [{each}]")
        totals = [sum(s.values()) / 1024 for _, s in self.samples]
        print(
            f"  RSS total MiB: first {totals[0]:.1f}, min {min(totals):.1f}, "
            f"max {max(totals):.1f}, last {totals[-1]:.1f} ({len(totals)} samples)"
        )


# -- one store -------------------------------------------------------------------------------


def run_store(db: Path, args: argparse.Namespace) -> list[Figures]:
    ids, table = installer_ids(db, args.period, args.ids)
    ensure_users(db, ids[0])
    print(f"store {db}: {len(ids)} installers of {args.period} from {table}")
    port = free_port()
    proc = start_server(db, port, args.workers)
    sampler: RssSampler | None = None
    try:
        wait_ready(proc, port, timeout=120)
        if args.pages:
            hr = {"Cookie": session_cookie(port, HR_LOGIN)}
            me = {"Cookie": session_cookie(port, INSTALLER_LOGIN)}
            p = args.period
            targets = [
                Target("installer page /me", f"/me?period={p}", me),
                Target("ranking page", f"/ranking/{p}", hr),
                Target("HR review page", f"/hr/periods/{p}", hr),
            ]
        else:
            auth = {"Authorization": f"Bearer {bearer_token(port, HR_LOGIN)}"}
            targets = [
                Target("statement API", f"/api/periods/{args.period}/statements/{i}", auth)
                for i in ids
            ]
        client = Client(port, args.timeout)
        for target in targets[: args.warmup] * (1 if len(targets) >= args.warmup else 5):
            client.get(target)
        if args.rss:
            sampler = RssSampler(proc.pid, args.rss_interval)
            sampler.start()
        print(
            f"server: port {port}, {args.workers} workers; load average at start "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        outcomes, elapsed = drive(client, targets, args.rate, args.seconds, args.threads)
        print(
            f"  {len(outcomes)} requests in {elapsed:.1f} s, offered {args.rate:.0f}/s, "
            f"achieved {len(outcomes) / elapsed:.1f}/s, {client.resent} sent again on a new "
            "connection; load average after " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        found = [figures("all", outcomes)] if not args.pages else []
        for kind in dict.fromkeys(t.kind for t in targets):
            if args.pages:
                found.append(figures(kind, [o for o in outcomes if o.kind == kind]))
        for f in found:
            print_figures(f)
        if sampler is not None:
            sampler.stop.set()
            sampler.join()
            sampler.report()
        return found
    finally:
        if sampler is not None:
            sampler.stop.set()
        stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="SQLite store file")
    parser.add_argument("--compare", type=Path, help="a second store (e.g. a 50-installer month)")
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--rate", type=float, default=200.0, help="offered requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=64, help="client threads")
    parser.add_argument("--ids", type=int, default=2000, help="installer ids to cycle through")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--warmup", type=int, default=50, help="requests before timing")
    parser.add_argument("--pages", action="store_true", help="the three pages, not the API")
    parser.add_argument("--rss", action="store_true", help="sample the server's memory")
    parser.add_argument("--rss-interval", type=float, default=5.0, help="seconds")
    args = parser.parse_args()
    stores = [args.db] + ([args.compare] if args.compare else [])
    for db in stores:
        if not db.is_file():
            raise SystemExit(f"no such store: {db}")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, commit {commit}"
        + (" (uncommitted changes)" if _dirty() else "")
        + f", {os.cpu_count()} cores"
    )
    # a SIGTERM (e.g. from `timeout`) still stops the server through run_store's finally
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = [run_store(db, args) for db in stores]
    if len(results) == 2:
        for first, second in zip(results[0], results[1], strict=True):
            print(
                f"p50 {first.label}: {stores[0].name} {first.p50:.1f} ms / "
                f"{stores[1].name} {second.p50:.1f} ms = {first.p50 / second.p50:.2f}x"
            )


def _dirty() -> bool:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    return bool(done.stdout.strip())


if __name__ == "__main__":
    main()
