"""Phone check-in server: each row of CONTRACT section 5, security headers, concurrency, fuzz."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import logging
import re
import socket
import string
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from facilitator.checkin.app import make_checkin_app
from facilitator.checkin.limiter import FailureLimiter
from facilitator.checkin.server import CheckinError, CheckinServer, PortInUse, new_token
from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.errors import UserError
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.session.attendance import CheckInResult, Outcome
from facilitator.session.lifecycle import end_session, start_session
from facilitator.store.database import Database
from facilitator.store.models import Attendance, AuditEvent, GroupSession, Participant

# Fictional people only. Codes avoid anything a fuzzer would produce by chance.
MEMBERS = [
    ("Avery Quinn", "QX7KPM"),
    ("Blake Moreno", "WT4HNR"),
    ("Casey Lindqvist", "KD9FYC"),
    ("Devon O'Hara", "MJ3VAE"),
    ("Emery Zhou", "PC6RTX"),
]
OUTSIDER = ("Rowan Ellery", "NV4GHK")  # a member of another group
NOT_RECOGNISED = "code not recognised — please see your facilitator"
TOKEN = new_token()


class FakeMonotonic:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@dataclass
class Live:
    """A live session of a fictional group, and the client's view of it."""

    database: Database
    session_id: str
    clock: FakeClock
    monotonic: FakeMonotonic = field(default_factory=FakeMonotonic)
    calls: list[tuple[CheckInResult, int]] = field(default_factory=list)
    client: TestClient | None = None  # type: ignore[type-arg]

    @property
    def path(self) -> str:
        return f"/c/{TOKEN}"

    def on_checkin(self, result: CheckInResult) -> None:
        self.calls.append((result, threading.get_ident()))

    def checked_in(self) -> dict[str, Attendance]:
        """Attendance rows with a check-in time, by member code."""
        with self.database.session() as db:
            rows = db.exec(
                select(Participant, Attendance)
                .join(Attendance, Attendance.participant_id == Participant.id)  # type: ignore[arg-type]
                .where(Attendance.session_id == self.session_id)
            ).all()
        return {p.code: a for p, a in rows if a.checked_in_at is not None}

    def attendance_rows(self) -> int:
        with self.database.session() as db:
            return len(
                db.exec(select(Attendance).where(Attendance.session_id == self.session_id)).all()
            )

    def audit(self, action: str) -> list[AuditEvent]:
        with self.database.session() as db:
            return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def build_live(
    database: Database, clock: FakeClock, members: list[tuple[str, str]] | None = None
) -> str:
    """A fictional group with members (and an outsider in another group); returns the session id."""
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(
            db, name="Tuesday Evening", timezone="America/Chicago", curriculum_id=curriculum.id
        )
        for name, code in members or MEMBERS:
            add_member(db, group, name=name, code=code, joined=dt.date(2026, 11, 2))
        other = create_group(db, name="Thursday Morning", timezone="America/Chicago")
        add_member(db, other, name=OUTSIDER[0], code=OUTSIDER[1], joined=dt.date(2026, 11, 2))
        session = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=curriculum.sessions[0],
            facilitator="Sam Facilitator",
            now=clock(),
        )
        return session.id


@pytest.fixture
async def live(database: Database, clock: FakeClock) -> AsyncIterator[Live]:
    """The check-in app of a live session, behind an aiohttp test client."""
    state = Live(database, build_live(database, clock), clock)
    app = make_checkin_app(
        database,
        state.session_id,
        TOKEN,
        clock=clock,
        on_checkin=state.on_checkin,
        monotonic=state.monotonic,
    )
    async with TestClient(TestServer(app)) as client:
        state.client = client
        yield state


def client(live: Live) -> TestClient:  # type: ignore[type-arg]
    assert live.client is not None
    return live.client


async def post_code(live: Live, code: str, **kwargs: object) -> tuple[int, str]:
    async with client(live).post(live.path, data={"code": code}, **kwargs) as response:  # type: ignore[arg-type]
        return response.status, await response.text()


# -- GET ------------------------------------------------------------------------------------------


