"""`flask demo`: the bot, its worker and the LINE emulator in one process.

Embedded defaults only: SQLite under instance/ and an in-process Redis, so a
newcomer needs nothing but Python. The code paths are the production ones: the
emulator signs and POSTs webhooks over HTTP, the worker takes jobs from the
(in-process) Redis queue, and the bot calls LINE through line-bot-sdk.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parent.parent
DEMO_SECRET = "demo-channel-secret"
DEMO_TOKEN = "demo-channel-access-token"
DEMO_LOGIN_CHANNEL = "1660000000"
DEMO_USER = "U" + "de30" * 8
# The rich menus' オンラインストア opens this page, served beside the bot: the
# demo has no shop, and https://shop.example.com would not resolve.
DEMO_SHOP_PATH = "/demo-shop"
DEMO_SHOP_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>オンラインストア（デモ）</title>
<style>
body { margin: 0; font-family: sans-serif; background: #fafafa; color: #222; }
header { background: #222; color: #fff; padding: 14px 16px; font-weight: 700; }
main { padding: 16px; line-height: 1.7; }
.note { background: #fff7d6; border: 1px solid #f0d77a; border-radius: 8px;
        padding: 10px 12px; font-size: 13px; }
</style></head>
<body><header>OMOストア オンラインストア</header>
<main>
<p>いつもご利用ありがとうございます。新着アイテムやセール情報はこちらから。</p>
<p class="note">このページはデモ用の代わりのページです。本番では、設定
<code>ONLINE_STORE_URL</code> に指定したお店のオンラインストアが開きます。</p>
</main></body></html>
"""

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
        "ONLINE_STORE_URL": f"http://{host}:{port}{DEMO_SHOP_PATH}",
        "REDIS_URL": "",
        "LOG_LEVEL": log_level,
    }


@Request.application
def demo_shop(request: Request) -> Response:
    """Serve the page that stands for the online shop in the demo."""
    return Response(DEMO_SHOP_PAGE, mimetype="text/html")


def with_demo_pages(app: Flask) -> Any:
    """Return the WSGI app the demo serves: the bot, plus the shop stand-in."""
    return DispatcherMiddleware(app, {DEMO_SHOP_PATH: demo_shop})


def port_in_use(host: str, port: int) -> bool:
    """Tell whether another process already listens on host:port."""
    with socket.socket() as probe:
        # As the servers bind: a port in TIME_WAIT is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def check_ports(host: str, port: int, emulator_port: int) -> None:
    """Stop with a message naming the option to change when a port is taken."""
    for number, what in ((port, "the bot"), (emulator_port, "the LINE emulator")):
        if port_in_use(host, number):
            raise click.ClickException(
                f"port {number} ({what}) is in use. Start the demo on free ports "
                "with --port (the bot) and --emulator-port (the emulator), e.g.\n"
                "  ./scripts/demo.sh --port 18000 --emulator-port 18090"
            )


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
@click.option(
    "--emulator-port",
    default=8090,
    show_default=True,
    help="The LINE emulator's port (its API, control API and simulator).",
)
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
    from line_emulator.settings import default_openapi_dir
    from line_emulator.validation import spec_notice
    from line_emulator.webhooks import deliver, follow_event

    check_ports(host, port, emulator_port)
    app = create_app(demo_settings(host, port, emulator_port, log_level.upper()))
    notice = spec_notice(default_openapi_dir())
    if notice:
        click.echo(f"Note: {notice}.\n")
    # The line above says it in plain words; the emulator's JSON warning would
    # say it again.
    logging.getLogger("line_emulator").setLevel(logging.ERROR)
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
    server = make_server(host, port, with_demo_pages(app), threaded=True)
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
        click.echo(
            "\nOpen the LINE chat simulator (as デモ 太郎): "
            f"{emulator}/simulator?user={DEMO_USER}\n"
        )
    email, password = DEMO_OPERATOR
    click.echo(
        f"Operator console: http://{host}:{port}/operator  ({email} / {password})\n"
        "Member to link with card number and birthday: 2900000000018 / 1990-04-12\n"
        f"オンラインストア in the menus opens http://{host}:{port}{DEMO_SHOP_PATH}, "
        "a page standing for the shop (ONLINE_STORE_URL).\n"
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
