"""Print the webhook benchmark's figures as tables, with the issue's targets."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from dataclasses import dataclass, field
from typing import Any

from webhook_e2e import CUSTOMER_QUESTION, E2eResult
from webhook_load import AckResult

ACK_THROUGHPUT_TARGET = 0.5
ACK_P99_TARGET = 3.0
# End to end against the inline baseline of the same pair, by LINE latency.
E2E_TARGETS = {0: 0.6, 50: 1.0}
WORKER_CPU_TARGET = 2.0
LINE_TIMEOUT_MS = 2000.0


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, if there is one."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


@dataclass
class Pair:
    """One end-to-end round: the inline baseline, the bot's and minimal workers."""

    inline: dict[int, AckResult] = field(default_factory=dict)
    bot: list[E2eResult] = field(default_factory=list)
    minimal: list[E2eResult] = field(default_factory=list)


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _ack_row(name: str, result: AckResult) -> str:
    problems = result.non_2xx + result.socket_errors + result.timeouts
    return (
        f"  {name:<44} {result.rps:>9,.0f} {result.p50_ms:>8.2f} "
        f"{result.p99_ms:>8.2f} {result.max_ms:>8.1f} {problems:>7}"
        + (f"  (bodies reused {result.wrapped}x)" if result.wrapped else "")
    )


def _cpu_line(label: str, per_unit: dict[str, float]) -> str:
    order = [
        "minimal",
        "bot",
        "notify",
        "inline",
        "worker",
        "minworker",
        "emulator",
        "postgres",
        "redis",
    ]
    # Processes of the other phases sit idle: leave them out.
    kinds = sorted(
        (kind for kind, used in per_unit.items() if used >= 0.005),
        key=lambda k: (order.index(k) if k in order else 99, k),
    )
    parts = ", ".join(f"{kind} {per_unit[kind]:.2f}" for kind in kinds)
    return f"  {label:<24} {parts}; total {sum(per_unit.values()):.2f}"


def print_report(
    args: argparse.Namespace,
    ack: dict[str, Any] | None,
    pairs: list[Pair],
    background: float,
    faq_loaded: bool,
) -> None:
    """Print the acknowledgement table, the end-to-end table and the verdicts."""
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}")
    print(
        f"other load on the machine before the run: {background:.0%} of all cores"
        + ("  (WARNING: figures will be low and noisy)" if background > 0.1 else "")
    )
    if ack is not None:
        _print_ack(args, ack)
    if pairs:
        _print_e2e(args, pairs, faq_loaded)


def _print_ack(args: argparse.Namespace, ack: dict[str, Any]) -> None:
    minimal, bot = ack["minimal"], ack["bot"]
    print(
        f"served by: gunicorn -w {args.gunicorn_workers} -k gthread --threads "
        f"{args.gunicorn_threads}; load: wrk -t2 -c{args.connections} "
        f"-d{args.duration:g}s, every body a new webhookEventId "
        f"(up to {ack['bodies']:,} per run)"
    )
    print()
    print(
        "1. Acknowledgement of POST /callback (load generator on the same cores; "
        f"{args.rounds} alternating pairs)"
    )
    header = f"  {'server':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(header + f" {'errors':>7}")
    for number, (low, high, table) in enumerate(
        zip(ack["minimal_runs"], ack["bot_runs"], ack["notify_runs"], strict=True), 1
    ):
        print(_ack_row(f"round {number}: minimal (signature check only)", low))
        print(_ack_row(f"round {number}: bot (verify, store, enqueue)", high))
        print(_ack_row(f"round {number}: bot, table queue (store+NOTIFY)", table))
        print(
            f"  round {number}: bot / minimal throughput {high.rps / low.rps:.2f}x, "
            f"p99 {high.p99_ms / low.p99_ms:.2f}x; table queue / minimal "
            f"{table.rps / low.rps:.2f}x, p99 {table.p99_ms / low.p99_ms:.2f}x"
        )
    throughput = bot.rps / minimal.rps if minimal.rps else 0.0
    p99 = bot.p99_ms / minimal.p99_ms if minimal.p99_ms else float("inf")
    print(
        f"  best of each: throughput {throughput:.2f}x "
        f"(target >= {ACK_THROUGHPUT_TARGET}x: "
        f"{_mark(throughput >= ACK_THROUGHPUT_TARGET)}), "
        f"p99 {p99:.2f}x (target <= {ACK_P99_TARGET}x: {_mark(p99 <= ACK_P99_TARGET)})"
    )
    table = ack["notify"]
    print(
        f"  best table queue (INSERT + NOTIFY, no Redis) / minimal: "
        f"{table.rps / minimal.rps if minimal.rps else 0.0:.2f}x, "
        f"p99 {table.p99_ms / minimal.p99_ms if minimal.p99_ms else 0.0:.2f}x; "
        f"/ bot (INSERT + enqueue): {table.rps / bot.rps if bot.rps else 0.0:.2f}x"
    )
    print("  CPU ms per answered request, by process (best runs; all cores):")
    for name in ("minimal", "bot", "notify"):
        print(_cpu_line(name, ack[name].cpu_ms_per_request()))
    print(
        f"  the bot stored {ack['bot_stored']:,} new events and queued "
        f"{ack['bot_queued']:,} jobs for {ack['bot_answered']:,} answered requests"
    )
    print()


