"""`flask --app wsgi handlers`: every route of the app's router, like `flask routes`."""

from __future__ import annotations

import copy

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.routing import JOB, get_router


@click.command("handlers")
@click.option("--kind", help="Only this kind: event, message, interceptor, ...")
@with_appcontext
def handlers_command(kind: str | None) -> None:
    """List every event, message, postback action, job and sweep with its function."""
    routes = [r for r in get_router(current_app).all() if kind in (None, r.kind)]
    if not routes:
        click.echo("no routes")
        return
    width = max(len(r.key) for r in routes)
    click.echo(f"{'kind':11}  {'answers':{width}}  function")
    for route in routes:
        queue = f"  (queue {route.queue})" if route.kind == JOB else ""
        click.echo(f"{route.kind:11}  {route.key:{width}}  {route.target}{queue}")


def add_cli_group(app: Flask, group: click.Group, *aliases: str) -> None:
    """Add a CLI group under its name, and hidden under old names kept for scripts."""
    app.cli.add_command(group)
    for alias in aliases:
        hidden = copy.copy(group)
        hidden.hidden = True
        app.cli.add_command(hidden, alias)
