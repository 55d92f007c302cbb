"""Generated requests against the register API's own OpenAPI document: no 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode

from tests.pos.factories import bearer, make_member, make_store

EXAMPLES = 100


@pytest.fixture
def store_key(app: Flask) -> str:
    key = make_store(app)
    # A member the generated numbers may hit, with points to spend.
    make_member(app, points=1000)
    return key


@pytest.fixture
def pos_schema(app: Flask) -> Any:
    loaded = schemathesis.openapi.from_wsgi("/api/pos/openapi.json", app)
    # Valid bodies and bodies that break the schema on purpose; NUL bytes too.
    loaded.config.generation.update(
        modes=list(GenerationMode), allow_x00=True, deterministic=True
    )
    return loaded


schema = schemathesis.pytest.from_fixture("pos_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_register_api_never_answers_5xx(case: Any, store_key: str) -> None:
    response = case.call(headers=bearer(store_key))
    assert response.status_code < 500, (case.body, response.text)
