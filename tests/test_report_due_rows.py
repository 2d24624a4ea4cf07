"""The attendance report's figures equal those counted straight from the definition of a due
session (every ended session inside a membership period; no row counts as absent), after a
correction made once the session ended, a readmission and a member backdated with no rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select

from facilitator.program.groups import get_group
from facilitator.reports.due import ATTENDED, below
from facilitator.session import attendance as att
from facilitator.store.models import (
    Attendance,
    GroupSession,
    LeaveReason,
    Membership,
    SessionState,
    Status,
)

from .backend import throwaway_db_url
from .test_reports import TODAY, Program, _build_program, report_of


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Program]:
    """The reports' main program, then: Avery's last session corrected to absent after its end,
    Blake readmitted from 2026-11-18 (a second period)."""
    with throwaway_db_url(tmp_path_factory.mktemp("due-rows")) as url:
        for program in _build_program(url):
            with program.database.session() as db:
                group = get_group(db, "Evening Path")
                last = db.exec(
                    select(GroupSession)
                    .where(GroupSession.group_id == group.id)
                    .order_by(col(GroupSession.started_at).desc())
                ).first()
                assert last is not None and last.state == SessionState.ENDED
                att.set_status(
                    db,
                    group=group,
                    session=last,
                    participant_id=program.ids["Avery Quinn"],
                    status=Status.ABSENT,
                    now=last.ended_at or last.started_at,
                )
                blake_id = program.ids["Blake Moreno"]
                blake = db.exec(
                    select(Membership).where(Membership.participant_id == blake_id)
                ).one()
                blake.reason = LeaveReason.LEFT
                db.add(blake)
                assert group.id is not None
                db.add(
                    Membership(
                        group_id=group.id,
                        participant_id=blake_id,
                        joined=dt.date(2026, 11, 18),
                    )
                )
            yield program


def _by_definition(db: Session, group_id: int, pid: int) -> dict[str, object]:
    """One member's counts, hours and streak from sessions × periods × rows, in Python."""
    periods = db.exec(
        select(Membership).where(Membership.group_id == group_id, Membership.participant_id == pid)
    ).all()
    sessions = db.exec(
        select(GroupSession)
        .where(GroupSession.group_id == group_id, GroupSession.state == SessionState.ENDED.value)
        .order_by(col(GroupSession.started_at))
    ).all()
    rows = {
        r.session_id: r for r in db.exec(select(Attendance).where(Attendance.participant_id == pid))
    }
    due = [
        s
        for s in sessions
        if s.local_date <= TODAY
        for p in periods
        if p.joined <= s.local_date and (p.left is None or s.local_date <= p.left)
    ]
    statuses = [rows[s.id].status.value if s.id in rows else "absent" for s in due]
    minutes = sum(rows[s.id].minutes for s, st in zip(due, statuses, strict=True) if st in ATTENDED)
    streak = 0
    for status in statuses:
        streak = 0 if status in ATTENDED else streak + (status == "absent")
    figures: dict[str, object] = {"sessions": len(due), "hours": round(minutes / 60.0, 2)}
    for status in Status:
        figures[status.value] = statuses.count(status.value)
    figures["consecutive_absences"] = streak
    return figures


def test_figures_equal_the_definition(changed: Program) -> None:
    report = report_of(changed)
    with changed.database.session() as db:
        group = get_group(db, "Evening Path")
        assert group.id is not None
        for pid, p in report.rows():
            expected = _by_definition(db, group.id, pid)
            mine = {key: getattr(p, key) for key in expected}
            assert mine == expected, p.name
    figures = {p.name: p for p in report.participants}
    assert figures["Devon O'Hara"].sessions == figures["Devon O'Hara"].absent > 0
    assert figures["Avery Quinn"].consecutive_absences >= 1
    assert not below(60.0 * figures["Avery Quinn"].hours, 0.0)
