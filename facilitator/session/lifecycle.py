"""Starting, resuming and ending a group's session; proposing the next curriculum topic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pendulum
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from facilitator.curriculum.model import Curriculum, Topic
from facilitator.errors import UserError
from facilitator.program.roster import members
from facilitator.program.staff import actor
from facilitator.session.agenda import Agenda
from facilitator.session.attendance import ensure_rows, service_minutes
from facilitator.store.audit import audit
from facilitator.store.models import (
    AgendaRun,
    Attendance,
    Break,
    Group,
    GroupSession,
    Note,
    SessionState,
    Status,
)


def live_session(db: Session, group: Group) -> GroupSession | None:
    """The group's unfinished session, if there is one."""
    return db.exec(
        select(GroupSession)
        .where(GroupSession.group_id == group.id, GroupSession.state == SessionState.LIVE.value)
        .order_by(col(GroupSession.started_at).desc())
    ).first()


def last_session(
    db: Session, group: Group, curriculum_id: str | None = None
) -> GroupSession | None:
    """The group's most recent session (on that curriculum, if given)."""
    query = select(GroupSession).where(
        GroupSession.group_id == group.id, GroupSession.state != SessionState.VOID.value
    )
    if curriculum_id is not None:
        query = query.where(GroupSession.curriculum_id == curriculum_id)
    return db.exec(query.order_by(col(GroupSession.started_at).desc())).first()


def propose_topic(db: Session, group: Group, curriculum: Curriculum) -> Topic:
    """The topic after the last one this group held on the curriculum (the first if none)."""
    last = last_session(db, group, curriculum.id)
    return curriculum.next_topic(last.topic_id if last else None)


def start_session(
    db: Session,
    *,
    group: Group,
    curriculum: Curriculum,
    topic: Topic,
    facilitator: str,
    now: dt.datetime,
) -> GroupSession:
    """Open a new live session: agenda from the topic, a row per member, first item running."""
    if live_session(db, group) is not None:
        raise UserError(f"{group.name} already has a live session; resume it or end it first")
    session = GroupSession(
        group_id=group.id,  # type: ignore[arg-type]
        curriculum_id=curriculum.id,
        curriculum_title=curriculum.title,
        topic_id=topic.id,
        topic_title=topic.title,
        facilitator=facilitator,
        planned_minutes=topic.minutes,
        started_at=now,
        local_date=pendulum.instance(now).in_timezone(group.timezone).date(),
    )
    name = group.name  # read now: after a failed flush the session cannot load it
    db.add(session)
    try:
        db.flush()
    except IntegrityError:
        # Another laptop started this group's session a moment ago (one live session per group).
        raise UserError(
            f"{name} already has a live session (just started elsewhere); resume it"
        ) from None
    items = [
        AgendaRun(
            session_id=session.id,
            position=i,
            title=item.title,
            kind=item.kind,
            planned_minutes=item.minutes,
            prompts=item.prompts,
            handouts=list(item.handouts),
        )
        for i, item in enumerate(topic.items)
    ]
    agenda = Agenda(items, [], now)
    agenda.start(now)
    for item in items:
        db.add(item)
    for brk in agenda.breaks:
        brk.session_id = session.id
        db.add(brk)
    on_the_day = members(db, group, on=session.local_date)
    ensure_rows(db, session.id, [m.membership.participant_id for m in on_the_day])
    audit(db, "session.start", session_id=session.id, actor=facilitator, at=now, topic=topic.id)
    db.flush()
    return session


def end_session(db: Session, *, session: GroupSession, now: dt.datetime, actor: str = "") -> None:
    """End the session: close the running item and break, absent for all not checked in, minutes."""
    if session.state != SessionState.LIVE:
        return
    items = db.exec(select(AgendaRun).where(AgendaRun.session_id == session.id)).all()
    breaks = db.exec(select(Break).where(Break.session_id == session.id)).all()
    agenda = Agenda(items, breaks, session.started_at)
    agenda.finish(now)
    for record in [*items, *breaks]:
        db.add(record)
    session.state = SessionState.ENDED.value
    session.ended_at = now
    db.add(session)
    rows = db.exec(select(Attendance).where(Attendance.session_id == session.id)).all()
    for row in rows:
        row.minutes = service_minutes(row, session, breaks)
        db.add(row)
    audit(db, "session.end", session_id=session.id, actor=actor, at=now)
    db.flush()


