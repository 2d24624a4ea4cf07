"""Check-in scales and modality in the core (CONTRACT 10): the `--checkin-scales` setting, the
facilitator's code box, receipts refused when used, foreign or out of range, modality set and
corrected until signing, answers over time, and export → import keeping them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from facilitator.common.clock import FakeClock
from facilitator.curriculum.catalog import discover
from facilitator.errors import UserError
from facilitator.exchange.export import export_sessions
from facilitator.exchange.importer import import_sessions
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.session import attendance as att
from facilitator.session.lifecycle import end_session, start_session
from facilitator.session.modality import (
    check_in_with_modality,
    set_modality,
    telehealth_counts,
    toggle_modality,
)
from facilitator.session.receipts import AnswerRefused, Refusal, answer, issue_receipt
from facilitator.session.scales import (
    high_craving,
    parse_scales,
    record_scales,
    scale_history,
    scale_summaries,
    values_of,
)
from facilitator.session.signing import sign_session
from facilitator.store.database import Database, open_database
from facilitator.store.models import (
    Attendance,
    AuditEvent,
    Group,
    GroupSession,
    Method,
    Participant,
    Receipt,
)

CURRICULUM = discover().get("relapse-prevention")
MEMBERS = [("Avery Quinn", "QX7KPM"), ("Blake Moreno", "WT4HNR"), ("Casey Lindqvist", "KD9FYC")]


# --- the setting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("craving", "craving"),
        ("mood", "mood"),
        ("craving,mood", "craving,mood"),
        ("Mood, Craving", "craving,mood"),
        ("none", None),
        ("NONE", None),
        ("", None),
    ],
)
def test_checkin_scales_read_in_one_canonical_form(given: str, stored: str | None) -> None:
    assert parse_scales(given) == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("anxiety", "--checkin-scales: unknown scale 'anxiety' (use craving, mood, both as"),
        ("craving,anxiety", "unknown scale 'anxiety'"),
        ("craving,,mood", "an empty part"),
        ("craving,craving", "'craving' is given twice"),
        ("none,mood", "'none' cannot be combined"),
    ],
)
def test_a_bad_checkin_scales_names_the_part(given: str, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(")):
        parse_scales(given)


# --- a session ----------------------------------------------------------------------------------


def begin(db: Session, group: Group, clock: FakeClock) -> GroupSession:
    """A live session of the group now, on the first topic of a shipped curriculum."""
    topic = CURRICULUM.sessions[0]
    return start_session(
        db, group=group, curriculum=CURRICULUM, topic=topic, facilitator="Sam", now=clock()
    )


def checked_in(
    db: Session, group: Group, session: GroupSession, code: str, clock: FakeClock
) -> None:
    """The member with `code` checked in by code at the laptop, now."""
    att.check_in(db, group=group, session=session, method=Method.CODE, now=clock(), code=code)


def start(database: Database, clock: FakeClock, scales: str | None = "craving,mood") -> str:
    """A live session of a fictional group asking `scales`, everyone checked in by code."""
    with database.session() as db:
        group = create_group(db, name="Tuesday Evening", timezone="America/Chicago")
        group.checkin_scales = scales
        db.add(group)
        for name, code in MEMBERS:
            add_member(db, group, name=name, code=code, joined=dt.date(2026, 11, 2))
        session = begin(db, group, clock)
        for _name, code in MEMBERS[:2]:
            att.check_in(
                db, group=group, session=session, method=Method.CODE, now=clock(), code=code
            )
        return session.id


def member_id(database: Database, code: str) -> int:
    with database.session() as db:
        person = db.exec(select(Participant).where(Participant.code == code)).one()
        assert person.id is not None
        return person.id


def started_with(database: Database, clock: FakeClock, code: str) -> tuple[str, int]:
    """A live session (see `start`) and the participant id of the member with `code`."""
    return start(database, clock), member_id(database, code)


def row_of(database: Database, session_id: str, code: str) -> Attendance:
    pid = member_id(database, code)
    with database.session() as db:
        return db.exec(
            select(Attendance).where(
                Attendance.session_id == session_id, Attendance.participant_id == pid
            )
        ).one()


def session_of(db: object, session_id: str) -> GroupSession:
    found = db.get(GroupSession, session_id)  # type: ignore[attr-defined]
    assert found is not None
    return found


def test_the_code_box_records_scales_and_closes_the_phone_receipt(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock)
    row = row_of(database, session_id, "QX7KPM")
    with database.session() as db:
        token = issue_receipt(db, row, now=clock())
    assert token is not None
    with database.session() as db:
        record_scales(
            db,
            session=session_of(db, session_id),
            participant_id=row.participant_id,
            values={"craving": "9", "mood": 3},
            now=clock(),
            actor="Sam",
        )
    stored = row_of(database, session_id, "QX7KPM")
    assert (stored.craving, stored.mood) == (9, 3) and high_craving(stored)
    with database.session() as db, pytest.raises(AnswerRefused) as refused:
        answer(db, session_id, token, {"craving": 1, "mood": 1}, now=clock())
    assert refused.value.reason is Refusal.USED
    assert row_of(database, session_id, "QX7KPM").craving == 9
    with database.session() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "scales.record")).all()
        assert [e.detail["scales"] for e in events] == [["craving", "mood"]]
        assert "9" not in json.dumps(events[0].detail)  # the answers are not in the audit trail


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"craving": 11}, "craving: 11 is not a whole number from 0 to 10"),
        ({"craving": -1}, "not a whole number"),
        ({"mood": "x"}, "mood: 'x' is not a whole number"),
        ({"mood": 4.5}, "not a whole number"),
        ({"mood": True}, "must be a whole number"),
        ({"anxiety": 3}, "unknown scale 'anxiety'"),
        ({}, "no scale given"),
    ],
)
def test_the_code_box_refuses_bad_values_and_stores_nothing(
    database: Database, clock: FakeClock, values: dict[str, object], message: str
) -> None:
    session_id, pid = started_with(database, clock, "QX7KPM")
    with database.session() as db, pytest.raises(UserError, match=message):
        record_scales(
            db, session=session_of(db, session_id), participant_id=pid, values=values, now=clock()
        )
    stored = row_of(database, session_id, "QX7KPM")
    assert (stored.craving, stored.mood) == (None, None)


def test_a_group_without_scales_refuses_the_code_box_and_issues_no_receipt(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock, scales=None)
    row = row_of(database, session_id, "QX7KPM")
    with database.session() as db:
        assert issue_receipt(db, row, now=clock()) is None
        with pytest.raises(UserError, match="asks no check-in scales"):
            record_scales(
                db,
                session=session_of(db, session_id),
                participant_id=row.participant_id,
                values={"craving": 2},
                now=clock(),
            )


def test_a_receipt_is_given_again_until_used_and_only_to_a_checked_in_member(
    database: Database, clock: FakeClock
) -> None:
    session_id = start(database, clock)
    row = row_of(database, session_id, "QX7KPM")
    absent = row_of(database, session_id, "KD9FYC")
    with database.session() as db:
        first = issue_receipt(db, row, now=clock())
        assert issue_receipt(db, row, now=clock()) == first
        assert issue_receipt(db, absent, now=clock()) is None
    with database.session() as db:
        assert first is not None
        answer(db, session_id, first, {"craving": 8, "mood": None}, now=clock())
        assert issue_receipt(db, row, now=clock()) is None
        assert len(db.exec(select(Receipt)).all()) == 1


def test_modality_is_set_by_v_and_corrected_until_signing(
    database: Database, clock: FakeClock
) -> None:
    session_id, pid = started_with(database, clock, "WT4HNR")
    with database.session() as db:
        row = toggle_modality(
            db, session=session_of(db, session_id), participant_id=pid, now=clock()
        )
        assert row.modality == "telehealth"
        row = toggle_modality(
            db, session=session_of(db, session_id), participant_id=pid, now=clock()
        )
        assert row.modality == "in_person"
        with pytest.raises(UserError, match="'video' is not in_person or telehealth"):
            set_modality(
                db, session=session_of(db, session_id), participant_id=pid, modality="video",
                now=clock(),
            )  # fmt: skip
    with database.session() as db:
        end_session(db, session=session_of(db, session_id), now=clock.advance(minutes=180))
    with database.session() as db:
        set_modality(
            db, session=session_of(db, session_id), participant_id=pid, modality="telehealth",
            now=clock(), actor="Sam",
        )  # fmt: skip
        sign_session(db, session_id, by="Sam", now=clock())
    with database.session() as db, pytest.raises(UserError, match="signed"):
        set_modality(
            db, session=session_of(db, session_id), participant_id=pid, modality="in_person",
            now=clock(),
        )  # fmt: skip
    assert row_of(database, session_id, "WT4HNR").modality == "telehealth"
    with database.session() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "attendance.modality"))
        assert [(e.detail["before"], e.detail["after"]) for e in events] == [
            ("in_person", "telehealth"), ("telehealth", "in_person"), ("in_person", "telehealth"),
        ]  # fmt: skip
        group = db.exec(select(Group)).one()
        assert telehealth_counts(db, group_id=group.id) == {pid: 1}  # type: ignore[arg-type]


def test_a_video_member_is_checked_in_by_the_facilitator_as_telehealth(
    database: Database, clock: FakeClock
) -> None:
    session_id, pid = started_with(database, clock, "KD9FYC")
    with database.session() as db:
        session = session_of(db, session_id)
        group = db.get(Group, session.group_id)
        person = db.get(Participant, pid)
        result = check_in_with_modality(
            db, modality="telehealth", group=group, session=session, method=Method.MANUAL,
            now=clock(), participant=person, actor="Sam",
        )  # fmt: skip
        assert result.ok and result.attendance is not None
        assert result.attendance.modality == "telehealth"
    assert row_of(database, session_id, "KD9FYC").modality == "telehealth"


def test_answers_over_time_and_per_member_summaries(database: Database, clock: FakeClock) -> None:
    session_id = start(database, clock)
    avery = member_id(database, "QX7KPM")
    answers = [(6, 5), (8, None), (3, 7)]
    ids = [session_id]
    for week, (craving, mood) in enumerate(answers):
        with database.session() as db:
            session = session_of(db, ids[-1])
            record_scales(
                db, session=session, participant_id=avery,
                values={"craving": craving, "mood": mood}, now=clock(),
            )  # fmt: skip
            end_session(db, session=session, now=clock.advance(minutes=180))
        if week < len(answers) - 1:
            clock.advance(minutes=7 * 24 * 60 - 180)
            with database.session() as db:
                group = db.exec(select(Group)).one()
                ids.append(begin(db, group, clock).id)
                checked_in(db, group, session_of(db, ids[-1]), "QX7KPM", clock)
    with database.session() as db:
        points = scale_history(db, avery)
        assert values_of(points, "craving") == [6, 8, 3]
        assert values_of(points, "mood") == [5, 7]
        assert [p.local_date.isoformat() for p in points] == [
            "2026-11-16", "2026-11-23", "2026-11-30",
        ]  # fmt: skip
        group = db.exec(select(Group)).one()
        assert group.id is not None
        summary = scale_summaries(db, group_id=group.id)[avery]
        assert (summary["craving"].latest, summary["craving"].mean) == (3, 5.7)
        assert (summary["mood"].latest, summary["mood"].mean, summary["mood"].count) == (7, 6.0, 2)
        late = scale_summaries(db, group_id=group.id, date_from=dt.date(2026, 11, 20))[avery]
        assert late["craving"].count == 2 and late["mood"].count == 1


# --- export and import --------------------------------------------------------------------------


def ended_session_with_answers(database: Database, clock: FakeClock) -> str:
    """Avery answered 7/4 on the phone, Blake attended by video and answered nothing."""
    session_id = start(database, clock)
    row = row_of(database, session_id, "QX7KPM")
    with database.session() as db:
        token = issue_receipt(db, row, now=clock())
        assert token is not None
        answer(db, session_id, token, {"craving": "7", "mood": "4"}, now=clock())
        session = session_of(db, session_id)
        set_modality(
            db, session=session, participant_id=member_id(database, "WT4HNR"),
            modality="telehealth", now=clock(),
        )  # fmt: skip
        end_session(db, session=session, now=clock.advance(minutes=180))
    return session_id


def export(database: Database, fmt: str) -> str:
    out = io.StringIO(newline="")
    with database.session() as db:
        export_sessions(db, out, fmt=fmt)
    return out.getvalue()


def test_exports_carry_modality_and_scales(database: Database, clock: FakeClock) -> None:
    ended_session_with_answers(database, clock)
    [session] = json.loads(export(database, "json"))
    by_name = {a["name"]: a for a in session["attendance"]}
    assert by_name["Avery Quinn"]["scales"] == {"craving": 7, "mood": 4}
    assert by_name["Avery Quinn"]["modality"] == "in_person"
    assert by_name["Blake Moreno"]["scales"] == {} and by_name["Blake Moreno"]["modality"] == (
        "telehealth"
    )
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(export(database, "csv")))}
    assert (rows["Avery Quinn"]["craving"], rows["Avery Quinn"]["mood"]) == ("7", "4")
    assert (
        rows["Blake Moreno"]["modality"] == "telehealth" and rows["Blake Moreno"]["craving"] == ""
    )
    html = export(database, "html")
    assert "<th>Modality</th>" in html and "<td>telehealth</td>" in html
    assert "Attended: 2 of 3 (1 by telehealth)" in html


def test_export_then_import_on_a_fresh_database_keeps_modality_and_scales(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ended_session_with_answers(database, clock)
    exported = export(database, "json")
    path = tmp_path / "sessions.json"
    path.write_text(exported, encoding="utf-8")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as db:
            assert import_sessions(db, path).imported == 1
        assert export(fresh, "json") == exported
    finally:
        fresh.dispose()


def test_an_old_file_without_modality_or_scales_imports_as_in_person_unanswered(
    database: Database, clock: FakeClock, tmp_path: Path
) -> None:
    ended_session_with_answers(database, clock)
    sessions = json.loads(export(database, "json"))
    for entry in sessions[0]["attendance"]:
        del entry["modality"], entry["scales"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(sessions), encoding="utf-8")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as db:
            import_sessions(db, path)
        rows = [a for s in json.loads(export(fresh, "json")) for a in s["attendance"]]
        assert {(a["modality"], json.dumps(a["scales"])) for a in rows} == {("in_person", "{}")}
    finally:
        fresh.dispose()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scales": {"craving": 11}}, "[0].attendance[0].scales.craving: must be at most 10"),
        ({"scales": {"anxiety": 1}}, "[0].attendance[0].scales.anxiety: unknown key 'anxiety'"),
        ({"modality": "video"}, "[0].attendance[0].modality: 'video' is not one of in_person"),
    ],
)
def test_import_refuses_bad_modality_or_scales_with_their_place(
    database: Database, clock: FakeClock, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    ended_session_with_answers(database, clock)
    sessions = json.loads(export(database, "json"))
    sessions[0]["attendance"][0].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(sessions), encoding="utf-8")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with fresh.session() as db, pytest.raises(UserError) as refused:
            import_sessions(db, path)
        assert message in str(refused.value)
        with fresh.session() as db:
            assert db.exec(select(GroupSession)).all() == []
    finally:
        fresh.dispose()
