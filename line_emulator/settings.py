"""Every emulator setting with its default; overridable per app or at run time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_CHANNEL_SECRET = "emulator-channel-secret"
DEFAULT_ACCESS_TOKEN = "emulator-access-token"
DEFAULT_BOT_USER_ID = "U4af4980629b1b2e1b2b3f4d5e6f7a8b9"


def default_openapi_dir() -> Path:
    """Return the spec folder: env LINE_OPENAPI_DIR, else ../shared/line-openapi."""
    from_env = os.environ.get("LINE_OPENAPI_DIR")
    if from_env:
        return Path(from_env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "line-openapi"


@dataclass
class EmulatorSettings:
    """What the emulated LINE channel looks like and how strict it is."""

    channel_secret: str = DEFAULT_CHANNEL_SECRET
    access_tokens: tuple[str, ...] = (DEFAULT_ACCESS_TOKEN,)
    webhook_url: str | None = None
    bot_user_id: str = DEFAULT_BOT_USER_ID
    reply_token_ttl: float = 60.0
    link_token_ttl: float = 600.0
    retry_key_ttl: float = 86400.0
    latency_ms: int = 0
    # fnmatch path pattern -> requests per second; empty means no limit.
    rate_limits: dict[str, int] = field(default_factory=dict)
    # None: no monthly limit ("type": "none"); an int: "type": "limited".
    monthly_quota: int | None = None
    openapi_dir: Path | None = None
    login_channel_secret: str = "emulator-login-channel-secret"
    account_link_redirect_url: str | None = None
    max_rich_menus: int = 1000
    webhook_timeout: float = 10.0
    # The chat simulator (/simulator): the bot's LIFF endpoint that
    # https://liff.line.me/<LIFF ID>/... opens, the account name in its header,
    # and the places and beacons its controls offer.
    liff_url: str | None = None
    simulator_bot_name: str = "LINE公式アカウント"
    # [{"name": ..., "lat": ..., "lng": ..., "address": ... (optional)}]
    simulator_places: list[dict[str, Any]] = field(default_factory=list)
    # [{"hwid": "0123456789", "label": ...}]
    simulator_beacons: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.access_tokens, str):
            self.access_tokens = (self.access_tokens,)
        self.access_tokens = tuple(self.access_tokens)
        if self.openapi_dir is None:
            self.openapi_dir = default_openapi_dir()
        self.openapi_dir = Path(self.openapi_dir)
        self.rate_limits = {str(k): int(v) for k, v in dict(self.rate_limits).items()}
        self.simulator_places = [dict(place) for place in self.simulator_places]
        self.simulator_beacons = [dict(beacon) for beacon in self.simulator_beacons]

    @classmethod
    def from_values(cls, **values: Any) -> EmulatorSettings:
        """Build settings from keyword values (access_token= adds one token)."""
        settings = cls()
        settings.update(**values)
        return settings

    def update(self, **changes: Any) -> None:
        """Apply the given changes, refusing names that are not settings."""
        if "access_token" in changes:
            token = changes.pop("access_token")
            changes.setdefault("access_tokens", (token,))
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            setattr(self, name, value)
        self.__post_init__()

    def public_view(self) -> dict[str, Any]:
        """Return the settings as JSON-friendly values."""
        view = {f.name: getattr(self, f.name) for f in fields(self)}
        view["access_tokens"] = list(self.access_tokens)
        view["openapi_dir"] = str(self.openapi_dir)
        return view
