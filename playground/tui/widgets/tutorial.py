"""The tutorial panel: a guided scenario's current step beside the cluster.

It shows what `ScenarioRunner` says and nothing else: the step's Markdown (or the finish page),
progress, the step's checks as ✓/✗ with the runner's plain words, the hint layers revealed so
far and the command lines of the step's code blocks. Checks are live: the screen calls
`cluster_changed()` whenever the bridge reports a change or time passing, and the panel asks
the runner to `update()` at most every `check_seconds` (leading edge at once, the trailing
change on a timer), so a 60× rollout does not evaluate checks on every frame.

Choosing a command line posts `TutorialPanel.CommandChosen`; the screen puts it in the command
bar. Step completions and scenario events become notifications and the panel's notice line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label, Markdown, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from playground.scenarios import Notice, ScenarioRunner

if TYPE_CHECKING:
    from textual.widget import Widget

CHECK_SECONDS = 0.25
"""Checks are evaluated at most this often (wall seconds) while the cluster changes."""


class TutorialPanel(Vertical):
    """The current step of a running scenario, its checks, hints and commands."""

    @dataclass
    class CommandChosen(Message):
        """A command line of the step was chosen: put it in the command bar."""

        panel: TutorialPanel
        line: str

        @property
        def control(self) -> TutorialPanel:
            return self.panel

    def __init__(self, runner: ScenarioRunner, *, is_busy: Callable[[], bool] = lambda: False,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.runner = runner
        self.is_busy = is_busy
        """True while another thread drives the engine; checks wait for it."""
        self.check_seconds = CHECK_SECONDS
        self.shown_step = -1
        """The step index the text, hints and commands were rendered for."""
        self.shown_hints = -1
        self.notice = ""
        """The latest notice, as the panel's notice line shows it."""
        self._last_check = 0.0
        self._check_timer: Timer | None = None

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(classes="tutorial--progress"):
            yield Label("", id="tutorial-step")
            yield ProgressBar(total=len(self.runner.scenario.steps), show_percentage=False,
                              show_eta=False, id="tutorial-bar")
        yield Static("", id="tutorial-notice")
        with VerticalScroll(id="tutorial-body"):
            yield Markdown("", id="tutorial-text", open_links=False)
            yield Markdown("", id="tutorial-hints", open_links=False)
        yield Static("", id="tutorial-checks")
        yield Label("Commands · enter copies one to the command bar", id="tutorial-commands-title",
                    classes="tutorial--section")
        yield OptionList(id="tutorial-commands", compact=True)

    def on_mount(self) -> None:
        self.border_title = f"5 Tutorial · {self.runner.scenario.title}"
        self.border_subtitle = "H hint · t hide"
        self.query_one("#tutorial-notice").display = False
        self.check_now()  # a reopened state may already satisfy its step

    # -- rendering ------------------------------------------------------------------------
    def render_step(self) -> None:
        """Everything from the runner: text, progress, hints, checks, commands."""
        if not self.is_attached or not self.children:
            return  # a late TimeAdvanced while the app shuts down: nothing left to draw into
        runner = self.runner
        total = len(runner.scenario.steps)
        done = min(runner.step_index, total)
        step_label = self.query_one("#tutorial-step", Label)
        if runner.finished:
            step_label.update(f"Finished · {total} of {total} steps")
        else:
            step_label.update(f"Step {done + 1} of {total}")
        self.query_one("#tutorial-bar", ProgressBar).update(total=total, progress=done)
        if self.shown_step != runner.step_index:
            self.shown_step = runner.step_index
            self.shown_hints = -1
            self.query_one("#tutorial-text", Markdown).update(runner.markdown())
            self._render_commands()
            self.query_one("#tutorial-body", VerticalScroll).scroll_home(animate=False)
        self.set_class(runner.finished, "-finished")
        self._render_hints()
        self._render_checks()

    def _render_commands(self) -> None:
        commands = self.runner.commands()
        options = self.query_one("#tutorial-commands", OptionList)
        options.set_options(Option(Text(line), id=str(i)) for i, line in enumerate(commands))
        if commands:
            options.highlighted = 0
        options.display = bool(commands)
        self.query_one("#tutorial-commands-title").display = bool(commands)

    def _render_hints(self) -> None:
        hints = self.runner.hints_shown()
        if len(hints) == self.shown_hints:
            return
        self.shown_hints = len(hints)
        step = self.runner.current_step
        layers = len(step.hint_layers()) if step is not None else 0
        text = "\n\n".join(f"---\n\n**Hint {i + 1} of {layers}**\n\n{hint}"
                           for i, hint in enumerate(hints))
        widget = self.query_one("#tutorial-hints", Markdown)
        widget.update(text)
        widget.display = bool(hints)

    def _render_checks(self) -> None:
        checks = self.query_one("#tutorial-checks", Static)
        if self.runner.finished:
            checks.display = False
            return
        lines = Text("Checks", style="bold")
        for result in self.runner.results():
            lines.append("\n")
            if result.passed:
                lines.append("✓ ", style="bold green")
            else:
                lines.append("✗ ", style="bold red")
            lines.append(result.text)
        checks.update(lines)
        checks.display = True

    def check_lines(self) -> list[str]:
        """The checks as the panel shows them: `✓ text` or `✗ text`."""
        return [f"{'✓' if r.passed else '✗'} {r.text}" for r in self.runner.results()]

    # -- live checks ----------------------------------------------------------------------
    def cluster_changed(self) -> None:
        """The cluster changed or time passed: evaluate the checks soon (throttled)."""
        if self._check_timer is not None:
            return
        wait = self._last_check + self.check_seconds - time.monotonic()
        if wait <= 0:
            self.check_now()
        else:
            self._check_timer = self.set_timer(wait, self._timer_fired, name="tutorial-checks")

    def _timer_fired(self) -> None:
        self._check_timer = None
        self.check_now()

    def check_now(self) -> None:
        """Let the runner evaluate the checks and progress, and show what it says."""
        if self.is_busy():
            self._check_timer = self.set_timer(self.check_seconds, self._timer_fired)
            return
        self._last_check = time.monotonic()
        self.runner.update()
        self.show_notices(self.runner.take_notices())
        self.render_step()

    def show_notices(self, notices: list[Notice]) -> None:
        """Step completions, events and the end, as notifications and the notice line."""
        for notice in notices:
            if notice.kind == "event":
                self.notify(notice.text, title="Meanwhile", severity="warning", timeout=8)
                self._set_notice(f"! {notice.text}")
            else:
                self.notify(notice.text, title="Scenario", timeout=6)
                self._set_notice(f"✓ {notice.text}")

    def _set_notice(self, text: str) -> None:
        self.notice = text
        line = self.query_one("#tutorial-notice", Static)
        line.update(text)
        line.display = True

    # -- hints and commands ---------------------------------------------------------------
    def next_hint(self) -> None:
        """Reveal the next hint layer (nudge → hint → solution)."""
        hint = self.runner.next_hint()
        if hint is None:
            message = ("The scenario is complete." if self.runner.finished
                       else "Every hint of this step is shown, the solution last.")
            self.notify(message, title="Hint")
            return
        self._render_hints()
        body = self.query_one("#tutorial-body", VerticalScroll)
        self.call_after_refresh(body.scroll_end, animate=False)

    def focus_commands(self) -> Widget:
        """Focus the command list (or the text when the step has none); returns it."""
        options = self.query_one("#tutorial-commands", OptionList)
        target: Widget = options if options.display and options.option_count \
            else self.query_one("#tutorial-body")
        target.focus()
        return target

    @on(OptionList.OptionSelected, "#tutorial-commands")
    def _command_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        commands = self.runner.commands()
        index = event.option_index
        if 0 <= index < len(commands):
            self.post_message(self.CommandChosen(self, commands[index]))


__all__ = ["CHECK_SECONDS", "TutorialPanel"]
