"""Where the live screen serves phone check-in, as chosen on the command line."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

DEFAULT_PORT = 8765
"""Where phone check-in listens unless `--checkin-port` says otherwise."""


@dataclass(frozen=True)
class CheckinOptions:
    """Where to serve phone check-in: host None means this machine's LAN address; port 0 any."""

    host: str | None = None
    port: int = DEFAULT_PORT
    listening: socket.socket | None = field(default=None, compare=False)
    """A socket already bound there and listening (`run` binds it early), served instead."""
