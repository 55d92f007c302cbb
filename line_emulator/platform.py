"""LinePlatform: the thread-safe in-memory state of one emulated LINE channel."""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from line_emulator import errors
from line_emulator.errors import LineApiError
from line_emulator.ids import (
    is_retry_key,
    new_link_token,
    new_mark_as_read_token,
    new_reply_token,
)
from line_emulator.insight import UnitStatistics
from line_emulator.messages_sent import Delivery, sent_message_ids
from line_emulator.richmenu_store import RichMenuStore
from line_emulator.settings import EmulatorSettings
from line_emulator.traffic import CallLog, FaultPlan, RateLimiter
from line_emulator.users import EmulatedUser, user_fields

# Sends (url, body, headers, timeout) to the bot and returns its HTTP status.
WebhookSender = Callable[[str, bytes, dict[str, str], float], int]


@dataclass
class IssuedToken:
    """A reply or link token: whose it is, until when, and whether it was used."""

    user_id: str
    expires_at: float
    used: bool = False


@dataclass
class AcceptedRetryKey:
    """A retry key LINE accepted, with what the first request answered."""

    request_id: str
    sent_messages: list[dict[str, str]] | None
    expires_at: float


@dataclass
class UserSideEntry:
    """What a user sent or did in their chat, after the deliveries they had."""

    user_id: str
    after_deliveries: int
    entry: dict[str, Any]
    timestamp: float


@dataclass
class ChannelState:
    """Everything reset() clears."""

    users: dict[str, EmulatedUser] = field(default_factory=dict)
    reply_tokens: dict[str, IssuedToken] = field(default_factory=dict)
    # Mark-as-read token -> (user id, message id), in the order messages came.
    read_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Message ids the bot marked as read (a token marks its message and earlier).
    read_message_ids: set[str] = field(default_factory=set)
    link_tokens: dict[str, IssuedToken] = field(default_factory=dict)
    retry_keys: dict[str, AcceptedRetryKey] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    # Deliveries by channel (reply, push, multicast), kept as they are recorded.
    delivered_via: Counter[str] = field(default_factory=Counter)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    message_content: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    quota_used: int = 0
    rich_menus: RichMenuStore = field(default_factory=RichMenuStore)
    calls: CallLog = field(default_factory=CallLog)
    faults: FaultPlan = field(default_factory=FaultPlan)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)
    user_side: list[UserSideEntry] = field(default_factory=list)
    # LINE coupons created through /v2/bot/coupon, by couponId.
    coupons: dict[str, dict[str, Any]] = field(default_factory=dict)
    # customAggregationUnits: who got, saw and tapped each unit's messages.
    units: UnitStatistics = field(default_factory=UnitStatistics)


