"""Run the emulator on a background thread, on 127.0.0.1 and a free port."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from line_emulator import create_app
from line_emulator.platform import LinePlatform
from line_emulator.settings import EmulatorSettings


class EmulatorServer:
    """A context manager serving the emulator over real HTTP for a test's length."""

    def __init__(
        self,
        platform: LinePlatform | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **settings: Any,
    ) -> None:
        if platform is None:
            platform = LinePlatform(EmulatorSettings.from_values(**settings))
        elif settings:
            platform.configure(**settings)
        self.platform = platform
        self.app = create_app(self.platform)
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Return the API host (api.line.me) URL."""
        if self._server is None:
            raise RuntimeError("the emulator server is not running")
        return f"http://{self._host}:{self._server.server_port}"

    @property
    def data_base_url(self) -> str:
        """Return the data host (api-data.line.me) URL."""
        return self.base_url + "/data"

    @property
    def access_base_url(self) -> str:
        """Return the access host (access.line.me) URL."""
        return self.base_url

    def start(self) -> EmulatorServer:
        """Start serving on a daemon thread."""
        self._server = make_server(self._host, self._port, self.app, threaded=True)
        # A short poll interval keeps shutdown (and so every test) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="line-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
