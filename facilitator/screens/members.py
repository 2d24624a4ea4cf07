"""A group's members screen (`m` on the home screen): admit, correct, discharge, readmit, import.

Current members first, with the day they joined and their code; then discharged members with
their last day and reason. Every change goes through the core, which audits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.form import FormScreen
from facilitator.screens.table_screen import TableScreen, table_keys
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import selected_key

if TYPE_CHECKING:
    from sqlmodel import Session

    from facilitator.store.models import Group

HINT = "a add · enter edit · d discharge · R readmit · i import a CSV · escape back"


@dataclass(frozen=True)
class MemberLine:
    """One member as the screen lists them (their latest period in the group)."""

    participant_id: int
    name: str
    code: str
    external_id: str
    joined: str
    left: str
    reason: str
    current: bool


@dataclass(frozen=True)
class Roster:
    """The group's members as stored, current ones first."""

    group_name: str
    today: str
    """Today in the group's zone (YYYY-MM-DD): the default day of an admission or discharge."""
    lines: list[MemberLine]


def load_roster(database: Database, group_id: int) -> Roster:
    """Read the group's current and discharged members (plain core calls, for a thread)."""
    from facilitator.common.timeutil import today_in
    from facilitator.program.roster import members
    from facilitator.store.models import Group

    with database.session() as db:
        group = db.get(Group, group_id)
        if group is None:
            raise UserError("this group is no longer in the database")
        current = {m.participant.id for m in members(db, group)}
        everyone = members(db, group, include_left=True)
        lines = [
            MemberLine(
                participant_id=int(m.participant.id or 0),
                name=m.participant.name,
                code=m.participant.code,
                external_id=m.participant.external_id or "",
                joined=m.membership.joined.isoformat(),
                left=m.membership.left.isoformat() if m.membership.left else "",
                reason=m.membership.reason.value if m.membership.reason else "",
                current=m.participant.id in current,
            )
            for m in everyone
        ]
        lines.sort(key=lambda line: not line.current)  # stable: by name within each part
        return Roster(group.name, today_in(group.timezone).isoformat(), lines)


