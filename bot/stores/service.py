"""Store registry rules: CSV upsert, register API keys, opening hours, visits."""

from __future__ import annotations

import csv
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from bot.extensions import db
from bot.models_base import utcnow
from bot.requests import UNSTORABLE_CHARACTER
from bot.stores.models import Store, StoreApiKey, StoreBeacon, StoreVisit

CSV_HEADER = ("code", "name", "address", "lat", "lng", "hours", "beacon_hwids")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")
_HWID = re.compile(r"^[0-9a-f]{10}$")
API_KEY_PREFIX = "pos_"


class StoreFileError(ValueError):
    """The store file has errors; `problems` names each by line."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.problems = problems


class UnknownStore(LookupError):
    """No store has this code."""


@dataclass
class StoreRow:
    """One validated line of the store file."""

    line: int
    code: str
    name: str
    address: str
    lat: float
    lng: float
    opens_at: str
    closes_at: str
    hwids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoadReport:
    """What a load changed."""

    created: int
    updated: int


def _parse_row(line: int, raw: dict[str, str | None]) -> tuple[StoreRow | None, list]:
    problems: list[str] = []
    values = {k: (raw.get(k) or "").strip() for k in CSV_HEADER}
    if not _CODE.match(values["code"]):
        problems.append(f"line {line}: code must be 1-32 letters, digits, - or _")
    for name, limit in (("name", 100), ("address", 300)):
        if not values[name] or len(values[name]) > limit:
            problems.append(f"line {line}: {name} is required (at most {limit})")
    coords: list[float] = []
    for name, bound in (("lat", 90.0), ("lng", 180.0)):
        try:
            number = float(values[name])
        except ValueError:
            number = float("nan")
        if not -bound <= number <= bound:
            problems.append(f"line {line}: {name} must be a number within ±{bound:g}")
        coords.append(number)
    hours = _HOURS.match(values["hours"])
    if not hours or values["hours"][:5] == values["hours"][6:]:
        problems.append(f"line {line}: hours must look like 10:00-20:00")
    hwids = [h.lower() for h in values["beacon_hwids"].split("|") if h.strip()]
    for hwid in hwids:
        if not _HWID.match(hwid):
            problems.append(f"line {line}: beacon hwid {hwid!r} is not 10 hex digits")
    if problems:
        return None, problems
    opens, closes = values["hours"].split("-")
    row = StoreRow(
        line,
        values["code"],
        values["name"],
        values["address"],
        coords[0],
        coords[1],
        opens,
        closes,
        hwids,
    )
    return row, []


def read_store_file(path: Path) -> list[StoreRow]:
    """Parse and validate the whole CSV; raise StoreFileError listing every error."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = tuple(h.strip() for h in reader.fieldnames or ())
            if header != CSV_HEADER:
                raise StoreFileError(
                    str(path), [f"line 1: header must be {','.join(CSV_HEADER)}"]
                )
            rows, problems = [], []
            for raw in reader:
                if any(UNSTORABLE_CHARACTER.search(str(v)) for v in raw.values()):
                    problems.append(
                        f"line {reader.line_num}: a field holds NUL or a lone surrogate"
                    )
                    continue
                row, row_problems = _parse_row(reader.line_num, raw)
                problems += row_problems
                if row is not None:
                    rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise StoreFileError(str(path), [str(exc)]) from exc
    problems += _duplicates(rows)
    if problems:
        raise StoreFileError(str(path), problems)
    return rows


def _duplicates(rows: list[StoreRow]) -> list[str]:
    problems, codes, hwids = [], {}, {}
    for row in rows:
        if row.code in codes:
            problems.append(
                f"line {row.line}: code {row.code} repeats line {codes[row.code]}"
            )
        codes.setdefault(row.code, row.line)
        for hwid in row.hwids:
            if hwid in hwids:
                problems.append(
                    f"line {row.line}: hwid {hwid} repeats line {hwids[hwid]}"
                )
            hwids.setdefault(hwid, row.line)
    return problems


