"""Members: the store/online member ID a LINE user links to."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the link page, the `members` CLI and the linking handlers."""
    import bot.members.linking  # noqa: F401  (registers postbacks and accountLink)
    import bot.members.texts  # noqa: F401  (registers the customer texts)
    from bot.members.cli import members_cli
    from bot.members.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(members_cli)
    # The link page keeps its CSRF token in the session cookie.
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config["SETTINGS"].BOT_BASE_URL.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
