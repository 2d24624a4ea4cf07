"""Phone check-in under attack, on 127.0.0.x only: the failed-code limits hold for any burst,
a room still gets in, idle and half-open connections are closed, malformed requests get the
app's own page. Every loop is bounded; nothing here waits on a fixed sleep."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from sqlmodel import select

from facilitator.checkin.connections import IDLE_TIMEOUT
from facilitator.checkin.limiter import GLOBAL_FAILURES_PER_MINUTE
from facilitator.checkin.page import SECURITY_HEADERS
from facilitator.checkin.server import CheckinServer
from facilitator.common.clock import FakeClock
from facilitator.store.database import Database
from facilitator.store.models import Attendance, AuditEvent

from .test_checkin_server import build_live

# Sixty fictional members with distinct codes; the wrong codes below never match them.
ROOM = [
    (f"Member {chr(65 + i // 26)}{chr(65 + i % 26)} Example", f"RM{i:02d}QZ") for i in range(60)
]


def loopback_aliases(count: int, start: int = 2) -> list[str]:
    """`count` loopback addresses beside 127.0.0.1 (Linux routes all of 127/8 to loopback)."""
    addresses = [f"127.0.{(start + i) // 250}.{(start + i) % 250 + 2}" for i in range(count)]
    try:
        with socket.socket() as probe:
            probe.bind((addresses[-1], 0))
    except OSError:
        pytest.skip("this system has no loopback aliases beyond 127.0.0.1")
    return addresses


@asynccontextmanager
async def serving(server: CheckinServer) -> AsyncIterator[CheckinServer]:
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


async def post_from(url: str, code: str, local: str | None = None) -> int:
    """POST one code from `local` (a loopback alias) on its own connection; the status."""
    connector = aiohttp.TCPConnector(local_addr=(local, 0) if local else None, force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.post(url, data={"code": code}) as response,
    ):
        return response.status


def failed_checks(database: Database) -> int:
    """Wrong codes that reached the database (each leaves one audit row)."""
    with database.session() as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.action == "checkin.failed")).all())


def live_server(database: Database, clock: FakeClock, **options: object) -> CheckinServer:
    """The server exactly as the live screen builds it (its defaults), plus test options."""
    session_id = build_live(database, clock, ROOM)
    return CheckinServer(database, session_id, clock=clock, **options)  # type: ignore[arg-type]


async def test_two_hundred_concurrent_wrong_codes_from_one_address(
    database: Database, clock: FakeClock
) -> None:
    async with serving(live_server(database, clock)) as server, aiohttp.ClientSession() as session:

        async def attempt(i: int) -> int:
            async with session.post(server.url, data={"code": f"ZX{i:04d}"}) as response:
                return response.status

        statuses = await asyncio.gather(*(attempt(i) for i in range(200)))
    checked = failed_checks(database)
    assert checked <= 10
    assert statuses.count(422) == checked
    assert statuses.count(429) == 200 - checked


async def test_a_sweep_from_many_addresses_is_held_to_the_global_budget_and_a_room_gets_in(
    database: Database, clock: FakeClock
) -> None:
    sweepers = loopback_aliases(20)
    phones = loopback_aliases(60, start=30)
    gate = asyncio.Semaphore(64)  # below the server's cap on open connections

    async def guess(url: str, code: str, address: str) -> int:
        async with gate:
            return await post_from(url, code, address)

    async with serving(live_server(database, clock)) as server:
        sweep = await asyncio.gather(
            *(
                guess(server.url, f"ZX{n:02d}{i:03d}", address)
                for n, address in enumerate(sweepers)
                for i in range(100)
            )
        )
        # The budget is spent now; sixty members arrive at once, each from their own phone.
        room = await asyncio.gather(
            *(
                post_from(server.url, code, phone)
                for (_, code), phone in zip(ROOM, phones, strict=True)
            )
        )
    checked = failed_checks(database)
    # 2,000 guesses; without the global budget 20 × 10 = 200 would have been checked.
    assert len(sweep) == 2000
    assert checked <= GLOBAL_FAILURES_PER_MINUTE < 20 * 10
    assert sweep.count(422) == checked and sweep.count(429) == len(sweep) - checked
    assert room == [200] * 60
    with database.session() as db:
        rows = db.exec(select(Attendance).where(Attendance.checked_in_at.is_not(None))).all()  # type: ignore[union-attr]
    assert len(rows) == 60


async def test_sixty_correct_codes_at_once_from_one_address_all_get_in(
    database: Database, clock: FakeClock
) -> None:
    async with serving(live_server(database, clock)) as server, aiohttp.ClientSession() as session:

        async def check_in(code: str) -> int:
            async with session.post(server.url, data={"code": code}) as response:
                return response.status

        statuses = await asyncio.gather(*(check_in(code) for _, code in ROOM))
    assert statuses == [200] * 60


def test_the_idle_timeout_is_ten_seconds_by_default(database: Database, clock: FakeClock) -> None:
    assert IDLE_TIMEOUT == 10.0
    assert CheckinServer(database, "any").limits.idle_timeout == 10.0


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (bounded by a long guard)."""
    async with asyncio.timeout(10):
        return await reader.read()


