"""Deploy commands answer a mistake in a content file with a line, not a traceback."""

from __future__ import annotations

import json
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


def test_a_broken_coupons_file_is_named_by_scenarios_load(
    runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # scenarios load reads coupons.yaml for the coupon ids steps name: a YAML
    # error there was a traceback.
    import bot.scenarios.coupons as scenario_coupons

    broken = tmp_path / "coupons.yaml"
    broken.write_text("coupons:\n  - id: [x\n", "utf-8")
    monkeypatch.setattr(scenario_coupons, "COUPONS_FILE", broken)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "hello.yaml").write_text(SCENARIO.format(after="0m"), "utf-8")
    output = _refused(runner, ["scenarios", "load", str(tmp_path / "s")])
    assert f"{broken}: not valid YAML" in output


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


STORES = "code,name,address,lat,lng,hours,beacon_hwids\n"
MEMBERS = "member_no,name,email,birthday,home_store,points\n"
GOOD_NO = "2900000000018"


def _faq(**fields: str) -> str:
    entry = {"id": "hours", "category": "店舗", "question": "営業時間は？"}
    entry.update(fields)
    lines = "".join(
        f"    {k}: {json.dumps(v, ensure_ascii=True)}\n" for k, v in entry.items()
    )
    return "faqs:\n  - answer: 10時から20時までです。\n" + lines


CASES = {
    # name: (file name, its text, command, what the error says)
    "store with NUL": (
        "s.csv",
        STORES + "S009,Na\x00me,addr,35,139,10:00-20:00,\n",
        ["stores", "load"],
        "line 2: a field holds NUL",
    ),
    "member points ²": (
        "m.csv",
        MEMBERS + f"{GOOD_NO},山田,,,,²\n",
        ["members", "import"],
        "line 2: points: must be a whole number",
    ),
    "member with NUL": (
        "m.csv",
        MEMBERS + f"{GOOD_NO},山\x00田,,,,1\n",
        ["members", "import"],
        "line 2: a field holds NUL",
    ),
    "member field past csv's limit": (
        "m.csv",
        MEMBERS + f"{GOOD_NO},{'x' * 140_000},,,,1\n",
        ["members", "import"],
        "field larger than field limit",
    ),
    "faq id too long": (
        "f.yaml",
        _faq(id="a" * 101),
        ["faq", "load"],
        "field 'id': longer than 100 characters",
    ),
    "faq question with NUL": (
        "f.yaml",
        _faq(question="q\x00q"),
        ["faq", "load"],
        "a text at faqs[0].question holds NUL",
    ),
    "coupon value past an integer": (
        "c.yaml",
        COUPONS.format(when="2030-01-01").replace("500", "10" * 10),
        ["coupons", "load"],
        "field 'value': must be between 1 and 2,147,483,647",
    ),
    "coupon valid for 3000000 days": (
        "c.yaml",
        COUPONS.format(when="2030-01-01").replace(
            "valid_until: 2030-01-01", "valid_days: 3000000"
        ),
        ["coupons", "load"],
        "field 'valid_days': must be between 1 and 3,650",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_file_the_database_cannot_hold_is_refused_by_line_and_field(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, case: str
) -> None:
    # Each was a psycopg DataError, a ValueError or a csv.Error traceback;
    # valid_days 3000000 loaded and every issue of the coupon then failed.
    name, text, command, problem = CASES[case]
    path = tmp_path / name
    path.write_text(text, "utf-8")
    assert problem in _refused(runner, [*command, str(path)])


def test_ids_past_a_column_and_unwritable_folders_are_named(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    from tests.pos.factories import make_store

    make_store(app)  # S001
    poster = ["stores", "poster", "S001", "--out", "/proc/no-such-folder"]
    assert "cannot write /proc/no-such-folder" in _refused(runner, poster)
    huge = "99999999999999999999"
    assert "is not in the range" in _refused(runner, ["events", "retry", huge])
    assert "is not in the range" in _refused(runner, ["report", "send", huge])
    (tmp_path / "zz.yaml").mkdir()  # a folder where a scenario file would be
    output = _refused(runner, ["scenarios", "load", str(tmp_path)])
    assert "zz.yaml: cannot be read" in output
