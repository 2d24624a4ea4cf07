"""Fill a database with a busy clinic's five years, deterministically (fictional people only).

    python benchmarks/seed.py --db sqlite:////tmp/bench.db [--years 5 --groups 20 --seed 1]

20 groups meeting 5 times a week, 12 members each with rolling admission (stays of about 90 days,
some early drop-outs), so about 26,000 ended sessions and 300,000 attendance records, with agenda
runs from the shipped curricula, breaks, session notes, progress notes in each group's format,
signatures, a few addenda and the audit trail the app would have written. Each group has a
schedule (`meets`: Monday to Friday at its start time, for its curriculum's length) and its
weekday holidays are cancelled, so the schedule-aware figures (program report, fair weeks) count.

The data follows the app's own rules: every session is `ended`, `local_date` is the start's date in
the group's time zone, a member due at a session (joined <= local date <= left) has one attendance
row, `late` means checked in more than `late_after_minutes` after the start, service minutes come
from `facilitator.session.attendance.service_minutes`, member notes are composed by
`facilitator.session.notes.compose`. Rows go in with bulk Core inserts, in chunks, in one
transaction per group. Same arguments, same database (`--live` excepted: it opens a session at
the current time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

DEFAULT_END = dt.date(2026, 11, 20)
"""The last day of seeded history (a Friday). Fixed, so a seed is the same on any day."""

CHUNK = 5_000
"""Rows per INSERT executemany."""

TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
)
STARTS = ((9, 0), (13, 0), (17, 30), (18, 0))
CURRICULA = ("relapse-prevention", "early-recovery-skills", "addiction-education")
FAMILY = "family-education"  # 90-minute sessions: two groups use it
FORMATS = ("DAP", "DAP", "DAP", "BIRP", "GIRP", "SOAP")
GROUP_WORDS = (
    "Cedar", "Birch", "Harbor", "Juniper", "Willow", "Summit", "Meadow", "Alder", "Linden",
    "Aspen", "Hazel", "Rowan", "Maple", "Sequoia", "Laurel", "Spruce", "Orchard", "Prairie",
    "Bayview", "Ridge", "Canyon", "Delta", "Falcon", "Granite",
)  # fmt: skip
FIRST_A = (
    "Ka", "Lo", "Mi", "Da", "Ren", "Sa", "To", "Vel", "Ari", "Bel", "Cor", "Del", "El", "Fen",
    "Gal", "Hal", "Io", "Jun", "Ker", "Lin", "Mar", "Nor", "Or", "Pim", "Quin", "Ros", "Syl",
    "Tam", "Ul", "Val", "Wyn", "Xan", "Yar", "Zel", "Bri", "Cae", "Dov", "Emi", "Fio", "Gry",
)  # fmt: skip
FIRST_B = ("a", "en", "o", "ia", "is", "an", "el", "ey", "on", "ra", "th", "ly", "in", "ar", "ie")
LAST_A = (
    "Bran", "Cal", "Dun", "Fal", "Gor", "Hess", "Ivel", "Kest", "Lom", "Mer", "Nash", "Orr",
    "Pell", "Quar", "Rook", "Stav", "Tor", "Umb", "Vask", "Wend", "Yor", "Zan", "Ashe", "Bly",
    "Crel", "Drav", "Eld", "From", "Gesh", "Hol",
)  # fmt: skip
LAST_B = (
    "ley", "wick", "ford", "by", "ton", "sk", "dale", "mere", "holt", "ven", "ard", "ish", "ow",
    "ak", "erin", "amo", "essa", "uld",
)  # fmt: skip
THEMES = (
    "weekend stress", "sleep", "cravings after work", "family conflict", "boredom", "loneliness",
    "holiday gatherings", "money worries", "returning to work", "anger", "grief", "shame",
    "relationships", "sober supports", "meeting attendance", "self-care routines",
)  # fmt: skip
ENGAGEMENT = ("actively", "thoughtfully", "briefly", "with prompting", "openly", "quietly")
INTERVENTIONS = (
    "reviewed the session's skill with a worked example",
    "used motivational interviewing to explore ambivalence",
    "modelled a refusal-skills role play",
    "guided a grounding exercise",
    "linked the topic to the member's relapse-prevention plan",
    "reflected strengths and recent progress",
)  # fmt: skip
PLANS = (
    "Continue IOP as scheduled; practise the skill twice before next session.",
    "Attend two community meetings this week and report back.",
    "Complete the trigger worksheet; review with the counsellor on Thursday.",
    "Call a sober support when cravings rise; track them in the log.",
    "Review medication questions with the prescriber; continue group.",
)  # fmt: skip
REASONS = ("late entry", "typo in the note", "attendance corrected after review")
HOLIDAYS = ((1, 1), (7, 4), (12, 25))


def _name(rng: random.Random) -> str:
    first = rng.choice(FIRST_A) + rng.choice(FIRST_B)
    last = rng.choice(LAST_A) + rng.choice(LAST_B)
    return f"{first} {last}"


@dataclass
class _Member:
    participant_id: int
    membership_id: int
    joined: dt.date
    left: dt.date | None
    reliability: float
    drop_out: bool
    first_session: bool = True


@dataclass
class _Rows:
    """Rows waiting to be inserted, per table."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)
        self.counts[table] = self.counts.get(table, 0) + 1


