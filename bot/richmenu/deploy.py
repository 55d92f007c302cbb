"""`richmenu deploy`: make LINE match the definitions, idempotently.

Every menu this bot creates is recorded with a digest of its rendered body,
alias and image. An unchanged definition whose menu, alias and default are in
place on LINE costs only three GET calls. A changed one gets a new menu: image,
alias repointed, users relinked, then the old menu deleted. A row still in
"creating" state (a deploy interrupted before its image was confirmed) is
deleted and made again, because LINE takes an image only once per menu.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from bot.extensions import db
from bot.line import richmenus as line_menus
from bot.richmenu.definitions import MenuDefinition, load_definitions, render_rich_menu
from bot.richmenu.models import CREATING, LIVE, RichMenuDeployment, RichMenuUserLink
from bot.richmenu.relink import Throttle, move_recorded_users

log = logging.getLogger(__name__)
RETIRED = "retired"
Say = Callable[[str], None]


@dataclass(frozen=True)
class RenderedMenu:
    """A definition rendered for this deployment, with its image and digest."""

    definition: MenuDefinition
    body: dict[str, Any]
    image: bytes
    digest: str

    @property
    def name(self) -> str:
        """Return the definition's name."""
        return self.definition.name


@dataclass
class LineState:
    """What LINE has now: menu ids, aliases and the default menu."""

    menu_ids: set[str]
    aliases: dict[str, str]
    default_id: str | None


@dataclass
class DeployPlan:
    """Menus to create, keep and retire; the lines `--dry-run` prints."""

    create: list[RenderedMenu] = field(default_factory=list)
    keep: dict[str, RichMenuDeployment] = field(default_factory=dict)
    retire: list[RichMenuDeployment] = field(default_factory=list)
    menus: list[RenderedMenu] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def render_all(directory: Path, placeholders: Mapping[str, str]) -> list[RenderedMenu]:
    """Load and render every definition, or raise DefinitionError; no LINE calls."""
    rendered = []
    for definition in load_definitions(directory):
        body = render_rich_menu(definition, placeholders)
        image = definition.image_path.read_bytes()
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
        parts = [canonical, definition.alias, hashlib.sha256(image).hexdigest()]
        digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        rendered.append(RenderedMenu(definition, body, image, digest))
    return rendered


def read_line_state() -> LineState:
    """Read the channel's menus, aliases and default menu (GET calls only)."""
    return LineState(
        menu_ids=line_menus.list_rich_menu_ids(),
        aliases=line_menus.list_aliases(),
        default_id=line_menus.default_rich_menu_id(),
    )


def plan_deploy(menus: list[RenderedMenu], state: LineState) -> DeployPlan:
    """Compare definitions with our records and LINE; change nothing."""
    plan = DeployPlan(menus=menus)
    rows = list(db.session.scalars(select(RichMenuDeployment)))
    live = {row.name: row for row in rows if row.status == LIVE}
    for row in rows:
        if row.status != LIVE:
            plan.retire.append(row)
            plan.lines.append(f"remove {row.name}: unfinished or replaced menu")
    for menu in menus:
        row = live.pop(menu.name, None)
        if row is not None and row.digest == menu.digest:
            if row.rich_menu_id in state.menu_ids:
                plan.keep[menu.name] = row
                _plan_fixes(menu, row.rich_menu_id, state, plan.lines)
                continue
            plan.lines.append(f"recreate {menu.name}: missing on LINE")
        else:
            verb = "create" if row is None else "replace"
            plan.lines.append(f"{verb} {menu.name} (alias {menu.definition.alias})")
        if row is not None:
            plan.retire.append(row)
        plan.create.append(menu)
    for row in live.values():
        plan.retire.append(row)
        plan.lines.append(f"delete {row.name}: no definition names it any more")
    if not plan.lines:
        plan.lines.append("nothing to change")
    return plan


