"""One session, read-only: agenda planned vs actual, attendance, notes, addenda, signature.

Signing (`s`) locks the record; corrections after that are addenda (`a`), shown beside the original.
A session started by mistake is discarded or voided (`x`, see `session_void`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from facilitator.errors import UserError
from facilitator.screens.commands import ScreenActions
from facilitator.screens.dialogs import AskScreen, ConfirmScreen
from facilitator.screens.help import HelpScreen
from facilitator.screens.work_queue import WorkQueue
from facilitator.store.database import Database
from facilitator.widgets.plain import plain
from facilitator.widgets.tables import selected_key

if TYPE_CHECKING:
    import datetime as dt

    from facilitator.app import FacilitatorApp
    from facilitator.exchange.export import SessionLog


def _minutes(start: dt.datetime | None, end: dt.datetime | None) -> str:
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
        Binding("x", "void", "Discard/void", id="detail.void"),
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("question_mark", "help", "Help", key_display="?", id="detail.help"),
    ]

    def __init__(self, database: Database, session_id: str, actor: str = "") -> None:
        super().__init__()
        self.database = database
        self.session_id = session_id
        self.actor = actor
        """Who makes the corrections (default: the person at the keyboard)."""
        self.record: SessionLog | None = None
        """The session as last loaded (None until it is)."""
        self.work = WorkQueue(self, "session-record")
        """Loading, signing and corrections, in order, off the event loop."""

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
            yield Label("Attendance", classes="section")
            yield DataTable(id="detail-attendance", cursor_type="row", zebra_stripes=True)
            yield Label("Notes", classes="section")
            yield Static(id="detail-notes")
            yield Label("", id="detail-signature", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#detail-attendance", DataTable).focus()

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.work.drain)  # a correction queued is still saved

    @on(WorkQueue.Done)
    async def _done(self, event: WorkQueue.Done) -> None:
        if event.error is not None:
            self.notify(event.error, severity="error", markup=False)
        await event.settle()

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
        from facilitator.common.timeutil import hhmm, local

        self.record = log
        s, tz = log.session, log.timezone
        title = Text.assemble(
            plain(log.group.name, "bold"),
            f"  ·  {s.local_date}  ·  ",
            plain(s.topic_title or s.topic_id),
            "  ·  " if s.facilitator else "",
            plain(s.facilitator),
        )
        self.query_one("#detail-title", Label).update(title)
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
                plain(item.title),
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
                plain(person.name),
                row.status.replace("_", " "),
                hhmm(row.checked_in_at, tz),
                hhmm(row.checked_out_at, tz),
                f"{row.minutes:.0f}",
                row.method or "",
                key=str(person.id),
            )
        self.query_one("#detail-notes", Static).update(self._notes(log))
        signature = self.query_one("#detail-signature", Label)
        if s.state == "void":
            signature.update(
                Content.assemble(
                    ("VOID — kept, but in no report or streak. Reason: ", "bold $error"),
                    plain(s.void_reason or "").plain,
                )
            )
        elif s.signed_at is not None:
            signature.update(
                Text.assemble(
                    "Signed by ",
                    plain(s.signed_by),
                    f" on {local(s.signed_at, tz).format('YYYY-MM-DD HH:mm')}"
                    " — locked; corrections are addenda (a).",
                )
            )
        else:
            signature.update(
                Content.styled(
                    "UNSIGNED — press s to sign once the record is complete.", "$warning"
                )
            )

    @staticmethod
    def _notes(log: SessionLog) -> Content:
        from facilitator.common.timeutil import local

        parts: list[str | tuple[str, str]] = []
        for note, author in log.notes:
            who = plain(author.name).plain if author else "Session note"
            fmt = f" ({note.format})" if note.format else ""
            parts += [(who + fmt, "bold"), "\n", plain(note.text, lines=True).plain or "(empty)"]
            parts.append("\n\n")
        for number, addendum in enumerate(log.addenda, 1):
            when = local(addendum.created_at, log.timezone).format("YYYY-MM-DD HH:mm")
            by = plain(addendum.author).plain
            parts += [
                (f"ADDENDUM {number} — {by}, {when}", "bold $warning"),
                "\n",
                "Reason: ",
                plain(addendum.reason).plain,
                "\n",
                plain(addendum.text, lines=True).plain,
                "\n\n",
            ]
        if not parts:
            return Content("No notes.")
        return Content.assemble(*parts)

    # -- actions ---------------------------------------------------------------------------------

    def action_sign(self) -> None:
        """Sign the session (asks who), after which it is locked."""
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
            AskScreen(
                "Sign as (your name and credentials)",
                value=self.keyboard_user or record.session.facilitator,
            ),
            signed_by,
        )

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

    def action_cycle_status(self) -> None:
        """Correct the selected member's status after the session (refused once signed; audited)."""
        from facilitator.common.timeutil import utcnow
        from facilitator.session.attendance import cycle_status

        table = self.query_one("#detail-attendance", DataTable)
        key, record = selected_key(table), self.record
        if key is None or record is None:
            return
        row_index = table.cursor_row

        def write() -> None:
            with self.database.session() as db:
                cycle_status(
                    db,
                    group=record.group,
                    session=record.session,
                    participant_id=int(key),
                    now=utcnow(),
                    actor=self.who,
                )

        self._change(write, lambda: table.move_cursor(row=row_index))

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
        """Back to the history."""
        self.dismiss(None)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self, "Session — keys"))
