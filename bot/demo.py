"""`flask demo`: bot, worker and LINE emulator in one process (placeholder)."""

from __future__ import annotations

import click


@click.command("demo")
def demo_command() -> None:
    """Run the demo."""
    raise click.ClickException("not yet")