def _print_e2e(args: argparse.Namespace, pairs: list[Pair], faq_loaded: bool) -> None:
    print(
        f"2. Replies per second, in alternating pairs: inline baseline (reply "
        f"inside the request, wrk -c{args.connections}), then end to end "
        f"(webhook -> PostgreSQL -> queue -> worker -> reply) with the bot's "
        f"workers, then with the minimal worker; {args.worker_processes} worker "
        f"processes x {args.worker_threads} threads, {args.events:,} text events "
        f"from {args.users:,} known users ({CUSTOMER_QUESTION!r}, FAQ "
        f"{'loaded' if faq_loaded else 'NOT loaded'})"
    )
    print(
        f"  {'pair':<5} {'LINE':>5} {'inline/s':>9} {'bot e2e/s':>10} "
        f"{'ratio':>6} {'target':>7} {'min-worker e2e/s':>17} "
        f"{'worker CPU ms':>14} {'min-worker':>11} {'ratio':>6}"
    )
    ratios: dict[int, list[float]] = {0: [], 50: []}
    cpu_ratios: list[float] = []
    for number, pair in enumerate(pairs, 1):
        for bot, minimal in zip(pair.bot, pair.minimal, strict=True):
            ms = bot.latency_ms
            inline = pair.inline.get(ms)
            ratio = bot.events_per_second / inline.rps if inline else 0.0
            ratios[ms].append(ratio)
            bot_cpu = bot.cpu_ms_per_event().get("worker", 0.0)
            min_cpu = minimal.cpu_ms_per_event().get("minworker", 0.0)
            cpu_ratio = bot_cpu / min_cpu if min_cpu else 0.0
            cpu_ratios.append(cpu_ratio)
            print(
                f"  {number:<5} {ms:>5} {inline.rps if inline else 0:>9.0f} "
                f"{bot.events_per_second:>10.0f} {ratio:>5.2f}x "
                f"{E2E_TARGETS[ms]:>6.1f}x {minimal.events_per_second:>17.0f} "
                f"{bot_cpu:>14.2f} {min_cpu:>11.2f} {cpu_ratio:>5.2f}x"
            )
    for ms, found in ratios.items():
        if found:
            middle = statistics.median(found)
            print(
                f"  +{ms} ms: bot / inline median {middle:.2f}x over {len(found)} "
                f"pairs (target >= {E2E_TARGETS[ms]}x: "
                f"{_mark(middle >= E2E_TARGETS[ms])})"
            )
    if cpu_ratios:
        middle = statistics.median(cpu_ratios)
        print(
            f"  worker CPU per event / minimal worker's: median {middle:.2f}x "
            f"(target <= {WORKER_CPU_TARGET}x: {_mark(middle <= WORKER_CPU_TARGET)})"
        )
    print("  CPU ms per event or request, by process (every run):")
    for number, pair in enumerate(pairs, 1):
        for ms, result in sorted(pair.inline.items()):
            print(_cpu_line(f"{number} inline +{ms}", result.cpu_ms_per_request()))
        for kind, results in (("bot", pair.bot), ("min-worker", pair.minimal)):
            for result in results:
                label = f"{number} {kind} +{result.latency_ms}"
                print(_cpu_line(label, result.cpu_ms_per_event()))
                odd = {s: n for s, n in result.line_statuses.items() if s != "200"}
                non_200 = {s: n for s, n in result.statuses.items() if s != 200}
                if odd or non_200 or result.pushes or result.replies != result.events:
                    print(
                        f"      replies {result.replies}, pushes {result.pushes}, "
                        f"webhook non-200 {non_200}, LINE non-200 {odd}"
                    )
