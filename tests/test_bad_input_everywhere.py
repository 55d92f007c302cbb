"""Every route, signed in and not, with values no view expects: never a 500.

The routes come from the app's own URL map, so a route added later is covered
without a word here. Each path argument, query field and form or JSON field
gets each bad value in turn (a number past any integer column, NUL, a long
string, a path climb, half-width and full-width oddities). The live streams are
left out: they hold the connection open (tests/faults covers them).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import LineSide
from tests.handoff.helpers import csrf_of, signed_in_operator
from tests.pos.factories import bearer, make_store

BAD_VALUES = [
    "99999999999999999999",
    "-1",
    "\x00",
    "abc",
    "",
    "x" * 5000,
    "1e309",
    "２",
    "<s>",
    "../../etc/passwd",
]
# Fields the views read, by name, from queries, forms and JSON bodies.
FIELDS = (
    "after", "resolved", "page", "days", "q", "csv", "next", "token", "code",
    "member_no", "text", "message_id", "faq_id", "email", "password", "paused",
    "receipt_no", "amount", "min_visits", "home_store", "coupon_id", "send_at",
)  # fmt: skip
ARGUMENT = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _answer(client: FlaskClient, method: str, path: str, **kwargs: Any) -> int:
    response = client.open(path, method=method, **kwargs)
    response.close()
    return response.status_code


def test_no_route_answers_bad_values_with_a_500(app: Flask, line: LineSide) -> None:
    key = make_store(app)
    admin = signed_in_operator(app, "ad@example.com", role="admin")
    clients = {"admin": admin, "anonymous": app.test_client()}
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.rule.endswith("/events")
    ]
    assert len(rules) > 40  # the whole app, not a blueprint
    failures = []
    for rule in rules:
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        headers = bearer(key) if rule.rule.startswith("/api/pos") else {}
        for value in BAD_VALUES:
            path = ARGUMENT.sub(value.replace("/", "%2F"), rule.rule)
            fields = dict.fromkeys(FIELDS, value)
            for who, client in clients.items():
                if who == "admin" and rule.endpoint == "operator.logout":
                    continue  # signed out, the admin would test nothing after it
                form = {
                    **fields,
                    "csrf_token": csrf_of(admin) if who == "admin" else "",
                }
                for method in methods:
                    asked = [
                        _answer(
                            client, method, path, query_string=fields, headers=headers
                        )
                    ]
                    if method != "GET":
                        asked.append(
                            _answer(client, method, path, data=form, headers=headers)
                        )
                        asked.append(
                            _answer(client, method, path, json=fields, headers=headers)
                        )
                    if any(status >= 500 for status in asked):
                        failures.append((who, method, rule.rule, value[:20], asked))
    assert failures == []
    assert admin.get("/admin/").status_code == 200, "the admin was signed out"
