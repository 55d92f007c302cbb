"""Small pieces the command groups share."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click


def output_file(path: Path) -> TextIO:
    """Open a command's --output file for writing (UTF-8, CSV-safe newlines).

    A path that cannot be written (no such folder, no permission) is reported
    as the command's error, not as a traceback.
    """
    try:
        return path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from exc
