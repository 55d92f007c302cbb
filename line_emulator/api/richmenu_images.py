"""Rich menu images, which live on the data host (api-data.line.me) only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from line_emulator.api.common import current_platform

bp = Blueprint("richmenu_images", __name__)


@bp.post("/data/v2/bot/richmenu/<rich_menu_id>/content")
def upload_image(rich_menu_id: str) -> Any:
    """Accept a rich menu's JPEG or PNG image, once."""
    platform = current_platform()
    data = request.get_data(cache=True)
    with platform.lock:
        platform.state.rich_menus.upload_image(
            rich_menu_id, request.content_type or "", data
        )
    return {}


@bp.get("/data/v2/bot/richmenu/<rich_menu_id>/content")
def download_image(rich_menu_id: str) -> Response:
    """Answer a rich menu's image."""
    platform = current_platform()
    with platform.lock:
        image = platform.state.rich_menus.image(rich_menu_id)
    return Response(image.data, mimetype=image.content_type)
