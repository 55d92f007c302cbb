"""Customer-facing texts: Japanese defaults, overridable from a YAML file.

Set MESSAGES_FILE to a YAML mapping of template name to text to change what
customers read without touching code. Placeholders use `{name}` syntax.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app

from bot.config import ConfigError

DEFAULT_TEMPLATES: dict[str, str] = {
    "welcome": (
        "{name}さん、友だち追加ありがとうございます！\n"
        "店舗とオンラインストアの会員証・ポイント・お知らせをLINEでお届けします。\n"
        "下のメニューから「会員登録・連携」をタップすると、お持ちの会員番号と"
        "LINEがつながります。"
    ),
    "welcome_back": (
        "{name}さん、おかえりなさい！ブロック解除ありがとうございます。\n"
        "またLINEで会員証やお得な情報をお届けします。"
    ),
    "default_answer": (
        "メッセージありがとうございます。\n"
        "ただいま自動応答の準備中です。お問い合わせは下のメニューからご利用ください。"
    ),
    "unknown_action": (
        "申し訳ありません。この操作は現在ご利用いただけません。"
        "お手数ですが、メニューからもう一度お試しください。"
    ),
    "customer_fallback_name": "お客様",
}


def register_templates(defaults: dict[str, str]) -> None:
    """Add a domain's default texts (called when its module is imported)."""
    DEFAULT_TEMPLATES.update(defaults)


def init_templates(app: Flask) -> None:
    """Load the templates once: defaults, then MESSAGES_FILE overrides."""
    templates = dict(DEFAULT_TEMPLATES)
    path = app.config["SETTINGS"].MESSAGES_FILE
    if path:
        templates.update(_load_overrides(Path(path)))
    app.extensions["templates"] = templates


def _load_overrides(path: Path) -> dict[str, str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"MESSAGES_FILE {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ConfigError(f"MESSAGES_FILE {path}: must map template names to texts")
    unknown = sorted(set(data) - set(DEFAULT_TEMPLATES))
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
