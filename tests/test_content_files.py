"""Deploy commands answer a mistake in a content file with a line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.scenarios.models import ScenarioRecord

SCENARIO = """
id: hello
trigger: follow
steps:
  - after: {after}
    text: "ようこそ"
"""
COUPONS = """
coupons:
  - id: spring
    title: 春のクーポン
    kind: amount_off
    value: 500
    valid_until: {when}
"""
FAQ = """
faqs:
  - id: hours
    question: {question}
    answer: 10時から20時までです。
"""


def _refused(runner: FlaskCliRunner, args: list[str]) -> str:
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    # A click error (exit 1 or 2), not an exception that escaped the command.
    assert isinstance(result.exception, SystemExit), result.exception
    return result.output


@pytest.mark.parametrize(
    ("after", "problem"),
    [
        ("3000000d", "field steps[0].after: a duration of at most 3650d"),
        ("9999999999d", "field steps[0].after: a duration of at most 3650d"),
    ],
)
def test_a_step_planned_past_any_date_is_refused(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, after: str, problem: str
) -> None:
    # 3000000d loaded, then every follow failed and the minute sweep stopped
    # every scenario; 9999999999d was a traceback.
    (tmp_path / "hello.yaml").write_text(SCENARIO.format(after=after), "utf-8")
    output = _refused(runner, ["scenarios", "load", str(tmp_path)])
    assert "hello.yaml: scenario hello: " + problem in output
    with app.app_context():
        assert db.session.get(ScenarioRecord, "hello") is None


def test_unreadable_scenario_files_are_named(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xff\xfe id: x")
    bad_date = (
        SCENARIO.format(after="0m").replace("ようこそ", "x") + "    at: 2020-13-45\n"
    )
    (tmp_path / "b.yaml").write_text(bad_date, "utf-8")
    output = _refused(runner, ["scenarios", "load", str(tmp_path)])
    assert "a.yaml: not UTF-8 text" in output
    assert "b.yaml: not valid YAML: a date that does not exist" in output


def test_a_date_the_calendar_lacks_is_named_in_coupons_and_faq(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    coupons = tmp_path / "coupons.yaml"
    coupons.write_text(COUPONS.format(when="2020-13-45"), "utf-8")
    output = _refused(runner, ["coupons", "load", str(coupons)])
    assert "not valid YAML: a date that does not exist" in output
    faq = tmp_path / "faq.yaml"
    faq.write_text(FAQ.format(question="2020-02-30"), "utf-8")
    output = _refused(runner, ["faq", "load", str(faq)])
    assert "not valid YAML: a date that does not exist" in output


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00"])
def test_run_due_refuses_a_now_past_any_plan(runner: FlaskCliRunner, now: str) -> None:
    output = _refused(runner, ["scenarios", "run-due", "--now", now])
    assert "must be in the years 2000 to 2999" in output


@pytest.mark.parametrize(
    "text", ["{nme}様", "{Name}様", "{points} pt", "{recovery_ur1}"]
)
def test_a_placeholder_scenarios_do_not_fill_is_refused(
    runner: FlaskCliRunner, tmp_path: Path, text: str
) -> None:
    # It loaded, and customers got "{nme}様" as written.
    scenario = SCENARIO.format(after="0m").replace("ようこそ", text)
    (tmp_path / "hello.yaml").write_text(scenario, "utf-8")
    output = _refused(runner, ["scenarios", "load", str(tmp_path)])
    name = text[1 : text.index("}")]
    assert f"field steps[0].text: unknown placeholder {{{name}}}" in output


def test_known_placeholders_load(runner: FlaskCliRunner, tmp_path: Path) -> None:
    scenario = SCENARIO.format(after="0m").replace(
        "ようこそ", "{name}様 {recovery_url}"
    )
    (tmp_path / "hello.yaml").write_text(scenario, "utf-8")
    assert runner.invoke(args=["scenarios", "load", str(tmp_path)]).exit_code == 0
