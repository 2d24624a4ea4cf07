"""One session: agenda planned vs actual, attendance, notes, addenda, signature.

After the session and until it is signed, its notes are written and edited here (`tab`, see
`session_record_notes`) and a member's status is corrected with a reason (`space`, see
`session_record_status`). Signing (`s`, after a warning about missing or cloned notes) locks the
record; corrections after that are addenda (`a`), shown beside the original. A session started
by mistake is discarded or voided (`x`, see `session_void`).

Another screen opens a session's record with `SessionDetailScreen(database, session_id)`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static, TextArea

from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.session_record_notes import RecordNotes
from facilitator.screens.session_record_status import correct_modality, correct_status, refusal
from facilitator.screens.session_record_tables import fill_table
from facilitator.screens.work_queue import WorkScreen
from facilitator.store.database import Database
from facilitator.widgets.footer import Footer
from facilitator.widgets.notes_panel import NotesPanel
from facilitator.widgets.tables import selected_key

if TYPE_CHECKING:
    from facilitator.app import FacilitatorApp
    from facilitator.exchange.export import SessionLog


class SessionDetailScreen(WorkScreen):
    """The record of one session."""

    COMMANDS = {ScreenActions}
    CSS_PATH = "session_record.tcss"
    BINDINGS = [
        Binding("tab", "focus_notes", "Notes", key_display="tab", id="detail.notes"),
        Binding("s", "sign", "Sign", id="detail.sign"),
        Binding("a", "addendum", "Addendum", id="detail.addendum"),
        Binding("m", "member", "Member", show=False, id="detail.member"),
        Binding(
            "space", "correct_status", "Correct status", key_display="space", id="detail.status"
        ),
        Binding("v", "correct_modality", "Video", show=False, id="detail.modality"),
        Binding("t", "audit", "Audit trail", id="detail.audit"),
        Binding("x", "void", "Discard/void", id="detail.void"),
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("question_mark", "help", "Help", key_display="?", id="detail.help"),
    ]

    def __init__(self, database: Database, session_id: str, actor: str = "") -> None:
        super().__init__(database, "session-record")
        self.session_id = session_id
        self.actor = actor
        """Who makes the corrections (default: the person at the keyboard)."""
        self.record: SessionLog | None = None
        """The session as last loaded (None until it is)."""

    @property
    def who(self) -> str:
        """The actor of what is done here: `actor`, else the person at the keyboard."""
        return self.actor or cast("FacilitatorApp", self.app).actor

    @property
    def keyboard_user(self) -> str:
        """The person at the keyboard, if known (proposed as signer and author)."""
        return getattr(self.app, "keyboard_user", "")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Label("", id="detail-title")
            yield Label("", id="detail-times")
            yield Label("Agenda — planned vs actual", classes="section")
            yield DataTable(id="detail-agenda", cursor_type="none", zebra_stripes=True)
            yield Label("Attendance", id="detail-attendance-title", classes="section")
            yield DataTable(id="detail-attendance", cursor_type="row", zebra_stripes=True)
            yield Label("", id="detail-editor-hint", classes="section")
            yield NotesPanel(id="detail-editor")
            yield Label("Notes", classes="section")
            yield Static(id="detail-notes")
            yield Label("", id="detail-signature", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.table = self.query_one("#detail-attendance", DataTable)
        self.editor = self.query_one(NotesPanel)
        self.editor.display = False
        self.notes = RecordNotes(
            self, self.editor, self.work, self.database, self.session_id, lambda: self.who
        )
        self.notes.on_saved = self._redraw_notes
        self.reload()
        self.table.focus()

    def on_screen_suspend(self) -> None:
        self.notes.save()

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.work.drain)  # a correction queued is still saved

    def reload(self, then: Callable[[], object] | None = None) -> None:
        """Load the session as stored (after any change queued), draw it, then `then()`."""

        def draw(log: SessionLog | None) -> None:
            if log is not None:
                self._draw(log)
            if then is not None:
                then()

        self.work.submit(self._read, draw)

    def _change(
        self, write: Callable[[], object], then: Callable[[], object] | None = None
    ) -> None:
        """Save a change (a refusal is a notification), then draw the record as stored."""
        self.work.submit(write)
        self.reload(then)

    def _read(self) -> SessionLog:
        from facilitator.exchange.export import load_session_log

        with self.database.session() as db:
            log = load_session_log(db, self.session_id)
        if log is None:
            raise UserError("That session no longer exists.")
        return log

    def _when_loaded(self, action: Callable[[SessionLog], object]) -> None:
        """Run `action(record)` now, or once the record has loaded (a key pressed at once)."""

        def run(_: None = None) -> None:
            if self.record is not None:
                action(self.record)

        if self.record is None:
            self.work.submit(lambda: None, run)  # after the load already queued
        else:
            run()

    def _draw(self, log: SessionLog) -> None:
        """Draw the session as stored."""
        from facilitator.screens import session_record_draw as show

        self.record = log
        self.query_one("#detail-title", Label).update(show.title(log))
        self.query_one("#detail-times", Label).update(show.times(log))
        agenda = self.query_one("#detail-agenda", DataTable)
        fill_table(agenda, show.AGENDA_HEADINGS, show.agenda_rows(log))
        fill_table(self.table, show.ATTENDANCE_HEADINGS, show.attendance_rows(log))
        self.query_one("#detail-attendance-title", Label).update(show.attended_line(log))
        self._draw_editor(log)
        self.query_one("#detail-notes", Static).update(show.notes_content(log))
        self.query_one("#detail-signature", Label).update(show.signature(log))

    def _draw_editor(self, log: SessionLog) -> None:
        """Editors for an ended, unsigned session; otherwise the notes are read-only."""
        why_not = refusal(log)
        was, self.notes.editable = self.notes.editable, why_not is None
        self.editor.display = self.notes.editable
        if not self.notes.editable and self.editor.has_focus_within:
            self.table.focus()
        self.query_one("#detail-editor-hint", Label).update(
            "Notes — tab to write, saved as you type; escape leaves" if self.notes.editable else ""
        )
        if self.notes.editable and not was:
            self._show_selected()

    def _show_selected(self) -> None:
        """Show the selected member's note in the editor."""
        key = selected_key(self.table)
        name = ""
        if key is not None and self.record is not None:
            name = next((p.name for _, p in self.record.attendance if str(p.id) == key), "")
        self.notes.show(int(key) if key is not None else None, name)

    def _redraw_notes(self) -> None:
        """The notes as saved, below the editors (tables and cursor stay as they are)."""

        def draw(log: SessionLog | None) -> None:
            if log is not None:
                from facilitator.screens.session_record_draw import notes_content

                self.record = log
                self.query_one("#detail-notes", Static).update(notes_content(log))

        self.work.submit(self._read, draw)

    @on(DataTable.RowHighlighted, "#detail-attendance")
    def _member_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        if self.notes.editable:
            self.notes.save()
            self._show_selected()

    @on(TextArea.Changed)
    def _note_changed(self, _event: TextArea.Changed) -> None:
        if self.notes.editable:
            self.notes.typed()

    # -- actions ---------------------------------------------------------------------------------

    def action_focus_notes(self) -> None:
        """`tab`: into the session note and the selected member's note (and on through them)."""
        if self.editor.has_focus_within:
            self.focus_next()
            return
        if self.record is None:
            return
        why_not = refusal(self.record)
        if why_not is not None:
            self.notify(why_not.replace("it to correct it", "to correct the notes"))
        else:
            self.set_focus(self.editor.first_editor())

    def action_sign(self) -> None:
        """Sign the session (asks who, warns of missing or cloned notes), then it is locked."""
        self.notes.save()
        self._when_loaded(self._ask_signer)

    def _ask_signer(self, record: SessionLog) -> None:
        if record.session.signed_at is not None:
            self.notify("Already signed; add an addendum (a) to correct it.", severity="warning")
            return
        if record.session.state != "ended":
            void = record.session.state == "void"
            why = "A void session is not signed." if void else "End the session before signing it."
            self.notify(why, severity="warning")
            return

        def signed_by(name: str | None) -> None:
            if name:
                self.work.submit(self._note_problems, lambda found: confirm(name, found or []))

        def confirm(name: str, problems: list[str]) -> None:
            locked = "After signing, attendance and notes are locked; corrections become addenda."
            detail = "\n".join(f"• {line}" for line in problems)
            self.app.push_screen(
                ConfirmScreen(
                    f"Sign this session as {name} anyway?"
                    if problems
                    else f"Sign this session as {name}?",
                    f"{detail}\n\n{locked}" if problems else locked,
                    yes="Sign anyway (y)" if problems else "Sign (y)",
                ),
                lambda ok: self._sign(name) if ok else None,
            )

        self.app.push_screen(
            AskScreen(
                "Sign as (your name and credentials)",
                value=self.keyboard_user or record.session.facilitator,
            ),
            signed_by,
        )

    def _note_problems(self) -> list[str]:
        from facilitator.session.notes import note_problems

        with self.database.session() as db:
            return note_problems(db, self.session_id).lines()

    def _sign(self, name: str) -> None:
        from facilitator.common.timeutil import utcnow
        from facilitator.session.signing import sign_session

        def write() -> None:
            with self.database.session() as db:
                sign_session(db, self.session_id, by=name, now=utcnow())

        self._change(write)

    def action_addendum(self) -> None:
        """Add a correction to a signed session: what, and why."""
        self._when_loaded(self._addendum)

    @work
    async def _addendum(self, record: SessionLog) -> None:
        if record.session.signed_at is None:
            self.notify(
                "Addenda are for signed sessions; until it is signed, edit the notes here (tab).",
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
            AskScreen("Your name", value=self.keyboard_user or record.session.signed_by or "")
        )
        if not author:
            return
        from facilitator.common.timeutil import utcnow
        from facilitator.session.signing import add_addendum

        def write() -> None:
            with self.database.session() as db:
                add_addendum(
                    db, self.session_id, text=text, reason=reason, author=author, now=utcnow()
                )

        self._change(write)

    def action_correct_status(self) -> None:
        """Correct the selected member's status in an ended, unsigned session, with a reason."""
        self._when_loaded(self._correct_status)

    def _correct_status(self, record: SessionLog) -> None:
        self._correct(correct_status, record)

    def action_correct_modality(self) -> None:
        """The selected member attended by video / in person (ended, unsigned sessions)."""
        self._when_loaded(self._correct_modality)

    def _correct_modality(self, record: SessionLog) -> None:
        self._correct(correct_modality, record)

    @work
    async def _correct(
        self,
        correction: Callable[[SessionDetailScreen, SessionLog, str], Awaitable[bool]],
        record: SessionLog,
    ) -> None:
        """Run a correction on the selected member; reload on the same row once it is saved."""
        key, row_index = selected_key(self.table), self.table.cursor_row
        if key is not None and await correction(self, record, key):
            self.reload(lambda: self.table.move_cursor(row=row_index))

    def action_audit(self) -> None:
        """This session's audit trail."""
        from facilitator.screens.audit_screen import AuditScreen

        self.app.push_screen(AuditScreen(self.database, self.session_id))

    def action_void(self) -> None:
        """A session started by mistake: discard it (nothing recorded) or void it (a reason)."""
        self._when_loaded(self._void)

    @work
    async def _void(self, record: SessionLog) -> None:
        from facilitator.screens.session_void import discard_or_void

        await discard_or_void(self, record)

    @on(DataTable.RowSelected, "#detail-attendance")
    def _member_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_member()

    def action_member(self) -> None:
        """Open the selected member's attendance history."""
        from facilitator.screens.member import MemberScreen

        key = selected_key(self.query_one("#detail-attendance", DataTable))
        group_id = self.record.group.id if self.record else None
        if key and group_id is not None:
            self.app.push_screen(MemberScreen(self.database, group_id, int(key)))

    def action_back(self) -> None:
        """Out of the notes, else back to where the record was opened from."""
        self.notes.save()
        if self.editor.has_focus_within:
            self.table.focus()
        else:
            self.dismiss(None)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Session — keys"))
