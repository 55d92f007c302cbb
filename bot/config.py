"""Every setting, read from the environment once, with production start-up checks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

# Settings that a production deployment must set explicitly.
REQUIRED_IN_PRODUCTION = (
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
    "SECRET_KEY",
    "REDIS_URL",
    "DATABASE_URL",
    "BOT_BASE_URL",
    "LINE_LOGIN_CHANNEL_ID",
)
# Secrets checked in production: not a value published with this project, and
# at least as long as LINE's own channel secret. An empty EC_WEBHOOK_SECRET
# is allowed there (the shop webhooks stay refused).
SECRETS = ("SECRET_KEY", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")
OPTIONAL_SECRETS = ("EC_WEBHOOK_SECRET",)
MIN_SECRET_BYTES = 32
# Defaults, demo, emulator and test values: anyone can read them here.
DEVELOPMENT_SECRETS = frozenset(
    {
        "dev-secret-key-change-me",
        "dev-channel-secret",
        "dev-channel-access-token",
        "demo-channel-secret",
        "demo-channel-access-token",
        "emulator-channel-secret",
        "emulator-access-token",
        "test-channel-secret",
        "test-channel-access-token",
    }
)


# Settings whose empty value means "none" rather than "the default".
BLANK_IS_A_VALUE = frozenset({"QUIET_HOURS"})


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; raised at start-up, never mid-request."""


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'bot.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Parsed settings; field names are the environment variable names."""

    BOT_ENV: str = "development"
    LINE_CHANNEL_SECRET: str = "dev-channel-secret"
    LINE_CHANNEL_ACCESS_TOKEN: str = "dev-channel-access-token"
    LINE_API_BASE_URL: str = "https://api.line.me"
    LINE_API_DATA_BASE_URL: str = "https://api-data.line.me"
    LINE_ACCESS_BASE_URL: str = "https://access.line.me"
    LINE_API_TIMEOUT_SECONDS: float = 10.0
    LINE_LOGIN_CHANNEL_ID: str = ""
    LIFF_ID: str = ""
    DATABASE_URL: str = field(default_factory=_default_database_url)
    REDIS_URL: str = ""
    BOT_BASE_URL: str = "http://127.0.0.1:8000"
    ONLINE_STORE_URL: str = "https://shop.example.com"
    # Rich menu definitions: deployed by `richmenu deploy`, checked at start-up.
    RICHMENU_DIR: str = str(Path(__file__).resolve().parents[1] / "richmenus")
    SECRET_KEY: str = "dev-secret-key-change-me"
    BOT_TIMEZONE: str = "Asia/Tokyo"
    MESSAGES_FILE: str = ""
    WEBHOOK_MAX_BYTES: int = 1024 * 1024
    # Largest request body anywhere else (forms, APIs, shop webhooks).
    MAX_REQUEST_BYTES: int = 1024 * 1024
    WORKER_THREADS: int = 8
    JOB_MAX_RETRIES: int = 6
    JOB_MIN_BACKOFF_MS: int = 1000
    JOB_MAX_BACKOFF_MS: int = 5 * 60 * 1000
    USER_LOCK_SECONDS: int = 60
    LOG_LEVEL: str = "INFO"
    # Reverse proxies in front of gunicorn whose X-Forwarded-* headers to trust.
    TRUSTED_PROXIES: int = 0
    # FAQ, handoff to operators and the operator console (issue 6).
    FAQ_FILE: str = "faq/faq.yaml"
    # Days to keep questions the bot could not answer (with the customer's id).
    FAQ_GAPS_KEEP_DAYS: int = 90
    BUSINESS_HOURS: str = "Mon-Fri 10:00-18:00"
    # Whole days without people: `2026-12-29..2027-01-03, 2027-01-11`.
    BUSINESS_CLOSED_DAYS: str = ""
    HANDOFF_NO_ANSWER_MINUTES: int = 15
    HANDOFF_IDLE_MINUTES: int = 30
    # Seconds between keep-alive comments on the console's live stream.
    OPERATOR_STREAM_HEARTBEAT_SECONDS: float = 15.0
    # Live streams one operator may hold open at once, over all processes.
    OPERATOR_STREAMS_PER_OPERATOR: int = 4
    # Live streams a process whose connections hold threads (gthread) serves.
    OPERATOR_STREAMS_PER_THREADED_PROCESS: int = 2
    # Console sign-in failures before 429, per account and per IP, in a window.
    OPERATOR_FAILURE_WINDOW_SECONDS: int = 900
    OPERATOR_MAX_FAILURES_PER_ACCOUNT: int = 5
    OPERATOR_MAX_FAILURES_PER_IP: int = 20
    # A console session ends after this long without a request (or on sign-out).
    OPERATOR_SESSION_IDLE_MINUTES: int = 120
    # Account linking and rich menus (issue 3).
    LINK_TOKEN_TTL_SECONDS: int = 600
    LINK_NONCE_TTL_SECONDS: int = 600
    LINK_FAILURE_WINDOW_SECONDS: int = 900
    LINK_MAX_FAILURES_PER_ACCOUNT: int = 10
    LINK_MAX_FAILURES_PER_IP: int = 50
    MEMBER_NO_PREFIX: str = "29"
    RICHMENU_BULK_CALLS_PER_SECOND: float = 5.0
    # LINE's limit for Create rich menu and for Delete rich menu: 100 an hour.
    RICHMENU_CREATE_DELETE_PER_HOUR: int = 100
    # A call whose rate-limit slot is further off than this fails instead.
    RATE_LIMIT_MAX_WAIT_SECONDS: float = 30.0
    # Member card, register and points (issue 4).
    CARD_CODE_TTL_SECONDS: int = 60
    # Points earned per yen paid: 0.01 is 1 point per 100 yen (rounded down).
    POINTS_EARN_RATE: float = 0.01
    POINTS_EXPIRY_DAYS: int = 365
    EC_WEBHOOK_SECRET: str = ""
    # Outgoing mail (e-mail address proof). Without SMTP_HOST, development and
    # the demo print the mail; production logs that it was not sent.
    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_STARTTLS: int = 1
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: str = ""
    MAIL_FROM: str = "no-reply@example.com"
    EMAIL_PROOF_TTL_HOURS: int = 72
    THANKS_DELAY_MINUTES: int = 10
    REVIEW_REQUEST_DAYS: int = 7
    BARCODE_FORMAT: str = "code128"
    # Stores, beacons and segment messages.
    BEACON_COOLDOWN_HOURS: int = 24
    LINE_BOT_BASIC_ID: str = "@omo-shop"
    # LINE's documented limit for Send multicast message: 200 requests per second
    # (https://developers.line.biz/en/reference/messaging-api/#rate-limits).
    MULTICAST_RATE_PER_SECOND: int = 200
    SEGMENT_BATCH_SIZE: int = 500
    # Scenarios and the rules every marketing message follows (issue 18).
    SCENARIOS_DIR: str = str(Path(__file__).resolve().parents[1] / "scenarios")
    # No marketing message inside this daily window (BOT_TIMEZONE); empty: none.
    QUIET_HOURS: str = "21:00-09:00"
    # Scenario steps, segment sends and coupon issues per customer per local day.
    MAX_MARKETING_MESSAGES_PER_DAY: int = 2
    # A checkout with no order after this long is an abandoned cart.
    CART_ABANDON_MINUTES: int = 60
    # Sends of at least this many messages read LINE's quota first.
    QUOTA_CHECK_MIN_MESSAGES: int = 100
    # LINE's documented limit for Send push message: 2,000 requests per second.
    PUSH_RATE_PER_SECOND: int = 2000
    # Measurement: a purchase within this many days of a message counts for it.
    ATTRIBUTION_DAYS: int = 7
    # LINE's monthly limit of customAggregationUnits (distinct unit names).
    AGGREGATION_UNITS_PER_MONTH: int = 1000
    # Coupons (issue 17).
    COUPONS_FILE: str = "coupons/coupons.yaml"

    @property
    def is_production(self) -> bool:
        """Tell whether this deployment runs with production checks."""
        return self.BOT_ENV == "production"

    @property
    def embedded_redis(self) -> bool:
        """Tell whether Redis is the in-process stand-in (no REDIS_URL)."""
        return not self.REDIS_URL

    @property
    def timezone(self) -> ZoneInfo:
        """Return the zone that opening hours and visit days are counted in."""
        return ZoneInfo(self.BOT_TIMEZONE)

    @property
    def sqlalchemy_url(self) -> str:
        """Return DATABASE_URL with the driver this project installs."""
        return normalize_database_url(self.DATABASE_URL)


