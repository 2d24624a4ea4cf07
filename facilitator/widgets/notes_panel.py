"""Notes: the session note and the selected member's progress note, one field per heading."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label, TextArea

from facilitator.store.models import Note
from facilitator.widgets.plain import plain


class NotesPanel(Horizontal):
    """Two editors side by side; the screen saves them (debounced) as they change."""

    def compose(self) -> ComposeResult:
        with Vertical(id="session-note-box"):
            yield Label("Session note — themes, interventions, engagement", classes="note-title")
            yield TextArea(id="session-note", tab_behavior="focus", soft_wrap=True)
        with Vertical(id="member-note-box"):
            yield Label("Progress note", id="member-note-title", classes="note-title")
            yield VerticalScroll(id="member-fields", can_focus=False)

    def on_mount(self) -> None:
        self.session_note = self.query_one("#session-note", TextArea)
        self.member_title = self.query_one("#member-note-title", Label)
        self.member_fields = self.query_one("#member-fields", VerticalScroll)
        self.headings: tuple[str, ...] = ()
        self.member_id: int | None = None
        self._loaded_session = ""
        self._loaded_member: dict[str, str] = {}

    def load_session_note(self, note: Note | None) -> None:
        """Show the saved session note."""
        self._loaded_session = note.text if note else ""
        self.session_note.load_text(self._loaded_session)

    def session_edited(self) -> str | None:
        """The session note's text if the user changed it since it was loaded or saved."""
        text = self.session_note.text
        return text if text != self._loaded_session else None

    def member_edited(self) -> dict[str, str] | None:
        """The member note's fields if the user changed them since loaded or saved."""
        if self.member_id is None:
            return None
        values = self.member_values()
        return values if values != self._loaded_member else None

    def mark_saved(
        self, session_text: str | None, member_id: int | None, fields: dict[str, str] | None
    ) -> None:
        """These texts (as they were when saved) are now what is stored; anything typed since
        still counts as edited."""
        if session_text is not None:
            self._loaded_session = session_text
        if fields is not None and member_id is not None and member_id == self.member_id:
            self._loaded_member = fields

    async def load_member(
        self,
        participant_id: int | None,
        name: str,
        note: Note | None,
        headings: tuple[str, ...],
        fmt: str,
    ) -> None:
        """Show a member's progress note, one editor per heading of the group's format."""
        self.member_id = participant_id
        if participant_id is None:
            self.member_title.update("Progress note — select a member on the roster")
        else:
            self.member_title.update(Text.assemble(f"{fmt} progress note — ", plain(name, "bold")))
        if headings != self.headings:
            self.headings = headings
            await self.member_fields.remove_children()
            widgets: list[Widget] = []
            for heading in headings:
                widgets.append(Label(heading, classes="field-label"))
                widgets.append(
                    TextArea(
                        id=f"field-{heading.lower()}",
                        tab_behavior="focus",
                        soft_wrap=True,
                        classes="note-field",
                    )
                )
            await self.member_fields.mount_all(widgets)
        saved = note.fields if note else {}
        self._loaded_member = {h: saved.get(h, "") for h in self.headings}
        for heading in self.headings:
            area = self.member_fields.query_one(f"#field-{heading.lower()}", TextArea)
            area.load_text(self._loaded_member[heading])
            area.disabled = participant_id is None

    def member_values(self) -> dict[str, str]:
        """The member note's fields as typed."""
        return {
            heading: self.member_fields.query_one(f"#field-{heading.lower()}", TextArea).text
            for heading in self.headings
        }

    def first_editor(self) -> TextArea:
        """Where `tab` from the roster lands."""
        return self.session_note
