"""The live session screen's keys (contract section 4): a short word each for the footer, so
every key fits one line from 120 columns, and a tooltip saying in full what it does (`?`)."""

from __future__ import annotations

from textual.binding import Binding

NEXT = "Finish the current item, start the next"
BREAK = "Start a break (or the break item's) / end it early"
CYCLE = "Cycle present → late → excused → absent"
ALL = "Mark everyone not here present"
PRIVACY = "Privacy: first name + initial, no codes, no notes"
NOTES = "Into the notes (escape: back to the roster)"
LEAVE = "Out of the notes or check-in box, back to roster"
CODE = "Check in by code; CODE c7 m4 also records craving 7, mood 4"
VIDEO = "The selected member attends by video / in person again"


LIVE_KEYS = [
    # `?` first: on a narrow terminal the footer is cut, and `?` lists every key.
    Binding(
        "question_mark",
        "help",
        "Help",
        key_display="?",
        tooltip="Every key (this list)",
        id="live.help",
    ),
    Binding("n", "next_item", "Next", tooltip=NEXT, id="live.next"),
    Binding("p", "pause", "Pause", tooltip="Pause / resume the item's timer", id="live.pause"),
    Binding("plus", "extend", "+5", key_display="+", tooltip="+5 minutes", id="live.extend"),
    Binding("b", "toggle_break", "Break", tooltip=BREAK, id="live.break"),
    Binding("c", "focus_checkin", "Code", tooltip=CODE, id="live.checkin"),
    Binding(
        "space", "cycle_status", "Status", key_display="space", tooltip=CYCLE, id="live.status"
    ),
    Binding("o", "check_out", "Out", tooltip="Check out (left early)", id="live.checkout"),
    Binding("v", "toggle_modality", "Video", tooltip=VIDEO, id="live.video"),
    Binding("w", "walk_in", "Walk", tooltip="Add a walk-in", id="live.walkin"),
    Binding("A", "all_present", "All", key_display="A", tooltip=ALL, id="live.all"),
    Binding("P", "privacy", "Privacy", key_display="P", tooltip=PRIVACY, id="live.privacy"),
    Binding("tab", "focus_notes", "Notes", key_display="tab", tooltip=NOTES, id="live.notes"),
    Binding("escape", "leave_notes", "Leave notes", show=False, tooltip=LEAVE, id="live.leave"),
    Binding("f", "show_qr", "QR", tooltip="Check-in QR full screen", id="live.qr"),
    Binding("e", "end_session", "End", tooltip="End the session (asks)", id="live.end"),
]