def normalize_database_url(url: str) -> str:
    """Map platform-style PostgreSQL URLs onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _coerce(name: str, raw: Any, kind: type) -> Any:
    if not isinstance(raw, str):
        return raw
    if kind is int:
        try:
            return int(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    if kind is float:
        try:
            return float(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    return raw.strip()


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings from the environment (and `.env`), then apply overrides."""
    if environ is None:
        _load_dotenv()
        environ = os.environ
    values: dict[str, Any] = {}
    kinds = {"int": int, "float": float, "str": str}
    for spec in fields(Settings):
        kind = kinds[str(spec.type)]
        if overrides and spec.name in overrides:
            values[spec.name] = _coerce(spec.name, overrides[spec.name], kind)
        elif environ.get(spec.name, "").strip() or (
            spec.name in BLANK_IS_A_VALUE and spec.name in environ
        ):  # otherwise blank is as good as unset
            values[spec.name] = _coerce(spec.name, environ[spec.name], kind)
    settings = Settings(**values)
    check_settings(settings, explicit=set(values))
    return settings


def _load_dotenv() -> None:
    from dotenv import find_dotenv, load_dotenv

    # The .env of the directory the command runs in, as operators expect.
    load_dotenv(find_dotenv(usecwd=True), override=False)


def _weak_secrets(settings: Settings, explicit: set[str]) -> list[str]:
    problems = []
    for name in SECRETS + OPTIONAL_SECRETS:
        value = getattr(settings, name)
        if name not in explicit or (name in OPTIONAL_SECRETS and not value):
            continue  # missing ones are named above
        if value in DEVELOPMENT_SECRETS or len(value.encode()) < MIN_SECRET_BYTES:
            problems.append(
                f"{name} is a development value or shorter than "
                f"{MIN_SECRET_BYTES} bytes; set a secret of your own"
            )
    return problems


