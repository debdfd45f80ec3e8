"""The ReplicaSet controller's claimed set and status counts, kept between syncs from the watch,
agree with what a controller reading every pod afresh would write."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: reach the helpers
from workload_helpers import make_cluster, owned_pods, replica_set

from playground.engine.cluster import Cluster
from playground.engine.controllers import podutil
from playground.engine.store import USER, Obj, deep_copy


def get_rs(cluster: Cluster) -> Obj:
    return cluster.store.get("replicasets.apps", "default", "front")


def expected_status(cluster: Cluster) -> dict[str, int]:
    """The counts, straight from the store."""
    rs = get_rs(cluster)
    pods = [p for p in owned_pods(cluster, rs) if p["metadata"]["labels"].get("app") == "front"]
    fully = sum(1 for p in pods if p["metadata"]["labels"].get("tier") == "web")
    ready = sum(1 for p in pods if podutil.is_ready(p))
    status = {"replicas": len(pods), "fullyLabeledReplicas": fully, "readyReplicas": ready,
              "availableReplicas": ready,
              "observedGeneration": int(rs["metadata"]["generation"])}
    return {k: v for k, v in status.items() if v}


def assert_kept_counts_match(cluster: Cluster) -> None:
    rs = get_rs(cluster)
    assert rs["status"] == expected_status(cluster)
    # a restarted controller starts over from the store and finds nothing to write
    version = rs["metadata"]["resourceVersion"]
    cluster.controllers.resync()
    cluster.settle()
    assert get_rs(cluster)["metadata"]["resourceVersion"] == version


def relabel(cluster: Cluster, pod: Obj, labels: dict[str, str]) -> None:
    changed = deep_copy(pod)
    changed["metadata"]["labels"] = labels
    cluster.api.update(changed, USER)
    cluster.settle()


def test_counts_follow_label_changes_deletions_and_scaling() -> None:
    cluster, _ = make_cluster()
    manifest = replica_set(replicas=5)
    manifest["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    cluster.api.create(manifest)
    cluster.settle()
    assert_kept_counts_match(cluster)
    assert get_rs(cluster)["status"]["fullyLabeledReplicas"] == 5

    first, second, third = owned_pods(cluster, get_rs(cluster))[:3]
    relabel(cluster, first, {"app": "front"})  # still selected, no longer fully labeled
    assert get_rs(cluster)["status"]["fullyLabeledReplicas"] == 4
    assert_kept_counts_match(cluster)

    relabel(cluster, second, {"app": "debug"})  # released and replaced
    released = cluster.store.get("pods", "default", second["metadata"]["name"])
    assert "ownerReferences" not in released["metadata"]
    assert get_rs(cluster)["status"]["replicas"] == 5
    assert_kept_counts_match(cluster)

    cluster.api.delete("pods", "default", third["metadata"]["name"], USER)
    cluster.settle()
    assert_kept_counts_match(cluster)

    relabel(cluster, released, {"app": "front", "tier": "web"})  # an orphan again: adopted
    assert get_rs(cluster)["status"]["replicas"] == 5
    assert_kept_counts_match(cluster)

    scaled = deep_copy(get_rs(cluster))
    scaled["spec"]["replicas"] = 2
    cluster.api.update(scaled, USER)
    cluster.settle()
    assert get_rs(cluster)["status"]["replicas"] == 2
    assert_kept_counts_match(cluster)


def test_claim_pods_lists_the_controlled_pods_in_name_order() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(replica_set(replicas=4))
    cluster.settle()
    controller = next(c for c in cluster.controllers.controllers
                      if c.name == "replicaset-controller")
    claimed = controller.claim_pods(get_rs(cluster))  # type: ignore[attr-defined]
    names = [p["metadata"]["name"] for p in claimed]
    assert names == sorted(p["metadata"]["name"] for p in owned_pods(cluster, get_rs(cluster)))
    assert len(names) == 4