async def test_get_shows_a_form_that_lists_no_one(live: Live) -> None:
    async with client(live).get(live.path) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        body = await response.text()
    assert '<form method="post"' in body
    assert 'name="code"' in body and '<label for="code">' in body
    assert 'autocomplete="off"' in body and "inputmode=" in body
    assert "<script" not in body.lower()
    for name, code in [*MEMBERS, OUTSIDER]:
        for word in name.split():
            assert word not in body
        assert code not in body
    assert "Tuesday" not in body  # nor the group


async def test_head_answers_like_get_without_a_body(live: Live) -> None:
    async with client(live).head(live.path) as response:
        assert response.status == 200
        assert await response.read() == b""


# -- POST: good codes -----------------------------------------------------------------------------


async def test_post_greets_by_first_name_only_and_records_a_phone_check_in(live: Live) -> None:
    live.clock.advance(minutes=2)
    status, body = await post_code(live, "QX7KPM")
    assert status == 200
    assert "Welcome, Avery" in body
    assert "Quinn" not in body
    row = live.checked_in()["QX7KPM"]
    assert row.method == "phone"
    assert row.status == "present"
    assert row.checked_in_at == live.clock()
    assert [r.outcome for r, _ in live.calls] == [Outcome.CHECKED_IN]


async def test_on_checkin_runs_in_the_loop_thread(live: Live) -> None:
    await post_code(live, "WT4HNR")
    assert len(live.calls) == 1
    result, thread = live.calls[0]
    assert thread == threading.get_ident()
    assert result.participant is not None and result.participant.code == "WT4HNR"


async def test_repeat_keeps_one_record_and_the_first_time(live: Live) -> None:
    first = live.clock.advance(minutes=2)  # 09:02 in Chicago
    assert (await post_code(live, "QX7KPM"))[0] == 200
    live.clock.advance(minutes=20)
    status, body = await post_code(live, "QX7KPM")
    assert status == 200
    assert "already checked in at 09:02" in body
    assert "Welcome, Avery" in body and "Quinn" not in body
    rows = live.checked_in()
    assert list(rows) == ["QX7KPM"]
    assert rows["QX7KPM"].checked_in_at == first
    assert live.attendance_rows() == len(MEMBERS)
    # The repeat within a minute is answered from memory: the screen is not told again.
    assert [r.outcome for r, _ in live.calls] == [Outcome.CHECKED_IN]
    live.monotonic.value += 61  # a minute later the database is asked again
    assert "already checked in at 09:02" in (await post_code(live, "QX7KPM"))[1]
    assert [r.outcome for r, _ in live.calls] == [Outcome.CHECKED_IN, Outcome.ALREADY]


async def test_replays_of_a_valid_code_add_no_audit_row_within_the_minute(live: Live) -> None:
    assert (await post_code(live, "QX7KPM"))[0] == 200
    for _ in range(25):
        status, body = await post_code(live, "qx7-kpm")
        assert status == 200 and "already checked in at 09:00" in body
    assert len(live.audit("checkin")) == 1
    assert len(live.calls) == 1  # the roster was told once
    live.monotonic.value += 61
    assert (await post_code(live, "QX7KPM"))[0] == 200
    assert len(live.audit("checkin")) == 2  # one row a minute at most
    assert len(live.calls) == 2


@pytest.mark.parametrize("typed", ["qx7kpm", " QX7-KPM ", "qx7 kpm", "Q-X-7-K-P-M", "qX7\tkPm"])
async def test_case_spaces_and_dashes_are_ignored(live: Live, typed: str) -> None:
    status, body = await post_code(live, typed)
    assert status == 200
    assert "Welcome, Avery" in body
    assert list(live.checked_in()) == ["QX7KPM"]


async def test_multipart_form_works_too(live: Live) -> None:
    form = aiohttp.FormData()
    form.add_field("code", "KD9FYC")
    form.add_field("note", "x")  # an extra field is ignored
    async with client(live).post(live.path, data=form) as response:
        assert response.status == 200
    assert list(live.checked_in()) == ["KD9FYC"]


async def test_first_name_is_escaped(database: Database, clock: FakeClock) -> None:
    session_id = build_live(database, clock, members=[("<b>Jo</b> Example", "HJ7TQW")])
    app = make_checkin_app(database, session_id, TOKEN, clock=clock)
    async with (
        TestClient(TestServer(app)) as test_client,
        test_client.post(f"/c/{TOKEN}", data={"code": "HJ7TQW"}) as response,
    ):
        assert response.status == 200
        body = await response.text()
    assert "&lt;b&gt;Jo&lt;/b&gt;" in body
    assert "<b>Jo" not in body