class LinePlatform:
    """One LINE channel's state; every public method is safe across threads."""

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        webhook_sender: WebhookSender | None = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        if overrides:
            self.settings.update(**overrides)
        self._initial_settings = copy.deepcopy(self.settings)
        self.webhook_sender = webhook_sender
        self.lock = threading.RLock()
        self.state = ChannelState()

    def configure(self, **changes: Any) -> None:
        """Change settings at run time."""
        with self.lock:
            self.settings.update(**changes)

    def reset(self, settings: bool = False) -> None:
        """Forget all state; with settings=True also restore the first settings."""
        with self.lock:
            self.state = ChannelState()
            if settings:
                self.settings = copy.deepcopy(self._initial_settings)

    # Users

    def add_user(self, **fields: Any) -> EmulatedUser:
        """Create a user or update the given fields of an existing one."""
        values = user_fields(fields)
        with self.lock:
            existing = self.state.users.get(values.get("user_id", ""))
            if existing is None:
                user = EmulatedUser(**values)
                self.state.users[user.user_id] = user
                return user
            for name, value in values.items():
                setattr(existing, name, value)
            return existing

    def get_user(self, user_id: str) -> EmulatedUser | None:
        """Return a user or None."""
        with self.lock:
            return self.state.users.get(user_id)

    def users(self) -> list[EmulatedUser]:
        """Return every user."""
        with self.lock:
            return list(self.state.users.values())

    def mark_following(self, user_id: str) -> bool:
        """Make a user a friend again; return whether they had blocked the bot."""
        with self.lock:
            user = self.state.users.get(user_id)
            if user is None:
                self.state.users[user_id] = EmulatedUser(user_id=user_id)
                return False
            was_blocked = user.is_blocked
            user.is_friend, user.is_blocked = True, False
            return was_blocked

    def mark_blocked(self, user_id: str) -> None:
        """Record that a user blocked the bot."""
        with self.lock:
            user = self.require_user(user_id)
            user.is_friend, user.is_blocked = False, True

    def require_user(self, user_id: str) -> EmulatedUser:
        """Return a user or raise ValueError for the control API."""
        user = self.state.users.get(user_id)
        if user is None:
            raise ValueError(f"unknown user {user_id}")
        return user

    # Reply tokens

    def issue_mark_as_read_token(self, user_id: str, message_id: str) -> str:
        """Issue the token with which the bot may mark a user's message as read."""
        token = new_mark_as_read_token()
        with self.lock:
            self.state.read_tokens[token] = (user_id, message_id)
        return token

    def mark_as_read(self, token: str) -> bool:
        """Mark a token's message and the user's earlier ones read; False if unknown."""
        with self.lock:
            found = self.state.read_tokens.get(token)
            if found is None:
                return False
            for user_id, message_id in self.state.read_tokens.values():
                if user_id == found[0]:
                    self.state.read_message_ids.add(message_id)
                if message_id == found[1]:
                    break
            return True

    def read_message_ids(self) -> set[str]:
        """Return the ids of the users' messages the bot has marked as read."""
        with self.lock:
            return set(self.state.read_message_ids)

    def issue_reply_token(self, user_id: str) -> str:
        """Issue a single-use reply token for a user's event."""
        token = new_reply_token()
        with self.lock:
            expires_at = time.time() + self.settings.reply_token_ttl
            self.state.reply_tokens[token] = IssuedToken(user_id, expires_at)
        return token

    def reply(
        self, reply_token: str, messages: list[dict[str, Any]], request_id: str
    ) -> list[dict[str, str]]:
        """Consume a valid reply token and deliver the messages to its user."""
        with self.lock:
            issued = self.state.reply_tokens.get(reply_token)
            if issued is None or issued.used or issued.expires_at < time.time():
                raise LineApiError(400, errors.INVALID_REPLY_TOKEN)
            issued.used = True
            return self._deliver(issued.user_id, messages, "reply", request_id)

    # Push and multicast

    def check_retry_key(self, retry_key: str | None) -> None:
        """Refuse a malformed retry key, or one LINE accepted in the last 24 h."""
        if retry_key is None:
            return
        if not is_retry_key(retry_key):
            raise LineApiError(400, errors.RETRY_KEY_INVALID)
        with self.lock:
            accepted = self.state.retry_keys.get(retry_key)
            if accepted is None or accepted.expires_at < time.time():
                return
            extra = {}
            if accepted.sent_messages is not None:
                extra["sentMessages"] = accepted.sent_messages
            raise LineApiError(
                409,
                errors.RETRY_KEY_ACCEPTED,
                extra=extra,
                headers={"x-line-accepted-request-id": accepted.request_id},
            )

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        request_id: str,
        retry_key: str | None = None,
        unit: str | None = None,
    ) -> list[dict[str, str]]:
        """Deliver a push message (once per retry key) and count it in the quota."""
        with self.lock:
            self.check_retry_key(retry_key)
            if to not in self.state.users:
                raise LineApiError(400, errors.FAILED_TO_SEND)
            self._spend_quota(1)
            sent = self._deliver(to, messages, "push", request_id)
            if unit is not None:
                self.state.units.record_delivery(unit, [to], time.time())
            self._accept_retry_key(retry_key, request_id, sent)
            return sent

    def multicast(
        self,
        to: list[str],
        messages: list[dict[str, Any]],
        request_id: str,
        retry_key: str | None = None,
        unit: str | None = None,
    ) -> None:
        """Deliver a multicast (once per retry key) and count it in the quota."""
        with self.lock:
            self.check_retry_key(retry_key)
            recipients = list(dict.fromkeys(to))
            self._spend_quota(len(recipients))
            # One copy shared by every recipient's record: records are read-only.
            shared = copy.deepcopy(messages)
            now = time.time()
            self.state.deliveries.extend(
                self._delivery(user_id, shared, "multicast", request_id, now)
                for user_id in recipients
            )
            self.state.delivered_via["multicast"] += len(recipients)
            if unit is not None:
                self.state.units.record_delivery(unit, recipients, now)
            self._accept_retry_key(retry_key, request_id, None)

    def view_messages(self, user_id: str) -> None:
        """Let a user open the chat: an impression of every unit they received."""
        now = time.time()
        for unit in self.state.units.units_of(user_id):
            self.state.units.record_impression(unit, user_id, now)

    def quota(self) -> dict[str, Any]:
        """Return the body of Get quota."""
        limit = self.settings.monthly_quota
        return (
            {"type": "none"} if limit is None else {"type": "limited", "value": limit}
        )

    def quota_consumption(self) -> int:
        """Return how many messages counted against the quota so far."""
        with self.lock:
            return self.state.quota_used

    def deliveries(self, user_id: str | None = None) -> list[Delivery]:
        """Return what the bot sent, optionally only to one user."""
        with self.lock:
            return [
                d
                for d in self.state.deliveries
                if user_id is None or d.user_id == user_id
            ]

    def _spend_quota(self, recipients: int) -> None:
        limit = self.settings.monthly_quota
        if limit is not None and self.state.quota_used + recipients > limit:
            raise LineApiError(429, errors.MONTHLY_LIMIT)
        self.state.quota_used += recipients

    def _accept_retry_key(
        self, retry_key: str | None, request_id: str, sent: list[dict[str, str]] | None
    ) -> None:
        if retry_key is None:
            return
        expires_at = time.time() + self.settings.retry_key_ttl
        self.state.retry_keys[retry_key] = AcceptedRetryKey(
            request_id, sent, expires_at
        )

    def _deliver(
        self, user_id: str, messages: list[dict[str, Any]], via: str, request_id: str
    ) -> list[dict[str, str]]:
        sent = sent_message_ids(messages)
        self.state.deliveries.append(
            self._delivery(
                user_id, copy.deepcopy(messages), via, request_id, time.time(), sent
            )
        )
        self.state.delivered_via[via] += 1
        return sent

    def _delivery(
        self,
        user_id: str,
        messages: list[dict[str, Any]],
        via: str,
        request_id: str,
        timestamp: float,
        issued_ids: list[dict[str, str]] | None = None,
    ) -> Delivery:
        user = self.state.users.get(user_id)
        return Delivery(
            user_id=user_id,
            via=via,
            messages=messages,
            delivered=bool(user and user.can_receive),
            request_id=request_id,
            timestamp=timestamp,
            issued_ids=issued_ids,
        )

    # Account link tokens

    def issue_link_token(self, user_id: str) -> str:
        """Issue a single-use link token valid for link_token_ttl seconds."""
        token = new_link_token()
        with self.lock:
            expires_at = time.time() + self.settings.link_token_ttl
            self.state.link_tokens[token] = IssuedToken(user_id, expires_at)
        return token

    def link_token_usable(self, token: str) -> bool:
        """Tell whether a link token is known, unused and unexpired."""
        with self.lock:
            issued = self.state.link_tokens.get(token)
            return (
                issued is not None
                and not issued.used
                and issued.expires_at >= time.time()
            )

    def redeem_link_token(self, token: str) -> tuple[str | None, bool]:
        """Use up a link token; return its user (if known) and whether it was valid."""
        with self.lock:
            issued = self.state.link_tokens.get(token)
            if issued is None:
                return None, False
            valid = not issued.used and issued.expires_at >= time.time()
            issued.used = True
            return issued.user_id, valid

    # Webhook events and message content

    def remember_event(self, event: dict[str, Any]) -> None:
        """Keep a sent event so it can be redelivered."""
        with self.lock:
            self.state.events[event["webhookEventId"]] = copy.deepcopy(event)

    def get_event(self, webhook_event_id: str) -> dict[str, Any] | None:
        """Return a copy of an event sent earlier, or None."""
        with self.lock:
            event = self.state.events.get(webhook_event_id)
            return copy.deepcopy(event) if event else None

    def store_message_content(
        self, message_id: str, content_type: str, data: bytes
    ) -> None:
        """Keep the binary content of a user's image message."""
        with self.lock:
            self.state.message_content[message_id] = (content_type, data)

    def message_content(self, message_id: str) -> tuple[str, bytes]:
        """Return a user's message content or raise LINE's 404."""
        with self.lock:
            content = self.state.message_content.get(message_id)
        if content is None:
            raise errors.not_found()
        return content

    # The user's own chat screen (the simulator)

    def record_user_side(self, user_id: str, entry: dict[str, Any]) -> None:
        """Remember what a user sent or did, placed after what they received so far."""
        with self.lock:
            received = sum(1 for d in self.state.deliveries if d.user_id == user_id)
            self.state.user_side.append(
                UserSideEntry(user_id, received, copy.deepcopy(entry), time.time())
            )

    def user_talk(self, user_id: str) -> tuple[list[Delivery], list[UserSideEntry]]:
        """Return, taken at one instant, what the bot sent a user and what they did."""
        with self.lock:
            return self.deliveries(user_id), [
                e for e in self.state.user_side if e.user_id == user_id
            ]
