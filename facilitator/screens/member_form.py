"""The members screen's forms: add or edit a member, discharge one, import a roster CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, ComposeResult
from textual.widgets import Input, Select

from facilitator.errors import UserError
from facilitator.screens.form import FieldError, FormScreen, actor_of
from facilitator.store.database import Database
from facilitator.store.models import Group, LeaveReason

if TYPE_CHECKING:
    from sqlmodel import Session

    from facilitator.program.roster import Member


def group_of(db: Session, group_id: int) -> Group:
    """The group, or a refusal when it is gone."""
    group = db.get(Group, group_id)
    if group is None:
        raise FieldError("", "this group is no longer in the database")
    return group


def member_of(db: Session, group: Group, participant_id: int) -> Member:
    """The group's member (current or discharged) with this participant id."""
    from facilitator.program.roster import members

    for member in members(db, group, include_left=True):
        if member.participant.id == participant_id:
            return member
    raise FieldError("", "this member is no longer in the group")


def in_group(
    database: Database, group_id: int, app: App[Any], change: Callable[[Session, Group, str], str]
) -> Callable[[], str]:
    """A job for a thread: `change(db, group, actor)` in one database session, returning what to
    tell the lead (a refusal when the group is gone)."""

    def job() -> str:
        with database.session() as db:
            group = group_of(db, group_id)
            return change(db, group, actor_of(app, db))

    return job


class MemberFormScreen(FormScreen[str]):
    """Add a member (`participant_id` None) or correct one's name, code or external id.

    Dismissed with what to tell the lead. An edit changes the same person: same id, same records.
    """

    FIELD_LABELS = {
        "member-name": "Name",
        "member-code": "Code",
        "member-external": "External id",
        "member-joined": "Joined",
    }

    def __init__(
        self,
        database: Database,
        group_id: int,
        *,
        today: str,
        participant_id: int | None = None,
        name: str = "",
        code: str = "",
        external_id: str = "",
    ) -> None:
        adding = participant_id is None
        super().__init__(database, "Add a member" if adding else f"Edit {name}")
        self.group_id = group_id
        self.participant_id = participant_id
        self.today = today
        self.initial = (name, code, external_id)

    def compose_fields(self) -> ComposeResult:
        """Name (focused), code and external id; the first day when adding."""
        name, code, external_id = self.initial
        labels = self.FIELD_LABELS
        yield from self.field(labels["member-name"], Input(name, id="member-name", max_length=200))
        yield from self.field(
            labels["member-code"] + ("" if self.participant_id else " (empty: one is made)"),
            Input(code, id="member-code", max_length=40),
        )
        yield from self.field(
            labels["member-external"] + " (optional)",
            Input(external_id, id="member-external", max_length=120),
        )
        if self.participant_id is None:
            yield from self.field(
                labels["member-joined"] + " (YYYY-MM-DD)",
                Input(self.today, id="member-joined", max_length=20),
            )

    def on_mount(self) -> None:
        self.query_one("#member-name", Input).focus()

    def prepare(self) -> Callable[[], str]:
        """Read the fields; the core checks them and saves, or refuses them all."""
        from facilitator.common.timeutil import parse_date

        name = self.text("member-name")
        code = self.text("member-code").strip()
        external_id = self.text("member-external").strip()
        if not name.strip():
            raise FieldError("member-name", "Name: a member needs a name")
        joined = None
        if self.participant_id is None:
            try:
                joined = parse_date(self.text("member-joined").strip(), "Joined")
            except UserError as exc:
                raise FieldError("member-joined", str(exc)) from None
        participant_id = self.participant_id

        def save(db: Session, group: Group, actor: str) -> str:
            from facilitator.program.membership import edit_member
            from facilitator.program.roster import add_member

            if participant_id is None:
                member = add_member(
                    db,
                    group,
                    name=name,
                    code=code or None,
                    external_id=external_id or None,
                    joined=joined,
                    actor=actor,
                )
                return f"{member.participant.name} added (code {member.participant.code})"
            member = member_of(db, group, participant_id)
            changed = edit_member(
                db, member, name=name, code=code, external_id=external_id, actor=actor
            )
            person = member.participant.name
            return f"{person}: {', '.join(changed)} changed" if changed else "nothing changed"

        return in_group(self.database, self.group_id, self.app, save)

    def explain(self, message: str) -> tuple[str | None, str]:
        """Name the field the core refused, by its label."""
        for option, field in (
            ("--name: ", "member-name"),
            ("--code: ", "member-code"),
            ("--external-id: ", "member-external"),
        ):
            if message.startswith(option):
                return field, f"{self.FIELD_LABELS[field]}: {message[len(option) :]}"
        if message.startswith(("a member needs", "a name is")):
            return "member-name", f"Name: {message}"
        if message.startswith("code ") or "check-in code already" in message:
            return "member-code", f"Code: {message}"
        if message.startswith(("external id ", "an external id")):
            return "member-external", f"External id: {message}"
        return None, message


