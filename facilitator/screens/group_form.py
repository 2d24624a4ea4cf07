"""The group form (`g` new, `G` edit on the home screen): name, zone, minimums, curriculum,
schedule, check-in scales and the size warning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from textual.app import ComposeResult
from textual.widgets import Input, Select

from facilitator.errors import UserError
from facilitator.screens.form import FieldError, FormScreen, actor_of, number
from facilitator.session.scales import parse_scales, scales_text
from facilitator.store.database import Database
from facilitator.store.models import NOTE_FORMATS, Group

NO_CURRICULUM = ""
"""The curriculum field's value for "none yet" (asked when the first session starts)."""


@dataclass(frozen=True)
class GroupValues:
    """The settings the form starts with: a new group's defaults, or a group's own."""

    name: str = ""
    timezone: str = ""
    weekly_hours: float = Group.model_fields["weekly_hours"].default
    daily_hours: float = Group.model_fields["daily_hours"].default
    late_after_minutes: int = Group.model_fields["late_after_minutes"].default
    note_format: str = Group.model_fields["note_format"].default
    curriculum_id: str | None = None
    meets: str | None = None
    checkin_scales: str | None = None
    max_members: int = Group.model_fields["max_members"].default

    @classmethod
    def of(cls, group: Group) -> GroupValues:
        """The settings of an existing group."""
        return cls(**{setting.name: getattr(group, setting.name) for setting in fields(cls)})


def _shown(value: float) -> str:
    """`9` for 9.0, `2.5` for 2.5."""
    return f"{value:g}"


