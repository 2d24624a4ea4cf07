"""A command-palette provider that offers every binding of the active screen as a command."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider


class ScreenActions(Provider):
    """Each described binding of the current screen, searchable by its description."""

    def _actions(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        seen: set[str] = set()
        found = []
        for key, binding in screen._bindings:
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            found.append((binding.description, binding.action, binding.key_display or key))
        return found

    async def discover(self) -> Hits:
        """Show every action when the palette opens empty."""
        for description, action, key in self._actions():
            yield Hit(1.0, description, partial(self.screen.run_action, action), help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        """Actions whose description matches the query."""
        matcher = self.matcher(query)
        for description, action, key in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(self.screen.run_action, action),
                    help=f"key: {key}",
                )
