"""Rich menu definitions: the shipped menus load, and LINE's rules are enforced."""

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.richmenu.definitions import (
    MAX_IMAGE_BYTES,
    DefinitionError,
    load_definitions,
    render_rich_menu,
)
from tests.richmenu.helpers import (
    PLACEHOLDER_VALUES,
    SHIPPED_MENUS,
    Document,
    area,
    assert_problem,
    by_alias,
    edit,
    problems_in,
)

# The shipped menus


def test_shipped_definitions_load_cleanly() -> None:
    menus = by_alias(load_definitions(SHIPPED_MENUS))

    assert sorted(menus) == ["guest", "member-a", "member-b", "support"]
    assert [alias for alias, menu in menus.items() if menu.default] == ["guest"]
    for alias, menu in menus.items():
        assert menu.name == alias
        assert menu.source == SHIPPED_MENUS / f"{alias}.json"
        assert menu.image_type == "image/png"
        data = menu.image_path.read_bytes()
        assert menu.image_sha256 == hashlib.sha256(data).hexdigest()
        assert set(menu.rich_menu) == {
            "size",
            "selected",
            "name",
            "chatBarText",
            "areas",
        }
        for shipped_area in menu.rich_menu["areas"]:
            assert set(shipped_area) == {"bounds", "action"}


def test_shipped_images_fit_line_limits() -> None:
    for menu in load_definitions(SHIPPED_MENUS):
        size = menu.rich_menu["size"]
        assert menu.image_path.stat().st_size <= MAX_IMAGE_BYTES
        with Image.open(menu.image_path) as image:
            assert image.format == "PNG"
            assert image.size == (size["width"], size["height"])


def test_shipped_menus_use_the_agreed_actions() -> None:
    menus = by_alias(load_definitions(SHIPPED_MENUS))

    def actions(alias: str) -> list[str]:
        found = []
        for shipped_area in menus[alias].rich_menu["areas"]:
            action = shipped_area["action"]
            found.append(action.get("data") or action.get("uri"))
        return found

    assert actions("guest") == [
        "action=link",
        "action=stores",
        "action=faq",
        "${ONLINE_STORE_URL}",
    ]
    assert actions("member-a") == [
        "action=tab&tab=member-a",
        "action=tab&tab=member-b",
        "${LIFF_URL}",
        "action=points",
        "action=coupons",
    ]
    assert actions("member-b") == [
        "action=tab&tab=member-a",
        "action=tab&tab=member-b",
        "action=faq",
        "action=stores",
        "${ONLINE_STORE_URL}",
        "action=unlink",
    ]
    assert actions("support") == ["action=end_support", "action=faq", "${LIFF_URL}"]


def test_every_area_has_a_spoken_label() -> None:
    # LINE reads an action's label aloud to customers using a screen reader.
    for menu in load_definitions(SHIPPED_MENUS):
        for tile in menu.rich_menu["areas"]:
            assert 1 <= len(tile["action"].get("label", "")) <= 20, menu.name


def test_member_tabs_switch_to_each_other() -> None:
    menus = by_alias(load_definitions(SHIPPED_MENUS))

    for here, other in (("member-a", "member-b"), ("member-b", "member-a")):
        switches = [
            a["action"]
            for a in menus[here].rich_menu["areas"]
            if a["action"]["type"] == "richmenuswitch"
        ]
        assert {
            "type": "richmenuswitch",
            "richMenuAliasId": other,
            "data": f"action=tab&tab={other}",
            "label": {"member-a": "会員メニュー", "member-b": "お店・ヘルプ"}[other],
        } in switches


def test_shipped_menus_render_with_all_placeholders() -> None:
    for menu in load_definitions(SHIPPED_MENUS):
        body = render_rich_menu(menu, PLACEHOLDER_VALUES)
        assert "${" not in json.dumps(body)