class Seeder:
    """Generates one clinic's history and writes it with bulk inserts."""

    def __init__(self, url: str, *, years: int, groups: int, seed: int, end: dt.date) -> None:
        from sqlalchemy import insert

        from facilitator.curriculum.catalog import discover
        from facilitator.store import models
        from facilitator.store.database import open_database

        self.insert = insert
        self.models = models
        self.database = open_database(url)
        self.rng = random.Random(seed)
        self.years = years
        self.groups = groups
        self.end = end
        self.start = end - dt.timedelta(days=round(365.25 * years)) + dt.timedelta(days=1)
        catalog = discover(user_dir=Path("/nonexistent"))  # shipped curricula only
        self.curricula = catalog.curricula
        self.rows = _Rows()
        self.taken_codes: set[str] = set()
        self.next_participant = 1
        self.next_membership = 1
        self.tables = {
            "groups": models.Group.__table__,
            "participants": models.Participant.__table__,
            "memberships": models.Membership.__table__,
            "sessions": models.GroupSession.__table__,
            "agenda_runs": models.AgendaRun.__table__,
            "breaks": models.Break.__table__,
            "attendance": models.Attendance.__table__,
            "notes": models.Note.__table__,
            "addenda": models.Addendum.__table__,
            "audit_events": models.AuditEvent.__table__,
            "cancellations": models.Cancellation.__table__,
        }
        # Parents before children, so foreign keys hold at every flush.
        self.order = list(self.tables)

    # -- writing -----------------------------------------------------------------------------------

    def flush(self, conn: Any, *, force: bool = False) -> None:
        """Insert the waiting rows (parents first); by default only once a table has a chunk."""
        if not force and all(len(v) < CHUNK for v in self.rows.tables.values()):
            return
        for name in self.order:
            waiting = self.rows.tables.get(name)
            if not waiting:
                continue
            for i in range(0, len(waiting), CHUNK):
                conn.execute(self.insert(self.tables[name]), waiting[i : i + CHUNK])
            waiting.clear()

    # -- generating --------------------------------------------------------------------------------

    def _code(self) -> str:
        from facilitator.program.codes import ALPHABET, GENERATED_LENGTH

        while True:
            code = "".join(self.rng.choice(ALPHABET) for _ in range(GENERATED_LENGTH))
            if code not in self.taken_codes:
                self.taken_codes.add(code)
                return code

    def _new_member(
        self, group_id: int, joined: dt.date, tz: zoneinfo.ZoneInfo, at: tuple[int, int]
    ) -> _Member:
        rng = self.rng
        pid = self.next_participant
        self.next_participant += 1
        mid = self.next_membership
        self.next_membership += 1
        drop_out = rng.random() < 0.15
        stay = rng.randint(7, 45) if drop_out else rng.randint(60, 120)
        left = joined + dt.timedelta(days=stay)
        created = dt.datetime.combine(joined, dt.time(*at), tz).astimezone(dt.UTC)
        self.rows.add(
            "participants",
            {
                "id": pid,
                "name": _name(rng),
                "code": self._code(),
                "external_id": f"MRN-{100000 + pid}" if rng.random() < 0.8 else None,
                "created_at": created - dt.timedelta(minutes=30),
            },
        )
        member = _Member(
            participant_id=pid,
            membership_id=mid,
            joined=joined,
            left=left if left <= self.end else None,
            reliability=rng.uniform(0.72, 0.97),
            drop_out=drop_out,
        )
        self.rows.add(
            "memberships",
            {
                "id": mid,
                "group_id": group_id,
                "participant_id": pid,
                "joined": joined,
                "left": member.left,
            },
        )
        return member

    def _days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
                yield day
            day += dt.timedelta(days=1)

    def _holidays(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            if day.weekday() < 5 and (day.month, day.day) in HOLIDAYS:
                yield day
            day += dt.timedelta(days=1)

    def seed(self) -> dict[str, int]:
        """Generate and insert everything; returns the row counts per table."""
        days = list(self._days())
        with self.database.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # A generated file needs no crash safety while it is being written.
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
                conn.exec_driver_sql("PRAGMA cache_size=-65536")
            for index in range(self.groups):
                self._group(conn, index, days)
                self.flush(conn, force=True)
                conn.commit()
        return dict(self.rows.counts)

    def _group(self, conn: Any, index: int, days: list[dt.date]) -> None:
        from facilitator.session.attendance import service_minutes
        from facilitator.session.notes import compose
        from facilitator.store.models import NOTE_FORMATS, SessionState, Status

        rng = self.rng
        group_id = index + 1
        tz_name = TIMEZONES[index % len(TIMEZONES)]
        tz = zoneinfo.ZoneInfo(tz_name)
        family = index % 10 == 9
        curriculum = self.curricula[FAMILY if family else CURRICULA[index % len(CURRICULA)]]
        at = STARTS[index % len(STARTS)]
        note_format = FORMATS[index % len(FORMATS)]
        headings = NOTE_FORMATS[note_format]
        late_after = 10
        word = GROUP_WORDS[index % len(GROUP_WORDS)]
        part = ("Morning", "Afternoon", "Evening", "Evening")[STARTS.index(at)]
        name = f"{word} {part} IOP" if not family else f"{word} Family Program"
        if index >= len(GROUP_WORDS):
            name += f" {index // len(GROUP_WORDS) + 1}"
        facilitators = [_name(rng) for _ in range(rng.randint(2, 3))]
        created = dt.datetime.combine(self.start - dt.timedelta(days=14), dt.time(8), tz)
        ends = dt.datetime.combine(self.start, dt.time(*at)) + dt.timedelta(
            minutes=90 if family else 180
        )
        self.rows.add(
            "groups",
            {
                "id": group_id,
                "name": name,
                "timezone": tz_name,
                "weekly_hours": 4.5 if family else 9.0,
                "daily_hours": 1.5 if family else 3.0,
                "late_after_minutes": late_after,
                "note_format": note_format,
                "curriculum_id": curriculum.id,
                "meets": f"mon,tue,wed,thu,fri {at[0]:02d}:{at[1]:02d}-{ends:%H:%M}",
                "created_at": created.astimezone(dt.UTC),
            },
        )
        # The holidays on which the schedule falls are cancelled, as a clinic would record them.
        for holiday in self._holidays():
            self.rows.add(
                "cancellations",
                {
                    "group_id": group_id,
                    "local_date": holiday,
                    "reason": "holiday",
                    "created_by": facilitators[0],
                    "created_at": created.astimezone(dt.UTC),
                },
            )
        # Rolling admission: 12 places; a place refills a few days after its member leaves.
        places: list[_Member | None] = []
        refill: list[dt.date | None] = []
        for _ in range(12):
            member = self._new_member(group_id, self.start, tz, at)
            # Stagger the first cohort's leaving dates so turnover is steady from the start.
            if member.left is not None:
                stagger = rng.randint(0, (member.left - member.joined).days)
                member.left = self.start + dt.timedelta(days=stagger)
                self.rows.tables["memberships"][-1]["left"] = member.left
            places.append(member)
            refill.append(None)
        topics = curriculum.sessions
        topic_index = -1
        ATTENDED = (Status.PRESENT.value, Status.LATE.value, Status.LEFT_EARLY.value)
        for day in days:
            # Members whose stay ended before today make room; empty places refill.
            for slot, member in enumerate(places):
                if member is not None and member.left is not None and member.left < day:
                    places[slot] = None
                    refill[slot] = member.left + dt.timedelta(days=rng.randint(1, 10))
                if places[slot] is None and refill[slot] is not None and refill[slot] <= day:
                    places[slot] = self._new_member(group_id, day, tz, at)
                    refill[slot] = None
            topic_index = (topic_index + 1) % len(topics)
            topic = topics[topic_index]
            jitter = dt.timedelta(seconds=rng.randint(-180, 240))
            start = dt.datetime.combine(day, dt.time(*at), tz).astimezone(dt.UTC) + jitter
            session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            facilitator = rng.choice(facilitators)
            # -- the agenda as it ran ----------------------------------------------------------
            t = start
            runs: list[dict[str, Any]] = []
            breaks: list[SimpleNamespace] = []
            ended_early = rng.random() < 0.03
            for position, item in enumerate(topic.items):
                last = position == len(topic.items) - 1
                run: dict[str, Any] = {
                    "session_id": session_id,
                    "position": position,
                    "title": item.title,
                    "kind": item.kind,
                    "planned_minutes": item.minutes,
                    "extra_minutes": 0,
                    "prompts": item.prompts,
                    "handouts": list(item.handouts),
                    "started_at": None,
                    "ended_at": None,
                    "paused_at": None,
                    "paused_seconds": 0.0,
                    "skipped": False,
                }
                runs.append(run)
                if last and ended_early:
                    run["skipped"] = True
                    continue
                if item.kind != "break" and rng.random() < 0.05:
                    run["extra_minutes"] = 5
                seconds = (item.minutes + run["extra_minutes"]) * 60 + rng.gauss(0, 90)
                seconds = max(60.0, seconds)
                run["started_at"] = t
                if item.kind == "break":
                    brk = SimpleNamespace(
                        planned_minutes=item.minutes + run["extra_minutes"],
                        started_at=t,
                        ended_at=t + dt.timedelta(seconds=seconds),
                        agenda_position=position,
                        pauses_item=False,
                    )
                    breaks.append(brk)
                elif rng.random() < 0.02:
                    # An unplanned break (`b`) in the middle of the item pauses it.
                    minutes = rng.randint(5, 10)
                    at_ = t + dt.timedelta(seconds=seconds / 2)
                    brk = SimpleNamespace(
                        planned_minutes=10,
                        started_at=at_,
                        ended_at=at_ + dt.timedelta(minutes=minutes),
                        agenda_position=None,
                        pauses_item=True,
                    )
                    breaks.append(brk)
                    run["paused_seconds"] = minutes * 60.0
                    seconds += minutes * 60.0
                elif rng.random() < 0.03:
                    paused = float(rng.randint(30, 240))
                    run["paused_seconds"] = paused
                    seconds += paused
                t = t + dt.timedelta(seconds=seconds)
                run["ended_at"] = t
            ended_at = t
            session = SimpleNamespace(started_at=start, ended_at=ended_at)
            signed = day < self.end - dt.timedelta(days=2) or rng.random() < 0.5
            signed_at = ended_at + dt.timedelta(hours=rng.uniform(0.2, 20)) if signed else None
            self.rows.add(
                "sessions",
                {
                    "id": session_id,
                    "group_id": group_id,
                    "curriculum_id": curriculum.id,
                    "curriculum_title": curriculum.title,
                    "topic_id": topic.id,
                    "topic_title": topic.title,
                    "facilitator": facilitator,
                    "planned_minutes": topic.minutes,
                    "started_at": start,
                    "ended_at": ended_at,
                    "state": SessionState.ENDED.value,
                    "local_date": day,
                    "signed_by": facilitator if signed else None,
                    "signed_at": signed_at,
                },
            )
            for run in runs:
                self.rows.add("agenda_runs", run)
            for brk in breaks:
                self.rows.add(
                    "breaks",
                    {
                        "session_id": session_id,
                        "planned_minutes": brk.planned_minutes,
                        "started_at": brk.started_at,
                        "ended_at": brk.ended_at,
                        "agenda_position": brk.agenda_position,
                        "pauses_item": brk.pauses_item,
                    },
                )
            self._audit(session_id, "session.start", start, facilitator, topic=topic.id)
            # -- attendance ----------------------------------------------------------------------
            present = [m for m in places if m is not None and m.joined <= day]
            late_cutoff = start + dt.timedelta(minutes=late_after)
            attended_ids: list[int] = []
            for member in present:
                r = rng.random()
                final_days = member.left is not None and (member.left - day).days < 3
                # Drop-outs stop coming a few days before they are discharged.
                attended = False if member.drop_out and final_days else r < member.reliability
                checked_in = checked_out = None
                method = None
                if attended:
                    kind = rng.random()
                    if member.first_session and rng.random() < 0.05:
                        method = "walk-in"
                    else:
                        method = rng.choices(("phone", "code", "manual"), (55, 30, 15))[0]
                    if kind < 0.10:
                        checked_in = late_cutoff + dt.timedelta(seconds=rng.randint(30, 45 * 60))
                    elif method == "manual":
                        checked_in = start  # marked present by hand: there from the start
                    else:
                        checked_in = start + dt.timedelta(seconds=rng.randint(-12 * 60, 9 * 60))
                    status = Status.LATE.value if checked_in > late_cutoff else Status.PRESENT.value
                    if rng.random() < 0.05:
                        span = (ended_at - checked_in).total_seconds()
                        checked_out = checked_in + dt.timedelta(
                            seconds=span * rng.uniform(0.4, 0.9)
                        )
                        status = Status.LEFT_EARLY.value
                else:
                    status = Status.EXCUSED.value if rng.random() < 0.4 else Status.ABSENT.value
                member.first_session = False
                row = SimpleNamespace(
                    status=status, checked_in_at=checked_in, checked_out_at=checked_out
                )
                minutes = service_minutes(row, session, breaks)  # type: ignore[arg-type]
                self.rows.add(
                    "attendance",
                    {
                        "session_id": session_id,
                        "participant_id": member.participant_id,
                        "status": status,
                        "checked_in_at": checked_in,
                        "checked_out_at": checked_out,
                        "method": method,
                        "minutes": minutes,
                    },
                )
                if status in ATTENDED:
                    attended_ids.append(member.participant_id)
                    assert checked_in is not None
                    if method in ("phone", "code", "walk-in"):
                        self._audit(
                            session_id,
                            "checkin",
                            checked_in,
                            "phone" if method == "phone" else facilitator,
                            participant_id=member.participant_id,
                            method=method,
                            outcome="checked-in",
                            source="192.168.1.23" if method == "phone" else None,
                        )
                    if checked_out is not None:
                        self._audit(
                            session_id,
                            "checkout",
                            checked_out,
                            facilitator,
                            participant_id=member.participant_id,
                        )
            # -- notes -----------------------------------------------------------------------------
            if rng.random() < 0.9:
                themes = rng.sample(THEMES, 2)
                text = (
                    f"{topic.title}: {len(attended_ids)} attended. Themes: {themes[0]}, "
                    f"{themes[1]}. Facilitator {rng.choice(INTERVENTIONS)}."
                )
                at_ = ended_at - dt.timedelta(minutes=rng.randint(1, 20))
                self._note(session_id, None, None, {}, text, at_, facilitator)
            for pid in attended_ids:
                if rng.random() >= 0.3:
                    continue
                theme = rng.choice(THEMES)
                values = [
                    f"Member attended {topic.title.lower()} and spoke {rng.choice(ENGAGEMENT)} "
                    f"about {theme}.",
                    f"Facilitator {rng.choice(INTERVENTIONS)}.",
                    f"Member's response: insight into {rng.choice(THEMES)}; mood "
                    f"{rng.choice(('euthymic', 'anxious', 'flat', 'bright', 'tired'))}.",
                    rng.choice(PLANS),
                ]
                fields = {h: values[i] if i < len(values) else "" for i, h in enumerate(headings)}
                if len(headings) == 3:  # DAP: Data, Assessment, Plan
                    fields = {
                        headings[0]: values[0],
                        headings[1]: values[2],
                        headings[2]: values[3],
                    }
                at_ = start + dt.timedelta(minutes=rng.randint(20, 170))
                text = compose(fields, headings)
                self._note(session_id, pid, note_format, fields, text, at_, facilitator)
            self._audit(session_id, "session.end", ended_at, facilitator)
            if signed_at is not None:
                self._audit(session_id, "session.sign", signed_at, facilitator)
                if rng.random() < 0.005:
                    added = signed_at + dt.timedelta(days=rng.randint(1, 5))
                    self.rows.add(
                        "addenda",
                        {
                            "session_id": session_id,
                            "text": "Correction: see the member's note for the accurate times.",
                            "reason": rng.choice(REASONS),
                            "author": facilitator,
                            "created_at": added,
                        },
                    )
                    self._audit(session_id, "session.addendum", added, facilitator)
            self.flush(conn)

    def _note(
        self,
        session_id: str,
        participant_id: int | None,
        note_format: str | None,
        fields: dict[str, str],
        text: str,
        at: dt.datetime,
        actor: str,
    ) -> None:
        self.rows.add(
            "notes",
            {
                "session_id": session_id,
                "participant_id": participant_id,
                "format": note_format,
                "fields": fields,
                "text": text,
                "created_at": at,
                "updated_at": at + dt.timedelta(minutes=self.rng.randint(0, 15)),
            },
        )
        self._audit(session_id, "note.create", at, actor, participant_id=participant_id)

    def _audit(
        self,
        session_id: str,
        action: str,
        at: dt.datetime,
        actor: str,
        *,
        participant_id: int | None = None,
        **detail: object,
    ) -> None:
        self.rows.add(
            "audit_events",
            {
                "at": at,
                "actor": actor,
                "action": action,
                "session_id": session_id,
                "participant_id": participant_id,
                "detail": detail,
            },
        )

    def finish(self) -> None:
        """PostgreSQL: id sequences past the explicit ids. SQLite: fold the WAL into the file."""
        import sqlalchemy as sa

        engine = self.database.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                for name in ("groups", "participants", "memberships"):
                    conn.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        )
                    )
        if engine.dialect.name == "sqlite":
            # No ANALYZE: the app never runs it, so a clinic's file has no planner statistics.
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self.database.dispose()


