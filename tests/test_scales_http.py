"""Check-in scales on the phone (CONTRACT 10): the greeting asks craving and mood with a one-time
receipt; answers are stored once; bad receipts and values get a 4xx page and store nothing; the
pages come in Spanish for a Spanish phone. Served on a real socket on 127.0.0.1, every request
bounded by a client timeout."""

from __future__ import annotations

import datetime as dt
import gettext
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from facilitator.checkin import i18n
from facilitator.checkin.app import make_checkin_app
from facilitator.checkin.page import SECURITY_HEADERS, _environment
from facilitator.checkin.server import new_token
from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.session.lifecycle import end_session, start_session
from facilitator.store.database import Database
from facilitator.store.models import Attendance, Participant, Receipt

MEMBERS = [("Avery Quinn", "QX7KPM"), ("Blake Moreno", "WT4HNR")]
OTHERS = [("Casey Lindqvist", "KD9FYC")]  # the members of a second group
TIMEOUT = aiohttp.ClientTimeout(total=20)
RECEIPT = re.compile(r'name="receipt" value="([^"]+)"')
LOCALE = Path(i18n.__file__).parent / "locale"


@dataclass
class Phone:
    """A live session of a fictional group, and a phone talking to its check-in server."""

    database: Database
    session_id: str
    client: TestClient  # type: ignore[type-arg]
    token: str
    answered: list[int] = field(default_factory=list)

    async def post(self, data: dict[str, str], **headers: str) -> tuple[int, str]:
        async with self.client.post(f"/c/{self.token}", data=data, headers=headers) as response:
            for name, value in SECURITY_HEADERS.items():
                assert response.headers[name] == value
            return response.status, await response.text()

    async def check_in(self, code: str = "QX7KPM", **headers: str) -> tuple[str, str | None]:
        status, body = await self.post({"code": code}, **headers)
        assert status == 200, body
        found = RECEIPT.search(body)
        return body, found.group(1) if found else None

    def row(self, code: str = "QX7KPM") -> Attendance:
        with self.database.session() as db:
            return db.exec(
                select(Attendance)
                .join(Participant, Participant.id == Attendance.participant_id)  # type: ignore[arg-type]
                .where(Attendance.session_id == self.session_id, Participant.code == code)
            ).one()


def start(
    database: Database,
    clock: FakeClock,
    name: str,
    scales: str | None,
    members: list[tuple[str, str]] = MEMBERS,
) -> str:
    """A live session of a new group of `members` asking `scales`; returns its id."""
    curriculum = discover().get("relapse-prevention")
    with database.session() as db:
        group = create_group(db, name=name, timezone="America/Chicago", curriculum_id=curriculum.id)
        group.checkin_scales = scales
        db.add(group)
        for member, code in members:
            add_member(db, group, name=member, code=code, joined=dt.date(2026, 11, 2))
        topic = curriculum.sessions[0]
        return start_session(
            db, group=group, curriculum=curriculum, topic=topic, facilitator="Sam", now=clock()
        ).id


@pytest.fixture
async def phone(database: Database, clock: FakeClock) -> AsyncIterator[Phone]:
    session_id = start(database, clock, "Tuesday Evening", "craving,mood")
    token = new_token()
    answered: list[int] = []
    app = make_checkin_app(database, session_id, token, clock=clock, on_answer=answered.append)
    server = TestServer(app, host="127.0.0.1")
    async with TestClient(server, timeout=TIMEOUT) as client:
        yield Phone(database, session_id, client, token, answered)


async def test_the_greeting_asks_craving_then_mood_and_stores_both_once(phone: Phone) -> None:
    body, receipt = await phone.check_in()
    assert "Welcome, Avery" in body
    assert "How strong is your craving to use right now?" in body
    assert receipt is not None and len(receipt) >= 22
    assert "QX7KPM" not in body  # the code is never sent again
    for n in range(11):
        assert f'<button type="submit" name="craving" value="{n}">{n}</button>' in body
    assert '<button type="submit" name="craving" value="" class="skip">Skip</button>' in body
    assert "<script" not in body.lower()

    status, body = await phone.post({"receipt": receipt, "craving": "7"})
    assert status == 200
    assert "How is your mood today?" in body
    assert 'name="craving" value="7"' in body and f'value="{receipt}"' in body
    assert phone.row().craving is None  # nothing stored before the last scale

    status, body = await phone.post({"receipt": receipt, "craving": "7", "mood": "4"})
    assert status == 200 and "Thank you" in body
    row = phone.row()
    assert (row.craving, row.mood) == (7, 4)
    assert phone.answered == [row.id]

    status, body = await phone.post({"receipt": receipt, "craving": "2", "mood": "9"})
    assert status == 409 and "already sent" in body
    row = phone.row()
    assert (row.craving, row.mood) == (7, 4)

    # Checking in again after answering: greeted, and not asked again.
    body, again = await phone.check_in()
    assert again is None and "craving" not in body


