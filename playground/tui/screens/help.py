"""`?`: every key binding of the screen underneath, grouped, from the bindings themselves.

Help is data: the list comes from the active bindings (ids, keys, descriptions), so remapped
or new bindings show up without anyone editing this screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


def bindings_table(screen: Screen[object]) -> Table:
    """A table of the keys a screen (and the app) answers to."""
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("Key", style="bold cyan", no_wrap=True)
    table.add_column("Action")
    seen: set[str] = set()
    rows: list[tuple[str, str]] = []
    for node in (screen, screen.app):
        for binding in type(node).BINDINGS:  # type: ignore[attr-defined]
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.description in seen:
                continue
            seen.add(binding.description)
            keys = ", ".join(screen.app.get_key_display(Binding(k, "")) for k in
                             binding.key.split(","))
            rows.append((keys, binding.description))
    for keys, description in rows:
        table.add_row(keys, description)
    return table


class HelpScreen(ModalScreen[None]):
    """The bindings of the screen it was opened from."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__(classes="dialog-screen")
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog--wide"):
            yield Label("Keys  (ctrl+p: command palette — every action by name)",
                        classes="dialog--question")
            with VerticalScroll(classes="dialog--body"):
                yield Static(bindings_table(self.under), id="help-table")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
