"""What the app prints when it crashes: a traceback with no local values.

Textual's own crash report shows every frame's locals, which could put a member's code or a
note on the screen (and into a terminal's scrollback).
"""

from __future__ import annotations

import rich
from rich.segment import Segments
from rich.traceback import Traceback
from textual.app import App


def fatal_error_without_locals(app: App[object]) -> None:
    """Exit after an unhandled exception, with a traceback that shows code but no values.

    Used as `App._fatal_error`, which Textual calls for an unhandled exception.
    """
    app.bell()
    traceback = Traceback(show_locals=False, width=None, suppress=[rich])
    app._exit_renderables.append(Segments(app.console.render(traceback, app.console.options)))
    app._close_messages_no_wait()
