"""CLI groups are plural nouns; the old singular names still run for scripts."""

from __future__ import annotations

from flask import Flask


def test_groups_have_one_visible_name_and_old_names_still_work(app: Flask) -> None:
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["--help"]).output
    assert "segments " in listing and "richmenus " in listing
    assert "  segment " not in listing and "  richmenu " not in listing
    for old, new in (("segment", "segments"), ("richmenu", "richmenus")):
        result = runner.invoke(args=[old, "--help"])
        assert result.exit_code == 0, result.output
        assert (
            result.output.split("\n", 1)[1]
            == runner.invoke(args=[new, "--help"]).output.split("\n", 1)[1]
        )
