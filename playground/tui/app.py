"""The Textual app: opens the state in the background, owns the bridge, routes its batches.

Kept thin on purpose: screens own their layout and keys, the bridge owns watching and pacing,
`session.py` owns the state directory. The app only wires them, runs kubectl for every screen
(`run_kubectl`, which lets the controllers react at once), lists every action in the command
palette and switches themes. When the state runs a guided scenario the app holds its runner
(`widgets/tutorial_runner.py`) and time is paced through it; starting a scenario from the
palette replaces the cluster, as `playground scenario start` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label, LoadingIndicator

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run
from playground.scenarios import Scenario, ScenarioError, ScenarioRunner
from playground.tui.bridge import FRAME_SECONDS, EngineBridge, Saver
from playground.tui.messages import ClusterChanged, TimeAdvanced
from playground.tui.screens.dialogs import ConfirmDialog
from playground.tui.screens.main import MainScreen
from playground.tui.widgets.tutorial_runner import (
    ClusterReplacer,
    attach_runner,
    library,
    paced_by,
    start_runner,
)

Opener = Callable[[], tuple[Cluster, Saver | None]]


class LoadingScreen(Screen[None]):
    """Shown while the state opens (a big state takes a moment)."""

    def compose(self) -> ComposeResult:
        yield Label("Opening the cluster…", id="loading-label")
        yield LoadingIndicator()


class PlaygroundApp(App[None]):
    """A live simulated cluster to look at, edit and drive."""

    CSS_PATH: ClassVar[list[str]] = ["playground.tcss", "tutorial.tcss"]  # type: ignore[misc]
    TITLE = "Cluster Playground"
    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.theme", show=False),
    ]

    def __init__(self, opener: Opener, *, paused: bool | None = None,
                 frame_seconds: float = FRAME_SECONDS) -> None:
        super().__init__()
        self.opener = opener
        self.start_paused = paused
        self.frame_seconds = frame_seconds
        self.cluster: Cluster
        self.bridge: EngineBridge
        self.main: MainScreen | None = None
        self.runner: ScenarioRunner | None = None
        """The guided scenario running on the cluster, if any."""
        self._frame_timer: Timer | None = None
        self.theme = "textual-dark"

    def on_mount(self) -> None:
        self.push_screen(LoadingScreen())
        self.open_state()

    @work(thread=True, exclusive=True, group="open")
    def open_state(self) -> None:
        """Open (or create) the cluster off the event loop."""
        cluster, saver = self.opener()
        self.call_from_thread(self.start, cluster, saver)

    def start(self, cluster: Cluster, saver: Saver | None, *,
              runner: ScenarioRunner | None = None, paused: bool | None = None) -> None:
        """The cluster is open: start pacing and show it."""
        self.cluster = cluster
        warning = ""
        if runner is None:
            runner, warning = attach_runner(cluster)
        self.runner = runner
        if paused is None:
            paused = self.start_paused
        if paused is None:
            paused = cluster.config.clock == "manual"
        self.bridge = EngineBridge(cluster, saver, paused=paused)
        self.bridge.target = self
        if runner is not None:
            self.bridge.run_until = paced_by(runner)
            self.bridge.next_outside = runner.next_event_at
        self.main = MainScreen()
        self.switch_screen(self.main)
        self._frame_timer = self.set_interval(self.frame_seconds, self.bridge.frame,
                                              name="engine-frame")
        if warning:
            self.notify(warning, severity="warning", timeout=10)

    # -- guided scenarios -----------------------------------------------------------------
    def confirm_scenario(self, scenario: Scenario) -> None:
        """Ask, then start `scenario` on a fresh cluster (it replaces this one)."""
        def answered(ok: bool | None) -> None:
            if ok:
                self.notify(f"Preparing \"{scenario.title}\"…", timeout=3)
                self.prepare_scenario(scenario, self.cluster.config.clock)
        self.push_screen(ConfirmDialog(
            f"Start \"{scenario.title}\"? It replaces this cluster with a fresh one "
            f"({len(scenario.steps)} steps, about {scenario.minutes} minutes).", "Start"),
            answered)

    @work(thread=True, exclusive=True, group="scenario")
    def prepare_scenario(self, scenario: Scenario, clock: str) -> None:
        """Build the scenario's cluster off the event loop."""
        try:
            runner = start_runner(scenario, clock)
        except ScenarioError as exc:
            self.call_from_thread(self.notify, f"The scenario cannot start: {exc}",
                                  severity="error", timeout=10)
            return
        self.call_from_thread(self.replace_cluster, runner)

    async def replace_cluster(self, runner: ScenarioRunner) -> None:
        """Swap in a scenario's fresh cluster: the old one stops, the state keeps the new."""
        old, old_main = self.bridge, self.main
        if self._frame_timer is not None:
            self._frame_timer.stop()
        old.take_pending()
        old.close()
        if isinstance(old.saver, ClusterReplacer):
            old.saver.replace_cluster(runner.cluster)
        self.main = None
        while len(self.screen_stack) > 2 and self.screen is not old_main:
            await self.pop_screen()  # views of the old cluster go with it
        await self.switch_screen(LoadingScreen())  # the old main screen is removed first
        self.start(runner.cluster, old.saver, runner=runner, paused=old.paused)

    # -- routing --------------------------------------------------------------------------
    def on_cluster_changed(self, message: ClusterChanged) -> None:
        if self._exit or self.main is None or not self.main.is_attached:
            return
        if self.main is not None:
            self.main.on_cluster_changed(message)
        if self.screen is not self.main and hasattr(self.screen, "on_cluster_changed"):
            self.screen.on_cluster_changed(message)

    def on_time_advanced(self, message: TimeAdvanced) -> None:
        if self._exit or self.main is None or not self.main.is_attached:
            return
        if self.main is not None:
            self.main.on_time_advanced(message)
        if self.screen is not self.main and hasattr(self.screen, "on_time_advanced"):
            self.screen.on_time_advanced(message)

    def run_kubectl(self, argv: list[str], *, namespace: str = "default",
                    stdin: str | None = None, settle: bool = True) -> Result:
        """Run kubectl against the cluster; with `settle`, controllers react at once."""
        result = run(self.cluster, argv, namespace=namespace, stdin=stdin)
        if settle:
            self.bridge.after_command()
        return result

    # -- palette, theme, quit -------------------------------------------------------------
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.main is None:
            return
        for binding in MainScreen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = binding.action
            yield SystemCommand(binding.description, f"key: {binding.key}",
                                lambda action=action: self.run_main_action(action))
        for scenario in library():
            yield SystemCommand(f"Start scenario: {scenario.title}",
                                f"{scenario.summary} (replaces the cluster)",
                                lambda scenario=scenario: self.confirm_scenario(scenario))

    def run_main_action(self, action: str) -> None:
        """Run a main-screen action from the palette."""
        if self.main is not None:
            self.call_later(self.main.run_action, action)

    def action_toggle_theme(self) -> None:
        """Light ↔ dark."""
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        """Save and leave; the cluster resumes here next time."""
        self.save_state()
        self.exit()

    def save_state(self) -> None:
        """Save now (on quit; the bridge also saves about once a second)."""
        bridge = getattr(self, "bridge", None)
        if bridge is not None:
            bridge.save()

    def on_unmount(self) -> None:
        self.save_state()
        bridge = getattr(self, "bridge", None)
        if bridge is not None:
            bridge.close()