async def test_a_member_who_left_early_can_come_back(live: Live) -> None:
    from facilitator.session import attendance as att

    assert (await post_code(live, "MJ3VAE"))[0] == 200
    with live.database.session() as db:
        session = db.get(GroupSession, live.session_id)
        assert session is not None
        participant_id = live.checked_in()["MJ3VAE"].participant_id
        att.check_out(db, session=session, participant_id=participant_id, now=live.clock())
    # Coming back takes more than the minute in which a repeat is answered from memory.
    live.monotonic.value += 61
    status, body = await post_code(live, "MJ3VAE")
    assert status == 200 and "Welcome back, Devon" in body
    assert live.checked_in()["MJ3VAE"].status == "present"


async def test_a_failing_on_checkin_does_not_spoil_the_answer(
    database: Database, clock: FakeClock
) -> None:
    def broken(result: CheckInResult) -> None:
        raise RuntimeError("UI went away")

    session_id = build_live(database, clock)
    app = make_checkin_app(database, session_id, TOKEN, clock=clock, on_checkin=broken)
    async with (
        TestClient(TestServer(app)) as test_client,
        test_client.post(f"/c/{TOKEN}", data={"code": "QX7KPM"}) as response,
    ):
        assert response.status == 200


# -- POST: bad codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ZZZZZZ", "QX7KP", "not a code at all!", "x" * 300])
async def test_unknown_code_is_4xx_stores_nothing_but_the_audit(live: Live, typed: str) -> None:
    status, body = await post_code(live, typed)
    assert status == 422
    assert NOT_RECOGNISED in body
    assert live.checked_in() == {}
    assert live.attendance_rows() == len(MEMBERS)
    failed = live.audit("checkin.failed")
    assert len(failed) == 1
    assert failed[0].session_id == live.session_id
    assert failed[0].detail["method"] == "phone"
    assert live.calls == []


async def test_a_code_from_another_group_is_not_recognised(live: Live) -> None:
    status, body = await post_code(live, OUTSIDER[1])
    assert status == 422 and NOT_RECOGNISED in body
    assert live.checked_in() == {}
    assert live.attendance_rows() == len(MEMBERS)


@pytest.mark.parametrize("data", [{"code": ""}, {"code": " - "}, {"other": "QX7KPM"}, {}])
async def test_missing_code_is_400_and_stores_nothing(live: Live, data: dict[str, str]) -> None:
    async with client(live).post(live.path, data=data) as response:
        assert response.status == 400
        assert '<form method="post"' in await response.text()
    assert live.checked_in() == {}
    assert live.audit("checkin.failed") == []


# -- tokens, methods, closed sessions -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/c/" + "A" * len(TOKEN),
        "/c/" + TOKEN[:-1],
        "/c/" + TOKEN + "x",
        "/c/" + TOKEN.swapcase(),
        "/c/",
        "/",
        "/c/" + TOKEN + "/",
        "/favicon.ico",
    ],
)
async def test_unknown_token_or_path_is_404(live: Live, path: str) -> None:
    for method in ("GET", "POST"):
        async with client(live).request(method, path, data={"code": "QX7KPM"}) as response:
            assert response.status == 404
            assert response.headers["Cache-Control"] == "no-store"
    assert live.checked_in() == {}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
async def test_other_methods_are_405(live: Live, method: str) -> None:
    async with client(live).request(method, live.path, data={"code": "QX7KPM"}) as response:
        assert response.status == 405
        assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
    assert live.checked_in() == {}


async def test_ended_session_has_closed(live: Live) -> None:
    with live.database.session() as db:
        session = db.get(GroupSession, live.session_id)
        assert session is not None
        end_session(db, session=session, now=live.clock.advance(minutes=180))
    async with client(live).get(live.path) as response:
        assert response.status == 410
        assert "this check-in has closed" in await response.text()
    status, body = await post_code(live, "QX7KPM")
    assert status == 410 and "this check-in has closed" in body
    assert live.checked_in() == {}
    assert live.audit("checkin.failed") == []
    assert live.calls == []


