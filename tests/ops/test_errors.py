"""The JSON error answers keep what HTTP requires of them."""

from __future__ import annotations

from typing import Any


def test_method_not_allowed_names_the_allowed_methods(client: Any) -> None:
    response = client.delete("/healthz")

    assert response.status_code == 405
    assert response.get_json()["error"] == "method not allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
