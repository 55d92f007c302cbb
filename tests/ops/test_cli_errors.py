"""Commands refuse what they cannot do with one error line, never a traceback.

Click turns a refused command into SystemExit; an exception that escapes the
command is kept by the runner as itself (what the user would see as a
traceback). Each case here was a traceback before.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from flask import Flask

from tests.conftest import LineSide


def _refused(result: Result, code: int, words: str) -> None:
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    assert words in result.output


def test_an_output_file_that_cannot_be_written_is_an_error(
    app: Flask, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder" / "codes.csv"
    result = app.test_cli_runner().invoke(
        args=["coupons", "export-codes", "--output", str(missing)]
    )
    _refused(result, 1, f"cannot write {missing}: No such file or directory")


def test_an_export_folder_that_cannot_be_made_is_an_error(
    app: Flask, tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    result = app.test_cli_runner().invoke(args=["export", str(a_file / "exports")])
    _refused(result, 1, f"cannot write {a_file / 'exports'}")


def test_faq_gaps_refuses_a_look_back_past_a_century(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["faq", "gaps", "--days", "99999999999999"]
    )
    _refused(result, 2, "is not in the range 1<=x<=36500")


def test_quota_says_when_line_does_not_answer(app: Flask, line: LineSide) -> None:
    line.fault("/v2/bot/message/quota", 500, count=50)
    result = app.test_cli_runner().invoke(args=["quota"])
    _refused(result, 1, "LINE did not answer the quota")
