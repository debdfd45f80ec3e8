"""The command bar runs more than kubectl: `playground cluster …` verbs on the live cluster,
`etcdctl`/`etcdutl`, with the CLI's own texts and argparse errors; state-level verbs are
refused with a way forward; and the scenarios whose steps need these tools (10 and 12) can be
played through the bar, the tutorial panel's checks turning ✓."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.main import run
from playground.scenarios import ScenarioRunner, find_scenario, load_scenario
from playground.tui.app import PlaygroundApp
from playground.tui.completion import complete
from playground.tui.widgets.command_bar import CommandBar, CommandOutput
from playground.tui.widgets.nodes import NodesPane
from playground.tui.widgets.tutorial import TutorialPanel
from tests.tui.helpers import FIXED_EPOCH, make_app, make_cluster, ready

WIDE = (160, 48)

NODE_PORT = """apiVersion: v1
kind: Service
metadata:
  name: web-outside
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 80
      nodePort: 30080
"""

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
      playground cluster advance 3m
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


def output_text(app: PlaygroundApp) -> str:
    """Everything the command output shows."""
    log = app.screen.query_one(CommandOutput)
    return "\n".join(strip.text.rstrip() for strip in log.lines)


async def type_line(pilot: Any, line: str) -> str:
    """Open the bar, type `line`, press Enter; what the output gained."""
    app = pilot.app
    before = len(app.screen.query_one(CommandOutput).lines)
    await pilot.press("colon")
    bar = app.screen.query_one(CommandBar)
    assert bar.has_focus
    bar.value = line
    bar.cursor_position = len(line)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()
    lines = app.screen.query_one(CommandOutput).lines[before:]
    return "\n".join(strip.text.rstrip() for strip in lines)


async def paste_and_run(pilot: Any, panel: TutorialPanel, line: str) -> str:
    """Choose `line` in the tutorial panel's command list (it goes into the bar), run it."""
    from textual.widgets import OptionList

    commands = panel.runner.commands()
    assert line in commands, commands
    await pilot.press("escape")
    options = panel.query_one("#tutorial-commands", OptionList)
    options.focus()
    options.highlighted = commands.index(line)
    await pilot.press("enter")
    bar = pilot.app.screen.query_one(CommandBar)
    assert bar.display and bar.has_focus and bar.value == line
    before = len(pilot.app.screen.query_one(CommandOutput).lines)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()
    lines = pilot.app.screen.query_one(CommandOutput).lines[before:]
    return "\n".join(strip.text.rstrip() for strip in lines)


async def let_time_pass(pilot: Any, seconds: float) -> None:
    """Move virtual time through the bridge (paced by a scenario's runner), as frames do."""
    app = pilot.app
    app.bridge.run_until(app.cluster.now + seconds)
    app.bridge.flush()
    await pilot.pause()
    await pilot.pause()


def scenario_app(runner: ScenarioRunner) -> PlaygroundApp:
    return PlaygroundApp(lambda: (runner.cluster, None), paused=True, frame_seconds=0.05)


async def panel_of(pilot: Any) -> TutorialPanel:
    await ready(pilot)
    panel = pilot.app.screen.query_one(TutorialPanel)
    panel.check_seconds = 0.0
    return panel


def restarts(cluster: Cluster, pod: str) -> int:
    obj = cluster.store.get("pods", "default", pod) or {}
    return sum(int(s.get("restartCount", 0))
               for s in (obj.get("status") or {}).get("containerStatuses") or [])


# -- each kind of line ---------------------------------------------------------------------------

