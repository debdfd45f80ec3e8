"""Small modal dialogs: confirm, ask for a value, pick from a list, preview a diff."""

from __future__ import annotations

from typing import ClassVar

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static


class ConfirmDialog(ModalScreen[bool]):
    """Yes or no (`y`/`enter` confirm, `n`/`escape` cancel)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, confirm_label: str = "Yes") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog--question")
            with Horizontal(classes="dialog--buttons"):
                yield Button(self.confirm_label, variant="error", id="yes")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        """Close with an answer."""
        self.dismiss(value)


class PromptDialog(ModalScreen[str | None]):
    """Ask for one value."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog--question")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of several options."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog--question")
            yield OptionList(*self.options, id="choices")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[event.option_index])

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class DiffDialog(ModalScreen[bool]):
    """A unified diff of a change to an existing object, to confirm before applying."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("y,ctrl+s", "answer(True)", "Apply", id="diff.apply"),
        Binding("n,escape", "answer(False)", "Back to editing", id="diff.cancel"),
    ]

    def __init__(self, title: str, diff: str) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog--wide"):
            yield Label(self.title_text, classes="dialog--question")
            with VerticalScroll(classes="dialog--body"):
                yield Static(Syntax(self.diff or "(no changes)", "diff", theme="ansi_dark",
                                    word_wrap=False), id="diff")
            with Horizontal(classes="dialog--buttons"):
                yield Button("Apply", variant="primary", id="yes")
                yield Button("Back", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        """Close with an answer."""
        self.dismiss(value)
