"""Fixtures for the handoff tests: rich menus deployed on the emulated LINE."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

MenuSeen = Callable[[str], str | None]


@pytest.fixture
def menu_seen(app: Flask, emulator: Any) -> MenuSeen:
    """Deploy the shipped rich menus; return which menu LINE shows a user."""
    result = app.test_cli_runner().invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output

    def seen(user_id: str) -> str | None:
        store = emulator.platform.state.rich_menus
        menu_id, _ = store.effective_menu_id(user_id)
        names = {rich_menu_id: alias for alias, rich_menu_id in store.aliases.items()}
        return names.get(menu_id)

    return seen
