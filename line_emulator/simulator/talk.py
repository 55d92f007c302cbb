"""The talk view's items: the bot's deliveries and the user's own actions, merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from line_emulator.messages_sent import Delivery
from line_emulator.platform import UserSideEntry


@dataclass
class TalkSlice:
    """The items a page has not shown yet and the cursor to ask with next time."""

    items: list[dict[str, Any]] = field(default_factory=list)
    deliveries_seen: int = 0
    user_side_seen: int = 0
    restarted: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the slice as the page's JSON."""
        return {
            "items": self.items,
            "cursor": {
                "deliveries": self.deliveries_seen,
                "userSide": self.user_side_seen,
            },
            "restarted": self.restarted,
        }


def _user_side_item(entry: UserSideEntry) -> dict[str, Any]:
    return {"from": entry.entry["from"], **entry.entry, "timestamp": entry.timestamp}


def _bot_items(delivery: Delivery) -> list[dict[str, Any]]:
    if not delivery.delivered:
        # A blocked user never sees what was pushed while they blocked the bot.
        return []
    return [
        {
            "from": "bot",
            "via": delivery.via,
            "message": message,
            "timestamp": delivery.timestamp,
        }
        for message in delivery.messages
    ]


def talk_since(
    deliveries: list[Delivery],
    user_side: list[UserSideEntry],
    deliveries_seen: int = 0,
    user_side_seen: int = 0,
) -> TalkSlice:
    """Merge what came after the cursor, oldest first; restart after a reset."""
    restarted = deliveries_seen > len(deliveries) or user_side_seen > len(user_side)
    if restarted or deliveries_seen < 0 or user_side_seen < 0:
        deliveries_seen, user_side_seen, restarted = 0, 0, True
    pending = list(user_side[user_side_seen:])
    items: list[dict[str, Any]] = []
    for index in range(deliveries_seen, len(deliveries)):
        # An entry recorded after k deliveries goes before delivery number k.
        while pending and pending[0].after_deliveries <= index:
            items.append(_user_side_item(pending.pop(0)))
        items.extend(_bot_items(deliveries[index]))
    items.extend(_user_side_item(entry) for entry in pending)
    return TalkSlice(items, len(deliveries), len(user_side), restarted)