async def test_skip_stores_nothing_and_uses_the_receipt(phone: Phone) -> None:
    _, receipt = await phone.check_in()
    assert receipt is not None
    status, _ = await phone.post({"receipt": receipt, "craving": ""})
    assert status == 200
    status, body = await phone.post({"receipt": receipt, "craving": "", "mood": "6"})
    assert status == 200 and "Thank you" in body
    row = phone.row()
    assert (row.craving, row.mood) == (None, 6)


@pytest.mark.parametrize("value", ["11", "-1", "x", "7.5", "", "٣", "07x", "100"])
async def test_a_value_outside_0_to_10_is_refused_and_nothing_stored(
    phone: Phone, value: str
) -> None:
    _, receipt = await phone.check_in()
    assert receipt is not None
    data = {"receipt": receipt, "craving": value, "mood": "5"}
    if value == "":
        data["mood"] = "11"
    status, body = await phone.post(data)
    assert 400 <= status < 500 and "0 to 10" in body
    row = phone.row()
    assert (row.craving, row.mood) == (None, None)
    with phone.database.session() as db:
        assert db.exec(select(Receipt)).one().used_at is None  # still good for a real answer
    status, _ = await phone.post({"receipt": receipt, "craving": "3", "mood": "5"})
    assert status == 200 and phone.row().craving == 3


@pytest.mark.parametrize("receipt", ["", "nope", "A" * 32, "x" * 500])
async def test_an_unknown_receipt_is_refused(phone: Phone, receipt: str) -> None:
    await phone.check_in()
    status, body = await phone.post({"receipt": receipt, "craving": "5", "mood": "5"})
    assert status == 422 and "not recognised" in body
    assert phone.row().craving is None


async def test_a_receipt_from_another_session_is_refused(
    phone: Phone, database: Database, clock: FakeClock
) -> None:
    other_id = start(database, clock, "Thursday Morning", "craving,mood", OTHERS)
    other_token = new_token()
    app = make_checkin_app(database, other_id, other_token, clock=clock)
    async with (
        TestClient(TestServer(app, host="127.0.0.1"), timeout=TIMEOUT) as other,
        other.post(f"/c/{other_token}", data={"code": "KD9FYC"}) as response,
    ):
        found = RECEIPT.search(await response.text())
    assert found is not None
    status, _ = await phone.post({"receipt": found.group(1), "craving": "5", "mood": "5"})
    assert status == 422
    with database.session() as db:
        assert all(r.craving is None for r in db.exec(select(Attendance)).all())


async def test_a_receipt_dies_with_the_session(phone: Phone, clock: FakeClock) -> None:
    _, receipt = await phone.check_in()
    assert receipt is not None
    with phone.database.session() as db:
        from facilitator.store.models import GroupSession

        session = db.get(GroupSession, phone.session_id)
        assert session is not None
        end_session(db, session=session, now=clock.advance(minutes=90))
    status, _ = await phone.post({"receipt": receipt, "craving": "5", "mood": "5"})
    assert status == 410
    assert phone.row().craving is None


async def test_a_group_without_scales_shows_no_scale_form(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock, "Monday Evening", None, OTHERS)
    token = new_token()
    app = make_checkin_app(database, session_id, token, clock=clock)
    async with (
        TestClient(TestServer(app, host="127.0.0.1"), timeout=TIMEOUT) as client,
        client.post(f"/c/{token}", data={"code": "KD9FYC"}) as response,
    ):
        assert response.status == 200
        body = await response.text()
    assert "Welcome, Casey" in body
    assert "receipt" not in body and "craving" not in body and "<form" not in body
    with database.session() as db:
        assert db.exec(select(Receipt)).all() == []


