"""The records facilitator keeps (SQLModel tables). Every time is stored in UTC.

Plain Python: no Textual here. Shared by the CLI, the TUI, the check-in server and the tests.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, AutoString, Column, Field, SQLModel

from facilitator.common.timeutil import UTC, utcnow


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store aware datetimes as naive UTC; read them back as aware UTC on every backend."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; facilitator stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return value.replace(tzinfo=UTC)


def _when(**kw: Any) -> Any:
    """A UTC timestamp column."""
    return Field(sa_type=UTCDateTime, **kw)


def _unique_where(name: str, *columns: str, where: str) -> sa.Index:
    """A partial unique index: `columns` unique among the rows where the SQL `where` holds
    (the same index on SQLite and PostgreSQL)."""
    condition = sa.text(where)
    return sa.Index(name, *columns, unique=True, sqlite_where=condition, postgresql_where=condition)


E = TypeVar("E", bound=enum.StrEnum)


class EnumText(TypeDecorator[E]):
    """Store a string enum as its plain value in a text column; read it back as the enum.

    The column stays a plain string on every backend (no native ENUM type), so the schema is
    the same as a `str` field's.
    """

    impl = AutoString
    cache_ok = True

    def __init__(self, enum_type: type[E]) -> None:
        super().__init__()
        self.enum_type = enum_type

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum_type(value)


class Worded(enum.StrEnum):
    """A string enum whose values read as words once `_` is a space."""

    @property
    def word(self) -> str:
        """How the value reads on screen (`left early`)."""
        return self.value.replace("_", " ")


class Status(Worded):
    """A member's attendance status in one session."""

    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"
    LEFT_EARLY = "left_early"

    @property
    def attended(self) -> bool:
        """Late and left-early count as attended."""
        return self in (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)


class Method(enum.StrEnum):
    """How a member was checked in."""

    PHONE = "phone"
    CODE = "code"
    MANUAL = "manual"
    WALK_IN = "walk-in"


class SessionState(enum.StrEnum):
    """A session is live until it is ended; one started by mistake can be voided (kept, but
    in no report, streak or export of sessions held)."""

    LIVE = "live"
    ENDED = "ended"
    VOID = "void"


class LeaveReason(enum.StrEnum):
    """Why a member's period in a group ended."""

    COMPLETED = "completed"
    TRANSFERRED = "transferred"
    REFERRED = "referred"
    LEFT = "left"
    OTHER = "other"


NOTE_FORMATS: dict[str, tuple[str, ...]] = {
    "DAP": ("Data", "Assessment", "Plan"),
    "BIRP": ("Behavior", "Intervention", "Response", "Plan"),
    "GIRP": ("Goal", "Intervention", "Response", "Plan"),
    "SOAP": ("Subjective", "Objective", "Assessment", "Plan"),
}


class Group(SQLModel, table=True):
    """A therapy group: the unit that meets, with its IOP hour minimums."""

    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, sa_column_kwargs={"unique": True})
    timezone: str = "UTC"
    weekly_hours: float = 9.0
    daily_hours: float = 3.0
    late_after_minutes: int = 10
    note_format: str = "DAP"
    curriculum_id: str | None = None
    meets: str | None = None
    """When the group meets (`--meets`, stored in its canonical form); None: no schedule."""
    archived: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    """Hidden from the home screen and `group list`; its records stay."""
    created_at: dt.datetime = _when(default_factory=utcnow)
    checkin_scales: str | None = None  # `craving`, `mood`, `craving,mood`; None: no scales
    max_members: int = Field(default=12, sa_column_kwargs={"server_default": "12"})


