"""`flask richmenu deploy|relink`: make LINE's rich menus match the definitions."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.line.client import LineApiError, LineTransientError
from bot.line.rate_limits import RateLimited
from bot.richmenu.definitions import DefinitionError

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "richmenus"


@click.group("richmenus")
def richmenu_cli() -> None:
    """Deploy rich menus and put users on the menu that fits them."""


@richmenu_cli.command("deploy")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    show_default="richmenus/",
    help="Folder with the menu definitions and images.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@with_appcontext
def deploy_command(directory: Path, dry_run: bool) -> None:
    """Create, update and delete rich menus so LINE matches the definitions."""
    from bot.richmenu.deploy import (
        execute_deploy,
        plan_deploy,
        read_line_state,
        render_all,
    )
    from bot.richmenu.service import menu_placeholders

    try:
        menus = render_all(directory, menu_placeholders())
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        state = read_line_state()
        plan = plan_deploy(menus, state)
        for line in plan.lines:
            click.echo(("would " if dry_run else "plan: ") + line)
        if dry_run:
            return
        execute_deploy(plan, state, click.echo)
    except RateLimited as exc:
        per_hour = current_app.config["SETTINGS"].RICHMENU_CREATE_DELETE_PER_HOUR
        minutes = max(1, round(exc.retry_after / 60))
        raise click.ClickException(
            f"LINE allows {per_hour} rich menu creations (and as many deletions) "
            f"an hour; run deploy again in {minutes} minute(s) to resume"
        ) from exc
    except LineTransientError as exc:
        raise click.ClickException(
            f"LINE is busy or unreachable ({exc.status}); run deploy again to resume"
        ) from exc
    except LineApiError as exc:
        raise _refused(exc) from exc
    click.echo("deploy done")


# What to check when LINE refuses the channel itself rather than a menu.
_SETTINGS_HINT = {
    401: " (check LINE_CHANNEL_ACCESS_TOKEN)",
    404: " (check LINE_API_BASE_URL and LINE_API_DATA_BASE_URL)",
}


def _refused(exc: LineApiError) -> click.ClickException:
    return click.ClickException(f"{exc}{_SETTINGS_HINT.get(exc.status, '')}")


@richmenu_cli.command("relink")
@click.option("--full", is_flag=True, help="Ignore what was recorded; send for all.")
@click.option("--dry-run", is_flag=True, help="Count the changes; send nothing.")
@click.option("--max-attempts", default=5, show_default=True, help="Per bulk call.")
@with_appcontext
def relink_command(full: bool, dry_run: bool, max_attempts: int) -> None:
    """Put every friend on the menu that fits their status (500 users a call)."""
    from bot.richmenu.relink import Throttle, relink_all

    throttle = Throttle.from_settings(max_attempts=max_attempts)
    try:
        report = relink_all(throttle, full=full, dry_run=dry_run)
    except LineTransientError as exc:
        raise click.ClickException(
            f"LINE refused a bulk call ({exc.status}) after {max_attempts} attempt(s);"
            f" {throttle.calls} call(s) went through and are recorded."
            " Run relink again to resume."
        ) from exc
    except LineApiError as exc:
        raise _refused(exc) from exc
    if report.not_deployed:
        names = ", ".join(sorted(report.not_deployed))
        click.echo(f"not deployed (run `richmenu deploy`): {names}")
    prefix = "would send" if dry_run else "sent"
    click.echo(
        f"{prefix} {report.calls} bulk call(s): {report.linked} linked, "
        f"{report.unlinked} back on the default menu, {report.unchanged} unchanged"
    )
