"""Load and validate rich menu definitions: LINE's rich menu JSON plus our own keys."""

import copy
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from bot.line.limits import line_length

PLACEHOLDERS = frozenset({"ONLINE_STORE_URL", "LIFF_URL", "BOT_BASE_URL"})
MAX_IMAGE_BYTES = 1024 * 1024
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}

_FILE_KEYS = {"alias", "image", "default", "richMenu"}
_MENU_KEYS = {"size", "selected", "name", "chatBarText", "areas"}
# Drawing hints for richmenus/draw.py; removed before the body goes to LINE.
_OWN_AREA_KEYS = {"label", "caption", "icon", "style"}
_POSTBACK_KEYS = {"label", "displayText", "text", "inputOption", "fillInText"}
_ACTION_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "postback": ({"data"}, _POSTBACK_KEYS),
    "message": ({"text"}, {"label"}),
    "uri": ({"uri"}, {"label", "altUri"}),
    "datetimepicker": ({"data", "mode"}, {"label", "initial", "max", "min"}),
    "richmenuswitch": ({"richMenuAliasId", "data"}, {"label"}),
}
_TEXT_LIMITS = {"label": 20, "data": 300, "displayText": 300, "text": 300}
_TEXT_LIMITS["fillInText"] = 300
_INPUT_OPTIONS = {"closeRichMenu", "openRichMenu", "openKeyboard", "openVoice"}
_URI_SCHEMES = {"http", "https", "line", "tel"}
_DATETIME_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M", "datetime": "%Y-%m-%dT%H:%M"}
# As LINE's CreateRichMenuAliasRequest states it: lower case only.
_ALIAS_RE = re.compile(r"[a-z0-9_-]{1,32}")
_PLACEHOLDER_RE = re.compile(r"\$\{([^}]*)\}")


class DefinitionError(Exception):
    """Every problem found in rich menu definitions, each naming file and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        heading = f"{len(self.problems)} problem(s) in rich menu definitions:"
        super().__init__("\n".join([heading, *self.problems]))


@dataclass(frozen=True)
class MenuDefinition:
    """One valid rich menu: LINE's request body (placeholders kept) and its image."""

    name: str
    alias: str
    default: bool
    rich_menu: dict[str, Any]
    image_path: Path
    image_type: str
    image_sha256: str
    source: Path