def _plan_fixes(
    menu: RenderedMenu, rich_menu_id: str, state: LineState, lines: list[str]
) -> None:
    alias = menu.definition.alias
    if state.aliases.get(alias) != rich_menu_id:
        lines.append(f"point alias {alias} at {menu.name}")
    if menu.definition.default and state.default_id != rich_menu_id:
        lines.append(f"make {menu.name} the default menu")


def execute_deploy(plan: DeployPlan, state: LineState, say: Say) -> None:
    """Carry out a plan, committing after every step so a rerun resumes."""
    throttle = Throttle.from_settings()
    live_ids: dict[str, str] = {n: r.rich_menu_id for n, r in plan.keep.items()}
    for menu in plan.create:
        live_ids[menu.name] = _create_menu(menu, say)
    for menu in plan.menus:
        _fix_alias_and_default(menu, live_ids[menu.name], state, say)
    wanted_aliases = {menu.definition.alias for menu in plan.menus}
    new_rows = {row.name: row for row in _rows(LIVE) if row.name in live_ids}
    for old in plan.retire:
        _retire(old, new_rows.get(old.name), state, wanted_aliases, throttle, say)


def _create_menu(menu: RenderedMenu, say: Say) -> str:
    rich_menu_id = line_menus.create_rich_menu(menu.body)
    row = RichMenuDeployment(
        name=menu.name,
        alias=menu.definition.alias,
        rich_menu_id=rich_menu_id,
        digest=menu.digest,
        is_default=menu.definition.default,
        status=CREATING,
    )
    db.session.add(row)
    db.session.commit()  # recorded before the image, so a crash is cleaned up
    line_menus.upload_rich_menu_image(
        rich_menu_id, menu.image, menu.definition.image_type
    )
    say(f"created {menu.name}: {rich_menu_id}")
    return rich_menu_id


def _fix_alias_and_default(
    menu: RenderedMenu, rich_menu_id: str, state: LineState, say: Say
) -> None:
    alias = menu.definition.alias
    if state.aliases.get(alias) != rich_menu_id:
        if alias in state.aliases:
            line_menus.update_alias(alias, rich_menu_id)
        else:
            line_menus.create_alias(alias, rich_menu_id)
        state.aliases[alias] = rich_menu_id
        say(f"alias {alias} -> {rich_menu_id}")
    if menu.definition.default and state.default_id != rich_menu_id:
        line_menus.set_default_rich_menu(rich_menu_id)
        state.default_id = rich_menu_id
        say(f"default menu: {menu.name}")
    # Alias and default are in place: from now on this menu is the one shown.
    for row in _rows(CREATING, LIVE):
        if row.name != menu.name:
            continue
        row.status = LIVE if row.rich_menu_id == rich_menu_id else RETIRED
        row.is_default = menu.definition.default
    db.session.commit()


def _retire(
    old: RichMenuDeployment,
    new: RichMenuDeployment | None,
    state: LineState,
    wanted_aliases: set[str],
    throttle: Throttle,
    say: Say,
) -> None:
    target = None if new is None or new.is_default else new.rich_menu_id
    if new is not None:
        moved = move_recorded_users(old.rich_menu_id, target, throttle)
        if moved:
            say(f"moved {moved} user(s) from {old.rich_menu_id} to {new.name}")
    else:
        # The menu goes away; LINE drops its links, its users see the default.
        db.session.execute(
            delete(RichMenuUserLink).where(
                RichMenuUserLink.rich_menu_id == old.rich_menu_id
            )
        )
    if old.alias not in wanted_aliases and state.aliases.get(old.alias) == (
        old.rich_menu_id
    ):
        line_menus.delete_alias(old.alias)
        state.aliases.pop(old.alias, None)
    if old.rich_menu_id in state.menu_ids:
        line_menus.delete_rich_menu(old.rich_menu_id)
    db.session.delete(old)
    db.session.commit()
    say(f"deleted {old.name}: {old.rich_menu_id}")


def _rows(*statuses: str) -> list[RichMenuDeployment]:
    query = select(RichMenuDeployment).where(RichMenuDeployment.status.in_(statuses))
    return list(db.session.scalars(query))