def open_live(url: str, group_name: str, *, checked_in: int = 5) -> str:
    """Start (or resume) a live session of `group_name` now, with a few members checked in.

    Used by `--live` and by the start-up, check-in and memory benchmarks.
    """
    from facilitator.common.timeutil import utcnow
    from facilitator.program.groups import get_group
    from facilitator.program.roster import members
    from facilitator.session import attendance as att
    from facilitator.session.lifecycle import start_or_resume
    from facilitator.store.database import open_database
    from facilitator.store.models import GroupSession, Method

    database = open_database(url)
    try:
        with database.session() as db:
            group = get_group(db, group_name)
            opened = start_or_resume(
                db, group=group, curriculum=None, topic=None, facilitator="Bench Facilitator",
                now=utcnow() - dt.timedelta(minutes=12),
            )  # fmt: skip
            session = db.get(GroupSession, opened.session_id)
            assert session is not None
            if not opened.resumed:
                for member in members(db, group)[:checked_in]:
                    att.check_in(
                        db,
                        group=group,
                        session=session,
                        participant=member.participant,
                        method=Method.CODE,
                        now=utcnow() - dt.timedelta(minutes=10),
                    )
            return opened.session_id
    finally:
        database.dispose()


def first_group_name(url: str) -> str:
    """The name of group 1 (the one the benchmarks run live)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT name FROM groups ORDER BY id LIMIT 1").scalar())
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--end", type=dt.date.fromisoformat, default=DEFAULT_END, help="last day (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--replace", action="store_true", help="delete the SQLite file first if it exists"
    )
    parser.add_argument(
        "--live", action="store_true", help="also open a live session of group 1 now"
    )
    args = parser.parse_args(argv)

    from facilitator.store.engine import sqlite_path

    path = sqlite_path(args.db)
    if path is not None and path.exists():
        if not args.replace:
            print(f"{path} exists: use --replace to overwrite it", file=sys.stderr)
            return 2
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    began = time.perf_counter()
    seeder = Seeder(args.db, years=args.years, groups=args.groups, seed=args.seed, end=args.end)
    counts = seeder.seed()
    seeder.finish()
    elapsed = time.perf_counter() - began
    print(f"seeded {args.db} in {elapsed:.1f} s ({seeder.start} to {seeder.end}, seed {args.seed})")
    for name in seeder.order:
        print(f"  {name:<13} {counts.get(name, 0):>9,}")
    if path is not None:
        print(f"  file size     {path.stat().st_size / 1e6:>8.1f} MB")
    if args.live:
        group = first_group_name(args.db)
        session_id = open_live(args.db, group)
        print(f"live session {session_id} of {group!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
