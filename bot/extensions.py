"""Unbound extension objects, bound to an app in the factory."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from redis import Redis
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session

log = logging.getLogger(__name__)

# Named constraints so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Autogenerate writes our aware-datetime type as the plain column it stores.
    from bot.models_base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


migrate = Migrate(render_as_batch=True, compare_type=True, render_item=_render_item)


class RedisExtension:
    """Holds one Redis client per app: a real server, or the in-process stand-in."""

    def init_app(self, app: Flask) -> None:
        """Create the app's client; nothing connects until first use."""
        settings = app.config["SETTINGS"]
        if settings.embedded_redis:
            import fakeredis

            server = app.config.get("EMBEDDED_REDIS_SERVER") or fakeredis.FakeServer()
            app.config["EMBEDDED_REDIS_SERVER"] = server
            client: Redis = fakeredis.FakeRedis(server=server)
        else:
            client = Redis.from_url(settings.REDIS_URL, health_check_interval=30)
        app.extensions["redis"] = client

    @property
    def client(self) -> Redis:
        """Return the current app's Redis client."""
        return current_app.extensions["redis"]


redis_ext = RedisExtension()


def get_redis() -> Redis:
    """Return the current app's Redis client."""
    return redis_ext.client


# Side effects (LINE calls, enqueues, live-console events) wait for the data
# they depend on: `after_commit(fn)` runs `fn` once the session's outermost
# transaction commits, and drops it when that transaction rolls back.
_AFTER_COMMIT_KEY = "after_commit"


def after_commit(fn: Callable[[], Any]) -> None:
    """Run `fn` once the current transaction commits; drop it on rollback."""
    db.session().info.setdefault(_AFTER_COMMIT_KEY, []).append(fn)


def install_after_commit_hooks() -> None:
    """Listen for commits and rollbacks on every session (once per process)."""
    if not event.contains(Session, "after_commit", _run_after_commit):
        event.listen(Session, "after_commit", _run_after_commit)
        event.listen(Session, "after_soft_rollback", _drop_after_rollback)


def _run_after_commit(session: Session) -> None:
    for fn in session.info.pop(_AFTER_COMMIT_KEY, []):
        try:
            fn()
        except Exception:
            # The data is committed; a lost side effect is found by its sweep
            # (pending events and messages are re-queued), never by a rollback.
            log.exception("after-commit action failed")


def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT_KEY, None)


@contextlib.contextmanager
def one_connection_session() -> Iterator[None]:
    """Run the app context's session on one pooled connection until the block ends.

    A session bound to the engine gives its connection back at every commit,
    and the next statement checks one out again (with a pre-ping round trip);
    a job that commits once per event keeps one connection instead. Each
    commit still ends its own transaction.
    """
    db.session.remove()
    connection = db.engine.connect()
    try:
        # SQLAlchemy's own Session: Flask-SQLAlchemy's always picks the engine.
        db.session.registry.set(Session(bind=connection))
        yield
    finally:
        db.session.remove()
        connection.close()
