"""Loading coupons.yaml into coupon definitions, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bot.coupons.content import CouponContentError, CouponEntry, parse_coupons
from bot.coupons.models import CouponDefinition
from bot.extensions import db


@dataclass
class LoadReport:
    """What loading the file did to each definition id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def read_coupon_file(path: Path) -> list[CouponEntry]:
    """Read and validate a coupon file; raise CouponContentError listing problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CouponContentError(str(path), [f"cannot read the file: {exc}"]) from exc
    return parse_coupons(text, str(path))


def load_definitions(entries: list[CouponEntry]) -> LoadReport:
    """Upsert validated entries; those missing stop being issued (flush only)."""
    existing = {d.id: d for d in db.session.scalars(select(CouponDefinition))}
    report = LoadReport()
    for entry in entries:
        definition = existing.pop(entry.id, None)
        values = entry.content()
        if definition is None:
            db.session.add(CouponDefinition(id=entry.id, active=True, **values))
            report.added.append(entry.id)
            continue
        changed = not definition.active or definition.content() != values
        for name, value in values.items():
            setattr(definition, name, value)
        definition.active = True
        (report.updated if changed else report.unchanged).append(entry.id)
    for definition in existing.values():
        if definition.active:
            definition.active = False
            report.retired.append(definition.id)
    db.session.flush()
    return report


def get_definition(coupon_id: str) -> CouponDefinition | None:
    """Return the definition with this id, active or not."""
    return db.session.get(CouponDefinition, coupon_id)


def beacon_coupon_for(store_code: str) -> CouponDefinition | None:
    """Return the active definition whose beacon_stores names this store."""
    for definition in db.session.scalars(
        select(CouponDefinition)
        .where(CouponDefinition.active.is_(True))
        .order_by(CouponDefinition.id)
    ):
        if store_code in (definition.beacon_stores or []):
            return definition
    return None
