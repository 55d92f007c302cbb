"""LINE's documented rules for rich menu objects, size and tappable areas."""

from __future__ import annotations

from typing import Any

from line_emulator.action_rules import check_action
from line_emulator.rule_checks import Problems, objects

MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT = 800, 2500, 250
MIN_ASPECT_RATIO = 1.45
MAX_AREAS = 20


def check_rich_menu(problems: Problems, menu: Any) -> None:
    """Check a rich menu object: size, selected, name, chat bar text, areas."""
    if not isinstance(menu, dict):
        problems.add("", "Must be of type object")
        return
    size = _check_size(problems, menu)
    if "selected" not in menu:
        problems.add("selected", "must be specified")
    elif not isinstance(menu["selected"], bool):
        problems.add("selected", "Must be of type boolean")
    problems.text(menu, "name", "", 300, low=1, required=True)
    problems.text(menu, "chatBarText", "", 14, low=1, required=True)
    areas = problems.array(menu, "areas", "", 1, MAX_AREAS)
    for index, area in objects(areas):
        _check_area(problems, area, f"areas[{index}]", size)


def _check_size(problems: Problems, menu: dict[str, Any]) -> tuple[int, int] | None:
    if not problems.require(menu, "size", ""):
        return None
    size = menu["size"]
    width = size.get("width") if isinstance(size, dict) else None
    height = size.get("height") if isinstance(size, dict) else None
    if not isinstance(width, int) or isinstance(width, bool):
        problems.add("size.width", "must be specified")
        return None
    if not isinstance(height, int) or isinstance(height, bool):
        problems.add("size.height", "must be specified")
        return None
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        problems.add("size.width", f"Must be between {MIN_WIDTH} and {MAX_WIDTH}")
    if height < MIN_HEIGHT:
        problems.add("size.height", f"Must be greater than or equal to {MIN_HEIGHT}")
    if height > 0 and width / height < MIN_ASPECT_RATIO:
        problems.add("size", "Aspect ratio (width / height) must be at least 1.45")
    return width, height


def _check_area(
    problems: Problems, area: dict[str, Any], prop: str, size: tuple[int, int] | None
) -> None:
    if problems.require(area, "bounds", prop):
        _check_bounds(problems, area["bounds"], f"{prop}.bounds", size)
    if problems.require(area, "action", prop):
        check_action(problems, area["action"], f"{prop}.action")


def _check_bounds(
    problems: Problems, bounds: Any, prop: str, size: tuple[int, int] | None
) -> None:
    if not isinstance(bounds, dict):
        problems.add(prop, "Must be of type object")
        return
    values = {}
    for key, low in (("x", 0), ("y", 0), ("width", 1), ("height", 1)):
        value = bounds.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            problems.add(f"{prop}.{key}", "must be specified")
            return
        if value < low:
            problems.add(f"{prop}.{key}", f"Must be greater than or equal to {low}")
            return
        values[key] = value
    if size is None:
        return
    if values["x"] + values["width"] > size[0]:
        problems.add(prop, "The area must be within the rich menu width")
    if values["y"] + values["height"] > size[1]:
        problems.add(prop, "The area must be within the rich menu height")
