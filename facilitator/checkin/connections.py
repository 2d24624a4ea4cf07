"""The HTTP connections of the check-in server: idle timeout, a cap, and the app's error pages.

- A connection that has not sent a whole request head within `idle_timeout` seconds of opening,
  or of its last answer, is closed (this is aiohttp's keep-alive timer, which also runs before
  the first request). The body has its own timeout in `checkin.app`.
- At most `max_connections` are open at once; one more is closed as soon as it opens, so idle
  or half-open connections cannot use up the laptop's file descriptors.
- A request the HTTP layer cannot parse (bad request line, header or encoding) gets the app's
  own error page with the security headers, never aiohttp's, which repeats the request line
  (and with it the token).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from facilitator.checkin.responses import error_response

IDLE_TIMEOUT = 10.0
"""Seconds a connection may stay open without sending a request (CONTRACT section 5)."""

LINGER_SECONDS = 2.0
"""After an early answer, how long the rest of a request body is read before closing."""

MAX_CONNECTIONS = 128
"""Open connections at once; a classroom of phones needs a few dozen."""


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a connection may idle and how many may be open at once."""

    idle_timeout: float = IDLE_TIMEOUT
    max_connections: int = MAX_CONNECTIONS


class _Handler(RequestHandler):
    """One connection: closed at once beyond the cap; protocol errors answered by the app."""

    def __init__(self, manager: web.Server, *, max_connections: int, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._max_connections = max_connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        manager = self._manager
        if manager is not None and len(manager.connections) > self._max_connections:
            self.force_close()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The app's page for `status`; the request itself is neither logged nor repeated."""
        self.logger.warning("check-in server: a malformed request was refused (%s)", status)
        if request.writer.output_size > 0:
            raise ConnectionError("the answer was already being sent")
        response = error_response(status)
        response.force_close()
        return response


class _Server(web.Server):
    """aiohttp's low-level server, making `_Handler` connections."""

    def __init__(
        self, handler: Any, *, request_factory: Any, limits: ConnectionLimits, **kwargs: Any
    ) -> None:
        super().__init__(handler, request_factory=request_factory, **kwargs)
        self._limits = limits
        self._handler_kwargs = kwargs

    def __call__(self) -> RequestHandler:
        options = {k: v for k, v in self._handler_kwargs.items() if k != "loop"}
        return _Handler(
            self,
            loop=asyncio.get_running_loop(),
            max_connections=self._limits.max_connections,
            **options,
        )


class CheckinRunner(web.AppRunner):
    """An `AppRunner` whose connections keep to `ConnectionLimits`."""

    def __init__(self, app: web.Application, *, limits: ConnectionLimits, **kwargs: Any) -> None:
        # After an early answer (408, 413), the rest of a body is read for at most 2 s.
        linger = min(LINGER_SECONDS, limits.idle_timeout)
        super().__init__(
            app, keepalive_timeout=limits.idle_timeout, lingering_time=linger, **kwargs
        )
        self.limits = limits

    async def _make_server(self) -> web.Server:
        base = await super()._make_server()
        return _Server(
            base.request_handler,
            request_factory=base.request_factory,
            limits=self.limits,
            **self._kwargs,
        )