class MembersScreen(TableScreen):
    """The group's members; `a` add, `enter` edit, `d` discharge, `R` readmit, `i` import."""

    COMMANDS = {ScreenActions}
    CSS_PATH = "setup.tcss"
    HELP_TITLE = "Members — keys"
    BINDINGS = table_keys(
        "members",
        Binding("a", "add", "Add member", id="members.add"),
        Binding("enter", "open", "Edit member", key_display="enter", id="members.edit"),
        Binding("d", "discharge", "Discharge", id="members.discharge"),
        Binding("R", "readmit", "Readmit", key_display="R", id="members.readmit"),
        Binding("i", "import", "Import CSV", id="members.import"),
    )

    def __init__(self, database: Database, group_id: int) -> None:
        super().__init__(database)
        self.group_id = group_id
        self.roster: Roster | None = None
        """What the table shows (None until loaded)."""
        self._select: int | None = None

    def compose(self) -> ComposeResult:
        yield Label("Members", id="members-title")
        yield Label(HINT, id="members-hint")
        self.table = DataTable(id="members", cursor_type="row", zebra_stripes=True)
        yield self.table
        yield Footer()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self, select: int | None = None) -> None:
        """Read the members again (off the event loop), keeping the cursor on `select`."""
        if select is not None:
            self._select = select
        self._load()

    def _load(self) -> None:
        self.work.submit(
            lambda: load_roster(self.database, self.group_id), self._loaded, change=False
        )

    def _loaded(self, roster: Roster | None) -> None:
        if roster is None:
            return  # refused, and said so
        self.roster = roster
        title = Text.assemble("Members of ", plain(roster.group_name, "bold"))
        self.query_one("#members-title", Label).update(title)
        keep = self._select if self._select is not None else self._selected()
        self._select = None
        hidden = bool(getattr(self.app, "privacy", False))
        self.table.clear(columns=True)
        self.table.add_columns(
            "name", "status", "code", "external id", "joined", "last day", "reason"
        )
        for line in roster.lines:
            self.table.add_row(
                plain(line.name),
                Text(("leaving" if line.left else "member") if line.current else "discharged"),
                Text("hidden") if hidden else plain(line.code),
                plain(line.external_id or "—"),
                Text(line.joined),
                Text(line.left or "—"),
                plain(line.reason or "—"),
                key=str(line.participant_id),
            )
        self.query_one("#members-hint", Label).update(
            HINT if roster.lines else "No members yet: press a to add one, or i to import a CSV."
        )
        if keep is not None:
            for index, line in enumerate(roster.lines):
                if line.participant_id == keep:
                    self.table.move_cursor(row=index)

    def _selected(self) -> int | None:
        key = selected_key(self.table)
        return int(key) if key else None

    def _line(self) -> MemberLine | None:
        """The member under the cursor."""
        wanted = self._selected()
        if self.roster is None or wanted is None:
            return None
        return next((m for m in self.roster.lines if m.participant_id == wanted), None)

    def _changed(self, message: str | None, select: int | None = None) -> None:
        """After a form: say what changed and show it."""
        if message:
            self.notify(message, markup=False)
            self.reload(select)

    def _open_form(self, form: FormScreen[str], select: int | None = None) -> None:
        """Show a form; once it is saved, say what changed and show it (the cursor on
        `select`)."""
        self.app.push_screen(form, lambda message: self._changed(message, select))

    def action_add(self) -> None:
        """Add a member: name, optional code and external id, the day they joined."""
        from facilitator.screens.member_form import MemberFormScreen

        if self.roster is not None:
            self._open_form(MemberFormScreen(self.database, self.group_id, today=self.roster.today))

    def open_row(self, key: str) -> None:
        """Edit the selected member's name, code or external id (the same person)."""
        from facilitator.screens.member_form import MemberFormScreen

        line = self._line()
        if line is None or self.roster is None:
            return
        form = MemberFormScreen(
            self.database,
            self.group_id,
            today=self.roster.today,
            participant_id=line.participant_id,
            name=line.name,
            code=line.code,
            external_id=line.external_id,
        )
        self._open_form(form, line.participant_id)

    def action_discharge(self) -> None:
        """Discharge the selected member: last day and reason."""
        from facilitator.screens.member_form import DischargeScreen

        line = self._line()
        if line is None or self.roster is None:
            return
        if not line.current:
            self.notify(f"{line.name} is discharged already (R readmits)", markup=False)
            return
        form = DischargeScreen(
            self.database,
            self.group_id,
            line.participant_id,
            name=line.name,
            today=self.roster.today,
        )
        self._open_form(form, line.participant_id)

    def action_readmit(self) -> None:
        """Readmit the selected discharged member from today: a new period; earlier ones stay."""
        line = self._line()
        if line is None:
            return
        if line.current:
            self.notify(f"{line.name} is a current member already", markup=False)
            return
        from facilitator.screens.member_form import in_group

        def readmit(db: Session, group: Group, actor: str) -> str:
            from facilitator.program.membership import readmit
            from facilitator.screens.member_form import member_of

            member = member_of(db, group, line.participant_id)
            period = readmit(db, group, member, actor=actor)
            return f"{member.participant.name} readmitted from {period.joined.isoformat()}"

        self.work.submit(
            in_group(self.database, self.group_id, self.app, readmit),
            lambda message: self._changed(message, line.participant_id),
        )

    def action_import(self) -> None:
        """Import a roster CSV from a path; a file with any problem imports nothing."""
        from facilitator.screens.member_form import ImportScreen

        if self.roster is not None:
            self._open_form(
                ImportScreen(self.database, self.group_id, group_name=self.roster.group_name)
            )

    def action_back(self) -> None:
        """Back to the groups."""
        self.dismiss()