def check_settings(settings: Settings, explicit: set[str]) -> None:
    """Refuse to start with settings that would fail later, naming each one."""
    problems = []
    if settings.BOT_ENV not in ("development", "production", "test"):
        problems.append("BOT_ENV must be development, production or test")
    try:
        settings.timezone  # noqa: B018 - validates the zone name
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"BOT_TIMEZONE {settings.BOT_TIMEZONE!r} is not a known zone")
    if settings.is_production:
        missing = [name for name in REQUIRED_IN_PRODUCTION if name not in explicit]
        if missing:
            problems.append("production needs these set: " + ", ".join(missing))
        problems.extend(_weak_secrets(settings, explicit))
        base = urlsplit(settings.BOT_BASE_URL)
        if "BOT_BASE_URL" in explicit and (base.scheme != "https" or not base.hostname):
            problems.append("BOT_BASE_URL must be an https:// URL in production")
        if "DATABASE_URL" in explicit and not settings.DATABASE_URL.startswith(
            "postgres"
        ):
            problems.append(
                "DATABASE_URL must be a postgresql:// URL in production "
                "(SQLite, the demo's database, has no row locks for parallel workers)"
            )
    for name in ("LINE_API_BASE_URL", "LINE_API_DATA_BASE_URL", "LINE_ACCESS_BASE_URL"):
        if not getattr(settings, name).startswith(("http://", "https://")):
            problems.append(f"{name} must be an http(s) URL")
    if settings.BARCODE_FORMAT not in ("code128", "ean13"):
        problems.append("BARCODE_FORMAT must be code128 or ean13")
    if settings.CARD_CODE_TTL_SECONDS < 10:
        problems.append("CARD_CODE_TTL_SECONDS must be at least 10")
    # `not 0 <= x <= 1` also catches nan, which every comparison lets through.
    if not 0 <= settings.POINTS_EARN_RATE <= 1:
        problems.append("POINTS_EARN_RATE must be a number from 0 to 1 (0.01 is 1%)")
    for name in (
        "WORKER_THREADS",
        "MULTICAST_RATE_PER_SECOND",
        "USER_LOCK_SECONDS",
        "MAX_REQUEST_BYTES",
    ):
        if getattr(settings, name) < 1:
            problems.append(f"{name} must be at least 1")
    if settings.LOG_LEVEL.upper() not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    if settings.CART_ABANDON_MINUTES < 1:
        problems.append("CART_ABANDON_MINUTES must be at least 1")
    if settings.FAQ_GAPS_KEEP_DAYS < 1:
        problems.append("FAQ_GAPS_KEEP_DAYS must be at least 1 (days)")
    if settings.ATTRIBUTION_DAYS < 1:
        problems.append("ATTRIBUTION_DAYS must be at least 1 (days)")
    if problems:
        raise ConfigError("; ".join(problems))