async def test_one_scale_is_asked_on_the_greeting_and_stored_with_one_tap(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock, "Wednesday Evening", "mood", OTHERS)
    token = new_token()
    app = make_checkin_app(database, session_id, token, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1"), timeout=TIMEOUT) as client:
        async with client.post(f"/c/{token}", data={"code": "KD9FYC"}) as response:
            body = await response.text()
        assert "How is your mood today?" in body and "craving" not in body
        found = RECEIPT.search(body)
        assert found is not None
        extra = {"receipt": found.group(1), "mood": "8", "craving": "3"}
        async with client.post(f"/c/{token}", data=extra) as response:
            assert response.status == 400  # this group does not ask craving
        tap = {"receipt": found.group(1), "mood": "8"}
        async with client.post(f"/c/{token}", data=tap) as response:
            assert response.status == 200
    with database.session() as db:
        row = db.exec(select(Attendance).where(Attendance.checked_in_at.is_not(None))).one()  # type: ignore[union-attr]
        assert (row.craving, row.mood) == (None, 8)


async def test_a_replayed_greeting_does_not_offer_a_used_receipt(phone: Phone) -> None:
    _, receipt = await phone.check_in()
    assert receipt is not None
    await phone.post({"receipt": receipt, "craving": "1", "mood": "2"})
    body, again = await phone.check_in()  # within the minute: answered from memory
    assert "already checked in" in body and again is None


@pytest.mark.parametrize("accept", ["es-MX", "es", "es-MX,es;q=0.9,en;q=0.8", "en;q=0.5, es"])
async def test_a_spanish_phone_gets_spanish_pages(phone: Phone, accept: str) -> None:
    async with phone.client.get(
        f"/c/{phone.token}", headers={"Accept-Language": accept}
    ) as response:
        body = await response.text()
    assert '<html lang="es">' in body and "Su código personal" in body
    body, receipt = await phone.check_in(**{"Accept-Language": accept})
    assert "Bienvenido/a, Avery" in body
    assert "¿Qué tan fuertes son sus ganas de consumir ahora mismo?" in body
    assert receipt is not None
    status, body = await phone.post(
        {"receipt": receipt, "craving": "3"}, **{"Accept-Language": accept}
    )
    assert "¿Cómo está su estado de ánimo hoy?" in body and "Omitir" in body
    status, body = await phone.post(
        {"receipt": receipt, "craving": "3", "mood": "x"}, **{"Accept-Language": accept}
    )
    assert status == 400 and "Toque un número del 0 al 10." in body
    status, body = await phone.post({"code": "ZZZZZZ"}, **{"Accept-Language": accept})
    assert status == 422 and "código no reconocido" in body


@pytest.mark.parametrize("accept", [None, "en-US", "fr-FR", "de, fr;q=0.5", "es;q=0", "es;q=x"])
async def test_other_phones_get_english(phone: Phone, accept: str | None) -> None:
    headers = {} if accept is None else {"Accept-Language": accept}
    async with phone.client.get(f"/c/{phone.token}", headers=headers) as response:
        body = await response.text()
    assert '<html lang="en">' in body and "Your personal code" in body


def test_a_first_name_in_a_spanish_greeting_is_escaped() -> None:
    from facilitator.checkin.page import welcome_page

    body = welcome_page("<b>Avery</b>", lang="es")
    assert "<b>" not in body and "&lt;b&gt;Avery&lt;/b&gt;" in body


def _po_catalogue(path: Path) -> dict[str, str]:
    """A .po file's translations (single-line entries, as this project writes them)."""
    entries: dict[str, str] = {}
    msgid: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            msgid = eval(line[6:])  # a quoted string literal
        elif line.startswith("msgstr ") and msgid:
            entries[msgid] = eval(line[7:])
    return entries


def _messages() -> set[str]:
    """Every message the pages show: from the templates and the Python `N_` markers."""
    env = _environment("en")
    found: set[str] = set()
    for template in (LOCALE.parent / "templates").glob("*.html"):
        for _line, _func, message in env.extract_translations(template.read_text()):
            found.add(message if isinstance(message, str) else str(message[0]))
    for module in ("responses.py", "page.py"):
        text = (LOCALE.parent / module).read_text()
        found.update(re.findall(r'N_\(\s*"([^"]+)"\s*\)', text))
    return found


def test_the_spanish_catalogue_covers_every_message_and_is_compiled() -> None:
    po = _po_catalogue(LOCALE / "es" / "LC_MESSAGES" / "checkin.po")
    with (LOCALE / "es" / "LC_MESSAGES" / "checkin.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    messages = _messages()
    assert len(messages) > 30
    assert messages <= set(po), f"not translated: {sorted(messages - set(po))}"
    for msgid, msgstr in po.items():
        assert msgstr, msgid
        assert mo.gettext(msgid) == msgstr, f"{msgid!r}: the .mo is older than the .po"
