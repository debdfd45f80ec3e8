"""The pure helpers behind the panes: rows, colours, endpoint counts, filters, trees, why."""

from __future__ import annotations

from datetime import UTC, datetime

from playground.kubectl.main import run
from playground.tui.completion import complete
from playground.tui.model import (
    ObjectRef,
    RowFilter,
    endpoint_counts,
    node_summary,
    owner_tree,
    pod_cells,
    status_style,
    why_lines,
)
from playground.tui.validation import check, field_line
from tests.tui.helpers import make_cluster


def test_pod_cells_follow_kubectl_columns() -> None:
    cluster = make_cluster()
    pod = cluster.store.list("pods")[0]
    cells = pod_cells(pod, cluster.clock.datetime())
    assert cells[1:5] == ["1/1", "Running", "0", "30s"]
    assert cells[6].startswith("worker-")


def test_status_styles() -> None:
    assert status_style("Running") == "good"
    assert status_style("CrashLoopBackOff") == "bad"
    assert status_style("Pending") == "wait"
    assert status_style("Ready,SchedulingDisabled") == "wait"
    assert status_style("Init:0/1") == "wait"


def test_endpoint_counts_and_node_summary() -> None:
    cluster = make_cluster()
    svc = cluster.store.get("services", "default", "web")
    assert svc is not None
    assert endpoint_counts(cluster, svc) == (3, 3)
    node = cluster.store.get("nodes", "", "worker-1")
    assert node is not None
    summary = node_summary(cluster, node)
    web_pods = [p for p in cluster.store.pods_on_node("worker-1")
                if p["metadata"]["name"].startswith("web-")]
    assert summary.cpu_requested >= 100 * len(web_pods) and summary.cpu_allocatable > 0
    assert "Running" in summary.pod_statuses
    assert len(summary.pod_statuses) == summary.pod_count == len(
        cluster.store.pods_on_node("worker-1"))


def test_row_filter_text_and_selector() -> None:
    obj = {"metadata": {"name": "web-1", "labels": {"app": "web"}}}
    assert RowFilter("web").matches(obj, ["web-1"])
    assert not RowFilter("db").matches(obj, ["web-1"])
    assert RowFilter("-l app=web").matches(obj, [])
    assert not RowFilter("-l app=db").matches(obj, [])
    assert not RowFilter("-l app=").matches({"metadata": {"name": "x"}}, [])


def test_owner_tree_and_why() -> None:
    cluster = make_cluster()
    tree = owner_tree(cluster, ObjectRef("deployments.apps", "default", "web"))
    assert tree[0] == "Deployment/web"
    assert any("ReplicaSet/web-" in line for line in tree)
    assert sum("→ Node/worker-" in line for line in tree) == 3
    svc_tree = owner_tree(cluster, ObjectRef("services", "default", "web"))
    assert any("EndpointSlice/web-" in line for line in svc_tree)
    pod = cluster.store.list("pods")[0]["metadata"]["name"]
    why = "\n".join(why_lines(cluster, ObjectRef("pods", "default", pod)))
    assert "Scheduled on worker-" in why
    assert "Deployment/web" not in why or "ReplicaSet/web-" in why
    assert "by scheduler" in why or "by default-scheduler" in why or "Changes" in why


def test_why_explains_a_pending_pod() -> None:
    cluster = make_cluster()
    run(cluster, ["apply", "-f", "-"], stdin="""apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers:
    - name: c
      image: nginx
      resources: {requests: {cpu: "64"}}
""")
    cluster.advance(1)
    text = "\n".join(why_lines(cluster, ObjectRef("pods", "default", "huge")))
    assert "Pending: 0/4 nodes are available" in text
    assert "Insufficient cpu" in text


def test_validation_places_errors_on_their_line() -> None:
    cluster = make_cluster()
    text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: -1\n"
    result = check(cluster, text)
    assert not result.ok
    assert result.problems[0].line == 6
    assert 'The Deployment "x" is invalid' in result.problems[0].message
    assert field_line("a: 1\nspec:\n  list:\n    - x: 1\n    - y: 2\n", 1, "spec.list[1].y") == 5
    broken = check(cluster, "kind: Pod\nmetadata: [\n")
    assert broken.problems and broken.problems[0].line is not None


def test_completion_of_verbs_kinds_names_and_flags() -> None:
    cluster = make_cluster()
    assert "get" in complete("kubectl ge", cluster)
    assert "deployments" in complete("get deploy", cluster)
    assert complete("get deployments w", cluster) == ["web"]
    assert complete("k scale deploy/w", cluster) == ["deploy/web"]
    assert "--replicas" in complete("scale --rep", cluster)


def test_now_is_virtual() -> None:
    cluster = make_cluster()
    assert cluster.clock.datetime() == datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)


def test_a_coalesced_batch_keeps_the_older_batchs_changes_and_the_newer_objects() -> None:
    from playground.tui.messages import ClusterChanged

    older = ClusterChanged({"pods": {("default", "a"): {"v": 1}, ("default", "b"): {"v": 1}}})
    newer = ClusterChanged({"pods": {("default", "a"): {"v": 2}},
                            "services": {("default", "s"): None}})
    assert older.can_replace(newer)  # Textual then drops `older` and dispatches `newer`
    assert newer.changes == {"pods": {("default", "a"): {"v": 2}, ("default", "b"): {"v": 1}},
                             "services": {("default", "s"): None}}


def test_a_full_node_card_works_out_only_the_marks_it_shows() -> None:
    from playground.tui.model import MARKS
    from playground.tui.widgets.nodes import render_card

    cluster = make_cluster()
    run(cluster, ["scale", "deployment/web", "--replicas=150"])
    cluster.advance(30)
    node = cluster.store.get("nodes", "", "worker-1")
    assert node is not None
    summary = node_summary(cluster, node)
    on_node = len(cluster.store.pods_on_node("worker-1"))
    assert on_node > MARKS
    assert summary.pod_count == on_node and len(summary.pod_statuses) == MARKS
    lines = [line.plain for line in render_card(summary, 60).renderables]  # type: ignore[attr-defined]
    assert len(lines) == 4 and all(len(line) <= 60 for line in lines)
    shown = lines[3].count("●") + lines[3].count("◐") + lines[3].count("✖") + lines[3].count("○")
    assert lines[3].startswith(f"{on_node:>3} pods ")
    assert lines[3].endswith(f" +{on_node - shown}")
