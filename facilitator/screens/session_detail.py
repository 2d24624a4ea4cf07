"""One session, read-only: agenda planned vs actual, attendance, notes, addenda, signature.

Signing (`s`) locks the record; corrections after that are addenda (`a`), shown beside the original.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from facilitator.common.text import multi_line, one_line
from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.store.db import Database
from facilitator.widgets.tables import selected_key


def _minutes(start, end) -> str:  # type: ignore[no-untyped-def]
    if start is None or end is None:
        return ""
    return f"{(end - start).total_seconds() / 60:.0f}"


class SessionDetailScreen(Screen[None]):
    """The record of one session."""

    COMMANDS = {ScreenActions}
    BINDINGS = [
        Binding("s", "sign", "Sign", id="detail.sign"),
        Binding("a", "addendum", "Addendum", id="detail.addendum"),
        Binding("m", "member", "Member", id="detail.member"),
        Binding("space", "cycle_status", "Correct status", key_display="space", id="detail.status"),
        Binding("t", "audit", "Audit trail", id="detail.audit"),
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("question_mark", "help", "Help", key_display="?", id="detail.help"),
    ]

    def __init__(self, database: Database, session_id: str, actor: str = "") -> None:
        super().__init__()
        self.database = database
        self.session_id = session_id
        self.actor = actor

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Label("", id="detail-title")
            yield Label("", id="detail-times")
            yield Label("Agenda — planned vs actual", classes="section")
            yield DataTable(id="detail-agenda", cursor_type="none", zebra_stripes=True)
            yield Label("Attendance", classes="section")
            yield DataTable(id="detail-attendance", cursor_type="row", zebra_stripes=True)
            yield Label("Notes", classes="section")
            yield Static(id="detail-notes")
            yield Label("", id="detail-signature", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#detail-attendance", DataTable).focus()

    def reload(self) -> None:
        """Draw the session as stored."""
        from facilitator.common.timeutil import hhmm, local
        from facilitator.exchange.export import load_session_log

        with self.database.session() as db:
            log = load_session_log(db, self.session_id)
        if log is None:
            self.notify("That session no longer exists.", severity="error")
            return
        self.record = log
        s, tz = log.session, log.timezone
        self.query_one("#detail-title", Label).update(
            Content.assemble(
                (one_line(log.group.name), "bold"),
                f"  ·  {s.local_date}  ·  {one_line(s.topic_title or s.topic_id or '')}",
                f"  ·  {one_line(s.facilitator)}" if s.facilitator else "",
            )
        )
        ended = hhmm(s.ended_at, tz) if s.ended_at else "still live"
        self.query_one("#detail-times", Label).update(
            f"{local(s.started_at, tz).format('ddd D MMM YYYY')}  {hhmm(s.started_at, tz)}–{ended}"
            f"  ({tz})  ·  planned {s.planned_minutes} min"
        )
        agenda = self.query_one("#detail-agenda", DataTable)
        agenda.clear(columns=True)
        agenda.add_columns("#", "item", "kind", "planned", "actual", "from", "to")
        for item in log.agenda:
            agenda.add_row(
                str(item.position + 1),
                Text(one_line(item.title)),
                item.kind,
                f"{item.planned_minutes + item.extra_minutes}",
                "skipped" if item.skipped else _minutes(item.started_at, item.ended_at),
                hhmm(item.started_at, tz),
                hhmm(item.ended_at, tz),
            )
        for brk in log.breaks:
            agenda.add_row(
                "",
                "break",
                "break",
                f"{brk.planned_minutes}",
                _minutes(brk.started_at, brk.ended_at),
                hhmm(brk.started_at, tz),
                hhmm(brk.ended_at, tz),
            )
        table = self.query_one("#detail-attendance", DataTable)
        table.clear(columns=True)
        table.add_columns("name", "status", "in", "out", "minutes", "how")
        for row, person in log.attendance:
            table.add_row(
                Text(one_line(person.name)),
                row.status.replace("_", " "),
                hhmm(row.checked_in_at, tz),
                hhmm(row.checked_out_at, tz),
                f"{row.minutes:.0f}",
                row.method or "",
                key=str(person.id),
            )
        self.query_one("#detail-notes", Static).update(self._notes())
        signature = self.query_one("#detail-signature", Label)
        if s.signed_at is not None:
            signature.update(
                Content(
                    f"Signed by {one_line(s.signed_by or '')} on "
                    f"{local(s.signed_at, tz).format('YYYY-MM-DD HH:mm')}"
                    " — locked; corrections are addenda (a)."
                )
            )
        else:
            signature.update(
                Content.styled(
                    "UNSIGNED — press s to sign once the record is complete.", "$warning"
                )
            )

    def _notes(self) -> Content:
        from facilitator.common.timeutil import local

        tz = self.record.timezone
        parts: list[str | tuple[str, str] | Content] = []
        for note, author in self.record.notes:
            who = one_line(author.name) if author else "Session note"
            fmt = f" ({note.format})" if note.format else ""
            parts += [
                (who + fmt, "bold"),
                "\n",
                Content(multi_line(note.text) or "(empty)"),
                "\n\n",
            ]
        for number, addendum in enumerate(self.record.addenda, 1):
            when = local(addendum.created_at, tz).format("YYYY-MM-DD HH:mm")
            parts += [
                (f"ADDENDUM {number} — {addendum.author}, {when}", "bold $warning"),
                "\n",
                "Reason: ",
                Content(one_line(addendum.reason)),
                "\n",
                Content(multi_line(addendum.text)),
                "\n\n",
            ]
        if not parts:
            return Content("No notes.")
        return Content.assemble(*parts)

    # -- actions ---------------------------------------------------------------------------------

    def action_sign(self) -> None:
        """Sign the session (asks who), after which it is locked."""
        if self.record.session.signed_at is not None:
            self.notify("Already signed; add an addendum (a) to correct it.", severity="warning")
            return
        if self.record.session.state != "ended":
            self.notify("End the session before signing it.", severity="warning")
            return

        def signed_by(name: str | None) -> None:
            if not name:
                return
            self.app.push_screen(
                ConfirmScreen(
                    f"Sign this session as {name}?",
                    "After signing, attendance and notes are locked; corrections become addenda.",
                    yes="Sign (y)",
                ),
                lambda ok: self._sign(name) if ok else None,
            )

        self.app.push_screen(
            AskScreen("Sign as (your name and credentials)", value=self.record.session.facilitator),
            signed_by,
        )

    def _sign(self, name: str) -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.session.signing import sign_session

        try:
            with self.database.session() as db:
                sign_session(db, self.session_id, by=name, now=utcnow())
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
        self.reload()

    @work
    async def action_addendum(self) -> None:
        """Add a correction to a signed session: what, and why."""
        if self.record.session.signed_at is None:
            self.notify(
                "Addenda are for signed sessions; unsigned notes can still be edited.",
                severity="warning",
            )
            return
        text = await self.app.push_screen_wait(AskScreen("Addendum: the correction", ""))
        if not text:
            return
        reason = await self.app.push_screen_wait(AskScreen("Reason for the addendum", ""))
        if not reason:
            self.notify("An addendum needs a reason.", severity="warning")
            return
        author = await self.app.push_screen_wait(
            AskScreen("Your name", value=self.record.session.signed_by or "")
        )
        if not author:
            return
        from facilitator.common.timeutil import utcnow
        from facilitator.session.signing import add_addendum

        try:
            with self.database.session() as db:
                add_addendum(
                    db, self.session_id, text=text, reason=reason, author=author, now=utcnow()
                )
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
        self.reload()

    def action_cycle_status(self) -> None:
        """Correct the selected member's status after the session (refused once signed; audited)."""
        from facilitator.common.timeutil import utcnow
        from facilitator.session.attendance import cycle_status

        table = self.query_one("#detail-attendance", DataTable)
        key = selected_key(table)
        if key is None:
            return
        row_index = table.cursor_row
        try:
            with self.database.session() as db:
                cycle_status(
                    db,
                    group=self.record.group,
                    session=self.record.session,
                    participant_id=int(key),
                    now=utcnow(),
                    actor=self.actor,
                )
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
        self.reload()
        table.move_cursor(row=row_index)

    def action_audit(self) -> None:
        """This session's audit trail."""
        from facilitator.screens.audit_screen import AuditScreen

        self.app.push_screen(AuditScreen(self.database, self.session_id))

    @on(DataTable.RowSelected, "#detail-attendance")
    def _member_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_member()

    def action_member(self) -> None:
        """Open the selected member's attendance history."""
        from facilitator.screens.member import MemberScreen

        key = selected_key(self.query_one("#detail-attendance", DataTable))
        if key:
            self.app.push_screen(MemberScreen(self.database, self.record.group.id, int(key)))  # type: ignore[arg-type]

    def action_back(self) -> None:
        """Back to the history."""
        self.dismiss(None)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Session — keys"))
