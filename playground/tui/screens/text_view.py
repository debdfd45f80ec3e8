"""A full-screen text view that follows the cluster: describe, YAML, why, owner tree, rollout
history, command output.

The view is given a function that produces its text; it re-renders when the cluster changes
(at most a few times a second) and keeps the scroll position.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from playground.tui.messages import ClusterChanged, TimeAdvanced

REFRESH_SECONDS = 0.5


class TextView(Screen[None]):
    """Live text about one object."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q", "close", "Back", id="view.close"),
        Binding("f", "toggle_follow", "Follow", id="view.follow"),
    ]

    def __init__(self, title: str, produce: Callable[[], str], *, language: str | None = None,
                 view: str = "text", live: bool = True) -> None:
        super().__init__(classes=f"text-view view-{view}")
        self.title_text = title
        self.produce = produce
        self.language = language
        self.view = view
        self.live = live
        self._last = ""
        self._rendered_at = 0.0

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.title_text}", style="bold"), classes="view--title")
        with VerticalScroll(id="view-body"):
            yield Static(id="view-text")
        yield Footer()

    def on_mount(self) -> None:
        self.render_text(force=True)
        self.query_one("#view-body").focus()

    def render_text(self, force: bool = False) -> None:
        """Produce the text again and show it if it changed."""
        now = time.monotonic()
        if not force and now - self._rendered_at < REFRESH_SECONDS:
            return
        self._rendered_at = now
        text = self.produce()
        if text == self._last and not force:
            return
        self._last = text
        body = self.query_one("#view-text", Static)
        if self.language:
            body.update(Syntax(text, self.language, theme="ansi_dark", word_wrap=False,
                               background_color="default"))
        else:
            body.update(Text(text))

    def on_cluster_changed(self, message: ClusterChanged) -> None:
        if self.live:
            self.render_text()

    def on_time_advanced(self, message: TimeAdvanced) -> None:
        if self.live:
            self.render_text()

    def action_toggle_follow(self) -> None:
        """Stop or resume following the cluster."""
        self.live = not self.live
        self.notify("Following the cluster" if self.live else "Frozen (f follows again)")

    def action_close(self) -> None:
        """Back to the cluster."""
        self.dismiss(None)
