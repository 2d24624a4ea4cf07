"""The live screen's title bar: group, curriculum and topic, and who facilitates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from facilitator.widgets.plain import plain

if TYPE_CHECKING:
    from facilitator.session.live import Snapshot


def session_title(snap: Snapshot) -> Text:
    """`Group  ·  Curriculum — Topic  ·  Facilitator` in bold (the facilitator dim)."""
    session = snap.session
    title = Text.assemble(
        plain(snap.group.name),
        "  ·  ",
        plain(session.curriculum_title),
        " — ",
        plain(session.topic_title),
        style="bold",
    )
    if session.facilitator:
        title.append_text(Text.assemble("  ·  ", plain(session.facilitator), style="dim"))
    return title
