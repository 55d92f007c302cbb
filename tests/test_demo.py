"""The README's demo command starts a bot that answers a follow from the emulator."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
