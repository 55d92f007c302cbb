"""EmulatorClient: drive a running emulator's /_emulator/ control API (stdlib)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ControlApiError(Exception):
    """The control API refused a call."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class EmulatorClient:
    """A thin wrapper over the control API of an emulator at base_url."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
    ) -> Any:
        url = f"{self.base_url}/_emulator{path}"
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            with error:
                raise ControlApiError(error.code, error.read().decode()) from None

    def reset(self, settings: bool = False) -> None:
        """Forget all state (and with settings=True, restore the first settings)."""
        self._call("POST", "/reset", {"settings": settings})

    def config(self) -> dict[str, Any]:
        """Return the current settings."""
        return self._call("GET", "/config")

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change settings such as webhook_url, latency_ms or rate_limits."""
        return self._call("POST", "/config", settings)

    def add_user(self, **fields: Any) -> dict[str, Any]:
        """Add or update a user (userId, displayName, pictureUrl, ...)."""
        return self._call("POST", "/users", fields)

    def users(self) -> list[dict[str, Any]]:
        """Return every user."""
        return self._call("GET", "/users")["users"]

    def calls(
        self, path: str | None = None, method: str | None = None
    ) -> list[dict[str, Any]]:
        """Return recorded calls, filtered by fnmatch path and method."""
        found = self._call("GET", "/calls", query={"path": path, "method": method})
        return found["calls"]

    def clear_calls(self) -> None:
        """Forget recorded calls."""
        self._call("DELETE", "/calls")

    def messages_for(self, user_id: str) -> list[dict[str, Any]]:
        """Return what the bot sent to a user."""
        return self._call("GET", f"/users/{user_id}/messages")["deliveries"]

    def rich_menu_of(self, user_id: str) -> dict[str, Any]:
        """Return {richMenuId, source} of the menu a user sees."""
        return self._call("GET", f"/users/{user_id}/richmenu")

    def inject_fault(
        self,
        path: str,
        status: int = 500,
        count: int = 1,
        mode: str = "before",
        method: str | None = None,
    ) -> dict[str, Any]:
        """Make the next count calls matching path answer status."""
        fault = {"path": path, "status": status, "count": count, "mode": mode}
        if method:
            fault["method"] = method
        return self._call("POST", "/faults", fault)

    def clear_faults(self) -> None:
        """Drop pending faults."""
        self._call("DELETE", "/faults")

    def send_event(
        self, kind: str, user_id: str, deliver: bool = True, **fields: Any
    ) -> dict[str, Any]:
        """Send an event (follow, text, postback, ...) to the bot: {status, event}."""
        if isinstance(fields.get("content"), bytes):
            fields["contentBase64"] = base64.b64encode(fields.pop("content")).decode()
        body = {"kind": kind, "userId": user_id, "fields": fields, "deliver": deliver}
        return self._call("POST", "/events", body)

    def build_webhooks(
        self, kind: str, count: int, users: int | list[str] = 1, **fields: Any
    ) -> dict[str, Any]:
        """Build count signed one-event webhook bodies: {userIds, webhooks}."""
        body = {"kind": kind, "count": count, "users": users, "fields": fields}
        return self._call("POST", "/events/batch", body)

    def stats(self) -> dict[str, Any]:
        """Return counts of calls and deliveries and the last delivery's time."""
        return self._call("GET", "/stats")

    def redeliver(self, webhook_event_id: str) -> dict[str, Any]:
        """Send an earlier event again as a redelivery: {status, event}."""
        return self._call("POST", f"/events/{webhook_event_id}/redeliver", {})

    def issue_id_token(
        self,
        user_id: str,
        channel_id: str,
        nonce: str | None = None,
        expires_in: int = 3600,
    ) -> str:
        """Return a LIFF / LINE Login ID token for a user."""
        body = {"userId": user_id, "channelId": channel_id, "expiresIn": expires_in}
        if nonce is not None:
            body["nonce"] = nonce
        return self._call("POST", "/id-tokens", body)["idToken"]
