"""Hostile input corpus: curriculum files, roster CSVs, session imports, HTTP requests, the screen.

Each corpus entry is something a careless export, a confused spreadsheet or an attacker on the
clinic Wi-Fi could hand the app. The promises checked are the outside contract's: a bad file is
exit status 1 with one clear `FILE[:LINE]: problem` line per problem and never a traceback,
nothing is half-written, the check-in server answers only 200 or 4xx and stores nothing but a
valid code's check-in, and a name (or any other text that came from outside) is shown on the
screen literally: never interpreted as Textual markup, never able to put an escape sequence on
the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gzip
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import sqlalchemy as sa
from sqlmodel import select
from textual import events
from textual.widgets import Input, TextArea

from facilitator.app import make_live_app
from facilitator.checkin.server import CheckinServer
from facilitator.cli import main
from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import utcnow
from facilitator.errors import UserError
from facilitator.program.groups import create_group
from facilitator.program.roster import add_member
from facilitator.screens.dialogs import AskScreen
from facilitator.screens.live import LiveScreen
from facilitator.session.live import LiveSession
from facilitator.store.database import Database, open_database
from facilitator.store.models import AgendaRun, Attendance, GroupSession, Note, Participant
from facilitator.widgets.roster_panel import RosterTable

from .conftest import finishes_within
from .livefixtures import make_session
from .ptyapp import PtyApp
from .test_live_screen import roster_rows, screen_plain

SIZE = (120, 40)
SECONDS = 20.0  # a check or import still running after this hangs (a hostile file wins)
MAX_LINE = 400  # a problem line a person can read (the file name aside)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls but \t and \n


@dataclass
class Run:
    """What one `facilitator ...` command did."""

    code: int
    out: str
    err: str


def cli(*args: str) -> Run:
    """Run the real entry point (`facilitator.cli.main`) in-process; an exception propagates.

    A propagating exception is what the user would see as a Python traceback.
    """
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with (
        mock.patch.object(sys, "argv", ["facilitator", *args]),
        mock.patch.dict(os.environ, {"COLUMNS": "200"}),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue(), err.getvalue())


def problem_lines(run: Run, path: Path) -> list[str]:
    """The stderr lines, each of which must name the file (and maybe the line) first."""
    lines = [line for line in run.err.splitlines() if line.strip()]
    for line in lines:
        assert line.startswith(f"{path}:") or line.startswith(f"error: {path}"), line
        assert "Traceback" not in line
    return lines


# == curriculum files ==============================================================================

HEAD = 'schema = 1\nid = "hostile"\ntitle = "Hostile"\n'
SESSION = '\n[[session]]\nid = "s"\ntitle = "S"\n'
ITEM = '\n[[session.item]]\ntitle = "Check-in"\nminutes = 15\n'
GOOD = HEAD + SESSION + ITEM


def _nested_tables(depth: int) -> str:
    return GOOD + "\n[extra]\nx = " + "{a = " * depth + "1" + "}" * depth + "\n"


def _huge_prompts() -> str:
    """A valid file of about 10 MB: one item with an enormous prompt."""
    body = ("Say what helps you when cravings come. " * 2 + "\n") * (10 * 1024 * 1024 // 79)
    return GOOD + f'prompts = """\n{body}"""\n'


def _many_sessions(count: int) -> str:
    return HEAD + "".join(
        f'\n[[session]]\nid = "s{n}"\ntitle = "S{n}"\n' + ITEM for n in range(count)
    )


def _wide_inline_tables() -> str:
    """TOML has no references, so no billion laughs: the nearest is a wide value tree."""
    inner = ", ".join(f"j{j} = [{', '.join(['1'] * 10)}]" for j in range(50))
    return HEAD + "x = {" + ", ".join(f"k{i} = {{{inner}}}" for i in range(200)) + "}\n"


def _arrays_of_arrays() -> str:
    lines = ['l0 = ["lol"]'] + [f"l{i} = [{', '.join(['1'] * 10)}]" for i in range(1, 10)]
    return GOOD + "\n".join(lines) + "\n"


# (id, content, expected exit status, a piece every problem line set must contain, marks)
CURRICULA: list[tuple[str, Callable[[], str | bytes], int, str]] = [
    ("valid", lambda: GOOD, 0, "OK"),
    ("huge-10mb-valid", _huge_prompts, 0, "OK"),
    ("10000-sessions", lambda: _many_sessions(10_000), 0, "OK"),
    (
        "5mb-single-line-title",
        lambda: GOOD.replace('"Hostile"', '"' + "x" * 5_000_000 + '"'),
        0,
        "OK",
    ),
    ("wide-inline-tables", _wide_inline_tables, 1, "unknown key 'x'"),
    ("arrays-of-arrays", _arrays_of_arrays, 1, "unknown key"),
    ("nested-inline-tables-50", lambda: _nested_tables(50), 1, "unknown key 'extra'"),
    ("nested-inline-tables-5000", lambda: _nested_tables(5000), 1, "invalid TOML"),
    (
        "nested-arrays-100000",
        lambda: GOOD + "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
        1,
        "invalid TOML",
    ),
    ("raw-escape-in-title", lambda: GOOD.replace('"S"', '"S\x1b[2J"'), 1, "invalid TOML"),
    ("raw-nul", lambda: GOOD.replace('"S"', '"S\x00"'), 1, "invalid TOML"),
    ("raw-nul-outside-string", lambda: GOOD + "\x00\n", 1, "invalid TOML"),
    ("utf-16", lambda: GOOD.replace("Hostile", "Zoë").encode("utf-16"), 1, "not UTF-8"),
    ("latin-1", lambda: GOOD.replace("Hostile", "Zoë").encode("latin-1"), 1, "not UTF-8"),
    ("utf-8-bom", lambda: "\ufeff" + GOOD, 0, "OK"),
    ("crlf", lambda: GOOD.replace("\n", "\r\n"), 0, "OK"),
    ("lone-cr", lambda: GOOD.replace("\n", "\r"), 1, "invalid TOML"),
    ("binary-garbage", lambda: bytes(range(256)) * 400, 1, "not UTF-8"),
    ("schema-1e308", lambda: GOOD.replace("schema = 1", "schema = 1e308"), 1, "whole number"),
    ("schema-inf", lambda: GOOD.replace("schema = 1", "schema = inf"), 1, "whole number"),
    ("minutes-nan", lambda: GOOD.replace("minutes = 15", "minutes = nan"), 1, "minutes"),
    (
        "minutes-1e30",
        lambda: GOOD.replace("minutes = 15", "minutes = " + "1" + "0" * 30),
        1,
        "minutes",
    ),
    (
        "schema-a-date",
        lambda: GOOD.replace("schema = 1", "schema = 1979-05-27T07:32:00Z"),
        1,
        "whole number",
    ),
    ("lookalike-bare-key", lambda: GOOD.replace("title =", "tіtle =", 1), 1, "invalid TOML"),
    ("lookalike-quoted-key", lambda: GOOD.replace("title =", '"tіtle" =', 1), 1, "unknown key"),
    ("lookalike-table", lambda: HEAD + '\n[[ѕession]]\nid = "s"\n', 1, "invalid TOML"),
    ("escaped-surrogate", lambda: GOOD.replace('"S"', '"\\ud800"'), 1, "invalid TOML"),
    (
        "sql-and-path-ids",
        lambda: GOOD.replace('id = "hostile"', 'id = "../../etc/passwd"').replace(
            'id = "s"', 'id = "s\'); DROP TABLE sessions;--"'
        ),
        1,
        "not a valid id",
    ),
    (
        "markup-in-titles",
        lambda: GOOD.replace('"Hostile"', '"[bold red]X[/] [@click=app.quit]q[/]"'),
        0,
        "OK",
    ),
    ("rtl-override-in-title", lambda: GOOD.replace('"S"', '"S\u202eevil"'), -1, ""),
]
CURRICULA += [
    (
        "integer-5000-digits",
        lambda: GOOD.replace("schema = 1", "schema = " + "9" * 5000),
        1,
        "invalid TOML",
    ),
    (
        "integer-4000-digits",
        lambda: GOOD.replace("schema = 1", "schema = " + "9" * 4000),
        1,
        "schema",
    ),
    ("megabyte-unknown-key", lambda: GOOD + "k" * 1_000_000 + " = 1\n", 1, "unknown key"),
    (
        "escapes-in-title",
        lambda: GOOD.replace('"Hostile"', '"X\\u001b[2J\\u001b]0;pwn\\u0007"'),
        1,
        "control",
    ),
    ("nul-in-session-title", lambda: GOOD.replace('"S"', '"S\\u0000"'), 1, "control"),
    ("escape-in-prompts", lambda: GOOD + 'prompts = "\\u001b[31mred"\n', 1, "control"),
    ("c1-csi-in-handout", lambda: GOOD + 'handouts = ["a\\u009b2Jb"]\n', 1, "control"),
]


def _curriculum_params() -> list[object]:
    return [
        pytest.param(content, status, expected, id=case_id)
        for case_id, content, status, expected in CURRICULA
    ]


@pytest.mark.parametrize(("content", "status", "expected"), _curriculum_params())
def test_curriculum_check_survives_the_corpus(
    tmp_path: Path, content: Callable[[], str | bytes], status: int, expected: str
) -> None:
    """Exit 0 (`FILE: OK`) or 1 with short `FILE[:LINE]: problem` lines; no traceback; fast."""
    data = content()
    path = tmp_path / "hostile.toml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    run = finishes_within(SECONDS, lambda: cli("curriculum", "check", str(path)))
    assert run.code in (0, 1), run
    if status != -1:
        assert run.code == status, run.err[:2000]
    if run.code == 0:
        assert run.out.strip() == f"{path}: OK", run.out[:2000]
        return
    lines = problem_lines(run, path)
    assert lines, "exit status 1 with nothing said"
    assert all(len(line) - len(str(path)) <= MAX_LINE for line in lines), [
        line[:200] for line in lines
    ]
    assert not any(CONTROL.search(line) for line in lines)
    assert any(expected in line for line in lines), lines


def test_one_pathological_user_curriculum_does_not_break_discovery() -> None:
    """discover() runs for `list`, `show`, `run` and the home screen: a bad file is a warning."""
    user_dir = Path(os.environ["XDG_DATA_HOME"]) / "facilitator" / "curricula"
    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / "nested.toml").write_text(_nested_tables(5000), encoding="utf-8")
    run = cli("curriculum", "list")
    assert run.code == 0 and "relapse-prevention" in run.out
    assert "nested.toml" in run.err


def test_curriculum_show_puts_no_escape_sequence_on_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "escapes.toml"
    path.write_text(
        GOOD.replace('"Hostile"', '"X\\u001b[2J\\u001b]0;pwn\\u0007"')
        + 'prompts = "\\u001b[31mred"\nhandouts = ["\\u001b]8;;http://evil/\\u0007link"]\n',
        encoding="utf-8",
    )
    run = cli("curriculum", "show", str(path))
    assert "\x1b" not in run.out + run.err and "\x07" not in run.out + run.err


def test_curriculum_show_and_list_print_markup_literally(tmp_path: Path) -> None:
    """A title that looks like Rich markup is printed as typed, by `show` and by `list`."""
    title = "[bold red]X[/] [@click=app.quit]q[/] [link=http://evil.example]here[/link]"
    text = GOOD.replace('"Hostile"', json.dumps(title)).replace('"Check-in"', '"[reverse]C[/]"')
    path = tmp_path / "markup.toml"
    path.write_text(text, encoding="utf-8")
    shown = cli("curriculum", "show", str(path))
    assert shown.code == 0, shown.err
    assert title in shown.out and "[reverse]C[/]" in shown.out
    user_dir = Path(os.environ["XDG_DATA_HOME"]) / "facilitator" / "curricula"
    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / "markup.toml").write_text(text, encoding="utf-8")
    listed = cli("curriculum", "list")
    assert listed.code == 0, listed.err
    assert "[bold red]X[/]" in listed.out


# == roster CSVs ===================================================================================


@dataclass(frozen=True)
class CsvCase:
    """A roster file and what must come of it: these names stored, or these problems."""

    content: str | bytes | Callable[[], str | bytes]
    names: frozenset[str] | None = None  # imported: exactly these names stored
    problem: str = ""  # rejected: a problem line containing this

    def data(self) -> bytes:
        content = self.content() if callable(self.content) else self.content
        return content if isinstance(content, bytes) else content.encode("utf-8")


def ok(*names: str) -> frozenset[str]:
    return frozenset(names)


CSVS: dict[str, CsvCase] = {
    "sql-ish-name": CsvCase(
        'name\n"Robert\'); DROP TABLE participants;--"\n',
        ok("Robert'); DROP TABLE participants;--"),
    ),
    "sql-ish-code": CsvCase("name,code\nAvery Quinn,' OR 1=1 --\n", problem=":2: code"),
    "sql-ish-external-id": CsvCase(
        "name,external_id\nAvery Quinn,1'; DELETE FROM participants;--\n", ok("Avery Quinn")
    ),
    "formula-names": CsvCase(
        'name\n"=HYPERLINK(""http://evil.example"",""x"")"\n+cmd\n@SUM(A1)\n-2+3\n',
        ok('=HYPERLINK("http://evil.example","x")', "+cmd", "@SUM(A1)", "-2+3"),
    ),
    "clear-screen-escape": CsvCase('name\n"Eve\x1b[2J Smith"\n', ok("Eve Smith")),
    "osc-title-escape": CsvCase('name\n"Mal\x1b]0;title\x07lory Jones"\n', ok("Mallory Jones")),
    "osc-hyperlink": CsvCase(
        'name\n"\x1b]8;;http://evil.example/\x1b\\Click me\x1b]8;;\x1b\\ Now"\n',
        ok("Click me Now"),
    ),
    "c1-csi": CsvCase('name\n"Ann\x9b31mB Lee"\n', ok("AnnB Lee")),
    "bell-backspace-del": CsvCase('name\n"Bo\x07b\x08 Ro\x7fss"\n', ok("Bo b Ro ss")),
    "markup": CsvCase(
        'name\n"[bold red]x[/]"\n"[@click=app.quit]Mallory[/]"\n"[link=http://evil]L[/link]"\n',
        ok("[bold red]x[/]", "[@click=app.quit]Mallory[/]", "[link=http://evil]L[/link]"),
    ),
    "rtl-override": CsvCase('name\n"Zoë\u202eevil"\n', ok("Zoë evil")),
    "zero-width": CsvCase("name\nAvery\u200b\u200dQuinn\u2060\n", None),
    "bidi-isolates": CsvCase("name\nAvery\u2066Quinn\u2069\n", ok("Avery Quinn")),
    "line-separator": CsvCase("name\nAvery\u2028Quinn\u2029\n", ok("Avery Quinn")),
    "only-an-escape": CsvCase('name\n"\x1b[2J"\n', problem=":2: missing name"),
    "ideographic-space-only": CsvCase("name\n\u3000\n", problem="no members"),
    "combining-flood": CsvCase("name\nZ" + "\u0301" * 500 + "\n", problem=":2: name longer"),
    "mixed-line-endings": CsvCase(
        "name\r\nAvery Quinn\nBlake Moreno\rCasey Lindqvist\r\n",
        ok("Avery Quinn", "Blake Moreno", "Casey Lindqvist"),
    ),
    "semicolons": CsvCase("name;code\nAvery Quinn;AVQ1\n", problem=":1: unknown column"),
    "tabs": CsvCase("name\tcode\nAvery Quinn\tAVQ1\n", problem=":1: unknown column"),
    "binary-garbage": CsvCase(bytes(range(256)) * 20, problem="not UTF-8"),
    "nul-bytes": CsvCase("name\nA\x00B\n", problem="NUL"),
    "utf-16": CsvCase("name\nZoë\n".encode("utf-16"), problem="UTF-16"),
    "latin-1": CsvCase("name\nZoë\n".encode("latin-1"), problem=":2: not UTF-8"),
    "one-megabyte-field": CsvCase(lambda: "name\n" + "x" * 1024 * 1024 + "\n", problem=":2:"),
    "one-megabyte-quoted-field": CsvCase(
        lambda: 'name\n"' + "x" * 1024 * 1024 + '"\n', problem=":2:"
    ),
    "name-too-long": CsvCase("name\n" + "x" * 200 + "\n", problem=":2: name longer"),
    "unterminated-quote": CsvCase('name\n"abc\n', problem=":2:"),
    "100000-fields-in-a-row": CsvCase(lambda: "name\nA" + "," * 100_000 + "\n", problem=":2:"),
    "5000-columns": CsvCase(
        lambda: "name," + ",".join(f"c{i}" for i in range(5000)) + "\nA\n",
        problem=":1: unknown column",
    ),
    "over-5-mb": CsvCase(
        lambda: "name\n" + "".join(f"M{i}\n" for i in range(800_000)), problem="5 MB"
    ),
    "escape-in-external-id": CsvCase(
        "name,external_id\nAvery,\x1b[2J\n", problem=":2: external_id"
    ),
    "impossible-date": CsvCase("name,joined\nAvery,2026-02-30\n", problem=":2: joined"),
    "header-injection-column": CsvCase(
        "name,\x1b[2Jcode\nAvery,AVQ1\n", problem=":1: unknown column"
    ),
}


@pytest.fixture
def roster_db(db_url: str) -> Iterator[tuple[str, Database]]:
    """A database with one empty group, `Evening IOP`, and one existing member."""
    database = open_database(db_url)
    with database.session() as db:
        group = create_group(db, name="Evening IOP", timezone="America/Chicago")
        add_member(db, group, name="Kept Member", code="KEPT1")
    yield db_url, database
    database.dispose()


def stored_names(database: Database) -> list[str]:
    """Every participant's name, in id order (the table is readable: it is intact)."""
    with database.engine.connect() as conn:
        assert sa.inspect(conn).has_table(Participant.__tablename__)
    with database.session() as db:
        return [p.name for p in db.exec(select(Participant).order_by(Participant.id)).all()]


