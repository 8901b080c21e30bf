"""The ranking page and what every page shares (a malformed period, hostile names, an unknown
page), signed in; HR's pages are tested in tests/test_pages_hr.py (their dispute, close and
queue tests were moved there), the installer's in tests/test_pages_installer.py."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scoring.api import create_app
from scoring.services.access import Role
from scoring.settings import Settings
from tests import inputs
from tests.auth_helpers import as_user, signed_in

PERIOD = "2025-10"
HOSTILE = "<script>alert('x')</script>"
HOSTILE_TEAM = '"><img src=x onerror=alert(1)>'


def csv_files(files: dict[str, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("files", (f"{name}.csv", text.encode("utf-8"), "text/csv")) for name, text in files.items()
    ]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(rejects_dir=tmp_path / "rejected")
    app = create_app(settings, store_url=f"sqlite:///{tmp_path / 'web.db'}", refresh="inline")
    with TestClient(app) as test_client:
        # HR, signed in twice: a bearer token for /api, a session cookie for the pages.
        test_client.headers.update(as_user(test_client, Role.HR, "hr-li"))
        signed_in(test_client, "hr-li")
        response = test_client.post("/api/imports", files=csv_files(inputs.ALL))
        assert response.status_code == 200
        yield test_client


def test_a_malformed_period_on_a_page_is_400_html(client: TestClient) -> None:
    for url in ("/installers/I1?period=2025-13", "/hr/20251", "/ranking/xx"):
        page = client.get(url)
        assert page.status_code == 400, url
        assert "YYYY-MM" in page.text and page.headers["content-type"].startswith("text/html")


def test_hostile_names_are_escaped_everywhere(client: TestClient) -> None:
    installers = inputs.INSTALLERS.replace("王强", HOSTILE)
    teams = inputs.TEAMS.replace("南方安装", HOSTILE_TEAM.replace('"', '""').join('""'))
    dealers = inputs.DEALERS.replace("南方家居", HOSTILE)
    response = client.post(
        "/api/imports",
        files=csv_files({"dealers": dealers, "teams": teams, "installers": installers}),
    )
    assert response.status_code == 200, response.text
    pages = [
        client.get(f"/installers/I3?period={PERIOD}").text,
        client.get(f"/hr/{PERIOD}").text,
        client.get(f"/ranking/{PERIOD}?dealer=D2").text,
        client.get(f"/ranking/{PERIOD}/teams/T3").text,
    ]
    for text in pages:
        assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(" in pages[0]
    assert "&lt;script&gt;" in pages[1] and "&lt;script&gt;" in pages[2]
    for text in pages[2:]:  # the team's name on the dealer's ranking and the team's page
        assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in text


def test_ranking_page(client: TestClient) -> None:
    page = client.get(f"/ranking/{PERIOD}")
    assert page.status_code == 200
    text = page.text
    assert "华东家电" in text and "南方家居" in text  # HR picks any dealer
    assert text.index("自有一队") < text.index("速装服务部")  # rank 1 before rank 2
    assert "5.000" in text and "向全体" not in text
    # A month under the plan but without surveys: every team listed, none ranked.
    assert client.post("/api/periods/2025-03/compute").status_code == 200
    quiet = [client.get(f"/ranking/2025-03?dealer={d}").text for d in ("D1", "D2")]
    assert [q.count('<span class="unranked-label">未排名</span>') for q in quiet] == [2, 1]


def test_unknown_page_is_html_404(client: TestClient) -> None:
    page = client.get("/nowhere")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def test_the_server_asks_glibc_for_two_malloc_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    """On glibc the option is taken (the server's memory stays flat under load, see
    benchmarks/README.md); an arena count the administrator set is left alone."""
    from scoring.api import limit_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert limit_malloc_arenas() is on_glibc
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


ARENAS = "MALLOC_ARENA_MAX"


def test_served_workers_start_with_two_malloc_arenas(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``--workers N`` hands MALLOC_ARENA_MAX to its worker processes (glibc reads it before
    polars and pyarrow start their threads, which a mallopt in the worker comes after); an
    arena count the administrator set is kept."""
    from scoring import api

    seen: list[str | None] = []
    monkeypatch.setattr("uvicorn.run", lambda *_a, **_k: seen.append(os.environ.get(ARENAS)))
    for name in (ARENAS, "SCORING_DB", api.SCHEDULER_ENV):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 's.db'}"
    api.serve(store_url=url, scheduler=False, workers=2)
    monkeypatch.setenv(ARENAS, "4")
    api.serve(store_url=url, scheduler=False, workers=2)
    assert seen == ["2", "4"]


#: Imports what a worker imports, then counts the malloc arenas glibc made besides the main
#: one (each a reservation of 64 MiB, mostly inaccessible, in /proc/self/maps).
_COUNT_ARENAS = """
import re, sys
sys.path.insert(0, sys.argv[1])
import scoring.api
reserved = 0
for line in open("/proc/self/maps"):
    found = re.match(r"([0-9a-f]+)-([0-9a-f]+) ---p 0+ 00:00 0 *$", line)
    if found and int(found[2], 16) - int(found[1], 16) > 32 << 20:
        reserved += 1
print(reserved)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc's malloc arenas",
)
def test_malloc_arena_max_in_the_environment_holds_from_the_start() -> None:
    """What the workers rely on: with the variable set when the process starts, the threads
    that polars and pyarrow start on import share the arenas (without it they made four on
    this 2-core machine before any code of ours ran, too early for a mallopt)."""
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, ARENAS: "2"}
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_ARENAS, root], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) <= 1
