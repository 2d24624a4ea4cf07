"""The key footer: Textual's `Footer`, without keeping the keys it has replaced alive.

Textual's `Footer` rebuilds its `FooterKey` widgets whenever the screen's bindings change (a
focus move, a screen switch, a key that enables or disables an action). Each new key is bound to
the footer's `compact` reactive with `data_bind`, which stores a watcher `(key, setter)` on the
footer itself. Textual prunes that list only when `compact` changes, which it never does here, so
on a screen that stays up for hours (the live session) every key the footer ever showed stays
referenced by the footer, with its styles and render caches. This footer drops the watchers of
removed keys after each rebuild; the keys, labels, layout, CSS (it is still `Footer` to
selectors) and clicks are Textual's own.
"""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

__all__ = ["Footer", "stale_key_watchers"]


def _watchers(footer: TextualFooter) -> dict[str, list[tuple[object, object]]]:
    """The watchers other nodes registered on `footer`'s reactives (Textual keeps them there)."""
    return getattr(footer, "__watchers", {})


def _stale(node: object) -> bool:
    """A footer key that has been removed from the screen."""
    return isinstance(node, FooterKey) and not node.is_attached


def stale_key_watchers(footer: TextualFooter) -> int:
    """How many watchers on `footer` belong to keys no longer on screen."""
    return sum(_stale(node) for entries in _watchers(footer).values() for node, _ in entries)


class Footer(TextualFooter):
    """Textual's key footer whose rebuilds release the keys they replace."""

    async def recompose(self) -> None:
        """Rebuild the keys as Textual does, then forget the watchers of the removed ones."""
        await super().recompose()
        for entries in _watchers(self).values():
            entries[:] = [(node, callback) for node, callback in entries if not _stale(node)]
