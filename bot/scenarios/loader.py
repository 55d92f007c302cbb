"""`scenarios load`: read scenarios/*.yaml, check all, store all or nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.extensions import db
from bot.scenarios import coupons
from bot.scenarios.definition import Scenario, ScenarioError, parse_scenario
from bot.scenarios.models import ACTIVE, PAUSED, REMOVED, ScenarioRecord
from bot.scenarios.service import leave_removed
from bot.segments.templates import load_template
from bot.yaml_files import UnreadableYaml, read_yaml


class ScenarioLoadError(ValueError):
    """One or more scenario files are invalid; nothing was stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class LoadReport:
    """What a load changed (or, dry, would change)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    left: int = 0
    warnings: list[str] = field(default_factory=list)


def read_scenarios(directory: Path) -> tuple[list[tuple[Path, Scenario]], list[str]]:
    """Parse every scenario file; return them with the coupon warnings."""
    if not directory.is_dir():
        raise ScenarioLoadError([f"{directory}: no such directory"])
    try:
        coupon_ids = coupons.known_coupon_ids()
    except (UnreadableYaml, UnicodeDecodeError) as exc:
        raise ScenarioLoadError([f"{coupons.COUPONS_FILE}: {_reason(exc)}"]) from exc
    problems: list[str] = []
    found: list[tuple[Path, Scenario]] = []
    seen: dict[str, Path] = {}
    for path in sorted(directory.glob("*.y*ml")):
        try:
            document = read_yaml(path.read_text(encoding="utf-8"))
            scenario = parse_scenario(document, load_template, coupon_ids)
        except (UnreadableYaml, UnicodeDecodeError, OSError) as exc:
            problems.append(f"{path.name}: {_reason(exc)}")
            continue
        except ScenarioError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if scenario.id in seen:
            problems.append(
                f"{path.name}: scenario {scenario.id}: field id: also in "
                f"{seen[scenario.id].name}"
            )
            continue
        seen[scenario.id] = path
        found.append((path, scenario))
    if problems:
        raise ScenarioLoadError(problems)
    warnings = []
    if not coupons.available():
        for path, scenario in found:
            if any(v.coupon for s in scenario.steps for v in s.variants):
                warnings.append(
                    f"{path.name}: scenario {scenario.id}: coupons are not installed;"
                    " its coupon steps go out without the coupon"
                )
    return found, warnings


def fingerprint(scenario: Scenario) -> str:
    """Return what identifies one version of a scenario."""
    text = json.dumps(scenario.document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def load_scenarios(directory: Path, now: datetime) -> LoadReport:
    """Store every scenario of the directory; scenarios no longer there stop."""
    found, warnings = read_scenarios(directory)
    report = LoadReport(warnings=warnings)
    existing = {r.id: r for r in db.session.scalars(select(ScenarioRecord))}
    for path, scenario in found:
        record = existing.pop(scenario.id, None)
        version = fingerprint(scenario)
        if record is None:
            db.session.add(
                ScenarioRecord(
                    id=scenario.id,
                    trigger=scenario.trigger,
                    definition=scenario.document,
                    fingerprint=version,
                    source_file=path.name,
                    status=ACTIVE,
                    loaded_at=now,
                )
            )
            report.added.append(scenario.id)
            continue
        if record.fingerprint == version and record.status != REMOVED:
            report.unchanged.append(scenario.id)
            continue
        record.trigger = scenario.trigger
        record.definition = scenario.document
        record.fingerprint = version
        record.source_file = path.name
        record.loaded_at = now
        record.removed_at = None
        if record.status == REMOVED:
            record.status = ACTIVE
        report.updated.append(scenario.id)
    for record in existing.values():
        if record.status == REMOVED:
            continue
        on_remove = record.definition.get("on_remove", "finish")
        record.status = REMOVED
        record.removed_at = now
        report.removed.append(record.id)
        if on_remove == "leave":
            report.left += leave_removed(record.id, now)
    db.session.flush()
    return report


def set_paused(scenario_id: str, paused: bool) -> ScenarioRecord:
    """Pause (nothing sent, nobody enrolled) or resume a loaded scenario."""
    record = db.session.get(ScenarioRecord, scenario_id)
    if record is None or record.status == REMOVED:
        raise LookupError(f"no loaded scenario {scenario_id!r}")
    record.status = PAUSED if paused else ACTIVE
    db.session.flush()
    return record


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError):
        return f"cannot be read: {exc.strerror}"
    return str(exc)
