"""Small pieces the command groups share."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from bot.requests import LARGEST_ROW_ID

# A row id argument: past what an id column holds the database refused it
# with a traceback; click names the argument and the range instead.
ROW_ID = click.IntRange(0, LARGEST_ROW_ID)


def output_file(path: Path) -> TextIO:
    """Open a command's --output file for writing (UTF-8, CSV-safe newlines).

    A path that cannot be written (no such folder, no permission) is reported
    as the command's error, not as a traceback.
    """
    try:
        return path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from exc


def cannot_write(path: Path, exc: OSError) -> click.ClickException:
    """Return the command error for a file or folder that cannot be written."""
    return click.ClickException(f"cannot write {path}: {exc.strerror}")
