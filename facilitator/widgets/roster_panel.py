"""The roster: counts, one row per member (status as a word), and the check-in code box.

A member who attends by video reads `video` in the how column; a craving of 8 or more answered
at check-in is marked in the row (`▲ 9` in a `craving` column) for the facilitator's eyes
only: privacy mode hides it. A warning line stands under the counts when more members are
checked in than the group's size for group therapy, or when changes wait for a busy database.
"""

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
from facilitator.session.scales import high_craving
from facilitator.store.models import Modality, Status
from facilitator.widgets.plain import plain

STATUS_STYLE = {
    Status.PRESENT: "bold",
    Status.LATE: "bold italic",
    Status.EXCUSED: "dim italic",
    Status.ABSENT: "dim",
    Status.LEFT_EARLY: "italic",
}
WAITING_STYLE = "dim"
MIN_NAME_WIDTH = 10
"""A name is never cut shorter than this for the columns beside it."""


def how_text(entry: RosterEntry) -> str:
    """How the member came in (`code`, `phone`, ...) and `video` when they attend by video."""
    row = entry.attendance
    video = "video" if row.modality == Modality.TELEHEALTH else ""
    return " ".join(word for word in (row.method or "", video) if word)


def craving_mark(entry: RosterEntry) -> Text:
    """`▲ 9` (in the `craving` column) for a craving at or above the mark, else nothing."""
    row = entry.attendance
    return Text(f"▲ {row.craving}", style="bold") if high_craving(row) else Text("")


def size_warning(roster: list[RosterEntry], max_members: int) -> str:
    """The warning when more members attend than the group's size, else ""."""
    attended = sum(1 for entry in roster if entry.status.attended)
    if attended <= max_members:
        return ""
    return f"{attended} checked in — above this group's {max_members} for group therapy"


def count_parts(counts: dict[Status, int], waiting: int) -> list[list[str]]:
    """The roster's counts from the longest wording to the shortest: all in full (`5 here (4
    present, 1 late)`, `3 not here`, `0 excused`, …); then without the 0s; then `5 here`,
    `3 not here` and the rest that are not 0."""
    here = counts[Status.PRESENT] + counts[Status.LATE]
    rest = [
        (counts[Status.EXCUSED], "excused"),
        (counts[Status.LEFT_EARLY], "left early"),
        (counts[Status.ABSENT] - waiting, "absent"),  # marked by hand; the rest are not here
    ]
    breakdown = f"({counts[Status.PRESENT]} present, {counts[Status.LATE]} late)"
    full = [f"{here} here {breakdown}", f"{waiting} not here"]
    full += [f"{n} {word}" for n, word in rest if n or word != "absent"]
    nonzero = [f"{n} {word}" for n, word in rest if n]
    return [full, [*full[:2], *nonzero], [f"{here} here", full[1], *nonzero]]