# Size and areas


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (
            lambda d: d["richMenu"]["size"].update(width=700),
            "richMenu.size.width",
            "between 800 and 2500",
        ),
        (
            lambda d: d["richMenu"]["size"].update(width=2600),
            "richMenu.size.width",
            "between 800 and 2500",
        ),
        (
            lambda d: d["richMenu"]["size"].update(height=200),
            "richMenu.size.height",
            "less than 250",
        ),
        (
            lambda d: d["richMenu"]["size"].update(width=1200, height=1000),
            "richMenu.size",
            "below 1.45",
        ),
        (
            lambda d: d["richMenu"]["size"].update(width="2500"),
            "richMenu.size",
            "integer width and height",
        ),
        (lambda d: d["richMenu"].update(areas=[]), "richMenu.areas", "1-20 areas"),
        (
            lambda d: d["richMenu"].update(areas=[area(d, 1)] * 21),
            "richMenu.areas",
            "1-20 areas",
        ),
        (
            lambda d: area(d, 2)["bounds"].update(height=900),
            "richMenu.areas[2].bounds",
            "area extends outside the 2500x1686 image",
        ),
        (
            lambda d: area(d, 1)["bounds"].update(x=-1),
            "richMenu.areas[1].bounds",
            "must not be negative",
        ),
        (
            lambda d: area(d, 1)["bounds"].update(width=0),
            "richMenu.areas[1].bounds",
            "at least 1",
        ),
        (
            lambda d: area(d, 1)["bounds"].update(y=843.5),
            "richMenu.areas[1].bounds",
            "integer x, y, width and height",
        ),
        (
            lambda d: area(d, 2)["bounds"].update(x=800),
            "richMenu.areas[2].bounds",
            "overlaps richMenu.areas[1].bounds",
        ),
        (
            lambda d: d["richMenu"].update(chatBarText="メニュー" * 4),
            "richMenu.chatBarText",
            "16 characters long (max 14)",
        ),
        (
            lambda d: d["richMenu"].update(name="g" * 301),
            "richMenu.name",
            "max 300",
        ),
        (
            lambda d: d["richMenu"].update(selected="yes"),
            "richMenu.selected",
            "true or false",
        ),
        (lambda d: d["richMenu"].update(colour="red"), "richMenu.colour", "unknown"),
        (lambda d: area(d, 0).update(tooltip="x"), "richMenu.areas[0].tooltip", ""),
        (lambda d: area(d, 0).update(label=5), "richMenu.areas[0].label", "string"),
    ],
)
def test_menu_shape_problems_name_file_and_field(
    menus_dir: Path, change: Callable[[Document], Any], field: str, fragment: str
) -> None:
    edit(menus_dir, "guest", change)

    assert_problem(
        problems_in(menus_dir), f"{menus_dir}/guest.json: {field}:", fragment
    )


# Aliases, names and the default menu


@pytest.mark.parametrize("alias", ["member a", "会員", "a" * 33, "", 7])
def test_alias_format_is_checked(menus_dir: Path, alias: Any) -> None:
    edit(menus_dir, "support", lambda d: d.update(alias=alias))

    assert_problem(problems_in(menus_dir), f"{menus_dir}/support.json: alias:", "1-32")


def test_duplicate_alias_and_name_are_reported(menus_dir: Path) -> None:
    edit(menus_dir, "support", lambda d: d.update(alias="guest"))
    edit(menus_dir, "support", lambda d: d["richMenu"].update(name="member-a"))

    problems = problems_in(menus_dir)

    where = f"{menus_dir}/support.json"
    assert_problem(problems, f"{where}: alias:", f"also used by {menus_dir}/guest.json")
    assert_problem(problems, f"{where}: richMenu.name:", "also used by")


def test_exactly_one_default_menu(menus_dir: Path) -> None:
    edit(menus_dir, "support", lambda d: d.update(default=True))
    assert_problem(problems_in(menus_dir), "exactly one", "guest.json, support.json")

    edit(menus_dir, "support", lambda d: d.update(default=False))
    edit(menus_dir, "guest", lambda d: d.pop("default"))
    assert_problem(problems_in(menus_dir), "exactly one", "found: none")

    edit(menus_dir, "guest", lambda d: d.update(default="true"))
    assert_problem(problems_in(menus_dir), f"{menus_dir}/guest.json: default:", "true")


