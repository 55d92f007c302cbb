"""A local SMTP server that keeps what the bot sends (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers import free_port


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        policy = email.policy.default
        message = email.message_from_bytes(envelope.content, policy=policy)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


class MailSink:
    """The messages an SMTP server on this machine received."""

    def __init__(self, port: int, keep: _Keep) -> None:
        self.port, self._keep = port, keep

    @property
    def messages(self) -> list[EmailMessage]:
        """Return every message received so far."""
        return list(self._keep.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages addressed to one recipient."""
        return [m for m in self._keep.messages if m["To"] == address]


@contextmanager
def running_mail_sink() -> Iterator[MailSink]:
    """Run an SMTP server on 127.0.0.1 until the block ends."""
    keep, port = _Keep(), free_port()
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield MailSink(port, keep)
    finally:
        controller.stop()