def choose_curriculum(db: Session, group: Group, requested: str | None) -> Curriculum:
    """`--curriculum`, else the group's own, else the one it last used; a clear error if none."""
    from facilitator.curriculum.catalog import discover, resolve

    catalog = discover()
    if requested:
        return resolve(requested, catalog)
    wanted = group.curriculum_id
    if wanted is None:
        last = last_session(db, group)
        wanted = last.curriculum_id if last else None
    if wanted is None:
        known = ", ".join(sorted(catalog.curricula))
        raise UserError(
            f"{group.name} has no curriculum yet: choose one with --curriculum ({known})"
        )
    return resolve(wanted, catalog)


@dataclass(frozen=True)
class Opened:
    """The session `run` opened, and whether it was resumed."""

    session_id: str
    resumed: bool


def start_or_resume(
    db: Session,
    *,
    group: Group,
    curriculum: str | None,
    topic: str | None,
    facilitator: str | None,
    now: dt.datetime,
) -> Opened:
    """Resume the group's live session, or start one on the chosen (or next) topic."""
    existing = live_session(db, group)
    if existing is not None:
        return Opened(existing.id, resumed=True)
    chosen = choose_curriculum(db, group, curriculum)
    chosen_topic = chosen.topic(topic) if topic else propose_topic(db, group, chosen)
    if group.curriculum_id is None:
        group.curriculum_id = chosen.id
        db.add(group)
    session = start_session(
        db,
        group=group,
        curriculum=chosen,
        topic=chosen_topic,
        facilitator=actor(db, facilitator),
        now=now,
    )
    return Opened(session.id, resumed=False)


def has_records(db: Session, session: GroupSession) -> bool:
    """True once anything was recorded: a check-in, a status set by hand, or a note."""
    marked = db.exec(
        select(Attendance.id).where(
            Attendance.session_id == session.id,
            sa.or_(
                col(Attendance.checked_in_at).is_not(None),
                Attendance.status != Status.ABSENT.value,
            ),
        )
    ).first()
    if marked is not None:
        return True
    written = db.exec(
        select(Note.id).where(Note.session_id == session.id, sa.func.trim(Note.text) != "")
    ).first()
    return written is not None


def discard_session(db: Session, *, session: GroupSession, actor: str) -> None:
    """Delete a session started by mistake, with nothing recorded in it (audited)."""
    if has_records(db, session):
        raise UserError(
            "this session has check-ins or notes: it cannot be discarded; void it with a reason"
        )
    for table in (AgendaRun, Break, Attendance, Note):
        db.exec(sa.delete(table).where(col(table.session_id) == session.id))  # type: ignore[call-overload]
    audit(db, "session.discard", session_id=session.id, actor=actor, topic=session.topic_id)
    db.delete(session)
    db.flush()


def void_session(
    db: Session, *, session: GroupSession, reason: str, now: dt.datetime, actor: str
) -> None:
    """Mark a session held by mistake void: kept, but in no report, streak or export."""
    from facilitator.common.text import one_line

    why = one_line(reason)
    if not why:
        raise UserError("voiding a session needs a reason")
    if session.signed_at is not None:
        raise UserError("this session is signed: correct it with an addendum instead")
    if session.state == SessionState.VOID:
        raise UserError("this session is void already")
    if session.state == SessionState.LIVE:
        items = db.exec(select(AgendaRun).where(AgendaRun.session_id == session.id)).all()
        breaks = db.exec(select(Break).where(Break.session_id == session.id)).all()
        Agenda(items, breaks, session.started_at).finish(now)
        for record in [*items, *breaks]:
            db.add(record)
        session.ended_at = now
    session.state = SessionState.VOID.value
    session.void_reason = why
    db.add(session)
    audit(db, "session.void", session_id=session.id, actor=actor, at=now)
    db.flush()
