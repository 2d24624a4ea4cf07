"""The phone check-in server of one live session: bind, token, URL, start and stop.

The token in the path is the capability: it is random (192 bits), made per server start, and
dies when the server stops. Nothing here logs a name, a code or the token (no access log, and
aiohttp's own logger is quietened). The web app it serves is `checkin.app.make_checkin_app`.
"""

from __future__ import annotations

import errno
import logging
import secrets
import socket
import time
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from facilitator.checkin.app import BODY_TIMEOUT, STATE, make_checkin_app
from facilitator.checkin.connections import (
    IDLE_TIMEOUT,
    MAX_CONNECTIONS,
    CheckinRunner,
    ConnectionLimits,
)
from facilitator.checkin.options import DEFAULT_PORT
from facilitator.errors import UserError

if TYPE_CHECKING:
    from facilitator.checkin.app import OnAnswer, OnCheckin
    from facilitator.common.clock import Now
    from facilitator.store.database import Database


class CheckinError(UserError):
    """The check-in server cannot start (the message is for the facilitator's screen)."""


class PortInUse(CheckinError):
    """The requested port is taken (another program, or another facilitator window)."""


def new_token() -> str:
    """A fresh capability token: 16 random bytes (128 bits), 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def default_host() -> str:
    """This machine's LAN address (the one its default route uses), else 127.0.0.1."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            # Connecting a UDP socket sends nothing; it only picks the outgoing interface.
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    if not address or address.startswith("0."):
        return "127.0.0.1"
    return address


def checkin_url(host: str, port: int, token: str) -> str:
    """`http://HOST:PORT/c/TOKEN` (IPv6 hosts in brackets)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/c/{token}"


class _QuietLogger(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's server logger, minus the raw request bytes it logs for malformed requests.

    Those bytes can hold the secret token and a member's code; only the kind of problem stays.
    """

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        kwargs.pop("exc_info", None)
        return "check-in server: a malformed request was refused", kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            message, options = self.process(msg, kwargs)
            self.logger.log(level, message, **options)


_QUIET = _QuietLogger(logging.getLogger("facilitator.checkin"), {})


class CheckinServer:
    """The phone check-in server of one live session: start it on the UI's loop, stop it at the end.

    Each `start` makes a new token (so the URL changes); `stop` kills it. The defaults are the
    contract's: 10 failed codes a minute per address (and a budget across addresses), 10 s idle.
    """

    def __init__(
        self,
        database: Database,
        session_id: str,
        *,
        clock: Now | None = None,
        on_checkin: OnCheckin | None = None,
        on_answer: OnAnswer | None = None,
        max_failures_per_minute: int = 10,
        global_failures_per_minute: int | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.session_id = session_id
        self.limits = ConnectionLimits(idle_timeout, max_connections)
        self.app_options: dict[str, Any] = {
            "clock": clock,
            "on_checkin": on_checkin,
            "on_answer": on_answer,
            "max_failures_per_minute": max_failures_per_minute,
            "global_failures_per_minute": global_failures_per_minute,
            "body_timeout": body_timeout,
            "monotonic": monotonic,
        }
        """What `make_checkin_app` gets at each start."""
        self._runner: CheckinRunner | None = None
        self._app: web.Application | None = None
        self._token: str | None = None
        self._host = ""
        self._port = 0

    @property
    def running(self) -> bool:
        """Serving now."""
        return self._runner is not None

    @property
    def token(self) -> str | None:
        """The current token (None when stopped)."""
        return self._token

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) actually bound."""
        self._require_running()
        return self._host, self._port

    @property
    def url(self) -> str:
        """`http://HOST:PORT/c/TOKEN`, for the QR code and the text beneath it.

        A wildcard bind address (0.0.0.0, ::) is shown as this machine's LAN address.
        """
        self._require_running()
        assert self._token is not None
        host = default_host() if self._host in ("0.0.0.0", "::", "") else self._host
        return checkin_url(host, self._port, self._token)

    def _require_running(self) -> None:
        if self._runner is None:
            raise RuntimeError("the check-in server is not running")

    async def start(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        *,
        sock: socket.socket | None = None,
    ) -> tuple[str, int]:
        """Serve on `host`:`port` (0 picks a free port), or on `sock` already bound there;
        returns the bound (host, port).

        Raises `PortInUse` if the port is taken, `CheckinError` for any other bind problem.
        """
        if self._runner is not None:
            raise RuntimeError("the check-in server is already running")
        token = new_token()
        app = make_checkin_app(self.database, self.session_id, token, **self.app_options)
        runner = CheckinRunner(
            app,
            limits=self.limits,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=2.0,
            logger=_QUIET,
        )
        await runner.setup()
        site = web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise _bind_error(exc, host, port) from None
        bound = runner.addresses[0]
        self._host, self._port = str(bound[0]), int(bound[1])
        self._runner, self._app, self._token = runner, app, token
        return self._host, self._port

    def forget_answers(self) -> None:
        """Forget the remembered answers to valid codes (call after checking someone out or
        changing a status, so a phone sent again within the minute is asked afresh)."""
        if self._app is not None:
            self._app[STATE].answered.clear()

    async def stop(self) -> None:
        """Stop serving; the token dies with it. Safe to call twice."""
        runner, app = self._runner, self._app
        self._runner = self._app = None
        self._token = None
        if app is not None:
            app[STATE].open = False
        if runner is not None:
            await runner.cleanup()


def _bind_error(exc: OSError, host: str, port: int) -> CheckinError:
    """A message the facilitator can act on, for a failed bind."""
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(
            f"phone check-in cannot start: port {port} is already in use on {host} "
            "(is another facilitator window open?); use --checkin-port with another port, "
            "or 0 for any free port"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return CheckinError(
            f"phone check-in cannot start: {host} is not an address of this machine "
            "(check --checkin-host)"
        )
    if exc.errno == errno.EACCES:
        return CheckinError(
            f"phone check-in cannot start: no permission to use port {port} "
            f"(ports below 1024 need privileges; the default is {DEFAULT_PORT})"
        )
    reason = exc.strerror or str(exc)
    return CheckinError(f"phone check-in cannot start on {where}: {reason}")
