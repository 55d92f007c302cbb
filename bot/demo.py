"""`flask demo`: the bot, its worker and the LINE emulator in one process.

Embedded defaults only: SQLite under instance/ and an in-process Redis, so a
newcomer needs nothing but Python. The code paths are the production ones: the
emulator signs and POSTs webhooks over HTTP, the worker takes jobs from the
(in-process) Redis queue, and the bot calls LINE through line-bot-sdk.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
DEMO_SECRET = "demo-channel-secret"
DEMO_TOKEN = "demo-channel-access-token"
DEMO_LOGIN_CHANNEL = "1660000000"
DEMO_USER = "U" + "de30" * 8

# Content loaded at start, by CLI command, when the feature that owns it exists.
STORES_CSV = ROOT / "samples" / "stores.csv"
DEMO_OPERATOR = ("operator@example.com", "demo-operator")
SEED_COMMANDS = (
    ("richmenu", "deploy"),
    ("stores", "load", str(STORES_CSV)),
    ("members", "import", str(ROOT / "samples" / "members.csv")),
    ("faq", "load", str(ROOT / "faq" / "faq.yaml")),
    ("coupons", "load", str(ROOT / "coupons" / "coupons.yaml")),
    ("scenarios", "load", str(ROOT / "scenarios")),
)


def simulator_settings(bot_url: str) -> dict[str, Any]:
    """Return what the simulator offers: LIFF pages, store places and beacons."""
    import csv

    places, beacons = [], []
    with STORES_CSV.open(encoding="utf-8") as stores:
        for row in csv.DictReader(stores):
            places.append(
                {
                    "name": row["name"],
                    "lat": float(row["lat"]),
                    "lng": float(row["lng"]),
                }
            )
            for hwid in filter(None, row["beacon_hwids"].split("|")):
                beacons.append({"hwid": hwid, "label": f"{row['name']} 入口"})
    return {
        "liff_url": f"{bot_url}/liff/card",
        "simulator_places": places,
        "simulator_beacons": beacons,
        "simulator_bot_name": "OMOストア",
    }


def demo_settings(
    host: str, port: int, emulator_port: int, log_level: str = "WARNING"
) -> dict[str, Any]:
    """Return the settings that point the bot at the local emulator."""
    emulator = f"http://{host}:{emulator_port}"
    return {
        "LINE_CHANNEL_SECRET": DEMO_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": DEMO_TOKEN,
        "LINE_API_BASE_URL": emulator,
        "LINE_API_DATA_BASE_URL": f"{emulator}/data",
        "LINE_ACCESS_BASE_URL": emulator,
        "LINE_LOGIN_CHANNEL_ID": DEMO_LOGIN_CHANNEL,
        # Menus link https://liff.line.me/<LIFF_ID>; the simulator opens those
        # on the bot's own card page, signed in through the LIFF stand-in.
        "LIFF_ID": f"{DEMO_LOGIN_CHANNEL}-card",
        "BOT_BASE_URL": f"http://{host}:{port}",
        "REDIS_URL": "",
        "LOG_LEVEL": log_level,
    }


def _seed(app: Flask) -> None:
    runner = app.test_cli_runner()
    for command in SEED_COMMANDS:
        if command[0] not in app.cli.commands:
            continue
        if len(command) > 2 and not Path(command[2]).exists():
            continue
        result = runner.invoke(args=list(command))
        status = "ok" if result.exit_code == 0 else f"failed: {result.output.strip()}"
        click.echo(f"  {' '.join(command[:2])}: {status}")
    if "operators" in app.cli.commands:
        email, password = DEMO_OPERATOR
        runner.invoke(
            args=[
                "operators",
                "create",
                email,
                "--role",
                "admin",
                "--password",
                password,
            ]
        )


def _wait_for_answer(platform: Any, user_id: str, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [
            m.get("text", f"[{m.get('type')}]")
            for d in platform.deliveries(user_id)
            for m in d.messages
        ]
        if texts:
            return texts
        time.sleep(0.1)
    return []


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, help="The bot's port.")
@click.option("--emulator-port", default=8090, show_default=True)
@click.option("--log-level", default="WARNING", show_default=True)
@click.option("--once", is_flag=True, help="Exit after the first follow is answered.")
def demo_command(
    host: str, port: int, emulator_port: int, log_level: str, once: bool
) -> None:
    """Run bot, worker and LINE emulator together on the embedded defaults."""
    from flask_migrate import upgrade

    from bot import create_app
    from bot.jobs.worker import start_worker
    from line_emulator.server import EmulatorServer
    from line_emulator.webhooks import deliver, follow_event

    app = create_app(demo_settings(host, port, emulator_port, log_level.upper()))
    with app.app_context():
        upgrade(revision="heads")
    emulator = EmulatorServer(
        host=host,
        port=emulator_port,
        channel_secret=DEMO_SECRET,
        access_token=DEMO_TOKEN,
        webhook_url=f"http://{host}:{port}/callback",
        **simulator_settings(f"http://{host}:{port}"),
    ).start()
    worker = start_worker(app)
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        click.echo("Loading demo content:")
        with app.app_context():
            _seed(app)
        platform = emulator.platform
        platform.add_user(user_id=DEMO_USER, display_name="デモ 太郎")
        status = deliver(platform, [follow_event(platform, DEMO_USER)]).status
        answer = _wait_for_answer(platform, DEMO_USER, timeout=15)
        click.echo(
            f"\nThe emulator sent a follow from デモ 太郎 (bot answered {status})."
        )
        click.echo("The bot replied:\n  " + ("\n  ".join(answer) or "(nothing yet)"))
        if once:
            if not answer:
                raise click.ClickException("the bot did not answer the follow")
            return
        _print_guide(host, port, emulator_port, "simulator" in app_routes(emulator))
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("\nstopping")
    finally:
        server.shutdown()
        worker.stop()
        emulator.stop()


def app_routes(emulator: Any) -> str:
    """Return the emulator's URL rules as one string, to see what it offers."""
    return " ".join(str(rule) for rule in emulator.app.url_map.iter_rules())


def _print_guide(host: str, port: int, emulator_port: int, has_simulator: bool) -> None:
    emulator = f"http://{host}:{emulator_port}"
    click.echo(
        f"\nBot:      http://{host}:{port}  (webhook /callback, health /healthz)"
    )
    click.echo(f"Emulator: {emulator}  (LINE's API, control API under /_emulator/)")
    if has_simulator:
        click.echo(f"\nOpen the LINE chat simulator: {emulator}/simulator\n")
    email, password = DEMO_OPERATOR
    click.echo(
        f"Operator console: http://{host}:{port}/operator  ({email} / {password})\n"
        "Member to link with card number and birthday: 2900000000018 / 1990-04-12\n"
    )
    click.echo(
        "Send a message as デモ 太郎:\n"
        f"  curl -s -X POST {emulator}/_emulator/events -H 'Content-Type: "
        "application/json' \\\n"
        f'    -d \'{{"kind": "text", "userId": "{DEMO_USER}", '
        '"fields": {"text": "送料はいくら？"}}\'\n'
        f"  curl -s {emulator}/_emulator/users/{DEMO_USER}/messages\n"
        "Ctrl-C stops everything."
    )
