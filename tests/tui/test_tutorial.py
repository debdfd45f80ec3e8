"""The tutorial panel: a scenario's steps, live checks, hints, pasted commands and the finish
page, wide (beside the panes) and narrow (a tab); time paced through the runner so step events
happen on their instant; `--scenario`, reopening a state and the palette's "Start scenario"."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Markdown

from playground.cli import _scenario_option, main
from playground.engine.cluster import Cluster
from playground.scenarios import ScenarioRunner, find_scenario, load_scenario
from playground.tui.app import PlaygroundApp
from playground.tui.screens.dialogs import ConfirmDialog
from playground.tui.session import TuiSession
from playground.tui.widgets.command_bar import CommandBar
from playground.tui.widgets.tutorial import TutorialPanel
from playground.tui.widgets.tutorial_runner import paced_by
from tests.tui.helpers import FIXED_EPOCH, make_app, ready

pytest.importorskip("pytest_textual_snapshot")

WIDE = (160, 48)
NARROW = (80, 24)


def start_first_pod() -> ScenarioRunner:
    """first-pod on a fresh manual-clock cluster with a fixed epoch."""
    return ScenarioRunner.start(find_scenario("first-pod"), epoch=FIXED_EPOCH)


def scenario_app(runner: ScenarioRunner) -> PlaygroundApp:
    """An app (paused) on the scenario's cluster; it attaches the runner from the state."""
    return PlaygroundApp(lambda: (runner.cluster, None), paused=True, frame_seconds=0.05)


async def panel_of(pilot: Any) -> TutorialPanel:
    """The panel, checks evaluated on every change (no throttling in tests)."""
    await ready(pilot)
    panel = pilot.app.screen.query_one(TutorialPanel)
    panel.check_seconds = 0.0
    return panel


def text_of(panel: TutorialPanel) -> str:
    """The Markdown the panel shows (the step's or the finish page)."""
    return panel.query_one("#tutorial-text", Markdown).source


def hints_of(panel: TutorialPanel) -> str:
    return panel.query_one("#tutorial-hints", Markdown).source


def step_label(panel: TutorialPanel) -> str:
    return str(panel.query_one("#tutorial-step").render())


async def let_time_pass(pilot: Any, seconds: float) -> None:
    """Move virtual time through the bridge (paced by the runner), as frames would."""
    app = pilot.app
    app.bridge.run_until(app.cluster.now + seconds)
    app.bridge.flush()
    await pilot.pause()
    await pilot.pause()


async def test_wide_walkthrough_from_failing_checks_to_the_finish_page() -> None:
    app = scenario_app(start_first_pod())
    async with app.run_test(size=WIDE) as pilot:
        panel = await panel_of(pilot)
        assert app.runner is not None and panel.display
        assert "Step 1 of 3: Run a Pod" in text_of(panel)
        assert step_label(panel) == "Step 1 of 3"
        lines = panel.check_lines()
        assert lines and all(line.startswith("✗") for line in lines)
        assert "Pod hello does not exist yet" in lines[0]

        # the step's first command goes into the command bar, and Enter runs it
        await pilot.press("5")
        assert app.screen.focused is panel.query_one("#tutorial-commands")
        await pilot.press("enter")
        bar = app.screen.query_one(CommandBar)
        assert bar.display and bar.value == "kubectl run hello --image=nginx:1.27"
        await pilot.press("enter")
        await pilot.pause()
        assert app.cluster.store.get("pods", "default", "hello") is not None
        assert panel.check_lines()[0].startswith("✓")  # exists at once; Running takes time
        assert app.runner.step_index == 0

        await let_time_pass(pilot, 30)
        assert app.runner.step_index == 1
        assert panel.notice == "✓ Step 1 complete: Run a Pod"
        assert "Two containers, one Pod" in text_of(panel)
        assert step_label(panel) == "Step 2 of 3"
        assert all(line.startswith("✗") for line in panel.check_lines())

        # hints: nudge first, the solution last
        await pilot.press("escape")
        await pilot.press("H")
        assert "Hint 1 of 3" in hints_of(panel) and "emptyDir" in hints_of(panel)
        await pilot.press("H", "H")
        assert "Hint 3 of 3" in hints_of(panel) and "**Solution**" in hints_of(panel)

        app.runner.solve(through=2)
        app.bridge.after_command()
        await pilot.pause()
        await pilot.pause()
        assert app.runner.finished
        assert "Well done" in text_of(panel)
        assert step_label(panel) == "Finished · 3 of 3 steps"
        assert not panel.query_one("#tutorial-checks").display
        assert not panel.query_one("#tutorial-commands").display
        assert panel.notice == "✓ Scenario complete: Your first Pod"

        # t hides the panel and brings it back
        await pilot.press("t")
        assert not panel.display
        await pilot.press("t")
        assert panel.display


async def test_narrow_the_tutorial_is_a_tab() -> None:
    app = scenario_app(start_first_pod())
    async with app.run_test(size=NARROW) as pilot:
        panel = await panel_of(pilot)
        await pilot.pause()
        screen = app.screen
        assert screen.narrow and screen.active_pane == "tutorial"  # type: ignore[attr-defined]
        assert panel.display and not screen.query_one("#panes").display
        await pilot.press("t")
        assert screen.active_pane == "pods"  # type: ignore[attr-defined]
        assert not panel.display
        await pilot.press("H")  # a hint brings the tutorial tab forward
        assert screen.active_pane == "tutorial"  # type: ignore[attr-defined]
        assert "Hint 1 of 3" in hints_of(panel)

        assert app.runner is not None
        app.runner.solve()
        app.bridge.after_command()
        await pilot.pause()
        assert "Two containers" in text_of(panel) and hints_of(panel) == ""
        app.runner.solve(through=2)
        app.bridge.after_command()
        await pilot.pause()
        assert "Well done" in text_of(panel)


