"""The README's demo command starts a bot that answers a follow from the emulator."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.test import Client

from bot.demo import demo_settings, with_demo_pages
from line_emulator.settings import default_openapi_dir
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_demo_answers_a_follow_on_embedded_defaults(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [
            str(flask),
            "--app",
            "wsgi",
            "demo",
            "--once",
            "--port",
            str(free_port()),
            "--emulator-port",
            str(free_port()),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "bot answered 200" in result.stdout
    assert "デモ 太郎さん、友だち追加ありがとうございます" in result.stdout
    assert (tmp_path / "demo.sqlite3").exists()
    # A first deploy has no default menu yet: normal, so no warning.
    assert "LINE refused a call" not in result.stdout + result.stderr
    spec_note = "Note: LINE's OpenAPI spec is not at" in result.stdout
    assert spec_note == (not (default_openapi_dir() / "messaging-api.yml").exists())


def test_a_taken_port_names_the_options_that_move_the_demo(tmp_path: Path) -> None:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    flask = Path(sys.executable).with_name("flask")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        result = subprocess.run(
            [str(flask), "--app", "wsgi", "demo", "--once", "--port", str(busy)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode != 0
    assert f"port {busy} (the bot) is in use" in result.stderr
    assert "--port" in result.stderr and "--emulator-port" in result.stderr
    assert not (tmp_path / "demo.sqlite3").exists()  # stopped before anything


def test_the_online_store_link_opens_a_page_the_demo_serves() -> None:
    bot = Flask("bot-stand-in")
    bot.add_url_rule("/healthz", "healthz", lambda: "bot")
    settings = demo_settings("127.0.0.1", 18000, 18090)
    client = Client(with_demo_pages(bot))

    shop = client.get(urlsplit(settings["ONLINE_STORE_URL"]).path)

    assert settings["ONLINE_STORE_URL"] == "http://127.0.0.1:18000/demo-shop"
    assert shop.status_code == 200
    page = shop.get_data(as_text=True)
    assert "オンラインストア" in page and "ONLINE_STORE_URL" in page
    assert client.get("/healthz").get_data(as_text=True) == "bot"
