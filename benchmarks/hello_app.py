"""The start-up floor: a bare Textual hello-world app, started the way `facilitator run` is.

python benchmarks/hello_app.py
"""

from textual.app import App, ComposeResult
from textual.widgets import Label


class HelloApp(App[None]):
    """One label; ctrl+q quits (Textual's default binding)."""

    def compose(self) -> ComposeResult:
        yield Label("Hello from a bare Textual app")


if __name__ == "__main__":
    HelloApp().run()