async def test_a_deleted_session_is_404(database: Database, clock: FakeClock) -> None:
    build_live(database, clock)
    app = make_checkin_app(database, "no-such-session", TOKEN, clock=clock)
    async with TestClient(TestServer(app)) as test_client:
        async with test_client.get(f"/c/{TOKEN}") as response:
            assert response.status == 404
        async with test_client.post(f"/c/{TOKEN}", data={"code": "QX7KPM"}) as response:
            assert response.status == 404


def test_weak_tokens_are_refused(database: Database) -> None:
    with pytest.raises(ValueError):
        make_checkin_app(database, "s", "short-token")


# -- body size and rate limit ---------------------------------------------------------------------


async def test_body_over_4_kib_is_413(live: Live) -> None:
    body = urlencode({"code": "QX7KPM", "pad": "x" * 4200})
    assert len(body) > 4096
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with client(live).post(live.path, data=body, headers=headers) as response:
        assert response.status == 413
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert live.checked_in() == {}


async def test_chunked_body_over_4_kib_is_413(live: Live) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"code=QX7KPM&pad="
        for _ in range(5):
            yield b"x" * 1000

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with client(live).post(live.path, data=chunks(), headers=headers) as response:
        assert response.status == 413
    assert live.checked_in() == {}


async def test_a_body_just_under_4_kib_is_read(live: Live) -> None:
    body = urlencode({"code": "QX7KPM", "pad": "x" * 4000})
    assert len(body) <= 4096
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with client(live).post(live.path, data=body, headers=headers) as response:
        assert response.status == 200


async def test_more_than_ten_failures_a_minute_is_429(live: Live) -> None:
    for attempt in range(10):
        status, _ = await post_code(live, f"WRONG{attempt}")
        assert status == 422
        live.monotonic.value += 5  # ten failures within 50 seconds
    async with client(live).post(live.path, data={"code": "WRONG10"}) as response:
        assert response.status == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert "wait a minute" in await response.text()
    # Blocked means blocked: a good code from that address waits too (no oracle for guessing).
    assert (await post_code(live, "QX7KPM"))[0] == 429
    assert len(live.audit("checkin.failed")) == 10
    assert live.checked_in() == {}
    # The window slides: once the oldest failure is a minute old, one more try is allowed.
    live.monotonic.value += 11
    assert (await post_code(live, "QX7KPM"))[0] == 200
    assert list(live.checked_in()) == ["QX7KPM"]


async def test_successes_do_not_count_towards_the_limit(live: Live) -> None:
    for _ in range(15):
        assert (await post_code(live, "QX7KPM"))[0] == 200
    for attempt in range(10):
        assert (await post_code(live, f"WRONG{attempt}"))[0] == 422
    assert (await post_code(live, "WT4HNR"))[0] == 429


def test_failure_limiter_is_per_address_and_slides() -> None:
    now = FakeMonotonic()
    limiter = FailureLimiter(3, monotonic=now)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.5") is None
        limiter.record("10.0.0.5")
        now.value += 10
    assert limiter.retry_after("10.0.0.5") == pytest.approx(30.0)
    assert limiter.retry_after("10.0.0.6") is None
    now.value += 30
    assert limiter.retry_after("10.0.0.5") is None
    with pytest.raises(ValueError):
        FailureLimiter(0)


def test_failure_limiter_memory_is_bounded() -> None:
    now = FakeMonotonic()
    limiter = FailureLimiter(2, monotonic=now, max_addresses=50)
    for number in range(500):
        limiter.record(f"10.0.{number // 256}.{number % 256}")
        limiter.record(f"10.0.{number // 256}.{number % 256}")
    assert len(limiter._failures) <= 50


# -- security -------------------------------------------------------------------------------------

SECURITY = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_secure(headers: object) -> None:
    for name, value in SECURITY.items():
        assert headers[name] == value, name  # type: ignore[index]
    csp = headers["Content-Security-Policy"]  # type: ignore[index]
    directives = {d.strip().split()[0]: d.strip() for d in csp.split(";")}
    assert directives["default-src"] == "default-src 'none'"
    assert directives["form-action"] == "form-action 'self'"
    assert "frame-ancestors" in directives
    assert "script-src" not in directives  # no scripts at all (default-src 'none')


