"""A strict, in-memory LINE Platform emulator for tests, demos and benchmarks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from line_emulator.platform import LinePlatform
from line_emulator.settings import EmulatorSettings
from line_emulator.validation import spec_notice

log = logging.getLogger(__name__)

__all__ = ["EmulatorSettings", "LinePlatform", "create_app"]


def create_app(platform: LinePlatform | None = None, **settings: Any) -> Flask:
    """Create the emulator app serving the API, data and access hosts."""
    from line_emulator import control, gateway, simulator
    from line_emulator.api import (
        access,
        coupons,
        insight,
        messages,
        richmenu_aliases,
        richmenu_images,
        richmenus,
        users,
    )
    from line_emulator.api.common import EXTENSION_KEY

    if platform is None:
        platform = LinePlatform(EmulatorSettings.from_values(**settings))
    elif settings:
        platform.configure(**settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    # LINE answers Japanese as UTF-8, not \u escapes (curl shows it readable).
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = platform
    for blueprint in (
        messages.bp,
        coupons.bp,
        insight.bp,
        richmenus.bp,
        richmenu_aliases.bp,
        richmenu_images.bp,
        users.bp,
        access.bp,
        control.bp,
        simulator.bp,
    ):
        app.register_blueprint(blueprint)
    app.add_url_rule("/favicon.ico", "favicon", simulator.favicon)
    gateway.install(app)
    notice = spec_notice(platform.settings.openapi_dir)
    if notice:
        log.warning(notice)
    return app
