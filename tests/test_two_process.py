"""Two facilitators at once on one database: two OS processes, two groups, shared members.

Each process is a facilitator running its own group's session (as on two laptops pointed at the
clinic server, or two terminals on one machine's SQLite file). A barrier lines them up so that,
round after round, the same things happen at the same instant:

- each checks a member who belongs to both groups into its own session (one person, two rows);
- both check one member into the SAME session, several times each, racing for the first time;
- in that session, one checks a member in by code while the other presses `space` on them;
- each cycles statuses of its own members and saves its session note and progress notes.

Afterwards the database must hold exactly one attendance row per (session, member), the time of
the one attempt that reported "checked in" (the first), every status each process last set, and
every note with the text each process last saved; where a check-in and a status change met on one
row, the row must read as if one of them had gone first. No process may fail, hang or deadlock.

Runs on SQLite (WAL) by default and on PostgreSQL when `FACILITATOR_TEST_DB_URL` is set.
Run it alone with `pytest -m concurrency`.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import queue
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import func, select

from facilitator.common.clock import FakeClock
from facilitator.common.timeutil import UTC
from facilitator.curriculum.catalog import discover
from facilitator.program.groups import create_group, get_group
from facilitator.program.roster import add_member
from facilitator.session.attendance import Outcome
from facilitator.session.lifecycle import live_session, start_session
from facilitator.session.live import LiveSession, open_live
from facilitator.store.database import Database, open_database
from facilitator.store.models import Attendance, GroupSession, Membership, Note, Participant, Status

pytestmark = [pytest.mark.slow, pytest.mark.concurrency]

ROUNDS = 12
HAMMER = 4  # check-ins of the same member into the same session, per process per round
TIMEOUT = 60.0  # seconds: a process still waiting after this is stuck (a deadlock)
GROUPS = ("Morning Path", "Evening Path")
JOINED = dt.date(2026, 11, 2)
START = dt.datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
# Fictional people only. Members of both groups: one per round for each kind of race.
BOTH = [(f"Shared Member{r:02d}", f"SHR{r:02d}") for r in range(ROUNDS)]
RACE = [(f"Racing Member{r:02d}", f"RAC{r:02d}") for r in range(ROUNDS)]
HAND = [(f"Handed Member{r:02d}", f"HND{r:02d}") for r in range(ROUNDS)]
# Members of one group only: their statuses and notes are written by one process alone.
OWN = {
    0: [("Avery Quinn", "AVQ1"), ("Blake Moreno", "BLM2"), ("Casey Lindqvist", "CAL3")],
    1: [("Devon OHara", "DEV4"), ("Emery Zhou", "EMZ5"), ("Finley Okafor", "FIN6")],
}


@dataclass
class Report:
    """What one process did, for the parent to check against the database."""

    me: int
    session_id: str = ""
    # (session id, code) -> [(outcome, time tried)] for every check-in attempt.
    attempts: dict[tuple[str, str], list[tuple[str, dt.datetime]]] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)  # own member code -> last status set
    cycled: dict[str, str] = field(default_factory=dict)  # HAND code -> status `space` gave
    notes: dict[tuple[str, str | None], str] = field(default_factory=dict)  # -> last text saved
    seconds: float = 0.0
    error: str = ""


def build(database: Database) -> None:
    """Two groups; the shared members belong to both (one person, one code, two memberships)."""
    with database.session() as db:
        groups = [create_group(db, name=name, timezone="America/Chicago") for name in GROUPS]
        for me, group in enumerate(groups):
            for name, code in OWN[me]:
                add_member(db, group, name=name, code=code, joined=JOINED)
        for name, code in BOTH + RACE + HAND:
            member = add_member(db, groups[0], name=name, code=code, joined=JOINED)
            db.add(
                Membership(
                    group_id=groups[1].id,  # type: ignore[arg-type]
                    participant_id=member.participant.id,  # type: ignore[arg-type]
                    joined=JOINED,
                )
            )


def facilitator(me: int, url: str, barrier: Any, results: Any) -> None:
    """One facilitator process (spawned): run its group's session, racing the other one."""
    report = Report(me)
    began = time.monotonic()
    database: Database | None = None
    try:
        database = open_database(url)
        report = run_facilitator(me, database, barrier, report)
    except BaseException:
        report.error = traceback.format_exc()
        barrier.abort()  # the other process must not wait for this one forever
    finally:
        if database is not None:
            database.dispose()
        report.seconds = time.monotonic() - began
        results.put(report)


