"""Generated, correctly signed webhook bodies: never a 5xx."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.strategies import line_bodies, shop_orders, to_json
from tests.helpers import sign
from tests.pos.factories import make_member

SHOP_SECRET = "fuzz-shop-secret"
# Bounded and repeatable in CI: a fixed number of derandomized examples, no
# shrinking (a failure prints the body it sent).
FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"EC_WEBHOOK_SECRET": SHOP_SECRET}


@FUZZ
@given(document=line_bodies)
def test_signed_line_webhooks_never_answer_5xx(
    client: FlaskClient, document: Any
) -> None:
    body = to_json(document)
    answer = client.post(
        "/callback",
        data=body,
        content_type="application/json",
        headers={"X-Line-Signature": sign(body)},
    )
    assert answer.status_code < 500, body[:300]


@FUZZ
@given(document=shop_orders)
def test_signed_shop_orders_never_answer_5xx(
    app: Any, client: FlaskClient, document: Any
) -> None:
    if "fuzz_member" not in app.config:
        # A member the generated e-mails and numbers may hit.
        app.config["fuzz_member"] = make_member(app, email="hanako@example.com")
    body = to_json(document)
    digest = hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).digest()
    answer = client.post(
        "/webhooks/ec/orders",
        data=body,
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode()},
    )
    assert answer.status_code < 500, body[:300]
