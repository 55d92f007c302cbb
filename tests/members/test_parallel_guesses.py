"""The link page's sign-in limits hold when many guesses arrive at once."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask

from tests.members.conftest import PASSWORD, add_member
from tests.members.parallel import at_once, issued_link_token, opened_form

GUESSES = 64
BIRTHDAY = date(1990, 4, 1)


def _guess_all(app: Flask, path: str, guesses: list[dict[str, str]]) -> list[int]:
    link_token = issued_link_token(app)
    forms = [opened_form(app, link_token) for _ in guesses]
    answers = at_once(
        [
            lambda b=browser, h=hidden, g=guess: b.post(
                path, data={**h, **g}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
            )
            for (browser, hidden), guess in zip(forms, guesses, strict=True)
        ]
    )
    return [a.status_code for a in answers]


def test_parallel_birthday_guesses_are_checked_at_most_the_limit(
    app: Flask,
) -> None:
    member = add_member(app, birthday=BIRTHDAY)
    limit = app.config["SETTINGS"].LINK_MAX_FAILURES_PER_ACCOUNT
    wrong = [
        {"member_no": member.member_no, "birthday": str(BIRTHDAY + timedelta(n + 1))}
        for n in range(GUESSES)
    ]

    statuses = _guess_all(app, "/link/card", wrong)

    # 303 back to the form means the birthday was checked (and was wrong).
    assert statuses.count(303) == limit
    assert statuses.count(429) == GUESSES - limit
    right = {"member_no": member.member_no, "birthday": str(BIRTHDAY)}
    assert _guess_all(app, "/link/card", [right]) == [429]


def test_parallel_password_guesses_are_checked_at_most_the_limit(
    app: Flask,
) -> None:
    add_member(app, email="ichiro@example.com", password=PASSWORD)
    limit = app.config["SETTINGS"].LINK_MAX_FAILURES_PER_ACCOUNT
    wrong = [
        {"email": "ichiro@example.com", "password": f"guess {n}"}
        for n in range(GUESSES)
    ]

    statuses = _guess_all(app, "/link/signin", wrong)

    assert statuses.count(303) == limit
    assert statuses.count(429) == GUESSES - limit
    right = {"email": "ichiro@example.com", "password": PASSWORD}
    assert _guess_all(app, "/link/signin", [right]) == [429]
