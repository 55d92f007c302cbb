"""`flask stores poster STORE_CODE [--out DIR]`: the register poster as PNG and PDF."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from bot.clitools import cannot_write
from bot.extensions import db
from bot.stores.models import Store
from bot.stores.poster import render_poster


@click.command("poster")
@click.argument("store_code")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("posters"),
    show_default=True,
    help="Folder to write the PNG and PDF into.",
)
@with_appcontext
def poster_command(store_code: str, out_dir: Path) -> None:
    """Write the store's poster with a QR code that adds the shop as a friend."""
    store = db.session.scalar(select(Store).where(Store.code == store_code))
    if store is None:
        raise click.UsageError(f"no store with code {store_code!r}")
    try:
        files = render_poster(store, out_dir)
    except OSError as exc:
        raise cannot_write(out_dir, exc) from exc
    click.echo(f"wrote {files.png}")
    click.echo(f"wrote {files.pdf}")
    click.echo(f"QR code opens {files.url}")