@pytest.mark.parametrize("case_id", list(CSVS))
def test_roster_import_survives_the_corpus(
    tmp_path: Path, roster_db: tuple[str, Database], case_id: str
) -> None:
    """Imported with clean names, or refused with `FILE:ROW: problem` and nothing written."""
    url, database = roster_db
    case = CSVS[case_id]
    path = tmp_path / "roster.csv"
    path.write_bytes(case.data())
    before = stored_names(database)

    run = finishes_within(
        SECONDS, lambda: cli("--db", url, "roster", "import", "Evening IOP", str(path))
    )

    after = stored_names(database)
    assert after[: len(before)] == before, "an existing member changed"
    for name in after:
        assert name.isprintable() and not CONTROL.search(name), repr(name)
        assert "\x1b" not in name
    if case.problem:
        assert run.code == 1, (run.out, run.err[:2000])
        assert after == before, "a refused import wrote something"
        lines = problem_lines(run, path)
        assert any(case.problem in line for line in lines), lines[:5]
        assert not any(CONTROL.search(line) for line in lines)
    else:
        assert run.code == 0, run.err[:2000]
        added = set(after[len(before) :])
        if case.names is not None:
            assert added == case.names
        else:
            assert len(added) == 1


@pytest.mark.slow
def test_a_100000_row_roster_is_dealt_with_in_seconds(tmp_path: Path, db_url: str) -> None:
    """Imported or refused quickly; killed half-way, it leaves the database as it was."""
    database = open_database(db_url)
    with database.session() as db:
        create_group(db, name="Evening IOP", timezone="America/Chicago")
    path = tmp_path / "big.csv"
    path.write_text("name\n" + "".join(f"Member {n}\n" for n in range(100_000)), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "facilitator", "--db", db_url, "roster", "import", "Evening IOP"]
        + [str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        # All or nothing even when killed: nothing of the half-done import is stored.
        assert stored_names(database) == []
        database.dispose()
        raise AssertionError("a 100,000-row roster import took more than 30 s") from None
    database.dispose()
    assert proc.returncode in (0, 1) and "Traceback" not in err


def test_attendance_report_csv_cannot_carry_a_formula(
    tmp_path: Path, roster_db: tuple[str, Database]
) -> None:
    url, _ = roster_db
    path = tmp_path / "roster.csv"
    path.write_text(CSVS["formula-names"].data().decode(), encoding="utf-8")
    assert cli("--db", url, "roster", "import", "Evening IOP", str(path)).code == 0
    run = cli("--db", url, "report", "attendance", "Evening IOP", "--format", "csv")
    assert run.code == 0, run.err
    cells = [cell for row in csv.reader(io.StringIO(run.out)) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells


# == session-log import ============================================================================


def test_session_import_cannot_store_an_escape_sequence_in_a_name(
    tmp_path: Path, database: Database, clock: FakeClock
) -> None:
    from facilitator.exchange.export import export_sessions
    from facilitator.exchange.importer import import_sessions

    session_id = make_session(database, clock)
    LiveSession(database, session_id, clock=clock).end()
    out = io.StringIO(newline="")
    with database.session() as db:
        export_sessions(db, out, fmt="json")
    sessions = json.loads(out.getvalue())
    bad = []
    for session in sessions:
        for row in session["attendance"]:
            row["name"] = "Eve\x1b[2J\x1b]0;owned\x07 " + row["name"]
            row["external_id"] = row["code"] = None
            bad.append(row["name"])
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(sessions), encoding="utf-8")
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with pytest.raises(UserError) as refused, other.session() as db:
            import_sessions(db, path)
        with other.session() as db:
            stored = db.exec(select(Participant)).all()
    finally:
        other.dispose()
    # One line per bad name, each naming the file and the place; the escape shown, not sent.
    lines = str(refused.value).splitlines()
    assert len(sessions) == 1 and lines == [
        f"{path}: [0].attendance[{i}].name: contains a control character or terminal escape "
        f"sequence; remove it (got {name!r})"
        for i, name in enumerate(bad)
    ]
    assert not CONTROL.search(str(refused.value))
    assert stored == []  # nothing half-written


# == HTTP requests to the check-in server ==========================================================

MEMBER_CODES = {"Avery Quinn": "AVQ1", "Blake Moreno": "BLM2", "Casey Lindqvist": "CAL3"}


@dataclass
class Served:
    """A running check-in server on 127.0.0.1 and its database."""

    database: Database
    session_id: str
    host: str
    port: int
    token: str

    def checked_in(self) -> set[str]:
        """Codes of members with a check-in time."""
        with self.database.session() as db:
            rows = db.exec(
                select(Participant.code)
                .join(Attendance, Attendance.participant_id == Participant.id)  # type: ignore[arg-type]
                .where(Attendance.session_id == self.session_id)
                .where(Attendance.checked_in_at.is_not(None))  # type: ignore[union-attr]
            ).all()
        return set(rows)


@pytest.fixture
def served(database: Database, clock: FakeClock) -> Iterator[Served]:
    """A live session's check-in server on a real socket (its own event loop thread)."""
    session_id = make_session(database, clock)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = CheckinServer(database, session_id, clock=clock, max_failures_per_minute=10**9)
    host, port = asyncio.run_coroutine_threadsafe(server.start("127.0.0.1", 0), loop).result(10)
    assert server.token is not None
    try:
        yield Served(database, session_id, host, port, server.token)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def send(served: Served, data: bytes) -> tuple[int, bytes, bytes]:
    """Send raw bytes, read to the end: (status, header block, body); status 0 if none."""
    with socket.create_connection((served.host, served.port), timeout=10) as conn:
        chunks = []
        # The server may answer and hang up before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(data)
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(match.group(1)) if match else 0), head, body


