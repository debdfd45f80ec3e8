"""The key bar at the bottom: Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer rebuilds itself (removing and mounting a widget per key, then a layout of the
screen) whenever the focused widget changes, because the set of active bindings might have.
Moving between the panes mostly leaves the shown keys as they were, and that rebuild was the
largest cost of a pane switch; this footer compares what it would show first.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that skips rebuilding when its keys are unchanged."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[tuple[object, ...], ...] | None = None
        self.rebuilds = 0
        """How many times the keys changed (tests count them)."""

    @staticmethod
    def shown_keys(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
        """What the footer would show for the screen's active bindings."""
        return tuple((binding.key, binding.description, binding.key_display, enabled, tooltip)
                     for (_, binding, enabled, tooltip) in screen.active_bindings.values()
                     if binding.show)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            super().bindings_changed(screen)
            return
        shown = self.shown_keys(screen)
        if shown == self._shown:
            return
        self._shown = shown
        self.rebuilds += 1
        super().bindings_changed(screen)
