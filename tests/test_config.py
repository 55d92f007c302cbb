"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import create_app
from bot.config import (
    REQUIRED_IN_PRODUCTION,
    ConfigError,
    load_settings,
    normalize_database_url,
)


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
        load_settings(environ={"BOT_ENV": "production", "SECRET_KEY": "s" * 32})
    message = str(error.value)
    for name in (
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
        "REDIS_URL",
        "DATABASE_URL",
        "BOT_BASE_URL",
        "LINE_LOGIN_CHANNEL_ID",
    ):
        assert name in message
    assert "SECRET_KEY" not in message


PRODUCTION = {
    "BOT_ENV": "production",
    "LINE_CHANNEL_SECRET": "0123456789abcdef0123456789abcdef",
    "LINE_CHANNEL_ACCESS_TOKEN": "k" * 172,
    "SECRET_KEY": "a-long-random-value-only-this-shop-knows-9f3c",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1/omo_bot_test",
    "BOT_BASE_URL": "https://bot.example.jp",
    "LINE_LOGIN_CHANNEL_ID": "1660000001",
}


def test_production_with_everything_set_starts() -> None:
    app = create_app(PRODUCTION)
    assert app.config["SETTINGS"].is_production
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["redis"].close()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECRET_KEY", "dev-secret-key-change-me"),
        ("SECRET_KEY", "x"),
        ("SECRET_KEY", "x" * 31),
        ("LINE_CHANNEL_SECRET", "dev-channel-secret"),
        ("LINE_CHANNEL_SECRET", "demo-channel-secret"),
        ("LINE_CHANNEL_ACCESS_TOKEN", "test-channel-access-token"),
        ("EC_WEBHOOK_SECRET", "shop"),
    ],
)
def test_production_refuses_published_or_short_secrets(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ={**PRODUCTION, name: value})
    assert f"{name} is a development value or shorter than 32 bytes" in str(error.value)


@pytest.mark.parametrize("name", ["BOT_BASE_URL", "LINE_LOGIN_CHANNEL_ID"])
def test_production_refuses_to_start_without_its_public_url_and_login_channel(
    name: str,
) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != name}
    with pytest.raises(ConfigError, match=f"production needs these set: {name}"):
        load_settings(environ=environ)


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", "https://", "https:///x"])
def test_production_base_url_must_be_https(url: str) -> None:
    with pytest.raises(ConfigError, match="BOT_BASE_URL must be an https:// URL"):
        load_settings(environ={**PRODUCTION, "BOT_BASE_URL": url})


@pytest.mark.parametrize("name", ["REDIS_URL", "LINE_LOGIN_CHANNEL_ID"])
def test_production_counts_a_blank_setting_as_missing(name: str) -> None:
    # " " started production on the in-process Redis stand-in, whose queue no
    # worker reads, and with every LIFF sign-in refused.
    with pytest.raises(ConfigError, match=f"production needs these set: {name}"):
        load_settings(environ={**PRODUCTION, name: "  "})


def test_production_refuses_sqlite() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL must be a postgresql:// URL"):
        load_settings(environ={**PRODUCTION, "DATABASE_URL": "sqlite:////srv/bot.db"})


def test_development_keeps_its_defaults() -> None:
    settings = load_settings(environ={"SECRET_KEY": "x"})
    assert settings.SECRET_KEY == "x" and not settings.is_production


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"WORKER_THREADS": "many"}, "WORKER_THREADS must be a whole number"),
        ({"BOT_TIMEZONE": "Mars/Olympus"}, "BOT_TIMEZONE 'Mars/Olympus'"),
        ({"LINE_API_BASE_URL": "api.line.me"}, "LINE_API_BASE_URL must be an http"),
        ({"BOT_ENV": "staging"}, "BOT_ENV must be"),
        ({"FAQ_GAPS_KEEP_DAYS": "0"}, "FAQ_GAPS_KEEP_DAYS must be at least 1"),
        # nan passed `< 0` and every sale's points then failed; inf too.
        ({"POINTS_EARN_RATE": "nan"}, "POINTS_EARN_RATE must be a number from 0"),
        ({"POINTS_EARN_RATE": "inf"}, "POINTS_EARN_RATE must be a number from 0"),
        ({"WORKER_THREADS": "0"}, "WORKER_THREADS must be at least 1"),
        ({"MULTICAST_RATE_PER_SECOND": "0"}, "MULTICAST_RATE_PER_SECOND must be"),
        ({"MAX_REQUEST_BYTES": "-1"}, "MAX_REQUEST_BYTES must be at least 1"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG"),
    ],
)
def test_bad_values_are_named(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_settings(environ=environ)


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BOT_BASE_URL=https://bot.example.jp\n")
    monkeypatch.chdir(tmp_path)
    # Set, then delete: monkeypatch then removes what .env adds to os.environ
    # (a plain delenv of an unset name restores nothing, and the next tests'
    # apps got the .env's base URL).
    monkeypatch.setenv("BOT_BASE_URL", "")
    monkeypatch.delenv("BOT_BASE_URL")
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


def test_empty_quiet_hours_means_none() -> None:
    # The README says "empty for none"; the empty value gave the default.
    assert load_settings(environ={"QUIET_HOURS": ""}).QUIET_HOURS == ""
    assert load_settings(environ={}).QUIET_HOURS == "21:00-09:00"


def test_flask_and_gunicorn_print_the_settings_problem_without_a_traceback() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "BOT_ENV": "production"}
    for name in REQUIRED_IN_PRODUCTION:
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("configuration error: production needs these set")
    assert "Traceback" not in result.stderr