async def test_idle_and_half_open_connections_are_closed(
    database: Database, clock: FakeClock
) -> None:
    server = live_server(database, clock, idle_timeout=0.2, body_timeout=0.2)
    async with serving(server):
        host, port = server.address
        assert server.token is not None
        # Sends nothing at all.
        reader, writer = await asyncio.open_connection(host, port)
        assert await read_until_closed(reader) == b""
        writer.close()
        # Half a request head, then silence.
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"POST /c/{server.token} HTTP/1.1\r\nHost: x\r\nContent-".encode())
        assert await read_until_closed(reader) == b""
        writer.close()
        # A whole head, half the body it announced.
        reader, writer = await asyncio.open_connection(host, port)
        head = (
            f"POST /c/{server.token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\ncode=RM"
        )
        writer.write(head.encode())
        answer = await read_until_closed(reader)
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert failed_checks(database) == 0


async def test_open_connections_are_capped(database: Database, clock: FakeClock) -> None:
    server = live_server(database, clock, max_connections=3)
    async with serving(server):
        host, port = server.address
        held = [await asyncio.open_connection(host, port) for _ in range(3)]
        reader, writer = await asyncio.open_connection(host, port)
        assert await read_until_closed(reader) == b""  # one too many: closed at once
        writer.close()
        for _, idle in held:
            idle.close()
            await idle.wait_closed()
        for _ in range(50):  # the server notices the closed ones on its next loop turns
            if not server._runner or len(server._runner.server.connections) == 0:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0)
        assert await post_from(server.url, ROOM[0][1]) == 200


@pytest.mark.parametrize(
    "request_line",
    [
        "GET /c/{token} HTTP/1.1\r\nHost: x\r\nno colon in this header\r\n\r\n",
        "GET /c/{token}\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /c/{token} HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        "GET /c/{token} HTTP/9.9\r\nHost: x\r\n\r\n",
    ],
)
async def test_a_malformed_request_gets_the_apps_page_without_the_request(
    database: Database, clock: FakeClock, request_line: str
) -> None:
    server = live_server(database, clock)
    async with serving(server):
        host, port = server.address
        assert server.token is not None
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request_line.format(token=server.token).encode("latin-1"))
        answer = await read_until_closed(reader)
        writer.close()
        token = server.token
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"400", head
    headers = dict(
        line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line
    )
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    assert headers["Content-Type"].startswith("text/html")
    assert body.startswith(b"<!doctype html>")
    assert token.encode() not in answer
    assert b"/c/" not in body and b"HTTP/" not in body


async def test_a_room_checking_in_at_once_shares_commits(
    database: Database, clock: FakeClock
) -> None:
    import sqlalchemy as sa

    phones = loopback_aliases(60, start=100)
    commits = 0

    def counted(_connection: object) -> None:
        nonlocal commits
        commits += 1

    async with serving(live_server(database, clock)) as server:
        sa.event.listen(database.engine, "commit", counted)
        try:
            room = await asyncio.gather(
                *(
                    post_from(server.url, code, phone)
                    for (_, code), phone in zip(ROOM, phones, strict=True)
                )
            )
        finally:
            sa.event.remove(database.engine, "commit", counted)
    assert room == [200] * 60
    with database.session() as db:
        rows = db.exec(select(Attendance).where(Attendance.checked_in_at.is_not(None))).all()  # type: ignore[union-attr]
    assert len(rows) == 60 and {row.method for row in rows} == {"phone"}
    assert commits < 60  # check-ins that arrived together went in one transaction
