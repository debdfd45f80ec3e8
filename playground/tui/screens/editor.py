"""The YAML editor: validates as you type, previews a diff, applies with ctrl+s.

Validation runs a moment after typing stops (`playground.tui.validation.check`: kubectl's
parser, then the API server in dry-run); problems are listed with their line, and clicking one
moves the cursor there. Applying goes through kubectl itself (`apply -f -` with the text as
stdin), so the result lines are kubectl's (`deployment.apps/web configured`, or the error).
A change to an object that exists is shown as a diff first. Large texts (hundreds of objects)
apply in a worker, a batch at a time, with a progress bar.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, ProgressBar, RichLog, Static, TextArea
from textual.widgets.option_list import Option

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.manifests import ManifestError, load_manifests
from playground.kubectl.output import to_yaml
from playground.tui.model import ObjectRef
from playground.tui.screens.dialogs import ChoiceDialog, DiffDialog, PromptDialog
from playground.tui.templates import TEMPLATES
from playground.tui.validation import CheckResult, check

VALIDATE_DELAY = 0.3
BATCH = 200
"""Objects per `apply` call when a big text is applied in the background."""

Runner = Callable[[list[str], str | None], Result]


class EditorScreen(Screen[None]):
    """Edit YAML, see what the API server thinks, apply."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+s", "apply", "Apply", id="editor.apply", priority=True),
        Binding("ctrl+n", "template", "Template", id="editor.template", priority=True),
        Binding("ctrl+o", "open_file", "Open file", id="editor.open", priority=True),
        Binding("ctrl+g", "save_file", "Save file", id="editor.save", priority=True),
        Binding("escape", "close", "Close", id="editor.close"),
    ]

    def __init__(self, cluster: Cluster, runner: Runner, *, text: str = "",
                 ref: ObjectRef | None = None, namespace: str = "default",
                 title: str = "New object") -> None:
        super().__init__(classes="editor")
        self.cluster = cluster
        self.runner = runner
        self.ref = ref
        self.namespace = namespace
        self.title_text = title
        self.initial = text
        self.live_text = text if ref is not None else ""
        self.last_check: CheckResult | None = None
        self.path: Path | None = None
        self._timer = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f" {self.title_text}", style="bold"), id="editor-title",
                     classes="view--title")
        with Horizontal(id="editor-main"):
            area = TextArea.code_editor(self.initial, language="yaml", id="editor-text",
                                        soft_wrap=False, tab_behavior="indent")
            area.indent_width = 2
            yield area
            with Vertical(id="editor-side"):
                yield Static("Checks", classes="side--title")
                yield OptionList(id="editor-problems")
                yield Static("Results", classes="side--title")
                yield RichLog(id="editor-results", wrap=True, markup=False, highlight=False)
                yield ProgressBar(id="editor-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#editor-progress").display = False
        self.query_one("#editor-text").focus()
        self.validate()

    # -- validation -----------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The editor's text."""
        return self.query_one("#editor-text", TextArea).text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(VALIDATE_DELAY, self.validate)

    def validate(self) -> CheckResult:
        """Check the text now and list the problems (or what applying would do)."""
        result = check(self.cluster, self.text, self.namespace)
        self.last_check = result
        problems = self.query_one("#editor-problems", OptionList)
        problems.clear_options()
        if result.problems:
            for index, problem in enumerate(result.problems):
                where = f"line {problem.line}: " if problem.line else ""
                problems.add_option(Option(Text(where + problem.message, style="red"),
                                           id=f"problem-{index}"))
        elif result.outcomes:
            for outcome in result.outcomes:
                problems.add_option(Option(Text("✔ " + outcome, style="green")))
        else:
            problems.add_option(Option(Text("Empty: ctrl+n starts from a template",
                                            style="dim")))
        self.set_class(bool(result.problems), "-invalid")
        return result

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.last_check is None or not (event.option_id or "").startswith("problem-"):
            return
        problem = self.last_check.problems[int(str(event.option_id).split("-")[1])]
        if problem.line:
            area = self.query_one("#editor-text", TextArea)
            area.move_cursor((problem.line - 1, 0))
            area.focus()

    # -- applying -------------------------------------------------------------------------
    def diff(self) -> str:
        """The unified diff between the object as it is now and the editor's text."""
        current = self.live_text
        if self.ref is not None:
            obj = self.cluster.store.get(self.ref.resource, self.ref.namespace, self.ref.name)
            if obj is not None:
                current = to_yaml(obj)
        return "".join(difflib.unified_diff(
            current.splitlines(keepends=True), self.text.splitlines(keepends=True),
            fromfile="live", tofile="edited"))

    def action_apply(self) -> None:
        """Apply (after a diff preview when it changes an existing object)."""
        text = self.text
        if not text.strip():
            self.notify("Nothing to apply", severity="warning")
            return
        exists = self.ref is not None and self.cluster.store.get(
            self.ref.resource, self.ref.namespace, self.ref.name) is not None
        if exists and self.ref is not None:
            def answered(ok: bool | None) -> None:
                if ok:
                    self.apply_now(text)
            self.app.push_screen(DiffDialog(f"Apply these changes to {self.ref.target}?",
                                            self.diff()), answered)
            return
        self.apply_now(text)

    def apply_now(self, text: str) -> None:
        """Apply the text through `kubectl apply -f -`."""
        try:
            count = len(load_manifests(text, "editor"))
        except ManifestError:
            count = 1
        if count > BATCH:
            self.apply_in_background(text)
            return
        self.show_result(self.runner(["apply", "-f", "-"], text))
        self.validate()

    def show_result(self, result: Result) -> None:
        """Append kubectl's lines to the results panel."""
        log = self.query_one("#editor-results", RichLog)
        for line in result.stdout.splitlines():
            log.write(Text(line, style="green"))
        for line in result.stderr.splitlines():
            log.write(Text(line, style="red" if result.exit_code else "yellow"))
        if result.exit_code:
            self.notify(result.stderr.strip().splitlines()[0] if result.stderr.strip()
                        else "apply failed", severity="error")
        else:
            self.notify(f"Applied: {len(result.stdout.splitlines())} object(s)")

    @work(thread=True, exclusive=True, group="apply")
    def apply_in_background(self, text: str) -> None:
        """Apply a big text in batches, reporting progress (the engine's pacing waits)."""
        manifests = load_manifests(text, "editor")
        bridge = getattr(self.app, "bridge", None)
        progress = self.query_one("#editor-progress", ProgressBar)
        self.app.call_from_thread(setattr, progress, "display", True)
        self.app.call_from_thread(progress.update, total=len(manifests), progress=0)
        if bridge is not None:
            bridge.busy = True
        try:
            for start in range(0, len(manifests), BATCH):
                chunk = manifests[start:start + BATCH]
                body = json.dumps({"apiVersion": "v1", "kind": "List",
                                   "items": [m.object for m in chunk]})
                result = self.runner(["apply", "-f", "-"], body)
                self.app.call_from_thread(self.show_result, result)
                self.app.call_from_thread(progress.update, progress=start + len(chunk))
        finally:
            if bridge is not None:
                bridge.busy = False
            self.app.call_from_thread(setattr, progress, "display", False)

    # -- templates and files --------------------------------------------------------------
    def action_template(self) -> None:
        """Start from a template (replaces the text)."""
        def chosen(kind: str | None) -> None:
            if kind:
                self.load_text(TEMPLATES[kind], f"New {kind}")
                self.ref = None
        self.app.push_screen(ChoiceDialog("New object from a template", list(TEMPLATES)), chosen)

    def load_text(self, text: str, title: str) -> None:
        """Replace the editor's text."""
        self.query_one("#editor-text", TextArea).load_text(text)
        self.query_one("#editor-title", Static).update(Text(f" {title}", style="bold"))
        self.validate()

    def action_open_file(self) -> None:
        """Load a manifest file."""
        def chosen(path: str | None) -> None:
            if not path:
                return
            file = Path(path).expanduser()
            try:
                self.load_text(file.read_text(), str(file))
            except OSError as exc:
                self.notify(f"Cannot open {file}: {exc.strerror}", severity="error")
                return
            self.path = file
            self.ref = None
        self.app.push_screen(PromptDialog("Open manifest file:", str(self.path or ""),
                                          "path/to/manifest.yaml"), chosen)

    def action_save_file(self) -> None:
        """Write the text to a file."""
        def chosen(path: str | None) -> None:
            if not path:
                return
            file = Path(path).expanduser()
            try:
                file.write_text(self.text)
            except OSError as exc:
                self.notify(f"Cannot write {file}: {exc.strerror}", severity="error")
                return
            self.path = file
            self.notify(f"Saved {file}")
        self.app.push_screen(PromptDialog("Save to file:", str(self.path or ""),
                                          "path/to/manifest.yaml"), chosen)

    def action_close(self) -> None:
        """Back to the cluster."""
        self.dismiss(None)
