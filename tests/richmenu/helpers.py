"""Helpers for the rich menu tests: break a copy of the definitions, read problems."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.richmenu.definitions import DefinitionError, MenuDefinition, load_definitions

SHIPPED_MENUS = Path(__file__).resolve().parents[2] / "richmenus"
PLACEHOLDER_VALUES = {
    "ONLINE_STORE_URL": "https://shop.example.com",
    "LIFF_URL": "https://liff.line.me/1234567890-AbCdEfGh",
    "BOT_BASE_URL": "https://bot.example.com",
}
Document = dict[str, Any]


def edit(directory: Path, name: str, change: Callable[[Document], Any]) -> None:
    """Apply a change to one definition file in place."""
    path = directory / f"{name}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def problems_in(directory: Path) -> list[str]:
    """Load a directory that must be invalid and return its problems."""
    with pytest.raises(DefinitionError) as caught:
        load_definitions(directory)
    return caught.value.problems


def assert_problem(problems: list[str], where: str, fragment: str) -> None:
    """Assert one problem starts with ``where`` and mentions ``fragment``."""
    matches = [p for p in problems if p.startswith(where) and fragment in p]
    assert matches, f"no problem at {where!r} mentioning {fragment!r} in {problems}"


def area(document: Document, index: int) -> Document:
    """Return one area of a definition document."""
    return document["richMenu"]["areas"][index]


def by_alias(definitions: list[MenuDefinition]) -> dict[str, MenuDefinition]:
    """Index definitions by alias."""
    return {definition.alias: definition for definition in definitions}
