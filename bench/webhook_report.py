"""Print the webhook benchmark's figures as tables, with the issue's targets."""

from __future__ import annotations

import argparse
import os
import platform
from typing import Any

from webhook_e2e import CUSTOMER_QUESTION, E2eResult
from webhook_load import AckResult

ACK_THROUGHPUT_TARGET = 0.5
ACK_P99_TARGET = 3.0
E2E_TARGETS = {0: 300.0, 50: 200.0}
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
    order = ["minimal", "bot", "inline", "worker", "emulator", "postgres", "redis"]
    # Processes of the other phases sit idle: leave them out.
    kinds = sorted(
        (kind for kind, used in per_unit.items() if used >= 0.005),
        key=lambda k: (order.index(k) if k in order else 99, k),
    )
    parts = ", ".join(f"{kind} {per_unit[kind]:.2f}" for kind in kinds)
    return f"  {label:<24} {parts}; total {sum(per_unit.values()):.2f}"


def print_report(
    args: argparse.Namespace,
    ack: dict[str, Any],
    e2e: list[E2eResult],
    inline: dict[int, AckResult],
    background: float,
    faq_loaded: bool,
) -> None:
    """Print the acknowledgement table, the end-to-end table and the verdicts."""
    minimal, bot = ack["minimal"], ack["bot"]
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}")
    print(
        f"other load on the machine before the run: {background:.0%} of all cores"
        + ("  (WARNING: figures will be low and noisy)" if background > 0.1 else "")
    )
    print(
        f"served by: gunicorn -w {args.gunicorn_workers} -k gthread --threads "
        f"{args.gunicorn_threads}; load: wrk -t2 -c{args.connections} "
        f"-d{args.duration:g}s, every body a new webhookEventId "
        f"(up to {ack['bodies']:,} per run)"
    )
    print()
    print(
        "1. Acknowledgement of POST /callback (load generator on the same cores; "
        f"best of {args.rounds} alternating runs)"
    )
    header = f"  {'server':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(header + f" {'errors':>7}")
    print(_ack_row("minimal Flask app (signature check only)", minimal))
    print(_ack_row("bot (verify, store, enqueue)", bot))
    for latency_ms, result in sorted(inline.items()):
        print(
            _ack_row(f"baseline: reply inside request, LINE +{latency_ms} ms", result)
        )
    throughput = bot.rps / minimal.rps if minimal.rps else 0.0
    p99 = bot.p99_ms / minimal.p99_ms if minimal.p99_ms else float("inf")
    print(
        f"  bot / minimal: throughput {throughput:.2f}x "
        f"(target >= {ACK_THROUGHPUT_TARGET}x: "
        f"{_mark(throughput >= ACK_THROUGHPUT_TARGET)}), "
        f"p99 {p99:.2f}x (target <= {ACK_P99_TARGET}x: {_mark(p99 <= ACK_P99_TARGET)})"
    )
    for latency_ms, result in sorted(inline.items()):
        late = "over" if result.max_ms > LINE_TIMEOUT_MS else "within"
        print(
            f"  baseline +{latency_ms} ms / minimal: throughput "
            f"{result.rps / minimal.rps:.3f}x, "
            f"p99 {result.p99_ms / minimal.p99_ms:.1f}x"
            f" (slowest ack {result.max_ms:,.0f} ms, {late} LINE's 2 s timeout)"
        )
    print("  CPU ms per answered request, by process (best runs; all cores):")
    for name in ("minimal", "bot"):
        print(_cpu_line(name, ack[name].cpu_ms_per_request()))
    for name in ("minimal", "bot"):
        rates = ", ".join(f"{run.rps:,.0f}" for run in ack[f"{name}_runs"])
        print(f"  {name} req/s in each run: {rates}")
    print(
        f"  the bot stored {ack['bot_stored']:,} new events and queued "
        f"{ack['bot_queued']:,} jobs for {ack['bot_answered']:,} answered requests"
    )
    print()
    print(
        f"2. End to end: webhook -> worker -> reply received by the emulator; "
        f"{args.worker_processes} worker processes x {args.worker_threads} threads, "
        f"{args.events:,} text events from {args.users:,} known users "
        f"({CUSTOMER_QUESTION!r}, FAQ {'loaded' if faq_loaded else 'NOT loaded'}), "
        f"{args.connections} connections"
    )
    print(
        f"  {'LINE latency':<13} {'events/s':>9} {'target':>8} {'verdict':>8} "
        f"{'acks done s':>12} {'last reply s':>13} {'replies':>8} {'pushes':>7} "
        f"{'non-200':>8}"
    )
    for result in e2e:
        target = E2E_TARGETS.get(result.latency_ms, 0.0)
        non_200 = sum(n for status, n in result.statuses.items() if status != 200)
        print(
            f"  {str(result.latency_ms) + ' ms':<13} {result.events_per_second:>9.0f} "
            f"{target:>8.0f} {_mark(result.events_per_second >= target):>8} "
            f"{result.acked_seconds:>12.2f} {result.last_reply_seconds:>13.2f} "
            f"{result.replies:>8,} {result.pushes:>7,} {non_200:>8}"
        )
        print(_cpu_line("    CPU ms per event", result.cpu_ms_per_event()))
        refused = {s: n for s, n in result.line_statuses.items() if s != "200"}
        if refused:
            print(f"    LINE calls not answered 200: {refused}")