def run_facilitator(me: int, database: Database, barrier: Any, report: Report) -> Report:
    """The scripted session; see the module docstring."""
    curriculum = discover().get("relapse-prevention")
    clock = FakeClock(START)
    own_group, other_group = GROUPS[me], GROUPS[1 - me]

    def line_up() -> None:
        barrier.wait(TIMEOUT)

    # Both sessions start at the same instant (each gives every member an attendance row).
    line_up()
    with database.session() as db:
        group = get_group(db, own_group)
        session = start_session(
            db,
            group=group,
            curriculum=curriculum,
            topic=curriculum.sessions[me],
            facilitator=f"Facilitator {me}",
            now=clock(),
        )
        report.session_id = session.id
    mine = open_live(database, session.id, clock=clock, actor=f"facilitator-{me}")
    line_up()  # both sessions exist now
    with database.session() as db:
        other = live_session(db, get_group(db, other_group))
        assert other is not None
    theirs = open_live(database, other.id, clock=clock, actor=f"facilitator-{me}")
    # The first group's session is where both processes race for the same rows.
    contested = mine if me == 0 else theirs
    ids = {e.participant.code: e.participant.id for e in mine.snapshot.roster}

    def check_in(live: LiveSession, code: str) -> None:
        at = clock()
        result = live.check_in_code(code)
        assert result.ok, (code, result.outcome)
        report.attempts.setdefault((live.session_id, code), []).append((result.outcome.value, at))

    def save_note(live: LiveSession, code: str | None, text: str) -> None:
        if code is None:
            live.save_session_note(text)
        else:
            live.save_member_note(ids[code], {"Data": text, "Assessment": "a", "Plan": "p"})
        report.notes[(live.session_id, code)] = text

    for r in range(ROUNDS):
        # Each process's times differ, so the stored time tells whose attempt won.
        clock.current = START + dt.timedelta(minutes=r, seconds=me)
        both, racing, handed = BOTH[r][1], RACE[r][1], HAND[r][1]

        line_up()
        # The same person into two sessions at once, then into the other process's session.
        check_in(mine, both)
        check_in(theirs, both)

        line_up()
        # Both processes into the same session, the same member, again and again.
        for _ in range(HAMMER):
            check_in(contested, racing)
            clock.advance(0.001)

        line_up()
        # The same row again: checked in by code here, `space` (present) pressed over there.
        if me == 0:
            check_in(contested, handed)
        else:
            report.cycled[handed] = contested.cycle_status(ids[handed]).value

        # Status changes on this process's own members, interleaved with the other's writes.
        own_code = OWN[me][r % len(OWN[me])][1]
        status = mine.cycle_status(ids[own_code])
        report.statuses[own_code] = status.value

        # Notes, while the other process saves its own: the session note, progress notes of an
        # own member and of the shared member here, and one in the other process's session.
        save_note(mine, None, f"session {me} round {r}")
        save_note(mine, own_code, f"{own_code} in session {me}, round {r}")
        save_note(mine, both, f"{both} seen by facilitator {me}, round {r}")
        save_note(theirs, racing, f"{racing} seen by facilitator {me}, round {r}")

    line_up()
    return report


def run_both(url: str) -> list[Report]:
    """Spawn the two facilitator processes; fail on a hang or an error in either."""
    context = mp.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(target=facilitator, args=(me, url, barrier, results), daemon=True)
        for me in (0, 1)
    ]
    for process in processes:
        process.start()
    reports: list[Report] = []
    deadline = time.monotonic() + TIMEOUT + 30
    try:
        while len(reports) < 2:
            left = deadline - time.monotonic()
            try:
                reports.append(results.get(timeout=max(left, 0.1)))
            except queue.Empty:
                pytest.fail(f"a facilitator process hung (deadlock?) after {TIMEOUT + 30:.0f} s")
        for process in processes:
            process.join(30)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(5)
    errors = [
        f"process {rep.me} ({rep.seconds:.1f} s):\n{rep.error}" for rep in reports if rep.error
    ]
    assert not errors, "\n".join(errors)
    assert [p.exitcode for p in processes] == [0, 0]
    return sorted(reports, key=lambda rep: rep.me)