class GroupFormScreen(FormScreen[str]):
    """Create a group (`group_id` None) or change one's settings; dismissed with what changed."""

    FIELD_LABELS = {
        "group-name": "Name",
        "group-timezone": "Time zone",
        "group-weekly": "Weekly minimum (hours)",
        "group-daily": "Daily minimum (hours)",
        "group-late": "Late after (minutes)",
        "group-format": "Note format",
        "group-curriculum": "Curriculum",
        "group-meets": "Meets",
        "group-scales": "Check-in scales",
        "group-max": "Members before the size warning",
    }
    # The core names a setting by its command-line option; the form names it by its label.
    _OPTIONS = {
        "--weekly-hours": "group-weekly",
        "--daily-hours": "group-daily",
        "--late-after": "group-late",
        "--meets": "group-meets",
        "--checkin-scales": "group-scales",
        "--max-members": "group-max",
    }

    def __init__(
        self,
        database: Database,
        *,
        group_id: int | None = None,
        values: GroupValues | None = None,
        curricula: list[tuple[str, str]] | None = None,
    ) -> None:
        title = "New group" if group_id is None else f"Settings of {values.name if values else ''}"
        super().__init__(database, title)
        self.group_id = group_id
        self.values = values or GroupValues()
        self.curricula = curricula or []
        """(id, title) of every curriculum found."""

    def compose_fields(self) -> ComposeResult:
        """Every setting, filled with the group's values or a new group's defaults."""
        from facilitator.common.timeutil import machine_timezone

        v = self.values
        labels = self.FIELD_LABELS
        yield from self.field(labels["group-name"], Input(v.name, id="group-name", max_length=200))
        yield from self.field(
            labels["group-timezone"],
            Input(v.timezone or machine_timezone(), id="group-timezone", max_length=80),
        )
        yield from self.field(
            labels["group-weekly"], Input(_shown(v.weekly_hours), id="group-weekly", max_length=10)
        )
        yield from self.field(
            labels["group-daily"], Input(_shown(v.daily_hours), id="group-daily", max_length=10)
        )
        yield from self.field(
            labels["group-late"],
            Input(str(v.late_after_minutes), id="group-late", max_length=10),
        )
        formats = [(name, name) for name in NOTE_FORMATS]
        if v.note_format not in NOTE_FORMATS:
            formats.append((v.note_format, v.note_format))
        yield from self.field(
            labels["group-format"],
            Select(formats, value=v.note_format, allow_blank=False, id="group-format"),
        )
        options = [("none yet (asked at the first session)", NO_CURRICULUM)]
        options += [(f"{title} ({cid})", cid) for cid, title in self.curricula]
        known = {cid for _, cid in options}
        current = v.curriculum_id or NO_CURRICULUM
        if current not in known:
            options.append((f"{current} (not found)", current))
        yield from self.field(
            labels["group-curriculum"],
            Select(options, value=current, allow_blank=False, id="group-curriculum"),
        )
        yield from self.field(
            labels["group-meets"],
            Input(
                v.meets or "",
                placeholder="mon,wed,fri 18:00-21:00",
                id="group-meets",
                max_length=200,
            ),
        )
        yield from self.field(
            labels["group-scales"],
            Input(
                scales_text(v.checkin_scales),
                placeholder="none, craving, mood or craving,mood",
                id="group-scales",
                max_length=40,
            ),
        )
        yield from self.field(
            labels["group-max"], Input(str(v.max_members), id="group-max", max_length=10)
        )

    def on_mount(self) -> None:
        self.query_one("#group-name", Input).focus()

    def prepare(self) -> Callable[[], str]:
        """Read the fields; a number that is not one is refused here, the rest by the core."""
        labels = self.FIELD_LABELS
        name = self.text("group-name")
        if not name.strip():
            raise FieldError("group-name", "Name: a group needs a name")
        settings: dict[str, object] = {
            "name": name,
            "timezone": self.text("group-timezone").strip() or None,
            "weekly_hours": number(
                self.text("group-weekly"), labels["group-weekly"], "group-weekly"
            ),
            "daily_hours": number(self.text("group-daily"), labels["group-daily"], "group-daily"),
            "late_after_minutes": number(
                self.text("group-late"), labels["group-late"], "group-late", whole=True
            ),
            "note_format": self.text("group-format") or None,
            "curriculum_id": self.text("group-curriculum"),
            "meets": self.text("group-meets").strip(),
            "max_members": number(
                self.text("group-max"), labels["group-max"], "group-max", whole=True
            ),
        }
        try:
            # "" (none) clears the scales when editing; None would leave them as they are.
            settings["checkin_scales"] = parse_scales(self.text("group-scales")) or ""
        except UserError as exc:
            raise FieldError("group-scales", self.explain(str(exc))[1]) from None
        group_id = self.group_id
        database = self.database
        app = self.app

        def save() -> str:
            from facilitator.program.groups import create_group, edit_group

            with database.session() as db:
                actor = actor_of(app, db)
                if group_id is None:
                    given = {k: v for k, v in settings.items() if v is not None}
                    given["curriculum_id"] = settings["curriculum_id"] or None
                    group = create_group(db, actor=actor, **given)  # type: ignore[arg-type]
                    return f"{group.name} created: press m to add its members"
                group = db.get(Group, group_id)
                if group is None:
                    raise FieldError("group-name", "this group is no longer in the database")
                changed = edit_group(db, group, actor=actor, **settings)
                if not changed:
                    return f"{group.name}: nothing changed"
                return f"{group.name}: {', '.join(c.replace('_', ' ') for c in changed)} changed"

        return save

    def explain(self, message: str) -> tuple[str | None, str]:
        """Name the field the core refused, by its label."""
        labels = self.FIELD_LABELS
        for option, field in self._OPTIONS.items():
            if message.startswith(option):
                return field, labels[field] + message[len(option) :]
        if "time zone" in message:
            return "group-timezone", f"{labels['group-timezone']}: {message}"
        if message.startswith(("a group", "a group name")):
            return "group-name", f"{labels['group-name']}: {message}"
        if message.startswith("note format"):
            return "group-format", f"{labels['group-format']}: {message}"
        return None, message
