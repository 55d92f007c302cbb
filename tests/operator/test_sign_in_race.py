"""The console's sign-in limit holds when many guesses arrive at once."""

from __future__ import annotations

from flask import Flask

from tests.handoff.helpers import PASSWORD, csrf_of, make_operator
from tests.members.parallel import at_once

GUESSES = 64


def test_parallel_wrong_passwords_are_checked_at_most_the_limit(app: Flask) -> None:
    make_operator(app, "sato@example.com")
    browsers = [app.test_client() for _ in range(GUESSES)]
    for browser in browsers:
        browser.get("/operator/login")

    answers = at_once(
        [
            lambda b=browser, n=n: b.post(
                "/operator/login",
                data={
                    "email": "sato@example.com",
                    "password": f"guess-{n}",
                    "csrf_token": csrf_of(b),
                },
            )
            for n, browser in enumerate(browsers)
        ]
    )

    statuses = [answer.status_code for answer in answers]
    # 401 means the password was checked; the rest were refused unchecked.
    assert (
        statuses.count(401) == app.config["SETTINGS"].OPERATOR_MAX_FAILURES_PER_ACCOUNT
    )
    assert statuses.count(429) == GUESSES - statuses.count(401)
    right = browsers[0].post(
        "/operator/login",
        data={
            "email": "sato@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_of(browsers[0]),
        },
    )
    assert right.status_code == 429
    assert browsers[0].get("/operator/").status_code == 302
