"""What the database itself guarantees when two laptops act at the same instant."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import select

from facilitator.common.clock import FakeClock
from facilitator.errors import UserError
from facilitator.program.groups import get_group
from facilitator.session.lifecycle import start_or_resume
from facilitator.session.notes import save_note
from facilitator.store.database import Database, open_database
from facilitator.store.models import GroupSession, Note

from .livefixtures import make_session
from .test_migrations import build_at


def _race(count: int, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Run `work()` in `count` threads released at the same instant; return their errors."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


@pytest.mark.parametrize("member", [True, False], ids=["member-note", "session-note"])
def test_first_saves_of_one_note_at_once_make_one_note(
    database: Database, clock: FakeClock, member: bool
) -> None:
    session_id = make_session(database, clock)
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        pid = db.exec(sa.text("SELECT id FROM participants ORDER BY id LIMIT 1")).scalar()
    texts = iter(f"version {n}" for n in range(6))
    lock = threading.Lock()

    def save() -> None:
        with lock:
            text = next(texts)
        with database.session() as db:
            save_note(
                db,
                session=session,
                participant_id=pid if member else None,
                note_format="DAP" if member else None,
                fields={"Data": text},
                text=text,
                now=clock(),
            )

    assert _race(6, save) == []
    with database.session() as db:
        notes = db.exec(select(Note).where(Note.session_id == session_id)).all()
    assert len(notes) == 1 and notes[0].text.removeprefix("Data: ").startswith("version ")


def test_a_second_live_session_for_a_group_is_refused_by_the_database(
    database: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_session(database, clock)
    # As if another laptop had checked a moment before this one committed its new session.
    monkeypatch.setattr("facilitator.session.lifecycle.live_session", lambda db, group: None)
    with pytest.raises(UserError, match="already has a live session"), database.session() as db:
        start_or_resume(
            db,
            group=get_group(db, "Tuesday Evening"),
            curriculum=None,
            topic=None,
            facilitator="Sam",
            now=clock(),
        )
    with database.session() as db:
        live = db.exec(select(GroupSession).where(GroupSession.state == "live")).all()
    assert [s.id for s in live] == [first]


def test_upgrade_refuses_a_database_with_two_live_sessions_of_one_group(db_url: str) -> None:
    build_at(db_url, "0002")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO groups (name, timezone, weekly_hours, daily_hours,"
                " late_after_minutes, note_format, created_at)"
                " VALUES ('G', 'UTC', 9, 3, 10, 'DAP', '2026-11-01 10:00:00')"
            )
        )
        for _ in range(2):
            conn.execute(
                sa.text(
                    "INSERT INTO sessions (id, group_id, facilitator, planned_minutes, started_at,"
                    " state, local_date) VALUES (:id, 1, 'Sam', 180, '2026-11-02 15:00:00',"
                    " 'live', '2026-11-02')"
                ),
                {"id": str(uuid.uuid4())},
            )
    engine.dispose()
    with pytest.raises(UserError, match="two live sessions of one group"):
        open_database(db_url)
