"""The staff page holds the store's key: it gets the consoles' security headers."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_staff_page_and_its_assets_cannot_be_framed_or_sniffed(
    client: FlaskClient,
) -> None:
    for path in ("/staff", "/staff/staff.js", "/staff/staff.css"):
        with client.get(path) as answer:  # a file response: close it
            assert answer.status_code == 200, path
            assert answer.headers["X-Frame-Options"] == "DENY", path
            assert answer.headers["X-Content-Type-Options"] == "nosniff", path
            policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
