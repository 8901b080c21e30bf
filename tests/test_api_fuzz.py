"""The API against its own OpenAPI document, fuzzed with schemathesis, signed in as HR.

For every operation, generated requests (valid and invalid) must never answer 5xx, and every
answer must be one the document declares, with the declared content type and body shape. Bounded
to a few examples per operation so the suite stays quick; the store holds the inline month.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from scoring.api import create_app
from scoring.services.access import Role
from scoring.settings import Settings
from scoring.store import open_store
from tests.auth_helpers import bearer, ensure_user, seed_month

HEADERS: dict[str, str] = {}
#: The application is built when the module is collected (the operations come from its
#: document); its store is seeded and its lifespan started by the fixture below.
FOLDER = Path(tempfile.mkdtemp(prefix="scoring-fuzz-"))
URL = f"sqlite:///{FOLDER / 'fuzz.db'}"
APP_SETTINGS = Settings(rejects_dir=FOLDER / "rejected")
APP = create_app(APP_SETTINGS, store_url=URL, refresh="off")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    with open_store(URL) as store:
        seed_month(store, FOLDER)
        HEADERS.update(bearer(ensure_user(store, Role.HR, login="hr1")))
    try:
        with TestClient(APP):  # the application's lifespan: its store, runtime and refresher
            yield
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_what_it_documents(case: Any) -> None:
    # Not checked: that every schema-valid request is accepted. A schema cannot know the
    # store: an installer id nobody has is 404, a closed period 409, a period "0000-00" 400.
    case.call_and_validate(
        headers=HEADERS, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
