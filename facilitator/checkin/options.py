"""Where the live screen serves phone check-in, as chosen on the command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckinOptions:
    """Where to serve phone check-in: host None means this machine's LAN address; port 0 any."""

    host: str | None = None
    port: int = 8765
