"""Rich menu calls: menus, images (data host), aliases, default, per-user links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from linebot.v3.messaging import (
    CreateRichMenuAliasRequest,
    RichMenuBulkLinkRequest,
    RichMenuBulkUnlinkRequest,
    RichMenuRequest,
    UpdateRichMenuAliasRequest,
)

from bot.line.client import LineNotFound, line_client
from bot.line.rate_limits import rate_limit

MAX_USERS_PER_BULK_CALL = 500


def create_rich_menu(body: dict[str, Any]) -> str:
    """Create a rich menu from LINE's JSON shape; return its richMenuId."""
    client = line_client()
    request = RichMenuRequest.from_dict(body)
    _pace("richmenu-create")
    result = client.call(
        "create_rich_menu", client.api.create_rich_menu_with_http_info, request
    )
    return result.rich_menu_id


def upload_rich_menu_image(rich_menu_id: str, data: bytes, content_type: str) -> None:
    """Upload a menu's image to the data host (LINE takes it once per menu)."""
    client = line_client()
    client.call(
        "set_rich_menu_image",
        client.blob.set_rich_menu_image_with_http_info,
        rich_menu_id,
        body=data,
        _headers={"Content-Type": content_type},
    )


def delete_rich_menu(rich_menu_id: str) -> bool:
    """Delete a rich menu; return False when LINE no longer had it."""
    client = line_client()
    _pace("richmenu-delete")
    try:
        client.call(
            "delete_rich_menu", client.api.delete_rich_menu_with_http_info, rich_menu_id
        )
    except LineNotFound:
        return False
    return True


def list_rich_menu_ids() -> set[str]:
    """Return the ids of every rich menu the channel has."""
    client = line_client()
    result = client.call(
        "get_rich_menu_list", client.api.get_rich_menu_list_with_http_info
    )
    return {menu.rich_menu_id for menu in result.richmenus or []}


def list_aliases() -> dict[str, str]:
    """Return every alias id and the rich menu id it points to."""
    client = line_client()
    result = client.call(
        "get_rich_menu_alias_list", client.api.get_rich_menu_alias_list_with_http_info
    )
    return {a.rich_menu_alias_id: a.rich_menu_id for a in result.aliases or []}


def create_alias(alias_id: str, rich_menu_id: str) -> None:
    """Create an alias that richmenuswitch actions can refer to."""
    client = line_client()
    request = CreateRichMenuAliasRequest(
        rich_menu_alias_id=alias_id, rich_menu_id=rich_menu_id
    )
    client.call(
        "create_rich_menu_alias",
        client.api.create_rich_menu_alias_with_http_info,
        request,
    )


def update_alias(alias_id: str, rich_menu_id: str) -> None:
    """Point an existing alias at another rich menu."""
    client = line_client()
    request = UpdateRichMenuAliasRequest(rich_menu_id=rich_menu_id)
    client.call(
        "update_rich_menu_alias",
        client.api.update_rich_menu_alias_with_http_info,
        alias_id,
        request,
    )


def delete_alias(alias_id: str) -> bool:
    """Delete an alias; return False when LINE no longer had it."""
    client = line_client()
    try:
        client.call(
            "delete_rich_menu_alias",
            client.api.delete_rich_menu_alias_with_http_info,
            alias_id,
        )
    except LineNotFound:
        return False
    return True


def default_rich_menu_id() -> str | None:
    """Return the channel's default rich menu id, or None."""
    client = line_client()
    try:
        result = client.call(
            "get_default_rich_menu_id",
            client.api.get_default_rich_menu_id_with_http_info,
            expected=(404,),  # no default menu yet: normal on a first deploy
        )
    except LineNotFound:
        return None
    return result.rich_menu_id


def set_default_rich_menu(rich_menu_id: str) -> None:
    """Show this rich menu to every user without a menu of their own."""
    client = line_client()
    client.call(
        "set_default_rich_menu",
        client.api.set_default_rich_menu_with_http_info,
        rich_menu_id,
    )


def link_user(line_user_id: str, rich_menu_id: str) -> None:
    """Link a rich menu to one user."""
    client = line_client()
    client.call(
        "link_rich_menu_to_user",
        client.api.link_rich_menu_id_to_user_with_http_info,
        line_user_id,
        rich_menu_id,
    )


def unlink_user(line_user_id: str) -> None:
    """Remove a user's own menu, so that the default menu shows."""
    client = line_client()
    client.call(
        "unlink_rich_menu_from_user",
        client.api.unlink_rich_menu_id_from_user_with_http_info,
        line_user_id,
    )


def link_users(line_user_ids: Sequence[str], rich_menu_id: str) -> None:
    """Link a rich menu to up to 500 users in one call."""
    _check_bulk(line_user_ids)
    client = line_client()
    request = RichMenuBulkLinkRequest(
        rich_menu_id=rich_menu_id, user_ids=list(line_user_ids)
    )
    client.call(
        "link_rich_menu_to_users",
        client.api.link_rich_menu_id_to_users_with_http_info,
        request,
    )


def unlink_users(line_user_ids: Sequence[str]) -> None:
    """Remove the own menus of up to 500 users in one call."""
    _check_bulk(line_user_ids)
    client = line_client()
    request = RichMenuBulkUnlinkRequest(user_ids=list(line_user_ids))
    client.call(
        "unlink_rich_menu_from_users",
        client.api.unlink_rich_menu_id_from_users_with_http_info,
        request,
    )


def _check_bulk(line_user_ids: Sequence[str]) -> None:
    if not 1 <= len(line_user_ids) <= MAX_USERS_PER_BULK_CALL:
        raise ValueError("LINE takes 1 to 500 users per bulk rich menu call")


def _pace(name: str) -> None:
    """Take a slot of LINE's hourly limit; raise RateLimited past a short wait."""
    settings = current_app.config["SETTINGS"]
    rate_limit(name).take(max_wait=settings.RATE_LIMIT_MAX_WAIT_SECONDS)
