"""Pilot tests: every key of the main screen and its views, asserting on cluster and UI state."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.state.statedir import StateInUse, StateLock
from playground.tui.bridge import EngineBridge
from playground.tui.messages import ClusterChanged
from playground.tui.screens.dialogs import ConfirmDialog, PromptDialog
from playground.tui.screens.editor import EditorScreen
from playground.tui.screens.logs import LogsView
from playground.tui.screens.rollout import RolloutView
from playground.tui.screens.text_view import TextView
from playground.tui.session import TuiSession
from playground.tui.widgets.events import EventsTable
from playground.tui.widgets.header import ClusterHeader
from playground.tui.widgets.nodes import NodesPane
from playground.tui.widgets.pods import PodsTable
from playground.tui.widgets.services import ServicesTable
from tests.tui.helpers import make_app, make_cluster, ready

SIZE = (120, 40)


async def test_panes_show_the_cluster_and_follow_changes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pods = app.screen.query_one(PodsTable)
        assert pods.row_count == 3
        assert app.screen.query_one(ServicesTable).cells_of("default/web")[-1] == "3/3"
        assert len(app.screen.query_one(NodesPane).cards) == 4
        assert app.screen.query_one(EventsTable).row_count > 0
        await pilot.press("colon")
        for key in "scale deploy/web --replicas=5":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        await pilot.pause()
        assert app.cluster.store.get("deployments.apps", "default", "web")["spec"][
            "replicas"] == 5
        assert pods.row_count == 5


async def test_time_controls() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        header = app.screen.query_one(ClusterHeader)
        assert header.speed_text == "paused"
        await pilot.press("space")
        assert not app.bridge.paused and header.speed_text == "1×"
        await pilot.press("plus", "plus")
        assert header.speed_text == "5×"
        await pilot.press("minus")
        assert app.bridge.speed == 2.0
        await pilot.press("space")
        assert app.bridge.paused
        app.cluster.kubelet.kill_container(
            "default", app.cluster.store.list("pods")[0]["metadata"]["name"], None)
        before = app.cluster.now
        await pilot.press("full_stop")
        assert app.cluster.now > before


async def test_bridge_paces_from_the_wall_clock() -> None:
    cluster = make_cluster()
    wall = [100.0]
    bridge = EngineBridge(cluster, paused=False, wall=lambda: wall[0])
    posted: list[object] = []

    class Target:
        def post_message(self, message: object) -> bool:
            posted.append(message)
            return True

    bridge.target = Target()
    start = cluster.now
    for _ in range(40):
        wall[0] += 0.05
        bridge.frame()
    assert cluster.now == pytest.approx(start + 2)
    bridge.faster()
    for _ in range(20):
        wall[0] += 0.05
        bridge.frame()
    assert cluster.now == pytest.approx(start + 4)
    wall[0] += 10  # a stalled interface: time slows down rather than leaping
    bridge.frame()
    assert cluster.now == pytest.approx(start + 4 + 2 * 2 / 15)
    bridge.set_paused(True)
    paused_at = cluster.now
    wall[0] += 10
    bridge.frame()
    assert cluster.now == paused_at
    cluster.kubelet.kill_container("default", cluster.store.list("pods")[0]["metadata"]["name"],
                                   None)
    bridge.flush()
    assert any(isinstance(m, ClusterChanged) and "pods" in m.changes for m in posted)


async def test_describe_yaml_tree_why_views() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key, expected in (("d", "Name:"), ("y", "apiVersion: v1"),
                              ("x", "Pod/web-"), ("w", "Scheduling")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, TextView)
            assert expected in app.screen._last
            await pilot.press("escape")
            assert app.screen is app.main


async def test_logs_follow() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogsView)
        assert app.screen.container == "nginx"
        shown = app.screen.shown
        assert shown >= 0
        await pilot.press("escape")


async def test_filter_text_and_selector() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pods = app.screen.query_one(PodsTable)
        name = pods.current_key().split("/")[1]
        await pilot.press("slash")
        for key in name[-5:]:
            await pilot.press(key)
        await pilot.pause()
        assert pods.row_count == 1
        await pilot.press("escape")
        assert pods.row_count == 3
        pods.focus()
        await pilot.press("slash", "minus", "l", "space", *"app=db")
        await pilot.pause()
        assert pods.row_count == 0
        await pilot.press("enter", "escape")
        assert pods.row_count == 3


async def test_service_selection_highlights_its_pods_and_events_their_object() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        services = app.screen.query_one(ServicesTable)
        await pilot.press("3")
        assert app.focused is services
        services.select_key("default/web")
        await pilot.pause()
        assert len(app.screen.query_one(PodsTable).highlighted) == 3
        await pilot.press("4")
        events = app.screen.query_one(EventsTable)
        assert app.focused is events
        await pilot.pause()
        target = app.main.target()
        assert target is not None


async def test_scale_delete_restart_and_rollout_history() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("backspace", "2", "enter")
        await pilot.pause()
        assert app.cluster.store.get("deployments.apps", "default", "web")["spec"][
            "replicas"] == 2
        await pilot.press("r")
        await pilot.pause()
        app.cluster.advance(60)
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, RolloutView)
        assert "REVISION" in app.screen._last
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("escape")
        pods = app.screen.query_one(PodsTable)
        pods.focus()
        await pilot.pause()
        victim = pods.current_key().split("/")[1]
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        pod = app.cluster.store.get("pods", "default", victim)
        assert pod is None or pod["metadata"].get("deletionTimestamp")


async def test_node_actions() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("1")
        nodes = app.screen.query_one(NodesPane)
        nodes.focus_node("worker-1")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert app.cluster.store.get("nodes", "", "worker-1")["spec"].get("unschedulable")
        await pilot.press("c")
        assert not app.cluster.store.get("nodes", "", "worker-1")["spec"].get("unschedulable")
        await pilot.press("f")
        assert not app.cluster.kubelet.running_on("worker-1")
        await pilot.press("f")
        assert app.cluster.kubelet.running_on("worker-1")
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.cluster.store.get("nodes", "", "worker-1")["spec"].get("unschedulable")
        await pilot.press("a")
        await pilot.pause()
        assert app.cluster.store.get("nodes", "", "worker-4") is not None
        assert "worker-4" in nodes.cards


async def test_kill_pod() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        name = app.screen.query_one(PodsTable).current_key().split("/")[1]
        await pilot.press("k")
        await pilot.pause()
        pod = app.cluster.store.get("pods", "default", name)
        assert pod["status"]["containerStatuses"][0]["restartCount"] >= 0
        events = [e for e in app.cluster.store.iter("events")
                  if e["involvedObject"]["name"] == name]
        assert events


async def test_editor_validates_and_applies_with_a_diff() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        services = app.screen.query_one(ServicesTable)
        services.focus()
        services.select_key("default/web")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        area = editor.query_one("#editor-text")
        area.load_text(area.text.replace("port: 80", "port: 8080", 1))
        assert editor.validate().ok
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        svc = app.cluster.store.get("services", "default", "web")
        assert svc["spec"]["ports"][0]["port"] == 8080
        area.load_text("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n"
                       "spec:\n  replicas: -1\n")
        result = editor.validate()
        assert result.problems[0].line == 6
        assert editor.has_class("-invalid")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("down", "enter")  # Service
        await pilot.pause()
        assert "kind: Service" in editor.text


async def test_new_object_from_template_and_file_round_trip(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("N")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # Pod
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.cluster.store.get("pods", "default", "hello") is not None
        target = tmp_path / "pod.yaml"
        await pilot.press("ctrl+g")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert "kind: Pod" in target.read_text()


async def test_namespace_help_palette_and_theme() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("n")
        await pilot.pause()
        app.screen.dismiss("kube-system")
        await pilot.pause()
        assert app.main.namespace == "kube-system"
        assert app.screen.query_one(ServicesTable).row_count == 1
        commands = [c.title for c in app.get_system_commands(app.main)]
        assert "Describe" in commands and "Drain node" in commands
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"


async def test_narrow_layout_uses_tabs() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert app.main.narrow
        assert not app.screen.query_one("#pane-nodes").display or \
            not app.screen.query_one("#pane-nodes").has_class("-active")
        await pilot.press("4")
        assert app.main.active_pane == "events"
        assert app.screen.query_one("#pane-events").has_class("-active")


async def test_state_is_saved_and_locked(tmp_path: Path) -> None:
    session = TuiSession(tmp_path)
    session.__enter__()
    try:
        cluster, saver = session.open_or_create()
        assert session.created and cluster.store.count("nodes") == 4
        try:
            StateLock(tmp_path, "the playground CLI").acquire()
            raise AssertionError("the lock should be held")
        except StateInUse as exc:
            assert "the playground TUI" in str(exc)
        app = make_app(cluster, saver)
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await pilot.press("a")
            await pilot.press("q")
    finally:
        session.__exit__()
    reopened = TuiSession(tmp_path)
    with reopened:
        cluster2, _ = reopened.open_or_create()
        assert not reopened.created
        assert cluster2.store.get("nodes", "", "worker-4") is not None


async def test_a_flood_of_events_keeps_the_newest_rows() -> None:
    from playground.tui.widgets.events import LIMIT

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        table = app.screen.query_one(EventsTable)
        base = dict(next(iter(app.cluster.store.iter("events"))))
        flood: dict[tuple[str, str], dict | None] = {}
        for index in range(LIMIT * 3):
            stamp = f"2030-01-01T{index // 3600:02d}:{index // 60 % 60:02d}:{index % 60:02d}Z"
            event = dict(base, lastTimestamp=stamp, metadata=dict(
                base["metadata"], namespace="default", name=f"flood.{index:05d}"))
            flood[("default", event["metadata"]["name"])] = event
        app.post_message(ClusterChanged({"events": flood}))
        await pilot.pause()
        assert table.row_count == LIMIT
        names = {key.partition("/")[2] for key in table.ordered_keys}
        assert names == {f"flood.{index:05d}" for index in range(LIMIT * 2, LIMIT * 3)}
        assert table.ordered_keys[0] == f"default/flood.{LIMIT * 3 - 1:05d}"  # newest first