async def test_add_node_joins_a_node_with_the_cli_texts_and_argparse_errors() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        shown = await type_line(pilot, "playground cluster add-node worker-4 --zone zone-b")
        assert 'Node "worker-4" joined the cluster: 4 CPU, 8Gi memory, zone zone-b.' in shown
        node = app.cluster.store.get("nodes", "", "worker-4")
        assert node is not None
        assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] == "zone-b"
        assert "worker-4" in app.screen.query_one(NodesPane).cards
        assert app.screen.query_one(CommandBar).display  # the bar stays open for more

        shown = await type_line(pilot, "playground cluster add-node worker-4")
        assert 'error: node "worker-4" already exists' in shown

        shown = await type_line(pilot, "playground cluster add-node --taints gpu")
        assert "error: --taints expects key=value:Effect" in shown

        shown = await type_line(pilot, "playground cluster add-node --bogus")
        assert "usage: playground" in shown
        assert "playground: error: unrecognized arguments: --bogus" in shown

        shown = await type_line(pilot, "playground cluster kill-pod")
        assert "usage: playground cluster kill-pod" in shown
        assert "error: the following arguments are required: pod" in shown

        shown = await type_line(pilot, "playground cluster fail-node worker-9")
        assert 'error: there is no node "worker-9" (nodes: control-plane, worker-1' in shown
        assert app.cluster.store.count("nodes") == 5


async def test_node_faults_and_status() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        shown = await type_line(pilot, "playground cluster fail-node worker-2")
        assert 'Node "worker-2" failed: its kubelet stopped posting status.' in shown
        assert not app.cluster.kubelet.running_on("worker-2")
        shown = await type_line(pilot, "playground cluster recover-node worker-2")
        assert 'Node "worker-2" recovered' in shown
        assert app.cluster.kubelet.running_on("worker-2")
        shown = await type_line(pilot, "playground cluster partition-node worker-1")
        assert 'Node "worker-1" partitioned' in shown
        assert "worker-1" in app.cluster.network.partitioned()
        shown = await type_line(pilot, "playground cluster heal-node worker-1")
        assert 'Node "worker-1" healed' in shown
        shown = await type_line(pilot, "playground cluster remove-node worker-3")
        assert 'Node "worker-3" removed.' in shown
        assert app.cluster.store.get("nodes", "", "worker-3") is None
        shown = await type_line(pilot, "playground cluster status")
        assert "Nodes:        3 (3 Ready)" in shown
        assert "State:" not in shown  # this app has no state directory


async def test_kill_pod_makes_the_kubelet_restart_the_container() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        pod = sorted(p["metadata"]["name"] for p in app.cluster.store.list("pods", "default"))[0]
        assert restarts(app.cluster, pod) == 0
        shown = await type_line(pilot, f"playground cluster kill-pod {pod} --exit-code 1")
        assert f'Container "nginx" of pod "{pod}" killed (exit code 1).' in shown
        await let_time_pass(pilot, 5)
        assert restarts(app.cluster, pod) == 1
        shown = await type_line(pilot, "playground cluster kill-pod ghost")
        assert 'error: pod "ghost" not found in namespace "default"' in shown


async def test_curl_from_outside_answers_through_a_node_port() -> None:
    cluster = make_cluster()
    run(cluster, ["apply", "-f", "-"], stdin=NODE_PORT)
    cluster.advance(2)
    app = make_app(cluster)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        shown = await type_line(pilot, "playground cluster curl http://172.18.0.3:30080")
        assert "Welcome to nginx!" in shown
        shown = await type_line(pilot, "playground cluster curl -i http://172.18.0.4:30080")
        assert shown.splitlines()[1] == "HTTP/1.1 200 OK"
        shown = await type_line(pilot, "playground cluster curl http://172.18.0.3:30081")
        assert "curl: (7) Failed to connect to 172.18.0.3 port 30081" in shown


