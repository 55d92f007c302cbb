"""Fixtures for the rich menu definition tests."""

import shutil
from pathlib import Path

import pytest

from tests.richmenu.helpers import SHIPPED_MENUS


@pytest.fixture
def menus_dir(tmp_path: Path) -> Path:
    """Return a scratch copy of the shipped definitions and images to break."""
    target = tmp_path / "richmenus"
    target.mkdir()
    for source in SHIPPED_MENUS.iterdir():
        if source.suffix in {".json", ".png", ".jpg", ".jpeg"}:
            shutil.copy(source, target / source.name)
    return target
