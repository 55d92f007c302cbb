"""Rich menus: create, read, delete, default menu, per-user and bulk links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from line_emulator import errors
from line_emulator.api.common import current_platform, validated_body
from line_emulator.richmenu_rules import check_rich_menu
from line_emulator.rule_checks import Problems

bp = Blueprint("richmenus", __name__)

MENU_FIELDS = ("size", "selected", "name", "chatBarText", "areas")


def _require_user(user_id: str) -> None:
    if current_platform().get_user(user_id) is None:
        raise errors.not_found()


@bp.post("/v2/bot/richmenu")
def create_rich_menu() -> Any:
    """Create a rich menu after checking LINE's size and area rules."""
    body = validated_body("RichMenuRequest", check_rich_menu)
    menu = {key: body[key] for key in MENU_FIELDS}
    platform = current_platform()
    with platform.lock:
        store = platform.state.rich_menus
        rich_menu_id = store.create(menu, platform.settings.max_rich_menus)
    return {"richMenuId": rich_menu_id}


@bp.post("/v2/bot/richmenu/validate")
def validate_rich_menu() -> Any:
    """Validate a rich menu object without creating it."""
    validated_body("RichMenuRequest", check_rich_menu)
    return {}


@bp.get("/v2/bot/richmenu/list")
def list_rich_menus() -> Any:
    """List every rich menu of the channel."""
    platform = current_platform()
    with platform.lock:
        return {"richmenus": list(platform.state.rich_menus.menus.values())}


@bp.get("/v2/bot/richmenu/<rich_menu_id>")
def get_rich_menu(rich_menu_id: str) -> Any:
    """Answer one rich menu."""
    platform = current_platform()
    with platform.lock:
        return platform.state.rich_menus.get(rich_menu_id)


@bp.delete("/v2/bot/richmenu/<rich_menu_id>")
def delete_rich_menu(rich_menu_id: str) -> Any:
    """Delete a rich menu, unlinking it everywhere."""
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.delete(rich_menu_id)
    return {}


@bp.post("/v2/bot/user/all/richmenu/<rich_menu_id>")
def set_default_rich_menu(rich_menu_id: str) -> Any:
    """Make a rich menu (with an image) the default."""
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.set_default(rich_menu_id)
    return {}


@bp.get("/v2/bot/user/all/richmenu")
def get_default_rich_menu() -> Any:
    """Answer the default rich menu id, or 404 when there is none."""
    platform = current_platform()
    with platform.lock:
        default_id = platform.state.rich_menus.default_id
    if default_id is None:
        raise errors.not_found()
    return {"richMenuId": default_id}


@bp.delete("/v2/bot/user/all/richmenu")
def clear_default_rich_menu() -> Any:
    """Clear the default rich menu."""
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.default_id = None
    return {}


@bp.post("/v2/bot/user/<user_id>/richmenu/<rich_menu_id>")
def link_rich_menu(user_id: str, rich_menu_id: str) -> Any:
    """Link a rich menu (with an image) to one user."""
    _require_user(user_id)
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.link([user_id], rich_menu_id)
    return {}


@bp.get("/v2/bot/user/<user_id>/richmenu")
def get_linked_rich_menu(user_id: str) -> Any:
    """Answer the rich menu linked to a user, or 404."""
    platform = current_platform()
    with platform.lock:
        rich_menu_id = platform.state.rich_menus.user_links.get(user_id)
    if rich_menu_id is None:
        raise errors.not_found()
    return {"richMenuId": rich_menu_id}


@bp.delete("/v2/bot/user/<user_id>/richmenu")
def unlink_rich_menu(user_id: str) -> Any:
    """Unlink the rich menu from one user."""
    _require_user(user_id)
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.unlink([user_id])
    return {}


def _bulk_link_rules(problems: Problems, body: dict[str, Any]) -> None:
    problems.require(body, "richMenuId", "")
    problems.array(body, "userIds", "", 1, 500)


def _bulk_unlink_rules(problems: Problems, body: dict[str, Any]) -> None:
    problems.array(body, "userIds", "", 1, 500)


@bp.post("/v2/bot/richmenu/bulk/link")
def bulk_link() -> Any:
    """Link a rich menu to up to 500 users; LINE answers 202."""
    body = validated_body("RichMenuBulkLinkRequest", _bulk_link_rules)
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.link(body["userIds"], body["richMenuId"])
    return {}, 202


@bp.post("/v2/bot/richmenu/bulk/unlink")
def bulk_unlink() -> Any:
    """Unlink rich menus from up to 500 users; LINE answers 202."""
    body = validated_body("RichMenuBulkUnlinkRequest", _bulk_unlink_rules)
    platform = current_platform()
    with platform.lock:
        platform.state.rich_menus.unlink(body["userIds"])
    return {}, 202