def test_two_facilitators_at_once_lose_nothing_and_never_double_check_in(db_url: str) -> None:
    database = open_database(db_url)
    try:
        build(database)
        reports = run_both(db_url)
        check(database, reports)
    finally:
        database.dispose()


def check(database: Database, reports: list[Report]) -> None:
    """The database holds exactly what the two processes did; nothing doubled, nothing lost."""
    with database.session() as db:
        sessions = db.exec(select(GroupSession)).all()
        assert sorted(s.id for s in sessions) == sorted(rep.session_id for rep in reports)
        per_key = db.exec(
            select(Attendance.session_id, Attendance.participant_id, func.count()).group_by(
                Attendance.session_id, Attendance.participant_id
            )
        ).all()
        rows = {
            (row.session_id, row.participant_id): row for row in db.exec(select(Attendance)).all()
        }
        notes = db.exec(select(Note)).all()
        code_of = {p.id: p.code for p in db.exec(select(Participant)).all()}

    # One attendance row per (session, member): every member of both groups, in both sessions.
    assert all(count == 1 for *_, count in per_key), [k for k in per_key if k[2] != 1]
    assert len(rows) == 2 * (len(BOTH) + len(RACE) + len(HAND) + 3)

    # Exactly one attempt per (session, member) checked in, and its time is the stored one.
    attempts: dict[tuple[str, str], list[tuple[str, dt.datetime]]] = {}
    for rep in reports:
        for key, tries in rep.attempts.items():
            attempts.setdefault(key, []).extend(tries)
    by_key = {(sid, code_of[pid]): row for (sid, pid), row in rows.items()}
    contested = reports[0].session_id
    for r in range(ROUNDS):
        assert len(attempts[(contested, RACE[r][1])]) == 2 * HAMMER
    for key, tries in attempts.items():
        if key[1] in dict(HAND).values():
            continue  # below
        outcomes = Counter(outcome for outcome, _ in tries)
        assert outcomes[Outcome.CHECKED_IN.value] == 1, (key, outcomes)
        assert set(outcomes) <= {Outcome.CHECKED_IN.value, Outcome.ALREADY.value}, (key, outcomes)
        (first,) = [at for outcome, at in tries if outcome == Outcome.CHECKED_IN.value]
        row = by_key[key]
        assert row.checked_in_at == first, key
        assert row.status in (Status.PRESENT.value, Status.LATE.value), key

    # A check-in by code and a `space` on the same row: as if one had gone first. Code first:
    # `space` moved the checked-in member on (late or excused). `space` first: present by hand,
    # from the start, and the code found them already there.
    for code, cycled in reports[1].cycled.items():
        row = by_key[(contested, code)]
        (outcome, _), *_ = attempts[(contested, code)]
        assert row.status == cycled, (code, row.status, cycled)
        if outcome == Outcome.CHECKED_IN.value:
            assert cycled in (Status.LATE.value, Status.EXCUSED.value), (code, outcome, cycled)
        else:
            assert cycled == Status.PRESENT.value, (code, outcome, cycled)
            assert (row.method, row.checked_in_at) == ("manual", START), code

    # Every status a process set on its own members is the one stored.
    for rep in reports:
        for code, status in rep.statuses.items():
            assert by_key[(rep.session_id, code)].status == status, (rep.me, code)

    # One note per (session, member or none), each with the text last saved.
    note_keys = Counter((n.session_id, code_of.get(n.participant_id)) for n in notes)
    assert all(count == 1 for count in note_keys.values()), note_keys
    stored = {(n.session_id, code_of.get(n.participant_id)): n for n in notes}
    expected = {key: text for rep in reports for key, text in rep.notes.items()}
    assert set(stored) == set(expected)
    for (session_id, code), text in expected.items():
        note = stored[(session_id, code)]
        saved = note.text if code is None else note.fields["Data"]
        assert saved == text, (session_id, code)