class _Report:
    """Collect the problems of one definition file, and what other files must match."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        self.document: dict[str, Any] = {}
        self.switch_targets: list[tuple[str, str]] = []

    def __call__(self, field: str, message: str) -> None:
        where = f"{self.source}: {field}" if field else str(self.source)
        self.problems.append(f"{where}: {message}")


def load_definitions(directory: Path) -> list[MenuDefinition]:
    """Load every ``*.json`` menu in a directory, or raise one DefinitionError."""
    problems: list[str] = []
    reports: list[_Report] = []
    definitions: list[MenuDefinition] = []
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        problems.append(f"{directory}: no rich menu definitions (*.json) found")
    for source in files:
        reports.append(_Report(source, problems))
        definition = _load_file(source, reports[-1])
        if definition is not None:
            definitions.append(definition)
    _check_across_files(reports, problems)
    if problems:
        problems.sort(key=lambda problem: problem.split(": ", 1)[0])  # by file
        raise DefinitionError(problems)
    return definitions


def render_rich_menu(
    definition: MenuDefinition, placeholders: Mapping[str, str]
) -> dict[str, Any]:
    """Return the LINE request body with every ``${NAME}`` placeholder filled in."""
    problems: list[str] = []
    report = _Report(definition.source, problems)

    def substitute(value: str, field: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if not placeholders.get(match.group(1)):
                report(field, f"placeholder {match.group(0)} has no value")
                return match.group(0)
            return placeholders[match.group(1)]

        return _PLACEHOLDER_RE.sub(replace, value)

    body = _map_strings(copy.deepcopy(definition.rich_menu), "richMenu", substitute)
    if not problems:
        _check_menu(body, report, rendered=True)
    if problems:
        raise DefinitionError(problems)
    return body


def _load_file(source: Path, report: _Report) -> MenuDefinition | None:
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError covers bad UTF-8 and JSON
        report("", f"not a readable JSON file: {exc}")
        return None
    if not isinstance(document, dict):
        report("", "must be a JSON object")
        return None
    report.document = document
    problems_before = len(report.problems)
    for key in sorted(set(document) - _FILE_KEYS):
        report(key, "unknown key")
    alias = document.get("alias")
    if not isinstance(alias, str) or not _ALIAS_RE.fullmatch(alias):
        report("alias", "must be 1-32 characters of a-z, 0-9, '_' or '-'")
    default = document.get("default", False)
    if not isinstance(default, bool):
        report("default", "must be true or false")
    body = document.get("richMenu")
    size = None
    if isinstance(body, dict):
        size = _check_menu(body, report, rendered=False)
        _map_strings(body, "richMenu", lambda v, f: _check_placeholders(v, f, report))
    else:
        report("richMenu", "must be a JSON object")
    image = _check_image(source, document.get("image"), size, report)
    if image is None or len(report.problems) > problems_before:
        return None
    rich_menu = _strip_own_keys(body)
    return MenuDefinition(body["name"], alias, default, rich_menu, *image, source)


def _check_placeholders(value: str, field: str, report: _Report) -> str:
    for name in _PLACEHOLDER_RE.findall(value):
        if name not in PLACEHOLDERS:
            allowed = ", ".join(sorted(PLACEHOLDERS))
            report(field, f"unknown placeholder ${{{name}}} (allowed: {allowed})")
    return value


def _check_menu(
    body: dict[str, Any], report: _Report, *, rendered: bool
) -> tuple[int, int] | None:
    for key in sorted(set(body) - _MENU_KEYS):
        report(f"richMenu.{key}", "unknown key")
    size = _check_size(body.get("size"), report)
    if not isinstance(body.get("selected"), bool):
        report("richMenu.selected", "must be true or false")
    _check_text(body.get("name"), "richMenu.name", 300, report)
    _check_text(body.get("chatBarText"), "richMenu.chatBarText", 14, report)
    areas = body.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= 20:
        report("richMenu.areas", "must be a list of 1-20 areas")
        return size
    boxes: list[tuple[int, int, int, int, str]] = []
    for index, area in enumerate(areas):
        field = f"richMenu.areas[{index}]"
        if not isinstance(area, dict):
            report(field, "must be a JSON object")
            continue
        for key in sorted(set(area) - {"bounds", "action"} - _OWN_AREA_KEYS):
            report(f"{field}.{key}", "unknown key")
        for key in sorted(_OWN_AREA_KEYS & set(area)):
            if not isinstance(area[key], str):
                report(f"{field}.{key}", "must be a string")
        box = _check_bounds(area.get("bounds"), f"{field}.bounds", size, report)
        if box is not None:
            boxes.append((*box, f"{field}.bounds"))
        _check_action(area.get("action"), f"{field}.action", report, rendered)
    for i, (x, y, w, h, field) in enumerate(boxes):
        for ox, oy, ow, oh, other in boxes[:i]:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                report(field, f"area overlaps {other}")
    return size


def _check_size(size: Any, report: _Report) -> tuple[int, int] | None:
    keys = ("width", "height")
    if not isinstance(size, dict) or not all(_is_int(size.get(k)) for k in keys):
        report("richMenu.size", "must have integer width and height")
        return None
    width, height = size["width"], size["height"]
    if not 800 <= width <= 2500:
        report("richMenu.size.width", f"{width} is not between 800 and 2500")
    if height < 250:
        report("richMenu.size.height", f"{height} is less than 250")
    if not (800 <= width <= 2500 and height >= 250):
        return None
    if width / height < 1.45:
        report("richMenu.size", f"width/height {width / height:.3f} is below 1.45")
    return width, height


def _check_bounds(
    bounds: Any, field: str, size: tuple[int, int] | None, report: _Report
) -> tuple[int, int, int, int] | None:
    keys = ("x", "y", "width", "height")
    if not isinstance(bounds, dict) or not all(_is_int(bounds.get(k)) for k in keys):
        report(field, "must have integer x, y, width and height")
        return None
    x, y, width, height = (bounds[k] for k in keys)
    if x < 0 or y < 0 or width < 1 or height < 1:
        report(field, "x and y must not be negative, width and height at least 1")
        return None
    if size is not None and (x + width > size[0] or y + height > size[1]):
        report(field, f"area extends outside the {size[0]}x{size[1]} image")
        return None
    return x, y, width, height


def _check_action(action: Any, field: str, report: _Report, rendered: bool) -> None:
    if not isinstance(action, dict):
        report(field, "must be a JSON object")
        return
    kind = action.get("type")
    if kind not in _ACTION_KEYS:
        allowed = ", ".join(sorted(_ACTION_KEYS))
        report(f"{field}.type", f"{kind!r} is not allowed in a rich menu ({allowed})")
        return
    required, optional = _ACTION_KEYS[kind]
    for key in sorted(required - set(action)):
        report(f"{field}.{key}", f"is required for a {kind} action")
    for key in sorted(set(action) - required - optional - {"type"}):
        report(f"{field}.{key}", f"unknown key for a {kind} action")
    for key in sorted(_TEXT_LIMITS.keys() & action.keys()):
        _check_text(action[key], f"{field}.{key}", _TEXT_LIMITS[key], report)
    if kind == "postback":
        if "text" in action and "displayText" in action:
            report(f"{field}.text", "cannot be used together with displayText")
        if "inputOption" in action and action["inputOption"] not in _INPUT_OPTIONS:
            report(f"{field}.inputOption", f"must be one of {sorted(_INPUT_OPTIONS)}")
    elif kind == "uri":
        _check_uri(action.get("uri"), f"{field}.uri", report, rendered)
        alt = action.get("altUri")
        if isinstance(alt, dict) and set(alt) == {"desktop"}:
            _check_uri(alt["desktop"], f"{field}.altUri.desktop", report, rendered)
        elif "altUri" in action:
            report(f"{field}.altUri", "must be an object with only 'desktop'")
    elif kind == "datetimepicker":
        _check_datetimepicker(action, field, report)
    elif kind == "richmenuswitch" and "richMenuAliasId" in action:
        alias = action["richMenuAliasId"]
        if not isinstance(alias, str) or not _ALIAS_RE.fullmatch(alias):
            report(f"{field}.richMenuAliasId", "is not a valid alias id")
        else:
            report.switch_targets.append((f"{field}.richMenuAliasId", alias))


def _check_uri(value: Any, field: str, report: _Report, rendered: bool) -> None:
    unresolved = not rendered and isinstance(value, str) and "${" in value
    if not _check_text(value, field, None if unresolved else 1000, report):
        return
    if unresolved and value.startswith("${"):
        return  # The scheme is only known once the placeholder is filled in.
    scheme, colon, _ = value.partition(":")
    if not colon or scheme.lower() not in _URI_SCHEMES:
        report(field, f"must use one of the schemes {sorted(_URI_SCHEMES)}")


def _check_datetimepicker(action: dict[str, Any], field: str, report: _Report) -> None:
    mode = action.get("mode")
    if mode not in _DATETIME_FORMATS:
        report(f"{field}.mode", "must be date, time or datetime")
        return
    values: dict[str, datetime] = {}
    for key in ("initial", "min", "max"):
        text = str(action.get(key, "")).replace("t", "T")
        try:
            values[key] = datetime.strptime(text, _DATETIME_FORMATS[mode])
        except ValueError:
            if key in action:
                report(f"{field}.{key}", f"{action[key]!r} is not a valid {mode}")
            continue
        if not 1900 <= values[key].year <= 2100:
            report(f"{field}.{key}", "must be between 1900-01-01 and 2100-12-31")
    if "min" in values and "max" in values and values["min"] >= values["max"]:
        report(f"{field}.max", "must be later than min")


def _check_text(value: Any, field: str, limit: int | None, report: _Report) -> bool:
    if not isinstance(value, str) or not value:
        report(field, "must be a non-empty string")
        return False
    length = line_length(value)
    if limit is not None and length > limit:
        report(field, f"is {length} characters long (max {limit})")
        return False
    return True


def _check_image(
    source: Path, image: Any, size: tuple[int, int] | None, report: _Report
) -> tuple[Path, str, str] | None:
    if not isinstance(image, str) or not image:
        report("image", "must name the menu's image file")
        return None
    path = source.parent / image
    try:
        data = path.read_bytes()
        with Image.open(path) as picture:
            image_format, pixels = picture.format, picture.size
    except FileNotFoundError:
        report("image", f"image file {path} not found")
        return None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        report("image", f"{path} is not a readable PNG or JPEG image")
        return None
    if len(data) > MAX_IMAGE_BYTES:
        report("image", f"{path} is {len(data)} bytes (max {MAX_IMAGE_BYTES})")
    if image_format not in IMAGE_TYPES:
        report("image", f"{path} is {image_format}, not PNG or JPEG")
        return None
    if size is not None and pixels != size:
        found, wanted = "x".join(map(str, pixels)), "x".join(map(str, size))
        report("image", f"{path} is {found} pixels but the menu is {wanted}")
    return path, IMAGE_TYPES[image_format], hashlib.sha256(data).hexdigest()


def _check_across_files(reports: list[_Report], problems: list[str]) -> None:
    seen: dict[str, dict[str, Path]] = {"alias": {}, "richMenu.name": {}}
    for report in reports:
        body = report.document.get("richMenu")
        values = {
            "alias": report.document.get("alias"),
            "richMenu.name": body.get("name") if isinstance(body, dict) else None,
        }
        for field, value in values.items():
            if isinstance(value, str) and value in seen[field]:
                report(field, f"{value!r} is also used by {seen[field][value]}")
            elif isinstance(value, str):
                seen[field][value] = report.source
    for report in reports:
        for field, target in report.switch_targets:
            if target not in seen["alias"]:
                report(field, f"no definition has the alias {target!r}")
    defaults = [r.source.name for r in reports if r.document.get("default") is True]
    if reports and len(defaults) != 1:
        found = ", ".join(defaults) or "none"
        problems.append(f'exactly one menu must have "default": true (found: {found})')


def _strip_own_keys(body: dict[str, Any]) -> dict[str, Any]:
    stripped = copy.deepcopy(body)
    for area in stripped["areas"]:
        for key in _OWN_AREA_KEYS:
            area.pop(key, None)
    return stripped


def _map_strings(value: Any, field: str, change: Callable[[str, str], str]) -> Any:
    if isinstance(value, str):
        return change(value, field)
    if isinstance(value, dict):
        return {k: _map_strings(v, f"{field}.{k}", change) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_strings(v, f"{field}[{i}]", change) for i, v in enumerate(value)]
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