class Participant(SQLModel, table=True):
    """A person in treatment. `code` is their personal check-in code, unique per database."""

    __tablename__ = "participants"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    code: str = Field(sa_column_kwargs={"unique": True})
    external_id: str | None = Field(default=None, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = _when(default_factory=utcnow)

    @property
    def first_name(self) -> str:
        """The first word of the name: all a check-in page or badge may show."""
        return self.name.split()[0] if self.name.split() else self.name

    @property
    def short_name(self) -> str:
        """First name and last initial, for a screen the room can see."""
        parts = self.name.split()
        if len(parts) < 2:
            return self.name
        return f"{parts[0]} {parts[-1][0]}."


class Membership(SQLModel, table=True):
    """One period of a participant's membership of a group, from `joined` to their last day
    `left` (inclusive; None while a member). A readmitted member has a new period; earlier ones
    stay. At most one open period per member, by a partial unique index."""

    __tablename__ = "memberships"
    __table_args__ = (
        _unique_where(
            "uq_memberships_one_open_period", "group_id", "participant_id", where='"left" IS NULL'
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True)
    participant_id: int = Field(foreign_key="participants.id", index=True)
    joined: dt.date
    left: dt.date | None = None
    reason: LeaveReason | None = Field(default=None, sa_type=EnumText(LeaveReason))


class GroupSession(SQLModel, table=True):
    """One meeting of a group. `id` is a UUID so records merge across laptops.

    At most one live session per group, by a partial unique index (two laptops starting the
    same group at once cannot both succeed).
    """

    __tablename__ = "sessions"
    __table_args__ = (
        # The attendance report's access path: a group's ended sessions by date.
        sa.Index("ix_sessions_group_state_date", "group_id", "state", "local_date"),
        _unique_where("uq_sessions_one_live_per_group", "group_id", where="state = 'live'"),
    )

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True)
    curriculum_id: str | None = None
    curriculum_title: str | None = None
    topic_id: str | None = None
    topic_title: str | None = None
    facilitator: str = ""
    planned_minutes: int = 0
    started_at: dt.datetime = _when(default_factory=utcnow, index=True)
    ended_at: dt.datetime | None = _when(default=None)
    state: str = Field(default=SessionState.LIVE, index=True)
    local_date: dt.date = Field(index=True)
    signed_by: str | None = None
    signed_at: dt.datetime | None = _when(default=None)
    void_reason: str | None = None


class _OfSession(SQLModel):
    """The first columns of a record that belongs to one session: its own id and the
    session's."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="sessions.id", index=True)


class AgendaRun(_OfSession, table=True):
    """One agenda item of a session as planned and as it ran (pauses, extensions, skips)."""

    __tablename__ = "agenda_runs"

    position: int
    title: str
    kind: str = "other"
    planned_minutes: int
    extra_minutes: int = 0
    prompts: str = ""
    handouts: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    started_at: dt.datetime | None = _when(default=None)
    ended_at: dt.datetime | None = _when(default=None)
    paused_at: dt.datetime | None = _when(default=None)
    paused_seconds: float = 0.0
    skipped: bool = False


class Break(_OfSession, table=True):
    """A break in a session: not service time."""

    __tablename__ = "breaks"

    planned_minutes: int = 10
    started_at: dt.datetime = _when(default_factory=utcnow)
    ended_at: dt.datetime | None = _when(default=None)
    agenda_position: int | None = None
    pauses_item: bool = False


class Attendance(_OfSession, table=True):
    """A member's attendance in one session: one record per member per session, by constraint."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "participant_id"),)

    participant_id: int = Field(foreign_key="participants.id", index=True)
    status: Status = Field(default=Status.ABSENT, sa_type=EnumText(Status))
    checked_in_at: dt.datetime | None = _when(default=None)
    checked_out_at: dt.datetime | None = _when(default=None)
    method: str | None = None
    minutes: float = 0.0
    modality: str = Field(default="in_person", sa_column_kwargs={"server_default": "in_person"})
    craving: int | None = None  # 0-10 as the member answered at check-in; None: not answered
    mood: int | None = None  # 0-10 likewise


class Note(_OfSession, table=True):
    """The session note (participant_id None) or a member's progress note.

    One of each per session, by unique indexes: two laptops saving a note for the first time at
    once end with one note, not two.
    """

    __tablename__ = "notes"
    __table_args__ = (
        sa.Index("uq_notes_member_note", "session_id", "participant_id", unique=True),
        _unique_where("uq_notes_session_note", "session_id", where="participant_id IS NULL"),
    )

    participant_id: int | None = Field(default=None, foreign_key="participants.id")
    format: str | None = None
    fields: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    text: str = ""
    created_at: dt.datetime = _when(default_factory=utcnow)
    updated_at: dt.datetime = _when(default_factory=utcnow)


class Addendum(_OfSession, table=True):
    """A correction to a signed session: kept beside the original, never replacing it."""

    __tablename__ = "addenda"

    text: str
    reason: str
    author: str
    created_at: dt.datetime = _when(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what, when. Details hold ids and codes, never a participant's name."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _when(default_factory=utcnow, index=True)
    actor: str = ""
    action: str = Field(index=True)
    session_id: str | None = Field(default=None, index=True)
    participant_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class Setting(SQLModel, table=True):
    """A setting of this database, by key (e.g. the name of the person at the keyboard)."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: str


class Cancellation(SQLModel, table=True):
    """A scheduled day on which the group did not meet (holiday, weather, staff): nobody's
    absence."""

    __tablename__ = "cancellations"
    __table_args__ = (sa.UniqueConstraint("group_id", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True)
    local_date: dt.date
    reason: str | None = None
    created_by: str = ""
    created_at: dt.datetime = _when(default_factory=utcnow)


class Modality(enum.StrEnum):
    """How a member attended: in the room, or by video (telehealth)."""

    IN_PERSON = "in_person"
    TELEHEALTH = "telehealth"


class Receipt(SQLModel, table=True):
    """The one-time `receipt` the greeting page carries, to answer the check-in scales once.

    Random (128 bits or more), bound to one attendance of one session; it is good only while that
    session is live and until `used_at` is set. It goes with its attendance record.
    """

    __tablename__ = "receipts"

    token: str = Field(primary_key=True)
    attendance_id: int = Field(
        sa_column_args=[sa.ForeignKey("attendance.id", ondelete="CASCADE")], index=True
    )
    session_id: str = Field(
        sa_column_args=[sa.ForeignKey("sessions.id", ondelete="CASCADE")], index=True
    )
    created_at: dt.datetime = _when(default_factory=utcnow)
    used_at: dt.datetime | None = _when(default=None)