async def test_etcd_snapshot_saved_and_restored_from_the_bar() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        shown = await type_line(pilot, "ETCDCTL_API=3 etcdctl snapshot save /backup/snap.db")
        assert "Snapshot saved at /backup/snap.db" in shown
        shown = await type_line(pilot, "etcdutl snapshot status /backup/snap.db -w table")
        assert "REVISION" in shown and "TOTAL KEYS" in shown
        await type_line(pilot, "kubectl delete deployment web")
        await let_time_pass(pilot, 30)
        assert app.cluster.store.get("deployments.apps", "default", "web") is None
        shown = await type_line(
            pilot, "etcdutl snapshot restore /backup/snap.db --data-dir /var/lib/etcd-restore")
        assert "Error" not in shown, shown
        assert app.cluster.store.get("deployments.apps", "default", "web") is not None
        shown = await type_line(pilot, "etcdctl snapshot restore /backup/snap.db")
        assert "etcd 3.6 moved `snapshot restore` to etcdutl" in shown
        shown = await type_line(pilot, "playground etcdutl snapshot status /nowhere.db")
        assert shown.splitlines()[-1].startswith("Error:")


async def test_advance_moves_virtual_time_and_fires_the_step_event(tmp_path: Path) -> None:
    (tmp_path / "scenario.yaml").write_text(SCENARIO_WITH_EVENT)
    runner = ScenarioRunner.start(load_scenario(tmp_path), epoch=FIXED_EPOCH)
    app = scenario_app(runner)
    async with app.run_test(size=WIDE) as pilot:
        panel = await panel_of(pilot)
        wall = [1000.0]
        app.bridge.wall = lambda: wall[0]  # frames move time only when the test moves this
        app.bridge.set_paused(False)
        before = app.cluster.now
        shown = await paste_and_run(pilot, panel, "playground cluster advance 3m")
        assert app.cluster.now == pytest.approx(before + 180)
        assert "Advanced 3m: virtual time 2026-01-01T00:03" in shown
        assert "(+180s)." in shown
        assert app.cluster.store.get("namespaces", "", "visitor") is not None
        assert app.runner is not None and app.runner.finished
        assert panel.notice == "✓ Scenario complete: A late visitor"

        # pacing goes on from the new instant, not from where it was before the jump
        wall[0] += 1.0
        app.bridge.frame()
        assert app.cluster.now > before + 180  # a frame moves at most two frames' worth
        app.bridge.set_paused(True)

        shown = await type_line(pilot, "playground cluster advance soon")
        assert 'error: invalid duration "soon"' in shown


async def test_state_level_verbs_and_help_in_the_bar() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        shown = await type_line(pilot, "playground cluster reset")
        assert "holds open: quit (q) and run it in your shell" in shown
        shown = await type_line(pilot, "playground cluster snapshot save /tmp/x.db")
        assert "`etcdctl snapshot save FILE` works here" in shown
        shown = await type_line(pilot, "playground cluster init --force")
        assert "replaces the state" in shown
        shown = await type_line(pilot, "playground cluster --help")
        assert "usage: playground cluster [-h] ACTION ..." in shown and "add-node" in shown
        shown = await type_line(pilot, "playground scenario status")
        assert "tutorial panel" in shown
        shown = await type_line(pilot, "playground")
        assert "playground cluster VERB" in shown
        shown = await type_line(pilot, "playground kubectl get nodes")
        assert "worker-3" in shown
        assert app.cluster.store.count("nodes") == 4


async def test_reset_during_a_scenario_points_at_the_palette() -> None:
    runner = ScenarioRunner.start(find_scenario("first-pod"), epoch=FIXED_EPOCH)
    app = scenario_app(runner)
    async with app.run_test(size=WIDE) as pilot:
        await panel_of(pilot)
        shown = await type_line(pilot, "playground cluster reset")
        assert "“Start scenario: Your first Pod”" in shown


def test_completion_offers_playground_cluster_verbs_and_names() -> None:
    cluster = make_cluster()
    assert "playground" in complete("pla", cluster)
    assert complete("playground cl", cluster) == ["cluster"]
    assert "add-node" in complete("playground cluster ", cluster)
    assert complete("playground cluster kill", cluster) == ["kill-pod"]
    assert complete("playground cluster fail-node worker-", cluster) == [
        "worker-1", "worker-2", "worker-3"]
    pods = complete("playground cluster kill-pod web", cluster)
    assert len(pods) == 3 and all(p.startswith("web-") for p in pods)
    assert "--exit-code" in complete("playground cluster kill-pod x --ex", cluster)
    assert "nodes" in complete("playground kubectl get no", cluster)