# Images


def test_missing_image_is_reported(menus_dir: Path) -> None:
    (menus_dir / "member-a.png").unlink()

    where = f"{menus_dir}/member-a.json: image:"
    assert_problem(problems_in(menus_dir), where, "not found")


def test_image_of_the_wrong_size_is_reported(menus_dir: Path) -> None:
    Image.new("RGB", (2500, 843), "white").save(menus_dir / "member-a.png")

    where = f"{menus_dir}/member-a.json: image:"
    assert_problem(problems_in(menus_dir), where, "2500x843 pixels but the menu is")


def test_image_over_one_megabyte_is_reported(menus_dir: Path) -> None:
    noise = Image.frombytes("RGB", (2500, 1686), os.urandom(2500 * 1686 * 3))
    noise.save(menus_dir / "guest.png")
    assert (menus_dir / "guest.png").stat().st_size > MAX_IMAGE_BYTES

    where = f"{menus_dir}/guest.json: image:"
    assert_problem(problems_in(menus_dir), where, f"(max {MAX_IMAGE_BYTES})")


def test_image_that_is_not_png_or_jpeg_is_reported(menus_dir: Path) -> None:
    Image.new("RGB", (2500, 1686), "white").save(menus_dir / "guest.gif")
    edit(menus_dir, "guest", lambda d: d.update(image="guest.gif"))
    (menus_dir / "support.png").write_bytes(b"not an image")

    problems = problems_in(menus_dir)

    assert_problem(problems, f"{menus_dir}/guest.json: image:", "GIF, not PNG or JPEG")
    assert_problem(problems, f"{menus_dir}/support.json: image:", "not a readable")


def test_jpeg_image_is_accepted(menus_dir: Path) -> None:
    with Image.open(menus_dir / "guest.png") as image:
        image.convert("RGB").save(menus_dir / "guest.jpg", quality=85)
    edit(menus_dir, "guest", lambda d: d.update(image="guest.jpg"))

    guest = by_alias(load_definitions(menus_dir))["guest"]

    assert guest.image_type == "image/jpeg"
    assert guest.image_path == menus_dir / "guest.jpg"


# Files


def test_file_level_problems(menus_dir: Path) -> None:
    (menus_dir / "broken.json").write_text('{"alias": "broken",', encoding="utf-8")
    (menus_dir / "list.json").write_text("[]", encoding="utf-8")
    edit(menus_dir, "support", lambda d: d.update(defualt=True))
    edit(menus_dir, "member-b", lambda d: d.pop("richMenu"))

    problems = problems_in(menus_dir)

    assert_problem(
        problems, f"{menus_dir}/broken.json:", "not a readable JSON file: Expecting"
    )
    assert_problem(problems, f"{menus_dir}/list.json:", "must be a JSON object")
    assert_problem(problems, f"{menus_dir}/support.json: defualt:", "unknown key")
    assert_problem(problems, f"{menus_dir}/member-b.json: richMenu:", "JSON object")


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    assert_problem(problems_in(tmp_path), str(tmp_path), "no rich menu definitions")


def test_problems_in_all_files_are_raised_together(menus_dir: Path) -> None:
    edit(menus_dir, "guest", lambda d: d["richMenu"].update(chatBarText="x" * 15))
    edit(menus_dir, "support", lambda d: area(d, 0)["action"].update(data="x" * 301))
    (menus_dir / "member-a.png").unlink()

    problems = problems_in(menus_dir)

    assert len(problems) == 3
    assert_problem(problems, f"{menus_dir}/guest.json: richMenu.chatBarText:", "15")
    assert_problem(problems, f"{menus_dir}/member-a.json: image:", "not found")
    where = f"{menus_dir}/support.json: richMenu.areas[0].action.data:"
    assert_problem(problems, where, "max 300")
    message = str(DefinitionError(problems))
    assert message.startswith("3 problem(s)") and "guest.json" in message