@pytest.mark.parametrize(
    ("method", "path_suffix", "data", "status"),
    [
        ("GET", "", None, 200),
        ("POST", "", {"code": "QX7KPM"}, 200),
        ("POST", "", {"code": "ZZZZZZ"}, 422),
        ("POST", "", {}, 400),
        ("GET", "nope", None, 404),
        ("PUT", "", None, 405),
        ("POST", "", {"code": "x" * 5000}, 413),
    ],
)
async def test_security_headers_on_every_answer(
    live: Live, method: str, path_suffix: str, data: dict[str, str] | None, status: int
) -> None:
    async with client(live).request(method, live.path + path_suffix, data=data) as response:
        assert response.status == status
        assert_secure(response.headers)
        assert response.headers["Content-Type"].startswith("text/html")


async def test_the_inline_style_is_allowed_by_its_hash(live: Live) -> None:
    import base64
    import hashlib

    async with client(live).get(live.path) as response:
        body = await response.text()
        csp = response.headers["Content-Security-Policy"]
    style = re.search(r"<style>(.*?)</style>", body, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    ],
)
async def test_cross_site_posts_are_403(live: Live, headers: dict[str, str]) -> None:
    status, _ = await post_code(live, "QX7KPM", headers=headers)
    assert status == 403
    assert live.checked_in() == {}


async def test_same_origin_posts_are_accepted(live: Live) -> None:
    host = f"http://{client(live).host}:{client(live).port}"
    same = {"Origin": host, "Sec-Fetch-Site": "same-origin"}
    assert (await post_code(live, "QX7KPM", headers=same))[0] == 200
    # Our own form under `Referrer-Policy: no-referrer`: browsers send `Origin: null`.
    null_origin = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert (await post_code(live, "WT4HNR", headers=null_origin))[0] == 200
    assert set(live.checked_in()) == {"QX7KPM", "WT4HNR"}


async def test_nothing_logged_names_a_member_or_the_token(
    database: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(result: CheckInResult) -> None:
        raise RuntimeError("Avery Quinn")  # even a failing callback's message is not logged

    caplog.set_level(logging.DEBUG)
    server = CheckinServer(database, build_live(database, clock), clock=clock, on_checkin=broken)
    await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:
            for code in ("QX7KPM", "QX7KPM", "ZZZZZZ"):
                async with session.post(server.url, data={"code": code}) as response:
                    assert response.status in (200, 422)
            token = server.token
    finally:
        await server.stop()
    assert "on_checkin callback failed" in caplog.text
    for name, code in MEMBERS:
        for word in name.split():
            assert word not in caplog.text
        assert code not in caplog.text
    assert token is not None and token not in caplog.text


# -- the real server ------------------------------------------------------------------------------


async def test_server_url_token_and_restart(database: Database, clock: FakeClock) -> None:
    session_id = build_live(database, clock)
    server = CheckinServer(database, session_id, clock=clock)
    host, port = await server.start("127.0.0.1", 0)
    assert host == "127.0.0.1" and port > 0
    first_url = server.url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/c/[A-Za-z0-9_-]{22,}", first_url)
    async with aiohttp.ClientSession() as session:
        async with session.get(first_url) as response:
            assert response.status == 200
        await server.stop()
        assert server.token is None and not server.running
        with pytest.raises(aiohttp.ClientConnectionError):
            async with session.get(first_url):
                pass
        await server.start("127.0.0.1", 0)
        try:
            assert server.url != first_url
            old_token = first_url.rsplit("/", 1)[1]
            base = server.url.rsplit("/", 1)[0]
            async with session.get(f"{base}/{old_token}") as response:
                assert response.status == 404  # the dead token stays dead
            async with session.get(server.url) as response:
                assert response.status == 200
        finally:
            await server.stop()
    await server.stop()  # twice is harmless


async def test_a_taken_port_is_a_clear_error(database: Database, clock: FakeClock) -> None:
    session_id = build_live(database, clock)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = CheckinServer(database, session_id, clock=clock)
        with pytest.raises(PortInUse) as caught:
            await server.start("127.0.0.1", port)
    assert isinstance(caught.value, UserError) and isinstance(caught.value, CheckinError)
    assert f"port {port} is already in use" in str(caught.value)
    assert "--checkin-port" in str(caught.value)
    assert not server.running


async def test_sixty_concurrent_check_ins_on_a_real_socket(
    database: Database, clock: FakeClock
) -> None:
    firsts = ["Alex", "Bea", "Cal", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jem"]
    lasts = ["Arden", "Brook", "Cove"]
    roster = [(f"{f} {ln}", None) for ln in lasts for f in firsts]
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(db, name="Big Group", timezone="America/Chicago")
        codes = [
            add_member(db, group, name=name, joined=dt.date(2026, 11, 2)).participant.code
            for name, _ in roster
        ]
        session_id = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=curriculum.sessions[0],
            facilitator="Sam Facilitator",
            now=clock(),
        ).id
    assert len(set(codes)) == 30
    seen: list[CheckInResult] = []
    server = CheckinServer(database, session_id, clock=clock, on_checkin=seen.append)
    await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:

            async def check_in(code: str) -> tuple[int, str]:
                async with session.post(server.url, data={"code": code.lower()}) as response:
                    return response.status, await response.text()

            answers = await asyncio.gather(*(check_in(code) for code in codes + codes))
    finally:
        await server.stop()
    assert [status for status, _ in answers] == [200] * 60
    with database.session() as db:
        rows = db.exec(select(Attendance).where(Attendance.session_id == session_id)).all()
    assert len(rows) == 30
    assert all(row.checked_in_at is not None and row.method == "phone" for row in rows)
    outcomes = [result.outcome for result in seen]
    assert outcomes.count(Outcome.CHECKED_IN) == 30
    # Every repeat came within the minute: answered from memory, the screen not told again.
    assert outcomes.count(Outcome.ALREADY) == 0
    assert sum("already checked in" in body for _, body in answers) == 30


# -- fuzzing --------------------------------------------------------------------------------------

_SAFE_PATH = string.ascii_letters + string.digits + "-._~/?=&+:@!$'()*,;%"
_CONTENT_TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data; boundary=BOUNDARY",
    "multipart/form-data",
    "multipart/mixed; boundary=BOUNDARY",
    "text/plain",
    "application/json",
    "application/octet-stream",
    "x/y; z",
]