# -- scenarios played through the bar ------------------------------------------------------------

async def test_scenario_12_kubelet_and_etcd_steps_through_the_bar() -> None:
    runner = ScenarioRunner.start(find_scenario("control-plane"), epoch=FIXED_EPOCH)
    ids = [s.id for s in runner.scenario.steps]
    runner.solve(through=ids.index("kubelet") - 1)
    app = scenario_app(runner)
    async with app.run_test(size=WIDE) as pilot:
        panel = await panel_of(pilot)
        runner = panel.runner  # the app attaches its own runner to the scenario's cluster
        assert runner.current_step is not None and runner.current_step.id == "kubelet"
        assert panel.check_lines()[0].startswith("✗")
        shown = await paste_and_run(pilot, panel, "playground cluster kill-pod clock --exit-code 1")
        assert 'Container "clock" of pod "clock" killed (exit code 1).' in shown
        await let_time_pass(pilot, 5)
        assert runner.current_step.id == "kube-proxy"
        assert panel.notice.startswith("✓ Step 4 complete")

        runner.solve(through=ids.index("kube-proxy"))
        app.bridge.after_command()
        await pilot.pause()
        assert runner.current_step.id == "etcd-backup"
        panel.cluster_changed()
        await pilot.pause()
        assert panel.check_lines()[0].startswith("✗")
        shown = await paste_and_run(
            pilot, panel, "ETCDCTL_API=3 etcdctl snapshot save /var/lib/etcd-backup/snap.db")
        assert "Snapshot saved at /var/lib/etcd-backup/snap.db" in shown, shown
        assert runner.current_step.id == "etcd-restore"
        assert "etcd-backup" in runner.progress.completed
        assert panel.notice.startswith("! A colleague ran")  # the next step's event

        lines = panel.check_lines()
        assert lines[0].startswith("✗")  # not restored yet
        assert app.cluster.store.get("pods", "default", "debug") is not None
        await paste_and_run(pilot, panel, "etcdutl snapshot restore /var/lib/etcd-backup/snap.db"
                                          " --data-dir /var/lib/etcd-restore")
        assert runner.finished or panel.check_lines()[0].startswith("✓")
        assert app.cluster.store.get("deployments.apps", "default", "payments") is not None
        assert app.cluster.store.get("pods", "default", "debug") is None
        await let_time_pass(pilot, 20)
        assert runner.finished
        assert panel.notice == "✓ Scenario complete: Inside the control plane"


async def test_scenario_10_add_node_step_through_the_bar() -> None:
    runner = ScenarioRunner.start(find_scenario("node-failure"), epoch=FIXED_EPOCH)
    ids = [s.id for s in runner.scenario.steps]
    runner.solve(through=ids.index("add-node") - 1)
    app = scenario_app(runner)
    async with app.run_test(size=WIDE) as pilot:
        panel = await panel_of(pilot)
        runner = panel.runner  # the app attaches its own runner to the scenario's cluster
        assert runner.current_step is not None and runner.current_step.id == "add-node"
        assert all(line.startswith("✗") for line in panel.check_lines())
        shown = await paste_and_run(pilot, panel, "playground cluster add-node worker-4")
        assert 'Node "worker-4" joined the cluster' in shown
        await let_time_pass(pilot, 5)
        lines = panel.check_lines()
        assert lines[0].startswith("✓") and lines[1].startswith("✗")
        await paste_and_run(pilot, panel, "kubectl uncordon worker-3")
        await let_time_pass(pilot, 1)
        assert runner.finished
        assert panel.notice.startswith("✓ Scenario complete")
