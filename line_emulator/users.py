"""The LINE users the emulated channel knows about."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from line_emulator.ids import is_user_id, new_user_id

PROFILE_FIELDS = ("displayName", "pictureUrl", "statusMessage", "language")


@dataclass
class EmulatedUser:
    """A LINE user and whether they are the bot's friend."""

    user_id: str = field(default_factory=new_user_id)
    display_name: str = "LINE User"
    picture_url: str | None = None
    status_message: str | None = None
    language: str | None = "ja"
    is_friend: bool = True
    is_blocked: bool = False

    def __post_init__(self) -> None:
        if not is_user_id(self.user_id):
            raise ValueError("userId must be 'U' followed by 32 lowercase hex digits")

    def profile(self) -> dict[str, Any]:
        """Return the body of Get profile, leaving out unset fields."""
        profile = {
            "userId": self.user_id,
            "displayName": self.display_name,
            "pictureUrl": self.picture_url,
            "statusMessage": self.status_message,
            "language": self.language,
        }
        return {key: value for key, value in profile.items() if value is not None}

    def as_dict(self) -> dict[str, Any]:
        """Return the user with the control API's camelCase names."""
        raw = asdict(self)
        return {
            "userId": raw["user_id"],
            "displayName": raw["display_name"],
            "pictureUrl": raw["picture_url"],
            "statusMessage": raw["status_message"],
            "language": raw["language"],
            "isFriend": raw["is_friend"],
            "isBlocked": raw["is_blocked"],
        }

    @property
    def can_receive(self) -> bool:
        """Tell whether messages reach this user (a friend who has not blocked)."""
        return self.is_friend and not self.is_blocked


CAMEL_TO_FIELD = {
    "userId": "user_id",
    "displayName": "display_name",
    "pictureUrl": "picture_url",
    "statusMessage": "status_message",
    "language": "language",
    "isFriend": "is_friend",
    "isBlocked": "is_blocked",
}


def user_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Translate camelCase (or snake_case) user fields to dataclass names."""
    translated = {}
    for key, value in values.items():
        name = CAMEL_TO_FIELD.get(key, key)
        if name not in CAMEL_TO_FIELD.values():
            raise ValueError(f"unknown user field: {key}")
        translated[name] = value
    return translated
