"""Session log export: JSON shape, CSV rows and safety, printable HTML, streaming, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from facilitator.common.clock import FakeClock
from facilitator.common.files import atomic_output
from facilitator.curriculum.model import Curriculum
from facilitator.errors import UserError
from facilitator.exchange.export import (
    CSV_COLUMNS,
    CSV_COLUMNS_WITH_CODES,
    ExportFilter,
    export_sessions,
    iter_sessions,
    safe_cell,
)
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member, find_by_code
from facilitator.session import attendance as att
from facilitator.session.lifecycle import start_session
from facilitator.session.live import LiveSession
from facilitator.session.signing import add_addendum, sign_session
from facilitator.store.database import Database, open_database
from facilitator.store.models import (
    Addendum,
    AgendaRun,
    Attendance,
    AuditEvent,
    Break,
    Group,
    GroupSession,
    Note,
    SessionState,
    Status,
)

from .conftest import START

# Fictional people only.
MEMBERS = [
    ("Avery Quinn", "EHR-1001", "AVERY1"),
    ("Blake Moreno", "EHR-1002", None),
    ("Casey Lindqvist", None, None),
    ("Devon O'Hara", "EHR-1004", None),
    ("Emery Zhou", None, "EMERY9"),
    ('=HYPERLINK("http://example.invalid","x")', None, None),
    ("Morgan <b>Bold</b> & Co", None, None),
]

CURRICULUM = Curriculum.model_validate(
    {
        "schema": 1,
        "id": "test-skills",
        "title": "Test Skills",
        "session": [
            {
                "id": "coping-plans",
                "title": "Coping Plans",
                "item": [
                    {"title": "Check-in", "minutes": 20, "kind": "check-in"},
                    {"title": "Coping skills", "minutes": 60, "kind": "skills"},
                    {"title": "Break", "minutes": 10, "kind": "break"},
                    {"title": "Process group", "minutes": 75, "kind": "discussion"},
                    {"title": "Wrap-up", "minutes": 15, "kind": "wrap-up"},
                ],
            },
            {
                "id": "high-risk",
                "title": "High-Risk Situations",
                "item": [{"title": "Talk", "minutes": 90, "kind": "education"}],
            },
        ],
    }
)

SESSION_KEYS = {
    "id", "group", "curriculum", "topic", "facilitator", "started_at", "ended_at", "agenda",
    "breaks", "attendance", "notes", "addenda", "signed_by", "signed_at",
}  # fmt: skip
AGENDA_KEYS = {"title", "kind", "planned_minutes", "started_at", "ended_at", "skipped"}
BREAK_KEYS = {"started_at", "ended_at"}
ATTENDANCE_KEYS = {
    "name", "external_id", "code", "status", "checked_in_at", "checked_out_at", "minutes",
    "method", "modality", "scales",
}  # fmt: skip
NOTE_KEYS = {"text", "created_at", "participant"}
ADDENDUM_KEYS = {"text", "reason", "author", "created_at"}


@dataclass
class Recorded:
    """A recorded session and the ids a test needs."""

    session_id: str
    members: dict[str, int]
    codes: dict[str, str]


def make_group(database: Database, name: str = "Evening IOP") -> dict[str, int]:
    """A group in Chicago time with the fictional members; returns name → participant id."""
    with database.session() as db:
        group = create_group(db, name=name, timezone="America/Chicago", note_format="DAP")
        ids = {}
        for member_name, external_id, code in MEMBERS:
            if code is not None and find_by_code(db, code) is not None:
                code = None  # a second group: the same names, new people
            if external_id is not None and name != "Evening IOP":
                external_id = f"{external_id}-{name}"
            member = add_member(
                db, group, name=member_name, external_id=external_id, code=code,
                joined=dt.date(2026, 11, 2),
            )  # fmt: skip
            assert member.participant.id is not None
            ids[member_name] = member.participant.id
    return ids


def record_session(
    database: Database,
    clock: FakeClock,
    *,
    group_name: str = "Evening IOP",
    new_group: bool = True,
) -> Recorded:
    """Run a whole 3-hour session through the service layer with a fake clock, and end it."""
    if new_group:
        make_group(database, group_name)
    with database.session() as db:
        from sqlmodel import select

        group = db.exec(select(Group).where(Group.name == group_name)).one()
        session = start_session(
            db, group=group, curriculum=CURRICULUM, topic=CURRICULUM.sessions[0],
            facilitator="Jordan Rivers", now=clock(),
        )  # fmt: skip
        session_id = session.id
    live = LiveSession(database, session_id, clock=clock, actor="Jordan Rivers")
    by_name = {e.participant.name: e.participant for e in live.snapshot.roster}
    ids = {name: p.id for name, p in by_name.items()}
    codes = {name: p.code for name, p in by_name.items()}
    clock.advance(minutes=2)
    live.check_in_code(codes["Avery Quinn"])
    live.check_in_code(codes["Morgan <b>Bold</b> & Co"])
    live.check_in_code(codes['=HYPERLINK("http://example.invalid","x")'])
    clock.advance(minutes=13)
    live.check_in_code(codes["Blake Moreno"])  # late
    live.cycle_status(ids["Casey Lindqvist"])  # marked present by hand
    clock.advance(minutes=5)
    live.next_item()  # coping skills
    clock.advance(minutes=62)
    live.next_item()  # the break item: it waits for `b`
    live.toggle_break()  # the break starts
    clock.advance(minutes=11)
    live.toggle_break()  # break over: process group starts
    walk_in = live.add_walk_in("Riley Walker")
    ids[walk_in.name], codes[walk_in.name] = walk_in.id, walk_in.code  # type: ignore[assignment]
    clock.advance(minutes=40)
    live.check_out(ids["Avery Quinn"])
    live.save_session_note("Group built coping plans; A.Q. and B.M. shared triggers.")
    live.save_member_note(
        ids["Blake Moreno"],
        {"Data": "Arrived late, engaged.", "Assessment": "Motivated.", "Plan": "Practise HALT."},
    )
    live.save_member_note(
        ids["Morgan <b>Bold</b> & Co"],
        {"Data": "Quiet <first> session & shy.", "Assessment": "Settling in.", "Plan": ""},
    )
    with database.session() as db:
        group_row = db.get(Group, live.snapshot.group.id)
        session_row = db.get(GroupSession, session_id)
        assert group_row is not None and session_row is not None
        att.set_status(
            db, group=group_row, session=session_row, participant_id=ids["Devon O'Hara"],
            status=Status.EXCUSED, now=clock(),
        )  # fmt: skip
    clock.advance(minutes=35)
    live.next_item()  # wrap-up
    clock.advance(minutes=12)
    live.end()
    return Recorded(session_id, ids, codes)  # type: ignore[arg-type]


def export_text(database: Database, fmt: str, **kw: Any) -> str:
    out = io.StringIO(newline="")
    with database.session() as db:
        export_sessions(db, out, fmt=fmt, **kw)
    return out.getvalue()


def export_json(database: Database, **kw: Any) -> list[dict[str, Any]]:
    return json.loads(export_text(database, "json", **kw))


# --- JSON ---------------------------------------------------------------------------------------


def test_json_has_every_field_and_nothing_else(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    [session] = export_json(database)
    assert set(session) == SESSION_KEYS
    assert session["id"] == recorded.session_id
    assert session["group"] == "Evening IOP"
    assert session["curriculum"] == "test-skills"
    assert session["topic"] == "coping-plans"
    assert session["facilitator"] == "Jordan Rivers"
    # Chicago in November: -06:00.
    assert session["started_at"] == "2026-11-16T09:00:00-06:00"
    assert session["ended_at"].endswith("-06:00")
    assert session["signed_by"] is None and session["signed_at"] is None
    assert [item["title"] for item in session["agenda"]] == [
        "Check-in", "Coping skills", "Break", "Process group", "Wrap-up",
    ]  # fmt: skip
    for item in session["agenda"]:
        assert set(item) == AGENDA_KEYS
        assert item["skipped"] is False
    assert session["agenda"][0]["planned_minutes"] == 20
    assert session["agenda"][0]["kind"] == "check-in"
    assert len(session["breaks"]) == 1
    assert set(session["breaks"][0]) == BREAK_KEYS
    names = [row["name"] for row in session["attendance"]]
    assert len(names) == len(MEMBERS) + 1  # everyone on the roster, plus the walk-in
    assert "Riley Walker" in names
    for row in session["attendance"]:
        assert set(row) == ATTENDANCE_KEYS
    rows = {row["name"]: row for row in session["attendance"]}
    assert rows["Avery Quinn"]["status"] == "left_early"
    assert rows["Avery Quinn"]["external_id"] == "EHR-1001"
    assert rows["Avery Quinn"]["code"] == "AVERY1"
    assert rows["Avery Quinn"]["method"] == "code"
    assert rows["Avery Quinn"]["checked_in_at"] == "2026-11-16T09:02:00-06:00"
    assert rows["Blake Moreno"]["status"] == "late"
    assert rows["Casey Lindqvist"]["method"] == "manual"
    assert rows["Devon O'Hara"]["status"] == "excused"
    assert rows["Emery Zhou"]["status"] == "absent"
    assert rows["Emery Zhou"]["checked_in_at"] is None and rows["Emery Zhou"]["method"] is None
    assert rows["Riley Walker"]["method"] == "walk-in"
    # Service time excludes the 11-minute break: Avery was in 09:02-11:13 less the break.
    assert rows["Avery Quinn"]["minutes"] == pytest.approx(131 - 11)
    assert rows["Emery Zhou"]["minutes"] == 0.0
    group_note, *member_notes = session["notes"]
    assert set(group_note) == NOTE_KEYS
    assert group_note["participant"] is None
    assert group_note["text"].startswith("Group built coping plans")
    assert [n["participant"] for n in member_notes] == ["Blake Moreno", "Morgan <b>Bold</b> & Co"]
    for note in member_notes:
        assert set(note) == NOTE_KEYS | {"format", "fields"}
        assert note["format"] == "DAP"
    assert member_notes[0]["fields"] == {
        "Data": "Arrived late, engaged.", "Assessment": "Motivated.", "Plan": "Practise HALT.",
    }  # fmt: skip
    assert "Data: Arrived late, engaged." in member_notes[0]["text"]
    assert session["addenda"] == []


def test_signed_session_exports_signature_and_addenda(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    with database.session() as db:
        sign_session(db, recorded.session_id, by="Jordan Rivers, LCSW", now=clock.advance(60))
        add_addendum(
            db, recorded.session_id, text="Blake left 10 minutes early, not on time.",
            reason="Late entry", author="Jordan Rivers, LCSW", now=clock.advance(minutes=30),
        )  # fmt: skip
    [session] = export_json(database)
    assert session["signed_by"] == "Jordan Rivers, LCSW"
    assert session["signed_at"].endswith("-06:00")
    [addendum] = session["addenda"]
    assert set(addendum) == ADDENDUM_KEYS
    assert addendum["reason"] == "Late entry"
    assert addendum["author"] == "Jordan Rivers, LCSW"
    assert addendum["text"].startswith("Blake left")


def test_json_is_valid_and_empty_range_is_an_empty_list(
    database: Database, clock: FakeClock
) -> None:
    record_session(database, clock)
    assert export_text(database, "json", filt=ExportFilter(date_from=dt.date(2027, 1, 1))) == "[]\n"
    assert len(export_json(database, filt=ExportFilter(date_to=dt.date(2026, 11, 16)))) == 1
    assert export_json(database, filt=ExportFilter(date_to=dt.date(2026, 11, 15))) == []


# --- filters ------------------------------------------------------------------------------------


def test_filters_by_group_local_dates_and_ended_only(database: Database) -> None:
    clock = FakeClock(START)
    record_session(database, clock, group_name="Evening IOP")
    # Another group, in Chicago, 17:30 local on Tuesday = 23:30 UTC; then one at 19:30 local
    # (01:30 UTC on Wednesday) that is still Tuesday where the group meets.
    clock.current = dt.datetime(2026, 11, 17, 23, 30, tzinfo=dt.UTC)
    record_session(database, clock, group_name="Morning IOP")
    clock.current = dt.datetime(2026, 11, 18, 1, 30, tzinfo=dt.UTC)
    record_session(database, clock, group_name="Morning IOP", new_group=False)
    clock.current = dt.datetime(2026, 11, 19, 15, 0, tzinfo=dt.UTC)
    with database.session() as db:
        from sqlmodel import select

        group = db.exec(select(Group).where(Group.name == "Morning IOP")).one()
        live = start_session(
            db, group=group, curriculum=CURRICULUM, topic=CURRICULUM.sessions[1],
            facilitator="Jordan Rivers", now=clock(),
        )  # fmt: skip
        live_id = live.id

    every = export_json(database)
    assert [s["group"] for s in every] == ["Evening IOP", "Morning IOP", "Morning IOP"]
    assert live_id not in {s["id"] for s in every}  # live sessions are not exported by default
    with_live = export_json(database, filt=ExportFilter(include_live=True))
    assert with_live[-1]["id"] == live_id and with_live[-1]["ended_at"] is None

    tuesday = ExportFilter(date_from=dt.date(2026, 11, 17), date_to=dt.date(2026, 11, 17))
    assert len(export_json(database, filt=tuesday)) == 2
    morning = ExportFilter(group="morning iop")
    assert {s["group"] for s in export_json(database, filt=morning)} == {"Morning IOP"}
    with pytest.raises(Exception, match="no group named"):
        export_json(database, filt=ExportFilter(group="Nope"))


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_one_row_per_attendance_record(database: Database, clock: FakeClock) -> None:
    record_session(database, clock)
    text = export_text(database, "csv")
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(MEMBERS) + 1
    by_name = {row["name"]: row for row in rows}
    avery = by_name["Avery Quinn"]
    assert avery["date"] == "2026-11-16"
    assert avery["group"] == "Evening IOP"
    assert avery["topic"] == "coping-plans"
    assert avery["topic_title"] == "Coping Plans"
    assert avery["facilitator"] == "Jordan Rivers"
    assert avery["status"] == "left_early"
    assert avery["checked_in_at"] == "2026-11-16T09:02:00-06:00"
    assert avery["minutes"] == "120"
    assert by_name["Emery Zhou"]["checked_in_at"] == ""


def test_csv_neutralises_formulas(database: Database, clock: FakeClock) -> None:
    record_session(database, clock)
    rows = list(csv.reader(io.StringIO(export_text(database, "csv"), newline="")))
    names = [row[CSV_COLUMNS.index("name")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://example.invalid","x")' in names
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    for raw in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(raw) == "'" + raw
    assert safe_cell("Avery") == "Avery" and safe_cell(None) == "" and safe_cell(12.5) == "12.5"


def test_csv_empty_is_header_only_and_bom(database: Database) -> None:
    text = export_text(database, "csv", bom=True)
    assert text == "\ufeff" + ",".join(CSV_COLUMNS) + "\r\n"
    assert export_text(database, "csv") == ",".join(CSV_COLUMNS) + "\r\n"


# --- HTML ---------------------------------------------------------------------------------------


class _Collect(HTMLParser):
    """Text, tags and attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def parse_html(text: str) -> _Collect:
    parser = _Collect()
    parser.feed(text)
    parser.close()
    return parser


