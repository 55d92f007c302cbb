"""The worker baseline: take the bot's job from its queue and only reply.

It declares an actor with the bot's job name on the bot's Redis queue
(`omo-bot` namespace, queue `events`), so the bot's webhook feeds it exactly
as it feeds `flask worker`. For each job ([row id, LINE user id] pairs) it
reads the reply tokens with one query and replies through line-bot-sdk; no
status, no lock, no outbox, no handler. webhook_bench.py runs it as:
    BENCH_DATABASE_URL=... BENCH_REDIS_URL=... BENCH_LINE_API=http://...
    python bench/webhook_minimal_worker.py --threads 16
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from typing import Any

import dramatiq
import psycopg
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Retries
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from redis import Redis

JOB_NAME = "bot.webhook.jobs.handle_webhook_events"
QUEUE = "events"
REPLY_TEXT = "お問い合わせありがとうございます。"


def build(threads: int) -> RedisBroker:
    """Declare the bot's job on a broker of the bot's Redis queue."""
    database_url = os.environ["BENCH_DATABASE_URL"]
    local = threading.local()
    configuration = Configuration(
        host=os.environ["BENCH_LINE_API"],
        access_token=os.environ.get("BENCH_ACCESS_TOKEN", "bench-access-token"),
    )
    configuration.connection_pool_maxsize = threads
    api = MessagingApi(ApiClient(configuration))
    broker = RedisBroker(
        client=Redis.from_url(os.environ["BENCH_REDIS_URL"]),
        namespace="omo-bot",
        middleware=[Retries()],
    )

    def handle(events: list[list[Any]]) -> None:
        ids = [event_pk for event_pk, _ in events]
        if not hasattr(local, "connection"):
            local.connection = psycopg.connect(database_url, autocommit=True)
        rows = local.connection.execute(
            "SELECT payload->>'replyToken' FROM webhook_events"
            " WHERE id = ANY(%s) ORDER BY id",
            (ids,),
        ).fetchall()
        for (token,) in rows:
            api.reply_message(
                ReplyMessageRequest(
                    reply_token=token, messages=[TextMessage(text=REPLY_TEXT)]
                )
            )

    dramatiq.Actor(
        handle,
        broker=broker,
        actor_name=JOB_NAME,
        queue_name=QUEUE,
        priority=0,
        options={"max_retries": 0},
    )
    return broker


def main() -> None:
    """Consume the events queue with threads until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    broker = build(args.threads)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = dramatiq.Worker(broker, worker_threads=args.threads, worker_timeout=200)
    worker.start()
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main()
