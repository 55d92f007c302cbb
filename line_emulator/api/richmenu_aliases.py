"""Rich menu aliases, which richmenuswitch actions refer to."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint

from line_emulator.api.common import current_platform, validated_body
from line_emulator.rule_checks import Problems

bp = Blueprint("richmenu_aliases", __name__)

# As messaging-api.yml's CreateRichMenuAliasRequest states it.
ALIAS_ID_PATTERN = re.compile(r"^[a-z0-9_-]{1,32}$")


def _create_alias_rules(problems: Problems, body: dict[str, Any]) -> None:
    if problems.require(body, "richMenuAliasId", ""):
        alias_id = body["richMenuAliasId"]
        if not isinstance(alias_id, str) or not ALIAS_ID_PATTERN.match(alias_id):
            problems.add("richMenuAliasId", f"Must match {ALIAS_ID_PATTERN.pattern}")
    problems.require(body, "richMenuId", "")


def _update_alias_rules(problems: Problems, body: dict[str, Any]) -> None:
    problems.require(body, "richMenuId", "")


@bp.post("/v2/bot/richmenu/alias")
def create_alias() -> Any:
    """Create an alias for a rich menu that has an image."""
    body = validated_body("CreateRichMenuAliasRequest", _create_alias_rules)
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.create_alias(
            body["richMenuAliasId"], body["richMenuId"]
        )
    return {}


@bp.get("/v2/bot/richmenu/alias/list")
def list_aliases() -> Any:
    """List every rich menu alias."""
    platform = current_platform()
    with platform.lock:
        aliases = platform.state.rich_menus.aliases
        return {
            "aliases": [
                {"richMenuAliasId": alias_id, "richMenuId": rich_menu_id}
                for alias_id, rich_menu_id in aliases.items()
            ]
        }


@bp.get("/v2/bot/richmenu/alias/<alias_id>")
def get_alias(alias_id: str) -> Any:
    """Answer one alias."""
    platform = current_platform()
    with platform.lock:
        return platform.state.rich_menus.get_alias(alias_id)


@bp.post("/v2/bot/richmenu/alias/<alias_id>")
def update_alias(alias_id: str) -> Any:
    """Point an alias at another rich menu."""
    body = validated_body("UpdateRichMenuAliasRequest", _update_alias_rules)
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.update_alias(alias_id, body["richMenuId"])
    return {}


@bp.delete("/v2/bot/richmenu/alias/<alias_id>")
def delete_alias(alias_id: str) -> Any:
    """Delete an alias."""
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.delete_alias(alias_id)
    return {}
