"""The router: each event, button, job and sweep has one answer, checked at start."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import bot
from bot import create_app
from bot.routing import POSTBACK, RoutingError, get_router, richmenu_postback_actions

ROOT = Path(__file__).resolve().parents[1]


def _settings(**extra: Any) -> dict[str, Any]:
    return {"BOT_ENV": "test", "DATABASE_URL": "sqlite://", **extra}


def test_every_action_in_the_shipped_menus_has_a_handler() -> None:
    app = create_app(_settings())
    used = richmenu_postback_actions(ROOT / "richmenus")
    actions = {action for _, action in used}
    # The member menu's tiles are among them, and each has its function.
    assert {"points", "coupons", "link", "faq", "tab", "end_support"} <= actions
    router = get_router(app)
    assert all(router.find(POSTBACK, action) is not None for action in actions)


def test_start_up_refuses_a_menu_action_with_no_handler(tmp_path: Path) -> None:
    for source in (ROOT / "richmenus").glob("*.json"):
        shutil.copy(source, tmp_path / source.name)
    menu = json.loads((tmp_path / "member-b.json").read_text(encoding="utf-8"))
    menu["richMenu"]["areas"][2]["action"]["data"] = "action=lottery&prize=1"
    (tmp_path / "member-b.json").write_text(json.dumps(menu), encoding="utf-8")
    with pytest.raises(RoutingError) as refused:
        create_app(_settings(RICHMENU_DIR=str(tmp_path)))
    message = str(refused.value)
    assert "member-b.json: richMenu.areas[2].action.data" in message
    assert "'lottery' has no postback handler" in message


def test_start_up_refuses_a_key_registered_twice() -> None:
    app = create_app(_settings())
    router = get_router(app)

    def another(ctx: Any, params: dict[str, str]) -> None:
        """Stand in for a second domain's handler."""

    with pytest.raises(RoutingError, match="postback 'points' is registered twice"):
        router.postback("points", another)
    with pytest.raises(RoutingError, match="registered twice"):
        router.event("follow", another)


def test_start_up_refuses_a_domain_that_cannot_be_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot, "DOMAINS", (*bot.DOMAINS, "loyalty"))
    with pytest.raises(RoutingError, match="domain 'loyalty' .* cannot be imported"):
        create_app(_settings())


def test_handlers_command_lists_every_route(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["handlers"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    expected = [
        ("event", "follow", "bot.handlers.follow.handle_follow"),
        ("event", "beacon", "bot.beacon.handlers.handle_beacon"),
        ("message", "text", "bot.faq.handlers.answer_text"),
        ("interceptor", "handoff", "bot.handoff.handlers.keep_for_operator"),
        ("postback", "points", "bot.points.handlers.show_points"),
        ("postback", "coupons", "bot.coupons.handlers.show_coupons"),
        ("sweep", "bot.webhook.jobs.requeue_stale_events", "requeue_stale_events"),
        ("menu_rule", "support", "support_menu_while_handed_off"),
    ]
    for kind, key, target in expected:
        assert any(
            line.split()[:2] == [kind, key] and target in line for line in lines
        ), (kind, key)
    job = next(line for line in lines if "handle_webhook_events" in line)
    assert job.startswith("job") and "(queue events)" in job
    # As many rows as routes, plus the heading.
    assert len(lines) == len(get_router(app).all()) + 1