async def test_no_scenario_no_panel() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert app.runner is None
        assert not app.screen.query(TutorialPanel)
        await pilot.press("H")  # says how to start one instead of failing
        await pilot.press("5")
        assert app.screen.active_pane == "pods"  # type: ignore[attr-defined]


SCENARIO_WITH_EVENT = """\
id: late-visitor
title: A late visitor
summary: Something happens two minutes in.
difficulty: beginner
minutes: 5
setup:
  cluster: {nodes: 1, seed: 3}
steps:
  - id: wait
    title: Wait for the visitor
    text: |
      ```bash
      kubectl get namespaces
      ```
    checks:
      - exists: namespace/visitor
    hints:
      - Wait.
    solution:
      - advance: 3m
    events:
      - after: 2m
        say: Someone created a namespace.
        do:
          - kubectl: create namespace visitor
            as: sam
"""


def test_pacing_fires_step_events_at_their_own_instant(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(SCENARIO_WITH_EVENT)
    runner = ScenarioRunner.start(load_scenario(tmp_path), epoch=FIXED_EPOCH)
    due = runner.next_event_at()
    assert due is not None
    run_until = paced_by(runner)
    run_until(runner.cluster.now + 600)  # one big jump, as a frame at high speed makes
    ns = runner.cluster.store.get("namespaces", "", "visitor")
    assert ns is not None
    # creationTimestamp has whole seconds; the event is due on a fraction of one
    created = virtual_seconds(runner.cluster, ns["metadata"]["creationTimestamp"])
    assert due - 1.0 < created <= due
    assert runner.finished
    notices = [n.text for n in runner.take_notices()]
    assert "Someone created a namespace." in notices


def virtual_seconds(cluster: Cluster, stamp: str) -> float:
    """Virtual seconds of an RFC 3339 timestamp on this cluster's clock."""
    epoch = cluster.clock.datetime().timestamp() - cluster.now
    return datetime.fromisoformat(stamp).timestamp() - epoch


async def test_palette_start_scenario_replaces_the_cluster() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        old = app.cluster
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Start scenario: Your first Pod" in titles
        app.confirm_scenario(find_scenario("first-pod"))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        for _ in range(200):
            if app.runner is not None and app.main is not None and app.screen is app.main:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert app.cluster is not old and app.runner is not None
        assert app.runner.cluster is app.cluster
        panel = app.screen.query_one(TutorialPanel)
        assert "Run a Pod" in text_of(panel)
        assert app.cluster.store.get("deployments.apps", "default", "web") is None


async def test_scenario_option_starts_in_the_state_and_reopening_shows_the_panel(
        tmp_path: Path) -> None:
    scenario = find_scenario("first-pod")
    with TuiSession(tmp_path, scenario) as session:
        cluster, saver = session.open_or_create()  # type: ignore[attr-defined]
        runner = ScenarioRunner.attach(cluster)
        assert runner is not None and runner.scenario.id == "first-pod"
        runner.next_hint()
        saver.save()
    with TuiSession(tmp_path) as session:
        app = PlaygroundApp(session.open_or_create,  # type: ignore[attr-defined]
                            paused=True, frame_seconds=0.05)
        async with app.run_test(size=WIDE) as pilot:
            panel = await panel_of(pilot)
            assert "Step 1 of 3: Run a Pod" in text_of(panel)
            assert "Hint 1 of 3" in hints_of(panel)  # progress survived the restart
        assert session.runner is None  # the app owns the only runner


def test_scenario_option_parsing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert _scenario_option(["--scenario", "first-pod"]) == ("first-pod", [])
    assert _scenario_option(["tui", "--scenario=2"]) == ("2", ["tui"])
    assert _scenario_option(["--scenario", "x", "tui"]) == ("x", ["tui"])
    assert _scenario_option(["scenario", "list"]) == (None, ["scenario", "list"])
    opened: list[tuple[Path, str | None]] = []

    def fake_run_tui(directory: Path, scenario: Any = None) -> int:
        opened.append((directory, scenario.id if scenario else None))
        return 0

    monkeypatch.setattr("playground.tui.session.run_tui", fake_run_tui)
    assert main(["--state", str(tmp_path), "--scenario", "first-pod"]) == 0
    assert opened == [(tmp_path, "first-pod")]
    assert main(["--state", str(tmp_path), "--scenario", "no-such-lesson"]) == 1
    assert 'there is no scenario "no-such-lesson"' in capsys.readouterr().err
    assert main(["--scenario"]) == 1
    assert "--scenario needs a scenario name" in capsys.readouterr().err


def test_tutorial_snapshot(snap_compare: Any) -> None:
    app = scenario_app(start_first_pod())

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("H")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


async def test_step_key_stops_at_a_pending_step_event(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(SCENARIO_WITH_EVENT)
    runner = ScenarioRunner.start(load_scenario(tmp_path), epoch=FIXED_EPOCH)
    runner.cluster.settle()
    due = runner.next_event_at()
    assert due is not None
    app = scenario_app(runner)
    async with app.run_test(size=WIDE) as pilot:
        await panel_of(pilot)
        for _ in range(100):
            await pilot.press("full_stop")
            assert app.cluster.now <= due, "the step jumped over the scenario's event"
            if app.cluster.store.get("namespaces", "", "visitor") is not None:
                break
        assert app.cluster.store.get("namespaces", "", "visitor") is not None
        assert app.cluster.now == due
        assert app.bridge.paused
