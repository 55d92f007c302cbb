"""The app's router: which function answers each LINE event, postback, job and sweep.

Every domain's `init_app(app)` fills the router explicitly, the way blueprints
fill Flask's URL map; nothing registers itself by being imported. A key
registered twice is refused at start-up, and so is a postback action that a
rich menu sends with no handler. `flask --app wsgi handlers` lists it all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from bot.config import ConfigError

# The kinds of route, in the order `flask handlers` lists them.
EVENT = "event"
MESSAGE = "message"
INTERCEPTOR = "interceptor"
POSTBACK = "postback"
JOB = "job"
SWEEP = "sweep"
MENU_RULE = "menu_rule"
KINDS = (EVENT, MESSAGE, INTERCEPTOR, POSTBACK, JOB, SWEEP, MENU_RULE)

DEFAULT_QUEUE = "default"


class RoutingError(ConfigError):
    """The router was filled in a way that would leave something unanswered."""


@dataclass(frozen=True)
class Route:
    """One registered answer: what it answers (kind, key) and the function."""

    kind: str
    key: str
    fn: Callable[..., Any]
    queue: str | None = None

    @property
    def target(self) -> str:
        """Return the dotted name of the function, as `flask handlers` shows it."""
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


@dataclass
class Router:
    """Event handlers, message handlers, interceptors, postbacks, jobs and sweeps."""

    _routes: dict[tuple[str, str], Route] = field(default_factory=dict)

    def event(self, event_type: str, fn: Callable[..., Any]) -> None:
        """Answer one LINE event type (follow, beacon, accountLink, ...)."""
        self._add(Route(EVENT, event_type, fn))

    def message(self, message_type: str, fn: Callable[..., Any]) -> None:
        """Answer one message type (text, location, sticker, ...)."""
        self._add(Route(MESSAGE, message_type, fn))

    def interceptor(self, name: str, fn: Callable[..., bool]) -> None:
        """Let `fn` take any message before its type's handler (True: taken)."""
        self._add(Route(INTERCEPTOR, name, fn))

    def postback(self, action: str, fn: Callable[..., Any]) -> None:
        """Answer postbacks whose data is `action=<action>&...`."""
        self._add(Route(POSTBACK, action, fn))

    def job(self, fn: Callable[..., Any], queue: str = DEFAULT_QUEUE) -> None:
        """Make `fn` a background job on a queue, named by its dotted path."""
        self._add(Route(JOB, job_name(fn), fn, queue))

    def sweep(self, fn: Callable[[], Any]) -> None:
        """Run `fn` about once a minute in every worker process."""
        self._add(Route(SWEEP, job_name(fn), fn))

    def menu_rule(self, name: str, fn: Callable[..., str | None]) -> None:
        """Let `fn` pick a user's rich menu by status before guest/member."""
        self._add(Route(MENU_RULE, name, fn))

    def _add(self, route: Route) -> None:
        existing = self._routes.get((route.kind, route.key))
        if existing is not None:
            raise RoutingError(
                f"{route.kind} {route.key!r} is registered twice: by "
                f"{existing.target} and by {route.target}"
            )
        self._routes[(route.kind, route.key)] = route

    def find(self, kind: str, key: str) -> Route | None:
        """Return the route answering (kind, key), or None."""
        return self._routes.get((kind, key))

    def of_kind(self, kind: str) -> list[Route]:
        """Return the routes of one kind, in registration order."""
        return [r for r in self._routes.values() if r.kind == kind]

    def all(self) -> list[Route]:
        """Return every route, grouped by kind, then sorted by key."""
        order = {kind: i for i, kind in enumerate(KINDS)}
        return sorted(self._routes.values(), key=lambda r: (order[r.kind], r.key))

    def check_postback_actions(self, used: Iterable[tuple[str, str]]) -> None:
        """Refuse start-up when an action some content sends has no handler.

        `used` yields (where, action): the file and field that send it.
        """
        missing = [
            f"{where}: action {action!r} has no postback handler"
            for where, action in used
            if self.find(POSTBACK, action) is None
        ]
        if missing:
            raise RoutingError(
                "postback actions used with no handler:\n" + "\n".join(missing)
            )


def job_name(fn: Callable[..., Any]) -> str:
    """Return the name a job or sweep is registered and queued under."""
    return f"{fn.__module__}.{fn.__name__}"


def get_router(app: Flask | None = None) -> Router:
    """Return the app's router (the current app's by default)."""
    return (app or current_app).extensions["router"]


def richmenu_postback_actions(directory: Path) -> list[tuple[str, str]]:
    """Return (file and field, action) for every postback action in rich menus."""
    import json

    from bot.line.postback import BadPostbackData, decode_postback

    used: list[tuple[str, str]] = []
    for source in sorted(directory.glob("*.json")):
        try:
            document = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RoutingError(f"{source}: cannot be read: {exc}") from exc
        areas = (document.get("richMenu") or {}).get("areas") or []
        for i, area in enumerate(areas):
            action = area.get("action") if isinstance(area, dict) else None
            if not isinstance(action, dict) or "data" not in action:
                continue
            where = f"{source}: richMenu.areas[{i}].action.data"
            try:
                name, _params = decode_postback(str(action["data"]))
            except BadPostbackData as exc:
                raise RoutingError(f"{where}: {exc}") from exc
            used.append((where, name))
    return used
