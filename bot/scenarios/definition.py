"""Scenario definitions as data: a trigger, conditions, entry and exit, steps.

A scenario file is checked in full before anything is stored; every problem
names the scenario and the field (`steps[1].variants[0].weight`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from bot.line.limits import text_fits
from bot.segments.definition import SegmentDefinition, SegmentError

TRIGGERS = (
    "follow",
    "link",
    "purchase",
    "first_purchase",
    "store_visit",
    "visit_without_purchase",
    "cart_abandoned",
    "dormant",
    "birthday_month",
    "points_expiring",
)
# Triggers found by the minute sweep rather than fired by an event.
TIME_TRIGGERS = (
    "visit_without_purchase",
    "cart_abandoned",
    "dormant",
    "birthday_month",
    "points_expiring",
)
PURCHASE_TRIGGERS = ("purchase", "first_purchase")
EXIT_EVENTS = ("purchase", "unfollow", "link", "store_visit")
ON_REMOVE = ("finish", "leave")
SEGMENT_KEYS = (
    "min_visits",
    "days",
    "home_store",
    "channel",
    "dormant_days",
    "birthday_month",
    "rank",
    "linked",
)
# Conditions on the event that fired the trigger, not on the customer.
EVENT_KEYS = ("category", "sku", "min_purchases", "points_expiring_days")
PLACEHOLDERS = ("{name}", "{recovery_url}")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DURATION = re.compile(r"^(\d+)\s*([mhd])$")
_AT = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# What running.personalize fills in; any other {word} would reach customers as is.
PLACEHOLDERS = frozenset({"name", "recovery_url"})
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
LONGEST = timedelta(days=3650)  # ten years: a birthday scenario's yearly steps fit


class ScenarioError(ValueError):
    """A scenario is not valid; the message names the scenario and the field."""


@dataclass(frozen=True)
class Variant:
    """One version of a step's message, drawn by weight."""

    id: str
    weight: int
    messages: tuple[dict[str, Any], ...]
    at: time | None
    coupon: str | None

    @property
    def personal(self) -> bool:
        """Tell whether each customer's copy differs (name, URL, coupon)."""
        if self.coupon is not None:
            return True
        text = repr(self.messages)
        # A URL becomes a tracked link of its own for each customer.
        return any(mark in text for mark in (*PLACEHOLDERS, "http://", "https://"))


