"""Start the benchmark's servers on 127.0.0.1 and stop every one of them again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
STOP_GRACE_SECONDS = 10.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until url answers any HTTP status; fail if the process dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def machine_busy_share(seconds: float) -> float:
    """Return the share of all cores busy over `seconds` (0..1; Linux /proc/stat)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:9]]
        return sum(ticks), ticks[3] + ticks[4]  # idle + iowait

    try:
        total_before, idle_before = sample()
        time.sleep(seconds)
        total, idle = sample()
    except OSError:
        return float("nan")
    elapsed = total - total_before
    return 1 - (idle - idle_before) / elapsed if elapsed else 0.0


def stop_on_signals() -> None:
    """Turn SIGTERM into KeyboardInterrupt so that `finally` blocks run."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


class ProcessGroup:
    """The processes this run started, each in its own session, stopped by pid."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.log_dir = log_dir
        self.base_env = {**os.environ, **(env or {})}
        self.running: list[subprocess.Popen[bytes]] = []
        self.kinds: dict[int, str] = {}

    def start(
        self, name: str, argv: Sequence[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start a command from the repository root, logging to log_dir/name.log."""
        log = (self.log_dir / f"{name}.log").open("ab")
        # Its own session: Ctrl-C reaches only us, and we stop children in order.
        process = subprocess.Popen(
            list(argv),
            cwd=REPO_ROOT,
            env={**self.base_env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running.append(process)
        # "worker-0" and "worker-1" are both of kind "worker" in CPU figures.
        self.kinds[process.pid] = name.split("-")[0]
        return process

    def cpu_seconds(self) -> dict[str, float]:
        """Return CPU seconds used so far by kind of process (see cpu_seconds)."""
        return cpu_seconds(self.kinds)

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop one process and its children: SIGTERM, then SIGKILL after a grace."""
        if process in self.running:
            self.running.remove(process)
        if process.poll() is not None:
            return
        # The group id is the pid of the process we started (start_new_session).
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_GRACE_SECONDS)
        # Leftover children (gunicorn workers) of the group, if any.
        _signal_group(process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        """Stop every process still running, newest first."""
        for process in reversed(list(self.running)):
            self.stop(process)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def gunicorn_argv(
    app: str, port: int, workers: int, threads: int, pythonpath: str | None = None
) -> list[str]:
    """Return the gunicorn command line every served app of the benchmark uses."""
    argv = [
        str(VENV_BIN / "gunicorn"),
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    if pythonpath:
        argv += ["--pythonpath", pythonpath]
    return [*argv, app]


def start_bot_under_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int, timeout: float = 60
) -> subprocess.Popen[bytes]:
    """Serve the bot (`wsgi:app`) under gunicorn and wait until /healthz answers."""
    argv = gunicorn_argv("wsgi:app", port, workers, threads)
    process = subprocess.Popen(argv, cwd=REPO_ROOT, env={**os.environ, **env})
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", process, timeout)
    except (RuntimeError, TimeoutError):
        process.terminate()
        raise
    return process


# Clock ticks per second of /proc/<pid>/stat's utime and stime.
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Shared servers the benchmark does not start, told apart by command name.
_SERVICES = {"postgres": "postgres", "redis-server": "redis"}


def cpu_seconds(groups: dict[int, str]) -> dict[str, float]:
    """Return CPU seconds used so far, summed by kind of process.

    groups maps the process-group ids of processes this run started to a
    name ("bot", "worker", ...); PostgreSQL's and Redis's processes count as
    "postgres" and "redis"; this process (the load sender) as "bench".
    Linux only (/proc); elsewhere only "bench" is given.
    """
    totals: dict[str, float] = {}
    own = os.times()
    totals["bench"] = own.user + own.system
    # Processes this one waited for (wrk runs) are in children's times.
    totals["finished children"] = own.children_user + own.children_system
    proc = Path("/proc")
    if not proc.is_dir():
        return totals
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # comm is in parentheses and may hold spaces: split after the last ")".
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pgrp, utime, stime = int(fields[2]), int(fields[11]), int(fields[12])
        name = groups.get(pgrp)
        if name is None:
            name = next(
                (kind for prefix, kind in _SERVICES.items() if comm.startswith(prefix)),
                None,
            )
        if name is not None:
            totals[name] = totals.get(name, 0.0) + (utime + stime) / _TICKS
    return totals


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Return CPU seconds used between two cpu_seconds() readings, by kind."""
    return {
        name: after[name] - before.get(name, 0.0)
        for name in after
        if after[name] - before.get(name, 0.0) > 0
    }
