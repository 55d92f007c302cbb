"""Rich menu placeholders: substituted at deploy time, and checked once filled in."""

from pathlib import Path

import pytest

from bot.richmenu.definitions import DefinitionError, load_definitions, render_rich_menu
from tests.richmenu.helpers import (
    PLACEHOLDER_VALUES,
    SHIPPED_MENUS,
    area,
    assert_problem,
    by_alias,
    edit,
    problems_in,
)


def test_placeholders_are_substituted(menus_dir: Path) -> None:
    menus = by_alias(load_definitions(menus_dir))

    guest = render_rich_menu(menus["guest"], PLACEHOLDER_VALUES)
    card = render_rich_menu(menus["member-a"], PLACEHOLDER_VALUES)

    assert guest["areas"][3]["action"]["uri"] == "https://shop.example.com"
    assert card["areas"][2]["action"]["uri"] == PLACEHOLDER_VALUES["LIFF_URL"]
    assert menus["guest"].rich_menu["areas"][3]["action"]["uri"] == (
        "${ONLINE_STORE_URL}"
    )


def test_placeholder_inside_a_string_is_substituted(menus_dir: Path) -> None:
    uri = "${BOT_BASE_URL}/stores?from=${LIFF_URL}"
    edit(
        menus_dir, "support", lambda d: area(d, 1)["action"].update(type="uri", uri=uri)
    )
    edit(menus_dir, "support", lambda d: area(d, 1)["action"].pop("data"))
    edit(menus_dir, "support", lambda d: area(d, 1)["action"].pop("displayText"))
    support = by_alias(load_definitions(menus_dir))["support"]

    body = render_rich_menu(support, PLACEHOLDER_VALUES)

    expected = "https://bot.example.com/stores?from=https://liff.line.me/"
    assert body["areas"][1]["action"]["uri"].startswith(expected)


@pytest.mark.parametrize("values", [{}, {"ONLINE_STORE_URL": ""}])
def test_missing_placeholder_is_an_error(values: dict[str, str]) -> None:
    guest = by_alias(load_definitions(SHIPPED_MENUS))["guest"]

    with pytest.raises(DefinitionError) as caught:
        render_rich_menu(guest, values)

    where = f"{SHIPPED_MENUS}/guest.json: richMenu.areas[3].action.uri:"
    assert_problem(caught.value.problems, where, "${ONLINE_STORE_URL} has no value")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("ftp://shop.example.com", "schemes"), ("https://a.jp/" + "x" * 995, "max 1000")],
)
def test_substituted_uri_is_checked(value: str, fragment: str) -> None:
    guest = by_alias(load_definitions(SHIPPED_MENUS))["guest"]

    with pytest.raises(DefinitionError) as caught:
        render_rich_menu(guest, {**PLACEHOLDER_VALUES, "ONLINE_STORE_URL": value})

    where = f"{SHIPPED_MENUS}/guest.json: richMenu.areas[3].action.uri:"
    assert_problem(caught.value.problems, where, fragment)


def test_unknown_placeholder_is_reported_at_load(menus_dir: Path) -> None:
    edit(menus_dir, "guest", lambda d: area(d, 3)["action"].update(uri="${SHOP_URL}"))

    where = f"{menus_dir}/guest.json: richMenu.areas[3].action.uri:"
    assert_problem(problems_in(menus_dir), where, "unknown placeholder ${SHOP_URL}")
