"""Members: the store/online member ID a LINE user links to."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the link page, the `members` CLI and the linking handlers."""
    from bot.members import email_proof, handlers
    from bot.members.cli import members_cli
    from bot.members.texts import TEXTS
    from bot.members.views import bp
    from bot.messages import register_templates

    router = app.extensions["router"]
    router.postback("link", handlers.start_link)
    router.event("accountLink", handlers.finish_link)
    router.postback("unlink", handlers.unlink)
    router.postback("tab", handlers.switch_tab)
    router.job(email_proof.send_email_proof)
    register_templates(app, TEXTS)
    app.register_blueprint(bp)
    app.cli.add_command(members_cli)
    # The link page keeps its CSRF token in the session cookie.
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if app.config["SETTINGS"].BOT_BASE_URL.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
