"""The LINE chat simulator: LINE's talk screen for one user, served by the emulator.

GET /simulator?user=<userId> shows a phone-sized chat with the bot built only
from the emulator's recorded state (deliveries, rich menus, users); the page's
JSON lives under /simulator/api/.
"""

from __future__ import annotations

from line_emulator.simulator.views import bp, favicon

__all__ = ["bp", "favicon"]
