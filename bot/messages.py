"""Customer-facing texts: Japanese defaults, overridable from a YAML file.

Set MESSAGES_FILE to a YAML mapping of template name to text to change what
customers read without touching code. Placeholders use `{name}` syntax.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from bot.config import ConfigError
from bot.yaml_files import UnreadableYaml, read_yaml


def register_templates(app: Flask, defaults: dict[str, str]) -> None:
    """Add a domain's default texts (from its `init_app`); a name used twice fails."""
    registered = app.extensions.setdefault("template_defaults", {})
    twice = sorted(registered.keys() & defaults.keys())
    if twice:
        raise ConfigError(f"customer texts registered twice: {', '.join(twice)}")
    registered.update(defaults)


def init_templates(app: Flask) -> None:
    """Load the templates once: the domains' defaults, then MESSAGES_FILE overrides."""
    defaults = app.extensions.get("template_defaults", {})
    templates = dict(defaults)
    path = app.config["SETTINGS"].MESSAGES_FILE
    if path:
        templates.update(_load_overrides(Path(path), defaults.keys()))
    app.extensions["templates"] = templates


def _load_overrides(path: Path, known: Iterable[str]) -> dict[str, str]:
    try:
        data = read_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, UnreadableYaml) as exc:
        raise ConfigError(f"MESSAGES_FILE {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ConfigError(f"MESSAGES_FILE {path}: must map template names to texts")
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(
            f"MESSAGES_FILE {path}: unknown templates {', '.join(unknown)}"
        )
    return data


def render(template: str, **values: Any) -> str:
    """Return the template's text with its placeholders filled in."""
    return current_app.extensions["templates"][template].format(**values)


def text_message(text: str, **extra: Any) -> dict[str, Any]:
    """Build a LINE text message object."""
    return {"type": "text", "text": text, **extra}