@st.composite
def requests(draw: st.DrawFn, token: str) -> tuple[str, str, dict[str, str], bytes, str | None]:
    """(method, path, headers, body, the member code a body really carries or None)."""
    # Mostly what a phone would send (POST to the token), with a tail of anything at all.
    method = draw(
        st.sampled_from(["POST"] * 6 + ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "other"])
    )
    if method == "other":
        method = draw(st.text(string.ascii_uppercase, min_size=1, max_size=10))
    path_kind = draw(st.integers(0, 9))
    if path_kind < 6:
        path = f"/c/{token}"
    elif path_kind == 6:
        path = draw(st.sampled_from([f"/c/{token[:-1]}", f"/c/{token}/x", "/c/", "/"]))
    elif path_kind == 7:
        path = f"/c/{token}" + draw(st.text(_SAFE_PATH, max_size=40))
    else:
        path = "/" + draw(st.text(_SAFE_PATH, max_size=60))
    carried: str | None = None
    kind = draw(
        st.sampled_from(
            ["form", "form-member", "form-member", "text", "bytes", "multipart", "none"]
        )
    )
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252"]))
    if kind == "form-member":
        name, code = draw(st.sampled_from(MEMBERS))
        typed = draw(st.sampled_from([code, code.lower(), f"{code[:3]}-{code[3:]}", f" {code} "]))
        fields = [("code", typed)] + draw(st.lists(st.tuples(st.text(), st.text()), max_size=3))
        body = urlencode(fields).encode()
        carried = code
    elif kind == "form":
        fields = [("code", draw(st.text(max_size=80)))]
        fields += draw(
            st.lists(st.tuples(st.sampled_from(["code", "c", ""]) | st.text(), st.text()))
        )
        fields = draw(st.permutations(fields))
        body = urlencode(fields, encoding=encoding, errors="replace").encode()
    elif kind == "text":
        body = draw(st.text(max_size=600)).encode(encoding, errors="replace")
    elif kind == "multipart":
        value = draw(st.text(max_size=40)).encode(encoding, errors="replace")
        body = (
            b'--BOUNDARY\r\nContent-Disposition: form-data; name="code"\r\n\r\n'
            + value
            + draw(st.sampled_from([b"\r\n--BOUNDARY--\r\n", b"", b"\r\n--BOUNDARY\r\n"]))
        )
    elif kind == "bytes":
        body = draw(st.binary(max_size=5000))
    else:
        body = b""
    if draw(st.integers(0, 4)) == 0:
        body += b"x" * draw(st.integers(0, 6000))
    headers: dict[str, str] = {}
    if kind.startswith("form") and draw(st.integers(0, 2)) > 0:
        content_type: str | None = "application/x-www-form-urlencoded"
    else:
        content_type = draw(st.sampled_from(_CONTENT_TYPES))
    if content_type is not None:
        headers["Content-Type"] = content_type
    extra = draw(
        st.sampled_from(
            [
                {},
                {},
                {},
                {"Origin": "http://evil.example"},
                {"Origin": "null"},
                {"Sec-Fetch-Site": draw(st.sampled_from(["same-origin", "cross-site", "none"]))},
                {"Content-Encoding": "gzip"},
                {"Content-Encoding": "br"},
                {"Content-Length": "999999"},
            ]
        )
    )
    headers.update(extra)
    return method, path, headers, body, carried