def upsert_stores(rows: list[StoreRow]) -> LoadReport:
    """Create or update the stores and set their beacons to the listed ones."""
    existing = {s.code: s for s in db.session.scalars(select(Store))}
    listed = {hwid for row in rows for hwid in row.hwids}
    # Beacons moving between stores are released first so no unique clash occurs.
    for beacon in db.session.scalars(select(StoreBeacon)):
        if beacon.hwid in listed:
            db.session.delete(beacon)
    db.session.flush()
    created = updated = 0
    for row in rows:
        store = existing.get(row.code)
        if store is None:
            store = Store(code=row.code)
            db.session.add(store)
            created += 1
        else:
            updated += 1
        store.name, store.address = row.name, row.address
        store.lat, store.lng = row.lat, row.lng
        store.opens_at, store.closes_at = row.opens_at, row.closes_at
        store.beacons = [StoreBeacon(hwid=hwid) for hwid in row.hwids]
    db.session.flush()
    return LoadReport(created, updated)


def find_store(code: str) -> Store | None:
    """Return the store with this code."""
    return db.session.scalar(select(Store).where(Store.code == code))


def hash_api_key(key: str) -> str:
    """Return the stored form of an API key (SHA-256; keys are 256-bit random)."""
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_key(code: str, now: datetime, revoke_old: bool = False) -> str:
    """Create a register API key for the store and return it (shown only once)."""
    store = find_store(code)
    if store is None:
        raise UnknownStore(code)
    if revoke_old:
        db.session.execute(
            update(StoreApiKey)
            .where(StoreApiKey.store_id == store.id, StoreApiKey.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        StoreApiKey(
            store_id=store.id,
            key_hash=hash_api_key(key),
            key_prefix=key[:12],
            created_at=now,
        )
    )
    db.session.flush()
    return key


def store_for_api_key(key: str) -> Store | None:
    """Return the store a live API key belongs to, else None."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    return db.session.scalar(
        select(Store)
        .join(StoreApiKey, StoreApiKey.store_id == Store.id)
        .where(
            StoreApiKey.key_hash == hash_api_key(key),
            StoreApiKey.revoked_at.is_(None),
        )
    )


def is_open(store: Store, at: datetime, zone: ZoneInfo) -> bool:
    """Tell whether the store is open at a moment; hours are local to `zone`."""
    local = at.astimezone(zone).time()
    opens, closes = _clock(store.opens_at), _clock(store.closes_at)
    if opens < closes:
        return opens <= local < closes
    return local >= opens or local < closes  # open past midnight


def _clock(value: str) -> time:
    hours, minutes = (int(part) for part in value.split(":"))
    return time.max if hours == 24 else time(hours, minutes)


def local_date(moment: datetime) -> date:
    """Return the day a moment falls on in BOT_TIMEZONE (a visit's day)."""
    return moment.astimezone(current_app.config["SETTINGS"].timezone).date()


def visit_customer_key(member_id: int | None, line_user_id: int | None) -> str:
    """Return who a visit belongs to: the member if linked, else the LINE user."""
    if member_id is None and line_user_id is None:
        raise ValueError("a visit needs a member or a LINE user")
    return f"m:{member_id}" if member_id is not None else f"u:{line_user_id}"


def record_store_visit(
    store_id: int,
    visit_date: date,
    source: str,
    member_id: int | None = None,
    line_user_id: int | None = None,
) -> bool:
    """Count one visit per store, customer and local day; tell whether it is new."""
    key = visit_customer_key(member_id, line_user_id)
    values = {
        "store_id": store_id,
        "customer_key": key,
        "member_id": member_id,
        "line_user_id": line_user_id,
        "visit_date": visit_date,
        "source": source,
        "created_at": utcnow(),
    }
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(StoreVisit)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=["store_id", "customer_key", "visit_date"]
        )
        .returning(StoreVisit.id)
    )
    return db.session.execute(statement).first() is not None


def move_guest_visits(user_id: int, member_id: int) -> int:
    """Give a member the visits their LINE user made as a guest; return how many.

    A day the member already has a visit to that store keeps that one: the
    guest's is the same person's, so it is dropped, not counted twice.
    """
    kept = aliased(StoreVisit)
    member_key = visit_customer_key(member_id, None)
    guest_rows = (StoreVisit.line_user_id == user_id, StoreVisit.member_id.is_(None))
    db.session.execute(
        delete(StoreVisit)
        .where(
            *guest_rows,
            select(kept.id)
            .where(
                kept.store_id == StoreVisit.store_id,
                kept.visit_date == StoreVisit.visit_date,
                kept.customer_key == member_key,
            )
            .exists(),
        )
        .execution_options(synchronize_session=False)
    )
    moved = db.session.execute(
        update(StoreVisit)
        .where(*guest_rows)
        .values(member_id=member_id, customer_key=member_key)
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount
