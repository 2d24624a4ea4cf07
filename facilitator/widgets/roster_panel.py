"""The roster: counts, one row per member (status as a word), and the check-in code box."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label

from facilitator.common.timeutil import hhmm
from facilitator.session.live import RosterEntry
from facilitator.store.models import Status
from facilitator.widgets.plain import plain

STATUS_STYLE = {
    Status.PRESENT: "bold",
    Status.LATE: "bold italic",
    Status.EXCUSED: "dim italic",
    Status.ABSENT: "dim",
    Status.LEFT_EARLY: "italic",
}
WAITING_STYLE = "dim"


def display_name(entry: RosterEntry, privacy: bool) -> Text:
    """The member's name as plain text (never markup): full, or first name + last initial."""
    return plain(entry.participant.short_name if privacy else entry.participant.name)


class RosterTable(DataTable[Text]):
    """Members, one row each, keyed by participant id."""

    def show(self, roster: list[RosterEntry], tz: str, privacy: bool) -> None:
        """Redraw, keeping the cursor on the same member."""
        selected = self.selected_id
        self.clear(columns=True)
        labels = ["name", "status", "in", "out", "how"] + ([] if privacy else ["code"])
        rows: list[list[Text]] = []
        for entry in roster:
            row = entry.attendance
            cells = [
                display_name(entry, privacy),
                Text(
                    entry.word, style="dim italic" if entry.waiting else STATUS_STYLE[entry.status]
                ),
                Text(hhmm(row.checked_in_at, tz)),
                Text(hhmm(row.checked_out_at, tz)),
                Text(row.method or ""),
            ]
            if not privacy:
                cells.append(plain(entry.participant.code, "dim"))
            rows.append(cells)
        # Explicit widths: measured now, not on a later idle tick, so a frame drawn in between
        # never caches cells cut to the header's width.
        for index, label in enumerate(labels):
            width = max([len(label), *(rows[r][index].cell_len for r in range(len(rows)))])
            self.add_column(label, width=width)
        for entry, cells in zip(roster, rows, strict=True):
            self.add_row(*cells, key=str(entry.participant.id))
        if selected is not None:
            for index, entry in enumerate(roster):
                if entry.participant.id == selected:
                    self.move_cursor(row=index, animate=False)
                    break

    @property
    def selected_id(self) -> int | None:
        """Participant id of the row under the cursor."""
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return int(key.value) if key.value is not None else None


class RosterPanel(Vertical):
    """Counts at the top, the roster, and the check-in box below."""

    @dataclass
    class CodeEntered(Message):
        """A code was typed or scanned into the check-in box and `enter` pressed."""

        code: str

    @dataclass
    class SelectionChanged(Message):
        """The roster cursor moved to another member."""

        participant_id: int | None

    def compose(self) -> ComposeResult:
        yield Label("", id="roster-counts")
        yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Input(
            placeholder="c: type or scan a personal code, enter", id="checkin-code", max_length=40
        )

    def on_mount(self) -> None:
        self.table = self.query_one(RosterTable)
        self.counts = self.query_one("#roster-counts", Label)
        self.code_box = self.query_one("#checkin-code", Input)

    def show(
        self, roster: list[RosterEntry], counts: dict[Status, int], tz: str, privacy: bool
    ) -> None:
        """Redraw the counts and the table."""
        here = counts[Status.PRESENT] + counts[Status.LATE]
        waiting = sum(1 for e in roster if e.waiting)
        absent_marked = counts[Status.ABSENT] - waiting
        parts = [
            f"{here} here ({counts[Status.PRESENT]} present, {counts[Status.LATE]} late)",
            f"{waiting} not here",
            f"{counts[Status.EXCUSED]} excused",
            f"{counts[Status.LEFT_EARLY]} left early",
        ]
        if absent_marked:
            parts.append(f"{absent_marked} absent")
        self.counts.update(Text(" · ".join(parts)))
        self.table.show(roster, tz, privacy)

    @on(Input.Submitted, "#checkin-code")
    def _code(self, event: Input.Submitted) -> None:
        event.stop()
        code = event.value.strip()
        event.input.clear()
        if code:
            self.post_message(self.CodeEntered(code))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        key = event.row_key.value
        self.post_message(self.SelectionChanged(int(key) if key is not None else None))