def test_html_page_per_session_with_everything(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    with database.session() as db:
        sign_session(db, recorded.session_id, by="Jordan Rivers", now=clock.advance(60))
        add_addendum(
            db, recorded.session_id, text="Correction <script>alert(1)</script>",
            reason="Wrong time", author="Jordan Rivers", now=clock.advance(60),
        )  # fmt: skip
    clock.advance(minutes=60 * 24)
    record_session(database, clock, group_name="Morning IOP")
    text = export_text(database, "html")
    page = parse_html(text)
    sections = [attrs for tag, attrs in page.tags if tag == "section"]
    assert len(sections) == 2
    assert "page-break-after: always" in text
    # Self-contained: no external assets, no scripts.
    assert not [tag for tag, _ in page.tags if tag in {"script", "link", "img", "iframe"}]
    assert "http://" not in text.replace("http://example.invalid", "")
    words = page.all_text
    for name, _, _ in MEMBERS:
        assert name in words  # shown exactly, as text
    assert "Riley Walker" in words
    # User strings are escaped, never markup.
    assert "<b>Bold</b>" not in text and "&lt;b&gt;Bold&lt;/b&gt;" in text
    assert "<script>alert" not in text
    # Notes: the group note, member notes with their DAP headings.
    assert "Group built coping plans" in words
    assert "Arrived late, engaged." in words and "Quiet <first> session & shy." in words
    headings = [data for data in page.text if data in {"Data", "Assessment", "Plan"}]
    assert headings.count("Data") == 4  # two member notes on each of the two pages
    # Agenda planned vs actual; addendum marked; signature or UNSIGNED.
    assert "Planned min" in words and "Actual min" in words
    assert "ADDENDUM 1" in words and "Wrong time" in words
    assert "Correction <script>alert(1)</script>" in words
    assert "Electronically signed by" in words
    assert words.count("UNSIGNED") == 1  # the second session


def test_html_empty(database: Database) -> None:
    text = export_text(database, "html", filt=ExportFilter(date_from=dt.date(2026, 1, 1)))
    page = parse_html(text)
    assert "No sessions" in page.all_text and "from 2026-01-01" in page.all_text
    assert text.rstrip().endswith("</html>")


# --- streaming ----------------------------------------------------------------------------------


def _bulk_sessions(database: Database, count: int) -> None:
    """`count` ended sessions with children in every table, inserted directly (fast).

    The service layer is exercised by the other tests; here only the export's reading matters.
    """
    ids = make_group(database)
    people = list(ids.values())[:3]
    with database.session() as db:
        from sqlmodel import select

        group = db.exec(select(Group)).one()
        for i in range(count):
            start = START + dt.timedelta(days=i)
            end = start + dt.timedelta(minutes=90)
            session = GroupSession(
                group_id=group.id, curriculum_id="test-skills", topic_id="high-risk",  # type: ignore[arg-type]
                facilitator="Jordan Rivers", started_at=start, ended_at=end,
                state=SessionState.ENDED.value, local_date=start.date(),
            )  # fmt: skip
            db.add(session)
            db.flush()  # no ORM relationships: the session row must exist before its children
            db.add(AgendaRun(session_id=session.id, position=0, title="Talk", planned_minutes=90))
            db.add(Break(session_id=session.id, started_at=start, ended_at=start))
            for pid in people:
                db.add(Attendance(session_id=session.id, participant_id=pid, status="present"))
            db.add(Note(session_id=session.id, participant_id=None, text=f"Note {i}"))
            db.add(Note(session_id=session.id, participant_id=people[0], text="x", created_at=end))
            db.add(
                Addendum(session_id=session.id, text="a", reason="r", author="J", created_at=end)
            )


def test_export_streams_in_batches_with_bounded_queries(database: Database) -> None:
    _bulk_sessions(database, 300)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    class Spy(io.StringIO):
        """Remembers how many queries had run when each session was written."""

        def __init__(self) -> None:
            super().__init__()
            self.queries_at_write: list[int] = []

        def write(self, text: str) -> int:
            self.queries_at_write.append(len(statements))
            return super().write(text)

    sa.event.listen(database.engine, "before_cursor_execute", count)
    try:
        out = Spy()
        with database.session() as db:
            exported = export_sessions(db, out, fmt="json", batch_size=50)
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", count)
    assert exported == 300
    assert len(json.loads(out.getvalue())) == 300
    # One query streamed from its cursor for the sessions, one per child table (agenda,
    # breaks, attendance, notes, addenda) and one for the people: never one per session.
    assert len(statements) == 7, len(statements)
    # Written as the rows come: nothing more is read after the first session is out.
    assert out.queries_at_write[0] == 7
    assert out.queries_at_write[-1] == len(statements)


def test_html_reads_the_same_pages_as_the_json(database: Database) -> None:
    """The printable log is read like the JSON: a page of sessions and one query per child
    table, never one per session."""
    _bulk_sessions(database, 120)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", count)
    try:
        out = io.StringIO()
        with database.session() as db:
            exported = export_sessions(db, out, fmt="html", batch_size=50)
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", count)
    assert exported == 120
    assert parse_html(out.getvalue()).all_text.count("Note 119") == 1
    # Pages of 50, 50 and 20: each its sessions' query and one per child table.
    assert len(statements) == 3 * 6, len(statements)


def test_iter_sessions_yields_pages_lazily(database: Database) -> None:
    _bulk_sessions(database, 25)
    with database.session() as db:
        logs = iter_sessions(db, batch_size=10)
        first = next(logs)
        assert first.session.started_at == START
        # Keyset order: oldest first, every session once.
        rest = list(logs)
    started = [first.session.started_at] + [log.session.started_at for log in rest]
    assert started == sorted(started) and len(set(started)) == 25


def test_keyset_pages_do_not_skip_sessions_with_equal_start(database: Database) -> None:
    """Sessions of different groups may start at the same instant: pages split them correctly."""
    for name in ("Group A", "Group B", "Group C"):
        record_session(database, FakeClock(START), group_name=name)
    with database.session() as db:
        ids = [log.session.id for log in iter_sessions(db, batch_size=1)]
    assert len(ids) == 3 and ids == sorted(ids)


# --- audit, output file, CLI ----------------------------------------------------------------------


def test_export_is_audited_without_names(database: Database, clock: FakeClock) -> None:
    record_session(database, clock)
    export_text(
        database, "csv", filt=ExportFilter(group="Evening IOP", date_from=dt.date(2026, 11, 1))
    )
    with database.session() as db:
        from sqlmodel import select

        [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert event.detail["format"] == "csv"
    assert event.detail["group"] == "Evening IOP"
    assert event.detail["from"] == "2026-11-01" and event.detail["to"] is None
    assert event.detail["count"] == 1
    assert "Avery" not in json.dumps(event.detail)


def test_atomic_output_is_owner_only_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "log.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    with atomic_output(target) as stream:
        stream.write("new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(RuntimeError), atomic_output(target) as stream:
        stream.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.json"]


def cli(db_url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "facilitator", "--db", db_url, *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip


def test_cli_export(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = open_database(url)
    record_session(database, clock)
    database.dispose()

    result = cli(url, "export", "sessions", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 1

    empty = cli(url, "export", "sessions", "--format", "json", "--from", "2030-01-01")
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout) == []

    bad = cli(url, "export", "sessions", "--format", "json", "--from", "2026-13-01")
    assert bad.returncode == 1
    assert "--from" in bad.stderr and "Traceback" not in bad.stderr
    assert bad.stdout == ""

    out = tmp_path / "log.html"
    written = cli(url, "export", "sessions", "--format", "html", "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "Avery Quinn" in out.read_text(encoding="utf-8")

    bom = tmp_path / "log.csv"
    assert cli(url, "export", "sessions", "-f", "csv", "--bom", "--out", str(bom)).returncode == 0
    assert bom.read_bytes().startswith(b"\xef\xbb\xbfsession_id,")
    assert bom.read_bytes().count(b"\r\n") == len(MEMBERS) + 2  # header + one row each
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("log")) == [
        "log.csv", "log.html",
    ]  # fmt: skip


def test_cli_export_refusals(tmp_path: Path) -> None:
    """The same command line in-process (quicker): every refusal exits 1, a bad choice 2."""
    from typer.testing import CliRunner

    from facilitator.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--db", url, "export", "sessions", *args])

    empty_csv = run("--format", "csv", "--to", "2020-01-01")
    header = (",".join(CSV_COLUMNS) + "\r\n").encode()
    assert empty_csv.exit_code == 0 and empty_csv.stdout_bytes == header
    backwards = run("-f", "csv", "--from", "2026-12-01", "--to", "2026-11-01")
    assert backwards.exit_code == 1 and "after" in str(backwards.exception)
    unknown = run("--format", "json", "--group", "Nobody")
    assert unknown.exit_code == 1 and "no group named" in str(unknown.exception)
    assert run("--format", "json", "--bom").exit_code == 1
    assert run("--format", "xml").exit_code == 2
    assert run().exit_code == 2  # --format is required
    missing = tmp_path / "nowhere" / "log.json"
    refused = run("--format", "json", "--out", str(missing))
    assert refused.exit_code == 1 and not missing.parent.exists()
    html = run("--format", "html", "--to", "2020-01-01")
    assert html.exit_code == 0 and "No sessions" in html.stdout


# --- codes and temporary files ------------------------------------------------------------------


def test_csv_leaves_out_codes_unless_asked(database: Database, clock: FakeClock) -> None:
    recorded = record_session(database, clock)
    plain = export_text(database, "csv")
    assert plain.split("\r\n", 1)[0] == ",".join(CSV_COLUMNS) and "code" not in CSV_COLUMNS
    for code in recorded.codes.values():
        assert code not in plain
    with_codes = export_text(database, "csv", include_codes=True)
    rows = list(csv.DictReader(io.StringIO(with_codes, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS_WITH_CODES
    assert {row["name"]: row["code"] for row in rows}["Avery Quinn"] == "AVERY1"
    # The JSON keeps codes (import matches members on them); the option is for CSV only.
    [session] = export_json(database)
    assert {row["name"]: row["code"] for row in session["attendance"]}["Avery Quinn"] == "AVERY1"
    with pytest.raises(UserError, match="--include-codes applies to --format csv only"):
        export_text(database, "json", include_codes=True)


def test_cli_include_codes(tmp_path: Path, clock: FakeClock) -> None:
    from typer.testing import CliRunner

    from facilitator.cli import app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = open_database(url)
    record_session(database, clock)
    database.dispose()
    runner = CliRunner()
    plain = runner.invoke(app, ["--db", url, "export", "sessions", "-f", "csv"])
    assert plain.exit_code == 0 and "AVERY1" not in plain.stdout
    coded = runner.invoke(app, ["--db", url, "export", "sessions", "-f", "csv", "--include-codes"])
    assert coded.exit_code == 0 and "AVERY1" in coded.stdout
    refused = runner.invoke(
        app, ["--db", url, "export", "sessions", "-f", "json", "--include-codes"]
    )
    assert refused.exit_code == 1 and "--include-codes" in str(refused.exception)


def test_a_killed_export_leaves_a_temp_file_the_next_export_removes(tmp_path: Path) -> None:
    target = tmp_path / "log.json"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal\n"
            "from pathlib import Path\n"
            "from facilitator.common.files import atomic_output\n"
            f"with atomic_output(Path({str(target)!r})) as out:\n"
            '    out.write(\'[{"name": "Avery Quinn"}\')\n'
            "    out.flush()\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n",
        ],
        capture_output=True,
        timeout=60,
    )
    assert killed.returncode != 0
    [left] = [p for p in tmp_path.iterdir() if p.name.startswith(".log.json.")]
    assert stat.S_IMODE(left.stat().st_mode) == 0o600
    os.utime(left, (left.stat().st_atime - 60, left.stat().st_mtime - 60))  # a minute ago
    other = tmp_path / ".other.json.abcd1234.tmp"  # another file's: not this export's to remove
    other.write_text("x")
    os.utime(other, (0, 0))
    with atomic_output(target) as out:
        out.write("[]\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.json.abcd1234.tmp", "log.json"]
    assert target.read_text() == "[]\n"


def test_a_temp_file_being_written_is_not_swept(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    with atomic_output(target) as first:
        first.write("a")
        [busy] = [p for p in tmp_path.iterdir() if p.name.startswith(".log.csv.")]
        os.utime(busy, (0, 0))  # old, but still held by its writer
        with atomic_output(tmp_path / "log.csv") as second:
            second.write("b")
        assert busy.exists()
    assert target.read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]


def test_a_failed_export_removes_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "log.csv"
    with pytest.raises(RuntimeError), atomic_output(target) as out:
        out.write("half")
        raise RuntimeError("disk gone")
    assert list(tmp_path.iterdir()) == []
