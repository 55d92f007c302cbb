"""OMO LINE bot: the Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from bot.config import load_settings

# Domains, in dependency order. Each package's `init_app(app)` registers its
# blueprints, CLI groups, texts, and its handlers, postback actions, jobs and
# sweeps with the app's router. A name here that cannot be imported stops
# start-up: a domain is never skipped without a word.
DOMAINS = (
    "handlers",
    "webhook",
    "members",
    "richmenu",
    "stores",
    "points",
    "coupons",
    "cards",
    "purchases",
    "pos",
    "ec",
    "faq",
    "handoff",
    "operator",
    "beacon",
    "segments",
    "marketing",
    "scenarios",
    "measure",
    "admin",
)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: settings, extensions, blueprints, CLI and error handlers."""
    settings = load_settings(overrides)
    app = Flask(__name__, instance_path=str(_instance_path()))
    from bot.requests import BoundedRequest, RowIdConverter, refuse_unstorable_fields

    # Before any blueprint adds a route: every <int:...> is a bounded row id.
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=settings.sqlalchemy_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.sqlalchemy_url),
        JSON_AS_ASCII=False,
        # One size limit for every request body (413 beyond), chunked or not.
        MAX_CONTENT_LENGTH=settings.MAX_REQUEST_BYTES,
        TESTING=settings.BOT_ENV == "test",
    )
    if settings.sqlalchemy_url.startswith("sqlite:///"):
        # The embedded default keeps its file under instance/, as flaskr does.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if overrides:
        # Test-only hooks such as a shared embedded Redis server.
        app.config.update({k: v for k, v in overrides.items() if k.startswith("X_")})

    from bot.logs import configure_logging
    from bot.sessions import CachedSignerSessionInterface

    app.request_class = BoundedRequest
    app.before_request(refuse_unstorable_fields)
    app.session_interface = CachedSignerSessionInterface()

    configure_logging(settings.LOG_LEVEL)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    from bot.ops.errors import register_error_handlers

    register_error_handlers(app)
    if settings.TRUSTED_PROXIES:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Per-IP limits must see the customer's address, not the proxy's.
        n = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def _instance_path() -> Path:
    from bot.config import INSTANCE_DIR

    return INSTANCE_DIR


def _engine_options(url: str) -> dict[str, Any]:
    # Statement values (names, e-mails, password hashes) never reach error
    # messages, so a logged database error cannot leak them.
    if url.startswith("sqlite"):
        # Threads of the embedded worker share the file; wait instead of failing.
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 10,
        "hide_parameters": True,
    }


def _init_extensions(app: Flask) -> None:
    from bot import jobs
    from bot.extensions import db, install_after_commit_hooks, migrate, redis_ext
    from bot.line.client import init_line_client
    from bot.messages import init_templates

    db.init_app(app)
    install_after_commit_hooks()
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    redis_ext.init_app(app)
    init_line_client(app)
    _import_models()
    _init_domains(app)
    init_templates(app)
    jobs.init_app(app)
    if app.config["SETTINGS"].sqlalchemy_url.startswith("sqlite"):
        _enable_sqlite_pragmas(app)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


# Every table's model, so the metadata (and Alembic) sees the whole schema.
MODEL_MODULES = (
    "users",
    "webhook",
    "members",
    "stores",
    "points",
    "purchases",
    "cards",
    "richmenu",
    "operator",
    "handoff",
    "faq",
    "segments",
    "ec",
    "marketing",
    "scenarios",
    "coupons",
    "measure",
    "admin",
)


def _import_models() -> None:
    import importlib

    for name in MODEL_MODULES:
        importlib.import_module(f"bot.{name}.models")


def _init_domains(app: Flask) -> None:
    import importlib

    from bot.routing import Router, RoutingError, richmenu_postback_actions

    router = app.extensions["router"] = Router()
    for name in DOMAINS:
        try:
            module = importlib.import_module(f"bot.{name}")
        except ImportError as exc:
            raise RoutingError(
                f"domain {name!r} in bot.DOMAINS cannot be imported: {exc}"
            ) from exc
        init = getattr(module, "init_app", None)
        if init is None:
            raise RoutingError(f"domain {name!r} in bot.DOMAINS has no init_app(app)")
        init(app)
    menus = Path(app.config["SETTINGS"].RICHMENU_DIR)
    router.check_postback_actions(richmenu_postback_actions(menus))


def _enable_sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from bot.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from bot.ops.views import bp as ops_bp

    app.register_blueprint(ops_bp)


def _register_cli(app: Flask) -> None:
    from bot.demo import demo_command
    from bot.jobs.worker import worker_command
    from bot.ops.cli import handlers_command

    app.cli.add_command(worker_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(handlers_command)