@dataclass(frozen=True)
class Step:
    """A delay from the trigger (or the previous step's send) and its variants."""

    after: timedelta
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario."""

    id: str
    trigger: str
    segment: SegmentDefinition
    event_conditions: dict[str, Any]
    entry_every: timedelta | None  # None: once per customer, ever
    exit_on: tuple[str, ...]
    holdout_percent: int
    on_remove: str
    steps: tuple[Step, ...]
    document: dict[str, Any] = field(compare=False, repr=False)


def parse_scenario(
    document: Any, templates: Any = None, coupons: set[str] | None = None
) -> Scenario:
    """Check a scenario mapping and return it parsed, or raise ScenarioError.

    `templates(name)` returns a template's messages; `coupons` is the set of
    known coupon ids (None: not checked).
    """
    if not isinstance(document, dict):
        raise ScenarioError("a scenario file holds one mapping")
    known = {
        "id",
        "trigger",
        "conditions",
        "entry",
        "exit_on",
        "holdout_percent",
        "on_remove",
        "steps",
        "description",
    }
    sid = document.get("id")
    if not isinstance(sid, str) or not _ID.match(sid):
        raise ScenarioError("field id: use 1-64 of a-z, 0-9, - and _")

    def fail(where: str, message: str) -> ScenarioError:
        return ScenarioError(f"scenario {sid}: field {where}: {message}")

    unknown = sorted(set(document) - known)
    if unknown:
        raise fail(unknown[0], "unknown field")
    trigger = document.get("trigger")
    if trigger not in TRIGGERS:
        raise fail("trigger", f"must be one of {', '.join(TRIGGERS)}")
    segment, event_conditions = _conditions(document.get("conditions"), trigger, fail)
    entry_every = _entry(document.get("entry", "once"), fail)
    exit_on = document.get("exit_on", [])
    if not isinstance(exit_on, list) or any(e not in EXIT_EVENTS for e in exit_on):
        raise fail("exit_on", f"a list of {', '.join(EXIT_EVENTS)}")
    holdout = document.get("holdout_percent", 0)
    if (
        not isinstance(holdout, int)
        or isinstance(holdout, bool)
        or not (0 <= holdout <= 100)
    ):
        raise fail("holdout_percent", "a whole number from 0 to 100")
    on_remove = document.get("on_remove", "finish")
    if on_remove not in ON_REMOVE:
        raise fail("on_remove", "finish or leave")
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("steps", "a list of at least one step")
    steps = tuple(
        _step(raw, f"steps[{i}]", fail, templates, coupons)
        for i, raw in enumerate(raw_steps)
    )
    return Scenario(
        id=sid,
        trigger=trigger,
        segment=segment,
        event_conditions=event_conditions,
        entry_every=entry_every,
        exit_on=tuple(exit_on),
        holdout_percent=holdout,
        on_remove=on_remove,
        steps=steps,
        document=document,
    )


def _conditions(raw: Any, trigger: str, fail: Any) -> tuple[SegmentDefinition, dict]:
    raw = raw if raw is not None else {}
    if not isinstance(raw, dict):
        raise fail("conditions", "a mapping of condition: value")
    for key in raw:
        if key not in SEGMENT_KEYS and key not in EVENT_KEYS:
            allowed = ", ".join(SEGMENT_KEYS + EVENT_KEYS)
            raise fail(f"conditions.{key}", f"unknown condition (use {allowed})")
    segment_part = {k: v for k, v in raw.items() if k in SEGMENT_KEYS}
    event_part = {k: v for k, v in raw.items() if k in EVENT_KEYS}
    if trigger in PURCHASE_TRIGGERS and "channel" in segment_part:
        # For a purchase trigger, the channel is the purchase's own.
        event_part["channel"] = segment_part.pop("channel")
        if event_part["channel"] not in ("store", "ec", "both"):
            raise fail("conditions.channel", "store, ec or both")
    try:
        segment = SegmentDefinition.from_dict(segment_part)
    except (SegmentError, TypeError) as exc:
        raise fail("conditions", str(exc).replace("--", "")) from exc
    for key in ("category", "sku"):
        if key in event_part:
            if trigger not in PURCHASE_TRIGGERS:
                raise fail(f"conditions.{key}", "only for purchase triggers")
            value = event_part[key]
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, str | int) for v in values):
                raise fail(f"conditions.{key}", "a value or a list of values")
            event_part[key] = [str(v) for v in values]
    if "min_purchases" in event_part:
        value = event_part["min_purchases"]
        if trigger not in PURCHASE_TRIGGERS:
            raise fail("conditions.min_purchases", "only for purchase triggers")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise fail("conditions.min_purchases", "a whole number, 1 or more")
    if trigger == "dormant" and segment.dormant_days is None:
        raise fail("conditions.dormant_days", "the dormant trigger needs it")
    if trigger == "points_expiring":
        days = event_part.get("points_expiring_days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise fail("conditions.points_expiring_days", "a whole number of days")
    elif "points_expiring_days" in event_part:
        raise fail("conditions.points_expiring_days", "only for points_expiring")
    return segment, event_part


def _entry(raw: Any, fail: Any) -> timedelta | None:
    if raw == "once":
        return None
    if isinstance(raw, dict) and set(raw) == {"every"}:
        return parse_duration(raw["every"], "entry.every", fail)
    raise fail("entry", "once, or every: <N>d")


def parse_duration(raw: Any, where: str, fail: Any) -> timedelta:
    """Parse `30m`, `2h` or `3d`, at most LONGEST.

    A step planned past any date (`3000000d`) stopped every scenario's sweep.
    """
    match = _DURATION.match(str(raw).strip()) if isinstance(raw, str | int) else None
    if match is None:
        raise fail(where, "a duration such as 0m, 2h or 3d")
    number, unit = match.group(1), _UNITS[match.group(2)]
    if len(number) > 7 or timedelta(**{unit: int(number)}) > LONGEST:
        raise fail(where, f"a duration of at most {LONGEST.days}d")
    return timedelta(**{unit: int(number)})


def _at(raw: Any, where: str, fail: Any) -> time | None:
    if raw is None:
        return None
    match = _AT.match(str(raw))
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise fail(where, "a local time such as 10:00")
    return time(int(match.group(1)), int(match.group(2)))


def _step(
    raw: Any, where: str, fail: Any, templates: Any, coupons: set[str] | None
) -> Step:
    if not isinstance(raw, dict):
        raise fail(where, "a mapping")
    allowed = {"after", "at", "variants", "text", "template", "flex", "coupon"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise fail(f"{where}.{unknown[0]}", "unknown field")
    after = parse_duration(raw.get("after", "0m"), f"{where}.after", fail)
    at = _at(raw.get("at"), f"{where}.at", fail)
    coupon = _coupon(raw.get("coupon"), f"{where}.coupon", fail, coupons)
    if "variants" in raw:
        if any(k in raw for k in ("text", "template", "flex")):
            raise fail(where, "give a message or variants, not both")
        items = raw["variants"]
        if not isinstance(items, list) or not items:
            raise fail(f"{where}.variants", "a list of at least one variant")
        variants = tuple(
            _variant(
                item, f"{where}.variants[{i}]", fail, templates, coupons, at, coupon
            )
            for i, item in enumerate(items)
        )
        ids = [v.id for v in variants]
        if len(set(ids)) != len(ids):
            raise fail(f"{where}.variants", "variant ids must differ")
        if sum(v.weight for v in variants) <= 0:
            raise fail(f"{where}.variants", "weights must add up to more than 0")
    else:
        messages = _messages(raw, where, fail, templates)
        variants = (Variant("-", 1, messages, at, coupon),)
    return Step(after=after, variants=variants)


def _variant(
    raw: Any,
    where: str,
    fail: Any,
    templates: Any,
    coupons: set[str] | None,
    step_at: time | None,
    step_coupon: str | None,
) -> Variant:
    if not isinstance(raw, dict):
        raise fail(where, "a mapping")
    allowed = {"id", "weight", "text", "template", "flex", "at", "coupon"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise fail(f"{where}.{unknown[0]}", "unknown field")
    vid = raw.get("id")
    if not isinstance(vid, str | int) or not str(vid).strip() or len(str(vid)) > 16:
        raise fail(f"{where}.id", "a short name such as A")
    weight = raw.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
        raise fail(f"{where}.weight", "a whole number, 0 or more")
    at = _at(raw.get("at"), f"{where}.at", fail) if "at" in raw else step_at
    coupon = step_coupon
    if "coupon" in raw:
        coupon = _coupon(raw.get("coupon"), f"{where}.coupon", fail, coupons)
    messages = _messages(raw, where, fail, templates)
    return Variant(str(vid), weight, messages, at, coupon)


def _coupon(raw: Any, where: str, fail: Any, coupons: set[str] | None) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise fail(where, "a coupon id from coupons.yaml")
    if coupons is not None and raw not in coupons:
        raise fail(where, f"no coupon {raw!r} in coupons.yaml")
    return raw


def _messages(
    raw: dict[str, Any], where: str, fail: Any, templates: Any
) -> tuple[dict[str, Any], ...]:
    given = [k for k in ("text", "template", "flex") if k in raw]
    if len(given) != 1:
        raise fail(where, "give exactly one of text, template or flex")
    messages = _message_of(raw, given[0], where, fail, templates)
    text = json.dumps(messages, ensure_ascii=False)
    for name in PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            allowed = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            raise fail(
                f"{where}.{given[0]}", f"unknown placeholder {{{name}}} ({allowed})"
            )
    return messages


def _message_of(
    raw: dict[str, Any], kind: str, where: str, fail: Any, templates: Any
) -> tuple[dict[str, Any], ...]:
    value = raw[kind]
    if kind == "text":
        if not isinstance(value, str) or not text_fits(value):
            raise fail(f"{where}.text", "1 to 5000 characters as LINE counts them")
        return ({"type": "text", "text": value},)
    if kind == "template":
        if templates is None:
            raise fail(f"{where}.template", "templates cannot be read here")
        try:
            return tuple(templates(str(value)))
        except SegmentError as exc:
            raise fail(f"{where}.template", str(exc)) from exc
    if not isinstance(value, dict):
        raise fail(f"{where}.flex", "a mapping with altText and contents")
    if value.get("type") == "flex":
        message = dict(value)
    else:
        message = {"type": "flex", **value}
    if not isinstance(message.get("altText"), str) or not isinstance(
        message.get("contents"), dict
    ):
        raise fail(f"{where}.flex", "needs altText (text) and contents (a bubble)")
    return (message,)
