"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import create_app
from bot.config import ConfigError, load_settings, normalize_database_url


def test_defaults_are_the_embedded_ones() -> None:
    settings = load_settings(environ={})
    assert settings.BOT_ENV == "development"
    assert settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.DATABASE_URL.endswith("instance/bot.sqlite3")
    assert settings.embedded_redis
    assert settings.LINE_API_BASE_URL == "https://api.line.me"
    assert settings.LINE_API_DATA_BASE_URL == "https://api-data.line.me"
    assert settings.LINE_ACCESS_BASE_URL == "https://access.line.me"
    assert settings.BOT_TIMEZONE == "Asia/Tokyo"


def test_environment_values_are_read_and_typed() -> None:
    settings = load_settings(
        environ={
            "WORKER_THREADS": "12",
            "LINE_API_TIMEOUT_SECONDS": "2.5",
            "REDIS_URL": "redis://cache:6379/2",
        }
    )
    assert settings.WORKER_THREADS == 12
    assert settings.LINE_API_TIMEOUT_SECONDS == 2.5
    assert not settings.embedded_redis


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db:5432/shop", "postgresql+psycopg://u:p@db:5432/shop"),
        ("postgres://u:p@db/shop", "postgresql+psycopg://u:p@db/shop"),
        ("postgresql+psycopg://u@db/shop", "postgresql+psycopg://u@db/shop"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_platform_database_urls_work_as_handed_out(url: str, expected: str) -> None:
    assert normalize_database_url(url) == expected


def test_production_names_every_missing_secret_at_start_up() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ={"BOT_ENV": "production", "SECRET_KEY": "s"})
    message = str(error.value)
    for name in (
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
        "REDIS_URL",
        "DATABASE_URL",
    ):
        assert name in message
    assert "SECRET_KEY" not in message.split("set:")[1]


def test_production_with_everything_set_starts() -> None:
    app = create_app(
        {
            "BOT_ENV": "production",
            "LINE_CHANNEL_SECRET": "a",
            "LINE_CHANNEL_ACCESS_TOKEN": "b",
            "SECRET_KEY": "c",
            "REDIS_URL": "redis://127.0.0.1:6379/15",
            "DATABASE_URL": "postgresql://postgres@127.0.0.1/omo_bot_test",
        }
    )
    assert app.config["SETTINGS"].is_production
    app.extensions["redis"].close()


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"WORKER_THREADS": "many"}, "WORKER_THREADS must be a whole number"),
        ({"BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE 'Mars/Olympus'"),
        ({"LINE_API_BASE_URL": "api.line.me"}, "LINE_API_BASE_URL must be an http"),
        ({"BOT_ENV": "staging"}, "BOT_ENV must be"),
        ({"FAQ_GAPS_KEEP_DAYS": "0"}, "FAQ_GAPS_KEEP_DAYS must be at least 1"),
    ],
)
def test_bad_values_are_named(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings(environ=environ)


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BOT_BASE_URL=https://bot.example.jp\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOT_BASE_URL", raising=False)
    assert load_settings().BOT_BASE_URL == "https://bot.example.jp"


def test_message_templates_can_be_overridden(tmp_path: Path) -> None:
    override = tmp_path / "messages.yaml"
    override.write_text(
        "default_answer: いつもありがとうございます。\n", encoding="utf-8"
    )
    app = create_app({"BOT_ENV": "test", "MESSAGES_FILE": str(override)})
    assert (
        app.extensions["templates"]["default_answer"] == "いつもありがとうございます。"
    )
    override.write_text("no_such_template: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown templates no_such_template"):
        create_app({"BOT_ENV": "test", "MESSAGES_FILE": str(override)})