REASONS = [(reason.value, reason.value) for reason in LeaveReason]


class DischargeScreen(FormScreen[str]):
    """Discharge a member: their last day (default today) and why; `enter` confirms."""

    FIELD_LABELS = {"discharge-on": "Last day", "discharge-reason": "Reason"}

    def __init__(
        self, database: Database, group_id: int, participant_id: int, *, name: str, today: str
    ) -> None:
        super().__init__(database, f"Discharge {name}")
        self.group_id = group_id
        self.participant_id = participant_id
        self.today = today

    def compose_fields(self) -> ComposeResult:
        """The last day (inclusive) and the reason."""
        yield from self.field(
            "Last day (YYYY-MM-DD)", Input(self.today, id="discharge-on", max_length=20)
        )
        yield from self.field(
            "Reason",
            Select(
                REASONS,
                value=LeaveReason.COMPLETED.value,
                allow_blank=False,
                id="discharge-reason",
            ),
        )

    def on_mount(self) -> None:
        self.query_one("#discharge-on", Input).focus()

    def prepare(self) -> Callable[[], str]:
        """The last day must be a date; the core checks it is not before they joined."""
        from facilitator.common.timeutil import parse_date

        try:
            on = parse_date(self.text("discharge-on").strip(), "Last day")
        except UserError as exc:
            raise FieldError("discharge-on", str(exc)) from None
        reason = LeaveReason(self.text("discharge-reason"))
        participant_id = self.participant_id

        def save(db: Session, group: Group, actor: str) -> str:
            from facilitator.program.membership import discharge

            member = member_of(db, group, participant_id)
            discharge(db, group, member, on=on, reason=reason, actor=actor)
            return f"{member.participant.name} discharged: last day {on.isoformat()}"

        return in_group(self.database, self.group_id, self.app, save)

    def explain(self, message: str) -> tuple[str | None, str]:
        """`--on DATE …` from the core is about the last day."""
        if message.startswith("--on "):
            return "discharge-on", "Last day: " + message[len("--on ") :]
        return None, message


class ImportScreen(FormScreen[str]):
    """Import a roster CSV into the group from a typed path; every problem in the file is shown."""

    FIELD_LABELS = {"import-path": "CSV file"}

    def __init__(self, database: Database, group_id: int, *, group_name: str) -> None:
        super().__init__(database, f"Import members into {group_name}")
        self.group_id = group_id

    def compose_fields(self) -> ComposeResult:
        """The path of the file (columns: name, code, external_id, joined, left)."""
        yield from self.field(
            "CSV file",
            Input(
                id="import-path",
                placeholder="~/roster.csv: name, code, external_id, joined",
                max_length=1000,
            ),
        )

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    def prepare(self) -> Callable[[], str]:
        """A path must be typed; the import reads and checks the whole file, or imports nothing."""
        typed = self.text("import-path").strip()
        if not typed:
            raise FieldError("import-path", "CSV file: type the path of the file to import")
        path = Path(typed).expanduser()

        def save(db: Session, group: Group, actor: str) -> str:
            from facilitator.exchange.roster_csv import import_csv

            result = import_csv(db, group, path, actor=actor)
            return f"{path.name}: {result.added} added, {result.updated} updated"

        return in_group(self.database, self.group_id, self.app, save)

    def explain(self, message: str) -> tuple[str | None, str]:
        """Every problem is about the file: its path is selected, to type another."""
        return "import-path", message
