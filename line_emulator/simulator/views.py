"""The simulator's page and the JSON it polls and posts to (thin views)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    url_for,
)

from line_emulator.api.common import current_platform
from line_emulator.simulator.actions import ActionRefused, perform_action
from line_emulator.simulator.talk import talk_since

bp = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@functools.cache
def _favicon_bytes() -> bytes:
    return (Path(bp.static_folder or "") / "favicon.ico").read_bytes()


def favicon() -> Response:
    """Serve the emulator's icon (mounted at /favicon.ico by create_app)."""
    return Response(_favicon_bytes(), mimetype="image/vnd.microsoft.icon")


@bp.errorhandler(ValueError)
@bp.errorhandler(TypeError)
@bp.errorhandler(KeyError)
def bad_request(exc: Exception) -> tuple[dict[str, str], int]:
    """Answer a request the simulator cannot carry out."""
    return {"error": str(exc)}, 400


@bp.errorhandler(LookupError)
def not_found(exc: Exception) -> tuple[dict[str, str], int]:
    """Answer a request for an unknown user or rich menu."""
    return {"error": str(exc)}, 404


@bp.errorhandler(ActionRefused)
def refused(exc: Exception) -> tuple[dict[str, str], int]:
    """Answer an action the user cannot do in their current state."""
    return {"error": str(exc)}, 409


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else {}


def page_config() -> dict[str, Any]:
    """Return the settings the page needs."""
    settings = current_platform().settings
    return {
        "botName": settings.simulator_bot_name,
        "liffUrl": settings.liff_url,
        "places": settings.simulator_places,
        "beacons": settings.simulator_beacons,
        "apiBase": url_for("simulator.config").removesuffix("config"),
    }


# LIFF pages opened in the phone frame live on the bot's origin; the demo LIFF
# stand-in asks this emulator for the simulated user's ID token from there.
LIFF_STAND_IN_PATHS = ("/_emulator/id-tokens",)


@bp.after_app_request
def allow_liff_stand_in(response: Response) -> Response:
    """Let a LIFF page on another origin fetch an ID token for the frame's user."""
    if request.path in LIFF_STAND_IN_PATHS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


def likely_user() -> str | None:
    """Return the user to show when none is named: the newest friend, if any."""
    users = current_platform().users()
    friends = [user for user in users if user.is_friend and not user.is_blocked]
    chosen = (friends or users)[-1:]
    return chosen[0].user_id if chosen else None


@bp.get("")
@bp.get("/")
def simulator_page() -> Any:
    """Show the chat simulator; ?user= picks the simulated LINE user.

    Without ?user= it opens the newest friend's chat (the demo's デモ 太郎),
    so the page never starts empty while someone is there to show.
    """
    if "user" not in request.args:
        user_id = likely_user()
        if user_id is not None:
            return redirect(url_for("simulator.simulator_page", user=user_id))
    return render_template("simulator/index.html", config=page_config())


@bp.get("/api/config")
def config() -> Any:
    """Answer the simulator settings (bot name, LIFF URL, places, beacons)."""
    return page_config()


@bp.get("/api/users")
def list_users() -> Any:
    """List the emulated LINE users."""
    return {"users": [user.as_dict() for user in current_platform().users()]}


@bp.post("/api/users")
def create_user() -> Any:
    """Create a LINE user who has not added the bot as a friend yet."""
    name = str(_body().get("displayName") or "").strip()
    if not 1 <= len(name) <= 20:
        raise ValueError("displayName must be 1 to 20 characters")
    user = current_platform().add_user(display_name=name, is_friend=False)
    return user.as_dict(), 201


@bp.get("/api/users/<user_id>/talk")
def talk(user_id: str) -> Any:
    """Answer the user, their rich menu and the talk items after the cursor."""
    platform = current_platform()
    user = platform.get_user(user_id)
    if user is None:
        raise LookupError(f"unknown user {user_id}")
    deliveries, user_side = platform.user_talk(user_id)
    talk_slice = talk_since(
        deliveries,
        user_side,
        request.args.get("deliveries", 0, type=int),
        request.args.get("userSide", 0, type=int),
    )
    with platform.lock:
        rich_menu_id, source = platform.state.rich_menus.effective_menu_id(user_id)
    return {
        "user": user.as_dict(),
        "richMenu": {"richMenuId": rich_menu_id, "source": source},
        **talk_slice.as_dict(),
    }


@bp.post("/api/users/<user_id>/actions")
def act(user_id: str) -> Any:
    """Do something as the user: follow, block, send a message, tap a postback."""
    return perform_action(current_platform(), user_id, _body()).as_dict()


@bp.get("/api/richmenus/<rich_menu_id>")
def rich_menu(rich_menu_id: str) -> Any:
    """Answer a rich menu object (the page has no channel access token)."""
    platform = current_platform()
    with platform.lock:
        menu = platform.state.rich_menus.menus.get(rich_menu_id)
    if menu is None:
        raise LookupError(f"unknown rich menu {rich_menu_id}")
    return menu


@bp.get("/api/richmenus/<rich_menu_id>/image")
def rich_menu_image(rich_menu_id: str) -> Response:
    """Answer the image uploaded to the data host for a rich menu."""
    platform = current_platform()
    with platform.lock:
        image = platform.state.rich_menus.images.get(rich_menu_id)
    if image is None:
        raise LookupError(f"no image for rich menu {rich_menu_id}")
    return Response(image.data, mimetype=image.content_type)


@bp.get("/api/coupons/<coupon_id>")
def coupon(coupon_id: str) -> Any:
    """Answer a LINE coupon's details, to show a coupon message like LINE does."""
    with current_platform().lock:
        found = current_platform().state.coupons.get(coupon_id)
    if found is None:
        raise LookupError(f"no coupon {coupon_id}")
    return dict(found)


@bp.get("/api/content/<message_id>")
def user_content(message_id: str) -> Response:
    """Answer an image the user sent, to show it in their own chat."""
    platform = current_platform()
    with platform.lock:
        content = platform.state.message_content.get(message_id)
    if content is None:
        raise LookupError(f"no content for message {message_id}")
    return Response(content[1], mimetype=content[0])