def test_fuzzed_requests_get_200_or_4xx_and_store_nothing_without_a_valid_code(
    database: Database, clock: FakeClock
) -> None:
    session_id = build_live(database, clock)
    codes_by_id: dict[int, str] = {}
    with database.session() as db:
        for participant in db.exec(select(Participant)).all():
            assert participant.id is not None
            codes_by_id[participant.id] = participant.code
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = CheckinServer(database, session_id, clock=clock, max_failures_per_minute=10**9)
    host, port = asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", 0), loop).result(10)
    assert server.token is not None
    offered: set[str] = set()

    def checked_in() -> tuple[set[str], int]:
        with database.session() as db:
            rows = db.exec(select(Attendance).where(Attendance.session_id == session_id)).all()
        return {codes_by_id[r.participant_id] for r in rows if r.checked_in_at}, len(rows)

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests(server.token))
    def fuzz(request: tuple[str, str, dict[str, str], bytes, str | None]) -> None:
        method, path, headers, body, carried = request
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            if "Content-Length" not in headers:
                headers = {**headers, "Content-Length": str(len(body))}
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            try:
                response = connection.getresponse()
                status = response.status
                response.read()
            except (ConnectionError, http.client.RemoteDisconnected):
                status = 0  # the server hung up on a lying Content-Length: fine, not a 5xx
        finally:
            connection.close()
        assert status < 500, (status, request)
        if carried is not None:
            offered.add(carried)
        present, rows = checked_in()
        assert rows == len(MEMBERS)
        assert present <= offered
        if status == 200 and method == "POST":
            assert carried is not None

    async def shutdown() -> None:
        await server.stop()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    try:
        fuzz()
    finally:
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
    with database.session() as db:
        assert len(db.exec(select(Participant)).all()) == len(MEMBERS) + 1


def test_the_global_budget_is_never_exceeded_and_keeps_first_tries_for_new_addresses() -> None:
    now = FakeMonotonic()
    limiter = FailureLimiter(10, monotonic=now)
    budget, reserve = limiter.global_limit, limiter.reserve
    # Addresses that have failed stop once the budget less the reserve is spent ...
    checked = 0
    for _ in range(10):
        for address in ("10.0.0.5", "10.0.0.6"):
            if limiter.admit(address) is None:
                checked += 1
                limiter.settle(address, failed=True)
    assert checked == budget - reserve
    assert limiter.retry_after("10.0.0.5") == pytest.approx(60.0)
    # ... while a first try from a new address still goes through, up to the whole budget.
    newcomers = [f"10.0.1.{n}" for n in range(100)]
    for address in newcomers:
        if limiter.admit(address) is None:
            checked += 1
            limiter.settle(address, failed=True)
    assert checked == budget
    assert limiter.retry_after("10.0.2.1") == pytest.approx(60.0)
    # A correct code spends nothing; attempts in flight count until they settle.
    now.value += 60
    assert limiter.admit("10.0.3.1") is None
    limiter.settle("10.0.3.1", failed=False)
    for n in range(budget):
        assert limiter.admit(f"10.0.4.{n}") is None
    assert limiter.admit("10.0.5.1") == 0.0  # only the attempts in flight hold it back