def wrap_parts(parts: list[str], width: int, sep: str = " · ") -> list[str]:
    """`parts` joined by `sep` in lines of at most `width` cells, broken only between parts
    (a part wider than `width` has a line of its own)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + len(sep) + len(part) <= width:
            lines[-1] += sep + part
        else:
            lines.append(part)
    return lines


def fit_counts(wordings: list[list[str]], width: int, max_lines: int) -> str:
    """The longest of `wordings` that fits `max_lines` lines of `width` (else the shortest)."""
    if width <= 0:
        return " · ".join(wordings[0])  # not laid out yet
    for parts in wordings:
        lines = wrap_parts(parts, width)
        if len(lines) <= max_lines:
            break
    return "\n".join(lines)


def _same(old: Text, new: Text) -> bool:
    """The same cell on screen: text, style and spans (a Text's `==` ignores its style)."""
    return old.plain == new.plain and old.style == new.style and old.spans == new.spans


def display_name(entry: RosterEntry, privacy: bool) -> Text:
    """The member's name as plain text (never markup): full, or first name + last initial."""
    name = plain(entry.participant.short_name if privacy else entry.participant.name)
    name.overflow = "ellipsis"
    name.no_wrap = True
    return name


class RosterTable(DataTable[Text]):
    """Members, one row each, keyed by participant id."""

    _layout: tuple[list[str], list[int], list[str]] | None = None
    _shown: tuple[list[RosterEntry], str, bool] | None = None
    _cells: dict[str, list[Text]]

    def show(self, roster: list[RosterEntry], tz: str, privacy: bool) -> None:
        """Redraw, keeping the cursor on the same member."""
        selected = self.selected_id
        marks = not privacy and any(high_craving(entry.attendance) for entry in roster)
        labels = ["name", "status", *(["craving"] if marks else []), "in", "out", "how"]
        labels += [] if privacy else ["code"]
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
                Text(how_text(entry)),
            ]
            if not privacy:
                cells.append(plain(entry.participant.code, "dim"))
            if marks:  # beside the status, where the eye is: the roster may be cut on the right
                cells.insert(2, craving_mark(entry))
            rows.append(cells)
        # Explicit widths: measured now, not on a later idle tick, so a frame drawn in between
        # never caches cells cut to the header's width.
        widths = [
            max([len(label), *(rows[r][index].cell_len for r in range(len(rows)))])
            for index, label in enumerate(labels)
        ]
        widths[0] = self._name_width(widths, labels.index("in"))
        self._shown = (roster, tz, privacy)
        keys = [str(entry.participant.id) for entry in roster]
        layout = (labels, widths, keys)
        if layout == self._layout:
            # The same members and columns: change only the cells that changed (a check-in
            # touches one row), never rebuild the table.
            for key, cells in zip(keys, rows, strict=True):
                before = self._cells[key]
                for label, old, new in zip(labels, before, cells, strict=True):
                    if not _same(old, new):
                        self.update_cell(key, label, new)
                self._cells[key] = cells
            return
        self.clear(columns=True)
        for label, width in zip(labels, widths, strict=True):
            self.add_column(label, width=width, key=label)
        for key, cells in zip(keys, rows, strict=True):
            self.add_row(*cells, key=key)
        self._layout = layout
        self._cells = dict(zip(keys, rows, strict=True))
        if selected is not None:
            for index, entry in enumerate(roster):
                if entry.participant.id == selected:
                    self.move_cursor(row=index, animate=False)
                    break

    def _name_width(self, widths: list[int], last: int) -> int:
        """The name column's width: whole names, or shortened (`…`) when the table is too
        narrow for the check-in time beside them (the name can be read from less)."""
        pad = 2 * self.cell_padding
        room = self.size.width - sum(widths[1 : last + 1]) - pad * (last + 1)
        return widths[0] if room >= widths[0] or room <= 0 else max(room, MIN_NAME_WIDTH)

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

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

    DEFAULT_CSS = """
    RosterPanel #roster-warning { display: none; height: auto; color: $text-warning; }
    RosterPanel #roster-warning.-shown { display: block; }
    """

    count_lines = 2
    """Lines the counts may take before they are shortened (the screen sets 1 when small)."""

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
        yield Label("", id="roster-warning")
        yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Input(
            placeholder="c: type or scan a personal code, enter", id="checkin-code", max_length=40
        )

    def on_mount(self) -> None:
        self.table = self.query_one(RosterTable)
        self.counts = self.query_one("#roster-counts", Label)
        self.warning = self.query_one("#roster-warning", Label)
        self._size_warning = ""
        self._pending = ""
        self._count_parts: list[list[str]] = [[]]
        self.code_box = self.query_one("#checkin-code", Input)

    def show(
        self,
        roster: list[RosterEntry],
        counts: dict[Status, int],
        tz: str,
        privacy: bool,
        max_members: int | None = None,
    ) -> None:
        """Redraw the counts, the size warning (above `max_members`) and the table."""
        self._count_parts = count_parts(counts, sum(1 for e in roster if e.waiting))
        self._show_counts()
        self._size_warning = "" if max_members is None else size_warning(roster, max_members)
        self._show_warning()
        self.table.show(roster, tz, privacy)

    def on_resize(self) -> None:
        self._show_counts()

    def _show_counts(self) -> None:
        """The counts in the lines the panel gives them (`count_lines`), shorter if need be."""
        text = fit_counts(self._count_parts, self.content_size.width, self.count_lines)
        self.counts.update(Text(text))

    def show_pending(self, text: str) -> None:
        """Say that changes are waiting to be saved ("" once they are)."""
        if text != self._pending:
            self._pending = text
            self._show_warning()

    def _show_warning(self) -> None:
        lines = [line for line in (self._size_warning, self._pending) if line]
        self.warning.update(Text("\n".join(lines)))
        self.warning.set_class(bool(lines), "-shown")

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
