"""Notes: the session note and the selected member's progress note, one field per heading."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, TextArea

from facilitator.models import Note


class NotesPanel(Horizontal):
    """Two editors side by side; the screen saves them (debounced) as they change."""

    def compose(self) -> ComposeResult:
        with Vertical(id="session-note-box"):
            yield Label("Session note — themes, interventions, engagement", classes="note-title")
            yield TextArea(id="session-note", tab_behavior="focus", soft_wrap=True)
        with Vertical(id="member-note-box"):
            yield Label("Progress note", id="member-note-title", classes="note-title")
            yield VerticalScroll(id="member-fields")

    def on_mount(self) -> None:
        self.session_note = self.query_one("#session-note", TextArea)
        self.member_title = self.query_one("#member-note-title", Label)
        self.member_fields = self.query_one("#member-fields", VerticalScroll)
        self.headings: tuple[str, ...] = ()
        self.member_id: int | None = None

    def load_session_note(self, note: Note | None) -> None:
        """Show the saved session note."""
        self.session_note.load_text(note.text if note else "")

    async def load_member(
        self, participant_id: int | None, name: str, note: Note | None, headings: tuple[str, ...], fmt: str
    ) -> None:
        """Show a member's progress note, one editor per heading of the group's format."""
        self.member_id = participant_id
        if participant_id is None:
            self.member_title.update("Progress note — select a member on the roster")
        else:
            title = Text(f"{fmt} progress note — ")
            title.append(name, style="bold")
            self.member_title.update(title)
        if headings != self.headings:
            self.headings = headings
            await self.member_fields.remove_children()
            widgets = []
            for heading in headings:
                widgets.append(Label(heading, classes="field-label"))
                widgets.append(
                    TextArea(id=f"field-{heading.lower()}", tab_behavior="focus", soft_wrap=True,
                             classes="note-field")
                )
            await self.member_fields.mount_all(widgets)
        saved = note.fields if note else {}
        for heading in self.headings:
            area = self.member_fields.query_one(f"#field-{heading.lower()}", TextArea)
            area.load_text(saved.get(heading, ""))
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
