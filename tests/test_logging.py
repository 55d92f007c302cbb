"""Logs are JSON lines with the event id, never message text or secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from flask import Flask

from bot.logs import JsonFormatter, log_context
from tests.conftest import LineSide
from tests.helpers import ACCESS_TOKEN, CHANNEL_SECRET


def test_formatter_writes_one_json_object_with_context() -> None:
    record = logging.makeLogRecord(
        {
            "name": "x",
            "levelname": "INFO",
            "msg": "hello",
            "operation": "reply",
            "text": "secret words",
            "password": "p",
        }
    )
    with log_context(event_id="01ABC", job_id="j1"):
        line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["msg"] == "hello"
    assert entry["event_id"] == "01ABC" and entry["job_id"] == "j1"
    assert entry["operation"] == "reply"
    assert "text" not in entry and "password" not in entry


def test_handling_an_event_logs_its_id_and_no_text(
    app: Flask,
    line: LineSide,
    worker: Callable[[], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    formatter = JsonFormatter()
    user_id = line.add_user("鈴木 一郎")
    event = line.text(user_id, "誕生日クーポンの暗証番号は1234です")
    line.send(event)
    worker()
    lines = [
        json.loads(formatter.format(r))
        for r in caplog.records
        if r.name.startswith("bot.")
    ]
    about_event = [e for e in lines if e.get("event_id")]
    assert {e["msg"] for e in about_event} >= {"event handled", "LINE call"}
    assert all(e["event_id"] == event["webhookEventId"] for e in about_event)
    everything = "\n".join(json.dumps(e, ensure_ascii=False) for e in lines)
    for secret in (
        "暗証番号",
        "1234です",
        CHANNEL_SECRET,
        ACCESS_TOKEN,
        event["replyToken"],
    ):
        assert secret not in everything


def test_access_log_lines_do_not_carry_link_tokens(app: Flask) -> None:
    record = logging.makeLogRecord(
        {
            "name": "werkzeug",
            "levelname": "INFO",
            "msg": '%s - "%s" %s',
            "args": (
                "127.0.0.1",
                "GET /link?linkToken=SECRETTOKEN&x=1 HTTP/1.1",
                "200",
            ),
        }
    )
    for log_filter in logging.getLogger("werkzeug").filters:
        log_filter.filter(record)
    line = JsonFormatter().format(record)
    assert "SECRETTOKEN" not in line
    assert "linkToken=[redacted]&x=1" in line