def post(
    path: str, body: bytes, content_type: str = "application/x-www-form-urlencoded", extra: str = ""
) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: phone\r\nConnection: close\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def get(path: str, method: str = "GET", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: phone\r\nConnection: close\r\n{extra}\r\n".encode()


def raw(first_line: str, *headers: str, body: str = "") -> bytes:
    """A request exactly as given: a request line, header lines, a blank line, a body."""
    return "\r\n".join([first_line, *headers, "", body]).encode()


FORM = "Content-Type: application/x-www-form-urlencoded"
CHUNKED = "Transfer-Encoding: chunked"


def _multipart(parts: list[tuple[str, bytes]], filename: str | None = None) -> bytes:
    disposition = f'; filename="{filename}"' if filename else ""
    return (
        b"".join(
            f'--B\r\nContent-Disposition: form-data; name="{name}"{disposition}\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in parts
        )
        + b"--B--\r\n"
    )


# (id, request builder given the token path, allowed statuses, codes that may be checked in)
Request = Callable[[str], bytes]
HTTP: list[tuple[str, Request, set[int], set[str]]] = [
    ("sql-ish-code", lambda p: post(p, b"code=%27%20OR%201%3D1%20--"), {422}, set()),
    (
        "sql-ish-after-code",
        lambda p: post(p, b"code=AVQ1%27%3B%20DROP%20TABLE%20attendance%3B--"),
        {422},
        set(),
    ),
    ("pct00", lambda p: post(p, b"code=%00"), {400, 422}, set()),
    ("code-then-pct00", lambda p: post(p, b"code=AVQ1%00"), {422}, set()),
    ("escape-sequence-code", lambda p: post(p, b"code=%1b%5b2J"), {400, 422}, set()),
    ("invalid-utf8-escaped", lambda p: post(p, b"code=%ff%fe%fd"), {400, 422}, set()),
    ("invalid-utf8-raw", lambda p: post(p, b"code=\xff\xfe"), {400, 422}, set()),
    ("crlf-in-value", lambda p: post(p, b"code=ZZZZ%0d%0aSet-Cookie:%20x=1"), {422}, set()),
    ("body-4097", lambda p: post(p, b"code=AVQ1&x=" + b"a" * (4097 - 12)), {413}, set()),
    ("json-body", lambda p: post(p, b'{"code": "AVQ1"}', "application/json"), {400}, set()),
    (
        "multipart-code",
        lambda p: post(p, _multipart([("code", b"BLM2")]), "multipart/form-data; boundary=B"),
        {200},
        {"BLM2"},
    ),
    (
        "multipart-file-field",
        lambda p: post(
            p, _multipart([("code", b"AVQ1")], "c.txt"), "multipart/form-data; boundary=B"
        ),
        {400},
        set(),
    ),
    (
        "multipart-80-parts",
        lambda p: post(p, _multipart([("x", b"v")] * 80), "multipart/form-data; boundary=B"),
        {413},
        set(),
    ),
    ("multipart-no-boundary", lambda p: post(p, b"code=AVQ1", "multipart/form-data"), {400}, set()),
    (
        "chunked-valid",
        lambda p: raw(
            f"POST {p} HTTP/1.1",
            "Host: phone",
            "Connection: close",
            FORM,
            CHUNKED,
            body="9\r\ncode=CAL3\r\n0\r\n\r\n",
        ),
        {200},
        {"CAL3"},
    ),
    (
        "chunked-and-length",
        lambda p: raw(
            f"POST {p} HTTP/1.1",
            "Host: phone",
            "Content-Length: 9",
            CHUNKED,
            FORM,
            body="0\r\n\r\ncode=AVQ1",
        ),
        {400},
        set(),
    ),
    (
        "gzip-bomb",
        lambda p: post(
            p, gzip.compress(b"code=AVQ1&x=" + b"0" * 3_000_000), extra="Content-Encoding: gzip\r\n"
        ),
        {400, 413},
        set(),
    ),
    (
        "negative-length",
        lambda p: raw(f"POST {p} HTTP/1.1", "Host: phone", "Content-Length: -1", body="code=AVQ1"),
        {400},
        set(),
    ),
    (
        "overflowing-length",
        lambda p: raw(
            f"POST {p} HTTP/1.1", "Content-Length: 99999999999999999999", body="code=AVQ1"
        ),
        {400, 413},
        set(),
    ),
    (
        "folded-header",
        lambda p: post(p, b"code=ZZZZ", extra="X-Evil: a\r\n Set-Cookie: b\r\n"),
        {400, 422},
        set(),
    ),
    ("20k-path", lambda p: get(p + "A" * 20_000), {400, 404, 414}, set()),
    ("5k-token", lambda p: get("/c/" + "A" * 5000), {404}, set()),
    ("20k-header", lambda p: get(p, extra=f"X-Big: {'a' * 20_000}\r\n"), {400, 431}, set()),
    (
        "500-headers",
        lambda p: get(p, extra="".join(f"X-H{n}: v\r\n" for n in range(500))),
        {400, 431},
        set(),
    ),
    ("HEAD", lambda p: get(p, "HEAD"), {200}, set()),
    ("OPTIONS", lambda p: get(p, "OPTIONS"), {405}, set()),
    ("OPTIONS-star", lambda p: get("*", "OPTIONS"), {400, 404}, set()),
    ("TRACE", lambda p: get(p, "TRACE", "Cookie: secret=XYZZY\r\n"), {405}, set()),
    ("GET-with-code-in-query", lambda p: get(p + "?code=DEV4"), {200}, set()),
    ("POST-with-code-in-query", lambda p: post(p + "?code=DEV4", b""), {400}, set()),
    ("encoded-slash-in-token", lambda p: get(p[:8] + "%2F" + p[8:]), {404}, set()),
    ("dot-dot", lambda p: get("/c/x/.." + p[2:]), {200, 404}, set()),
    (
        "http-1.0-close-then-data",
        lambda p: raw(f"POST {p} HTTP/1.0", FORM, body="code=EMZ5"),
        {400},
        set(),
    ),
    ("nul-in-method", lambda p: get(p, "G\x00T"), {400}, set()),
    ("binary-garbage", lambda p: bytes(range(256)) * 12, {400}, set()),
    ("full-width-code", lambda p: post(p, "code=ＡＶＱ１".encode()), {200}, {"AVQ1"}),
    ("cyrillic-lookalike-code", lambda p: post(p, "code=АVQ1".encode()), {422}, set()),
    ("bad-then-good-code", lambda p: post(p, b"code=ZZZZ&code=AVQ1"), {422}, set()),
    ("code-of-70-chars", lambda p: post(p, b"code=" + b"AVQ1" * 17 + b"AB"), {422}, set()),
]


@pytest.mark.parametrize(
    ("build", "statuses", "may_check_in"),
    [pytest.param(b, s, c, id=i) for i, b, s, c in HTTP],
)
def test_checkin_server_survives_the_corpus(
    served: Served, build: Request, statuses: set[int], may_check_in: set[str]
) -> None:
    """Only 200 or 4xx; nothing stored but a valid code's check-in; the server stays up."""
    status, head, body = send(served, build(f"/c/{served.token}"))
    assert status in statuses, (status, head[:300])
    assert served.checked_in() == may_check_in
    assert b"XYZZY" not in body and b"Set-Cookie" not in head
    # Still serving, and still checking people in properly.
    status, _, _ = send(served, post(f"/c/{served.token}", b"code=DEV4"))
    assert status == 200
    assert served.checked_in() == may_check_in | {"DEV4"}


def test_malformed_requests_log_no_code_and_no_token(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    path = f"/c/{served.token}"
    send(served, raw(f"POST {path} HTTP/1.0", FORM, body="code=EMZ5"))
    send(
        served,
        raw(f"POST {path} HTTP/1.1", "Content-Length: 9", CHUNKED, body="0\r\n\r\ncode=EMZ5"),
    )
    send(served, get(path + "A" * 9000))
    logged = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    assert "EMZ5" not in logged and served.token not in logged


# == the screen ====================================================================================

# As typed into a spreadsheet or a walk-in box; add_member cleans the escapes away.
HOSTILE_MEMBERS = [
    ("[bold]x[/]", "BLDX1"),
    ("[@click=app.quit]Mallory[/]", "MALL1"),
    ("\x1b[31mEve\x1b]0;owned\x07 Ng", "EVEN1"),
    ("Zoë\u202eevil", "ZOEE1"),
    ("Robert'); DROP TABLE participants;--", "ROBT1"),
    ("[link=http://evil.example]Lin[/link] K", "LINK1"),
]
SHOWN = {
    "[bold]x[/]",
    "[@click=app.quit]Mallory[/]",
    "Eve Ng",
    "Zoë evil",
    "Robert'); DROP TABLE participants;--",
    "[link=http://evil.example]Lin[/link] K",
}


@pytest.fixture
def hostile_session(database: Database, clock: FakeClock) -> str:
    return make_session(database, clock, members=HOSTILE_MEMBERS)


async def test_hostile_names_show_literally_on_the_roster(
    database: Database, clock: FakeClock, hostile_session: str
) -> None:
    app = make_live_app(database, hostile_session, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert set(roster_rows(app)) == SHOWN
        plain = screen_plain(app)
        for name in SHOWN:
            assert name in plain, name
        # The member note's title names the selected member literally too.
        assert "progress note — " in plain


async def test_clicking_and_keys_on_hostile_names_trigger_nothing_injected(
    database: Database, clock: FakeClock, hostile_session: str
) -> None:
    app = make_live_app(database, hostile_session, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        table = app.screen.query_one(RosterTable)
        names = list(roster_rows(app))
        for index, name in enumerate(names):
            for column_x in (2, 6, 12):
                await pilot.click(RosterTable, offset=(column_x, 1 + index))
                await pilot.pause()
            assert app.is_running and isinstance(app.screen, LiveScreen), name
        # Checked in by code: the toast names the member literally.
        await pilot.press("c", *"MALL1", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "[@click=app.quit]Mallory[/] checked in at" in screen_plain(app)
        await pilot.press("escape")
        mallory = names.index("[@click=app.quit]Mallory[/]")
        table.move_cursor(row=mallory)
        await pilot.pause()
        await pilot.press("space", "o", "P")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert roster_rows(app)["[@click=app.quit]Mallory[/]"][1] == "left early"
        # Privacy mode: no surname to shorten, so the whole name, still literal.
        assert "[@click=app.quit]Mallory[/]" in screen_plain(app)
        for index in range(len(names)):
            await pilot.click(RosterTable, offset=(4, 1 + index))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, LiveScreen)
        assert app.return_code is None


async def test_walk_in_with_a_hostile_name_is_stored_clean_and_shown_literally(
    database: Database, clock: FakeClock, hostile_session: str
) -> None:
    app = make_live_app(database, hostile_session, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        # Typed key by key: markup characters are just characters.
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press(*"[@click=app.quit]Walker[/] [red]Jo[/red]")
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # Pasted: a paste can carry escape sequences a keyboard cannot type.
        await pilot.press("w")
        await pilot.pause()
        box = app.screen.query_one(Input)
        box.post_message(events.Paste("Pat\x1b[2J\x1b]0;owned\x07 \x1b[31mKim\x1b[0m"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, LiveScreen) and app.is_running
        rows = roster_rows(app)
        assert "[@click=app.quit]Walker[/] [red]Jo[/red]" in rows
        assert "Pat Kim" in rows
        plain = screen_plain(app)
        assert "[@click=app.quit]Walker[/] [red]Jo[/red]" in plain
    with database.session() as db:
        names = {p.name for p in db.exec(select(Participant)).all()}
    assert {"[@click=app.quit]Walker[/] [red]Jo[/red]", "Pat Kim"} <= names
    assert not [n for n in names if CONTROL.search(n)]


async def test_a_note_with_markup_is_saved_and_shown_literally(
    database: Database, clock: FakeClock, hostile_session: str
) -> None:
    text = "[bold red]loud[/] [@click=app.quit]x[/] \\[esc] :smile:"
    app = make_live_app(database, hostile_session, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        await pilot.press(*text)
        await pilot.press("escape")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
    with database.session() as db:
        note = db.exec(select(Note).where(Note.participant_id.is_(None))).one()  # type: ignore[union-attr]
    assert note.text == text
    again = make_live_app(database, hostile_session, clock=clock)
    async with again.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert again.screen.query_one("#session-note", TextArea).text == text
        assert text in screen_plain(again)


@pytest.mark.slow
def test_stored_text_cannot_put_escape_sequences_on_the_real_terminal(db_url: str) -> None:
    """However hostile text got into the database, the terminal never receives its escapes."""
    database = open_database(db_url)
    session_id = make_session(database, FakeClock(utcnow()))
    with database.session() as db:
        session = db.get(GroupSession, session_id)
        assert session is not None
        session.curriculum_title = "Curr\x1b]0;PWNED-CURRICULUM\x07iculum"
        session.topic_title = "Topic\x1b[31mRED-TOPIC"
        session.facilitator = "Fac\x1b]0;PWNED-FACILITATOR\x07"
        db.add(session)
        item = db.exec(
            select(AgendaRun).where(AgendaRun.session_id == session_id, AgendaRun.position == 0)
        ).one()
        item.title = "Item\x1b]0;PWNED-ITEM\x07 one"
        item.prompts = "Prompt \x1b]0;PWNED-PROMPT\x07 text"
        item.handouts = ["Hand\x1b]0;PWNED-HANDOUT\x07"]
        db.add(item)
        avery = db.exec(select(Participant).where(Participant.code == "AVQ1")).one()
        avery.name = "Avery\x1b]0;PWNED-NAME\x07 Quinn"
        db.add(avery)
    database.dispose()
    app = PtyApp("--db", db_url, "run", "Tuesday Evening", "--checkin-port", "0")
    try:
        app.wait_for("Phone check-in:")
        output = app.read(1.0)
    finally:
        app.close()
    injected = [marker for marker in (b"\x1b]0;PWNED", b"\x1b[31mRED-TOPIC") if marker in output]
    assert not injected, [output[output.find(m) - 20 : output.find(m) + 30] for m in injected]
