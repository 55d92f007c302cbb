"""Parse and validate coupons.yaml: every problem is reported with its id and field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.coupons.models import CHANNELS, KINDS, PERCENT_OFF
from bot.line.limits import https_url_problem
from bot.yaml_files import UnreadableYaml, read_yaml

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_STORE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
FIELDS = frozenset(
    {
        "id",
        "title",
        "description",
        "kind",
        "value",
        "min_purchase",
        "valid_days",
        "valid_until",
        "channels",
        "stores",
        "beacon_stores",
        "limit_per_customer",
        "total_limit",
        "image_url",
        "line_coupon",
    }
)


@dataclass(frozen=True)
class CouponEntry:
    """One coupon definition as written in the file."""

    id: str
    title: str
    description: str
    kind: str
    value: int
    min_purchase: int | None
    valid_days: int | None
    valid_until: date | None
    channels: list[str]
    stores: list[str] | None
    beacon_stores: list[str]
    limit_per_customer: int
    total_limit: int | None
    image_url: str | None
    line_coupon: bool

    def content(self) -> dict[str, Any]:
        """Return the fields as CouponDefinition.content() does."""
        return {name: getattr(self, name) for name in sorted(FIELDS - {"id"})}


class CouponContentError(Exception):
    """The coupon file is invalid; `problems` lists every error found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in coupons\n{listing}")


def parse_coupons(text: str, source: str) -> list[CouponEntry]:
    """Parse coupon YAML into entries; raise CouponContentError listing problems."""
    try:
        document = read_yaml(text)
    except UnreadableYaml as error:
        raise CouponContentError(source, [str(error)]) from error
    if not isinstance(document, dict) or not isinstance(document.get("coupons"), list):
        raise CouponContentError(
            source, ["top level must be a mapping with a 'coupons' list"]
        )
    problems = [f"unknown top-level key {k!r}" for k in document if k != "coupons"]
    entries: list[CouponEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["coupons"]):
        entry, found = _parse_entry(index, raw)
        problems.extend(found)
        if entry is not None:
            if entry.id in seen:
                problems.append(f"coupon {entry.id!r}, field 'id': duplicate id")
            seen.add(entry.id)
            entries.append(entry)
    if problems:
        raise CouponContentError(source, problems)
    return entries


# The database's integer columns hold no more.
LARGEST_INTEGER = 2**31 - 1


class _Entry:
    """Collects one raw entry's values and problems."""

    def __init__(self, index: int, raw: dict[str, Any]) -> None:
        self.raw = raw
        raw_id = raw.get("id")
        self.name = f"coupon {raw_id!r}" if raw_id else f"coupon #{index}"
        self.problems: list[str] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(f"{self.name}, field {field!r}: {message}")

    def text(self, field: str, required: bool, limit: int) -> str | None:
        value = self.raw.get(field)
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "must be a non-empty string")
            return None
        if len(value) > limit:
            self.fail(field, f"is longer than {limit} characters")
        return value.strip()

    def integer(
        self, field: str, required: bool, low: int, high: int = LARGEST_INTEGER
    ) -> int | None:
        value = self.raw.get(field)
        if value is None:
            if required:
                self.fail(field, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, "must be a whole number")
            return None
        if not low <= value <= high:
            self.fail(field, f"must be between {low} and {high:,}")
        return value

    def codes(self, field: str) -> list[str] | None:
        value = self.raw.get(field)
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(v, str) and _STORE.match(v) for v in value
        ):
            self.fail(field, "must be a list of store codes")
            return None
        return list(value)


def _parse_entry(index: int, raw: Any) -> tuple[CouponEntry | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"coupon #{index}: must be a mapping"]
    e = _Entry(index, raw)
    for key in raw:
        if key not in FIELDS:
            e.fail(str(key), "unknown field")
    coupon_id = e.text("id", True, 64)
    if coupon_id is not None and not _ID.match(coupon_id):
        e.fail("id", "use lower-case letters, digits, '-' and '_'")
    title = e.text("title", True, 40)
    description = e.text("description", False, 1000) or ""
    kind = raw.get("kind")
    if kind not in KINDS:
        e.fail("kind", f"must be one of {', '.join(KINDS)}")
    value = e.integer("value", True, 1)
    if kind == PERCENT_OFF and value is not None and value > 100:
        e.fail("value", "a percentage must be 1 to 100")
    min_purchase = e.integer("min_purchase", False, 0)
    # Ten years at most: a copy's expiry is issue time + valid_days.
    valid_days = e.integer("valid_days", False, 1, 3650)
    valid_until = raw.get("valid_until")
    if valid_until is not None and not isinstance(valid_until, date):
        e.fail("valid_until", "must be a date (YYYY-MM-DD)")
        valid_until = None
    if valid_days is None and valid_until is None and not e.problems:
        e.fail("valid_days", "give valid_days or valid_until")
    channels = raw.get("channels")
    if (
        not isinstance(channels, list)
        or not channels
        or any(c not in CHANNELS for c in channels)
        or len(set(channels)) != len(channels)
    ):
        e.fail("channels", "must be a list of store and/or online")
        channels = []
    stores = e.codes("stores")
    beacon_stores = e.codes("beacon_stores") or []
    if beacon_stores and "store" not in channels:
        e.fail("beacon_stores", "a beacon coupon must be usable in store")
    limit = e.integer("limit_per_customer", False, 1)
    total_limit = e.integer("total_limit", False, 1)
    image_url = e.text("image_url", False, 1000)
    problem = https_url_problem(image_url) if image_url is not None else None
    if problem:
        e.fail("image_url", problem)
    line_coupon = raw.get("line_coupon", False)
    if not isinstance(line_coupon, bool):
        e.fail("line_coupon", "must be true or false")
    if e.problems:
        return None, e.problems
    assert coupon_id and title and kind and value is not None
    return (
        CouponEntry(
            id=coupon_id,
            title=title,
            description=description,
            kind=kind,
            value=value,
            min_purchase=min_purchase,
            valid_days=valid_days,
            valid_until=valid_until,
            channels=list(channels),
            stores=stores,
            beacon_stores=beacon_stores,
            limit_per_customer=limit or 1,
            total_limit=total_limit,
            image_url=image_url,
            line_coupon=line_coupon,
        ),
        [],
    )
