"""The `:` command bar: kubectl syntax, history and tab completion.

It only edits text. On Enter it posts `CommandBar.Submitted` with the line; the screen runs it
through `playground.kubectl.main.run` and shows the output in the `CommandOutput` panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, RichLog


class CommandBar(Input):
    """A kubectl command line with history (↑/↓) and completion (tab)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("tab", "complete", "Complete", id="command.complete", show=False),
        Binding("up", "history(-1)", "Previous", id="command.previous", show=False),
        Binding("down", "history(1)", "Next", id="command.next", show=False),
        Binding("escape", "close", "Close", id="command.close", show=False),
    ]

    @dataclass
    class Submitted(Message):
        """A command line to run."""

        line: str

    @dataclass
    class Closed(Message):
        """The bar was dismissed."""

    def __init__(self, completer: Callable[[str], list[str]], *, id: str | None = None) -> None:
        super().__init__(placeholder="kubectl get pods  ·  tab completes  ·  ↑ history",
                         id=id)
        self.completer = completer
        self.history: list[str] = []
        self._history_index = 0
        self._cycle: list[str] = []
        self._cycle_index = 0
        self._cycle_base = ""

    def action_complete(self) -> None:
        """Complete the last word; repeated tabs cycle through the candidates."""
        text = self.value
        if self._cycle and text == self._cycle_base + self._cycle[self._cycle_index]:
            self._cycle_index = (self._cycle_index + 1) % len(self._cycle)
        else:
            candidates = self.completer(text)
            if not candidates:
                self.app.bell()
                return
            head, _, last = text.rpartition(" ")
            self._cycle_base = head + " " if head or text.endswith(" ") else ""
            if text.endswith(" "):
                self._cycle_base = text
            self._cycle = candidates
            self._cycle_index = 0
            if len(candidates) > 1:
                common = _common_prefix(candidates)
                if len(common) > len(last if not text.endswith(" ") else ""):
                    self.value = self._cycle_base + common
                    self.cursor_position = len(self.value)
                    self._cycle = []
                    return
        self.value = self._cycle_base + self._cycle[self._cycle_index] + (
            " " if len(self._cycle) == 1 else "")
        self.cursor_position = len(self.value)

    def action_history(self, delta: int) -> None:
        """Walk through earlier command lines."""
        if not self.history:
            return
        self._history_index = max(0, min(len(self.history), self._history_index + delta))
        self.value = self.history[self._history_index] if self._history_index < len(
            self.history) else ""
        self.cursor_position = len(self.value)

    def action_close(self) -> None:
        """Hide the bar."""
        self.post_message(self.Closed())

    async def action_submit(self) -> None:
        line = self.value.strip()
        if not line:
            self.post_message(self.Closed())
            return
        if not self.history or self.history[-1] != line:
            self.history.append(line)
        self._history_index = len(self.history)
        self.value = ""
        self.post_message(self.Submitted(line))


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


class CommandOutput(RichLog):
    """What commands printed, newest at the bottom, scrollable."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=False, markup=False, highlight=False, max_lines=5000)
        self.can_focus = True
