"""Real processes for the fault tests: gunicorn, the worker, Redis, a TCP proxy."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tests.conftest import _settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def bot_environment(emulator: Any, **overrides: Any) -> dict[str, str]:
    """Return the environment that runs the bot as the tests' app is built."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_"))
    }
    for name, value in _settings(emulator, **overrides).items():
        env[name] = str(value)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    """Tell whether an HTTP server answers at url (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class Process:
    """A child process of the test, its output kept in a file."""

    def __init__(
        self, args: list[str], env: Mapping[str, str], log: Path, name: str
    ) -> None:
        self.name = name
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=dict(env),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """Return the process id."""
        return self.popen.pid

    def alive(self) -> bool:
        """Tell whether the process still runs."""
        return self.popen.poll() is None

    def output(self) -> str:
        """Return what the process printed so far."""
        self._out.flush()
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """Kill the process group at once (SIGKILL), as a crash would."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15) -> None:
        """Ask the process group to stop; kill it if it does not in time."""
        if self.alive():
            os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()


def gunicorn(env: Mapping[str, str], port: int, log: Path, *options: str) -> Process:
    """Start gunicorn serving wsgi:app on a port; return once it answers."""
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "-b",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "2",
        *options,
        "wsgi:app",
    ]
    process = Process(args, env, log, f"gunicorn:{port}")
    url = f"http://127.0.0.1:{port}/healthz"
    return _started(process, lambda: answers(url), 60)


def worker(env: Mapping[str, str], log: Path, threads: int = 4) -> Process:
    """Start `flask --app wsgi worker` in its own process."""
    args = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi",
        "worker",
        "--threads",
        str(threads),
    ]
    return Process(args, env, log, "worker")


def redis_server(port: int, log: Path) -> Process:
    """Start a Redis server of the test's own, without persistence."""
    args = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    process = Process(args, os.environ, log, f"redis:{port}")
    return _started(process, lambda: _accepts(port), 20)


def _started(process: Process, ready: Callable[[], bool], timeout: float) -> Process:
    """Return the process once `ready` holds; stop it and fail if it never does.

    Stopping closes its log file, which would otherwise be reported as leaked
    in whichever test runs next.
    """
    try:
        wait_until(lambda: not process.alive() or ready(), timeout, process.name)
    except AssertionError:
        process.stop()
        raise
    if process.alive():
        return process
    output = process.output()
    process.stop()
    raise AssertionError(f"{process.name} exited:\n{output}")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class TcpProxy:
    """Forwards a local port to another; `cut()` drops every connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.open = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        self.open = False
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self) -> None:
        """Accept connections again."""
        self.open = True

    def close(self) -> None:
        """Stop listening and drop everything."""
        self.cut()
        self.listener.close()
