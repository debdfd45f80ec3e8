"""The Deployment controller against the behaviour of kube-controller-manager's: names,
revisions, rolling and recreate rollouts, rollback, history, deadlines, pausing, scaling."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: reach the helpers
from workload_helpers import (
    FakeKubelet,
    deployment,
    events,
    make_cluster,
    owned_pods,
    replica_sets,
    sizes,
)

from playground.engine.cluster import Cluster
from playground.engine.controllers import deployment_util as du
from playground.engine.controllers.deployment import (
    RolloutStatusError,
    revision_of,
    rollout_status_message,
)
from playground.engine.store import USER, Obj, deep_copy


def get(cluster: Cluster, name: str = "web") -> Obj:
    return cluster.store.get("deployments.apps", "default", name)


def edit(cluster: Cluster, change: object, name: str = "web") -> None:
    """A user update of the Deployment through `change(copy)`."""
    d = deep_copy(get(cluster, name))
    change(d)  # type: ignore[operator]
    cluster.api.update(d, USER)
    cluster.settle()


def set_image(cluster: Cluster, image: str, name: str = "web") -> None:
    def change(d: Obj) -> None:
        d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    edit(cluster, change, name)


def ready_all(cluster: Cluster, kubelet: FakeKubelet) -> None:
    for pod in cluster.store.list("pods", "default"):
        if not pod["metadata"].get("deletionTimestamp") and \
                (pod.get("status") or {}).get("phase") != "Running":
            kubelet.set_ready(pod, True)
    cluster.settle()


def ready_one(cluster: Cluster, kubelet: FakeKubelet, rs: Obj) -> None:
    pending = [p for p in owned_pods(cluster, rs) if p["status"].get("phase") != "Running"]
    kubelet.set_ready(pending[0], True)
    cluster.settle()


def condition(d: Obj, type_: str) -> dict[str, str]:
    cond = du.get_condition(d["status"], type_)
    assert cond is not None
    return cond


def test_a_deployment_comes_up_with_a_hashed_replica_set() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()
    [rs] = replica_sets(cluster)
    name = rs["metadata"]["name"]
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert name == f"web-{pod_hash}"
    assert re.fullmatch(r"[bcdf4-9]{1,10}", pod_hash)
    assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web",
                                                      "pod-template-hash": pod_hash}}
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == pod_hash
    assert rs["metadata"]["annotations"] == {
        "deployment.kubernetes.io/revision": "1",
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4"}
    ref = rs["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"]) == ("Deployment", "web", True)
    pods = owned_pods(cluster, rs)
    assert len(pods) == 3
    assert all(re.fullmatch(rf"{name}-[bcdfghjklmnpqrstvwxz2456789]{{5}}",
                            p["metadata"]["name"]) for p in pods)
    d = get(cluster)
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert d["status"] == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3, "conditions": d["status"]["conditions"]}
    assert [(c["type"], c["status"], c["reason"], c["message"])
            for c in d["status"]["conditions"]] == [
        ("Available", "True", "MinimumReplicasAvailable",
         "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable",
         f'ReplicaSet "{name}" has successfully progressed.')]
    assert events(cluster, "ScalingReplicaSet") == [f"Scaled up replica set {name} to 3"]
    assert sorted(events(cluster, "SuccessfulCreate")) == sorted(
        f"Created pod: {p['metadata']['name']}" for p in pods)


def test_the_hash_is_stable_and_changes_with_the_template_and_collision_count() -> None:
    template = deployment()["spec"]["template"]
    assert du.compute_hash(template, None) == du.compute_hash(deep_copy(template), None)
    assert du.compute_hash(template, None) != du.compute_hash(template, 1)
    other = deep_copy(template)
    other["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert du.compute_hash(template, None) != du.compute_hash(other, None)
    assert du.safe_encode("3716") == "7c5b"


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "expected"), [
    (3, "25%", "25%", (1, 0)),
    (10, "25%", "25%", (3, 2)),
    (4, 0, 0, (0, 1)),
    (5, "50%", 2, (3, 2)),
    (2, 1, 5, (1, 2)),
])
def test_fenceposts_round_surge_up_and_unavailable_down(
        replicas: int, surge: object, unavailable: object, expected: tuple[int, int]) -> None:
    d = deployment(replicas=replicas, strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge,
                                                   "maxUnavailable": unavailable}})
    assert (du.max_surge(d), du.max_unavailable(d)) == expected


def test_rolling_update_with_surge_one_and_unavailable_zero() -> None:
    cluster, kubelet = make_cluster(auto_ready=False)
    cluster.api.create(deployment())
    cluster.settle()
    ready_all(cluster, kubelet)
    set_image(cluster, "nginx:1.28")
    old, new = replica_sets(cluster)
    assert sizes(cluster) == [3, 1]
    assert revision_of(new) == 2
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert get(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    for expected in ([2, 2], [1, 3], [0, 3]):
        ready_one(cluster, kubelet, new)
        assert sizes(cluster) == expected
        assert sum(sizes(cluster)) <= 4
    old_name, new_name = old["metadata"]["name"], new["metadata"]["name"]
    assert events(cluster, "ScalingReplicaSet") == [
        f"Scaled up replica set {old_name} to 3",
        f"Scaled up replica set {new_name} to 1",
        f"Scaled down replica set {old_name} to 2 from 3",
        f"Scaled up replica set {new_name} to 2 from 1",
        f"Scaled down replica set {old_name} to 1 from 2",
        f"Scaled up replica set {new_name} to 3 from 2",
        f"Scaled down replica set {old_name} to 0 from 1",
    ]
    ready_all(cluster, kubelet)
    d = get(cluster)
    assert rollout_status_message(d) == ('deployment "web" successfully rolled out', True)
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert len(owned_pods(cluster, replica_sets(cluster)[0])) == 0


def test_rollout_status_lines_follow_the_rollout() -> None:
    cluster, kubelet = make_cluster(auto_ready=False)
    cluster.api.create(deployment())
    cluster.settle()
    ready_all(cluster, kubelet)
    d = deep_copy(get(cluster))
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.api.update(d, USER)
    assert rollout_status_message(get(cluster)) == (
        "Waiting for deployment spec update to be observed...", False)
    cluster.settle()
    assert rollout_status_message(get(cluster)) == (
        ('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been '
         'updated...'), False)
    new = replica_sets(cluster)[1]
    for _ in range(3):
        ready_one(cluster, kubelet, new)
    kubelet.finish_terminating = True
    assert rollout_status_message(get(cluster)) == (
        'deployment "web" successfully rolled out', True)
    status = dict(get(cluster)["status"], replicas=4, updatedReplicas=3)
    assert rollout_status_message(dict(get(cluster), status=status))[0] == (
        'Waiting for deployment "web" rollout to finish: 1 old replicas are pending '
        'termination...')
    status = dict(get(cluster)["status"], availableReplicas=2)
    assert rollout_status_message(dict(get(cluster), status=status))[0] == (
        'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are '
        'available...')


def test_recreate_scales_old_to_zero_and_waits_for_its_pods_to_go() -> None:
    cluster, kubelet = make_cluster()
    cluster.api.create(deployment(strategy={"type": "Recreate"}))
    cluster.settle()
    kubelet.finish_terminating = False
    set_image(cluster, "nginx:1.28")
    [old] = replica_sets(cluster)
    assert old["spec"]["replicas"] == 0
    assert len(owned_pods(cluster, old, active_only=False)) == 3  # terminating
    kubelet.finish_all()
    cluster.settle()
    old, new = replica_sets(cluster)
    assert sizes(cluster) == [0, 3]
    assert len(owned_pods(cluster, new)) == 3
    names = old["metadata"]["name"], new["metadata"]["name"]
    assert events(cluster, "ScalingReplicaSet")[1:] == [
        f"Scaled down replica set {names[0]} to 0 from 3",
        f"Scaled up replica set {names[1]} to 3"]
    assert rollout_status_message(get(cluster))[1] is True


def test_rollback_reuses_the_old_replica_set_with_the_next_revision() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()
    first_template = deep_copy(get(cluster)["spec"]["template"])
    set_image(cluster, "nginx:1.28")
    v1, v2 = replica_sets(cluster)

    def undo(d: Obj) -> None:
        d["spec"]["template"] = first_template
    edit(cluster, undo)
    assert len(replica_sets(cluster)) == 2
    reused = cluster.store.get("replicasets.apps", "default", v1["metadata"]["name"])
    assert revision_of(reused) == 3
    assert reused["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert reused["spec"]["replicas"] == 3
    assert cluster.store.get("replicasets.apps", "default",
                             v2["metadata"]["name"])["spec"]["replicas"] == 0
    assert get(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"


def test_restarted_at_annotation_rolls_a_new_replica_set() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()

    def restart(d: Obj) -> None:
        d["spec"]["template"]["metadata"]["annotations"] = {
            "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}
    edit(cluster, restart)
    assert sizes(cluster) == [0, 3]
    assert [revision_of(rs) for rs in replica_sets(cluster)] == [1, 2]


def test_revision_history_limit_deletes_the_oldest_empty_replica_sets() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment(revisionHistoryLimit=1))
    cluster.settle()
    for tag in ("1.28", "1.29", "1.30"):
        set_image(cluster, f"nginx:{tag}")
    remaining = replica_sets(cluster)
    assert [revision_of(rs) for rs in remaining] == [3, 4]
    assert [rs["spec"]["template"]["spec"]["containers"][0]["image"] for rs in remaining] == [
        "nginx:1.29", "nginx:1.30"]


def test_change_cause_is_copied_onto_the_replica_set() -> None:
    cluster, _ = make_cluster()
    manifest = deployment()
    manifest["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    cluster.api.create(manifest)
    cluster.settle()
    [rs] = replica_sets(cluster)
    assert rs["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"


def test_progress_deadline_exceeded_without_readiness() -> None:
    cluster, _ = make_cluster(auto_ready=False)
    cluster.api.create(deployment())
    cluster.settle()
    [rs] = replica_sets(cluster)
    progressing = condition(get(cluster), "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "ReplicaSetUpdated")
    assert progressing["message"] == f'ReplicaSet "{rs["metadata"]["name"]}" is progressing.'
    available = condition(get(cluster), "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "False", "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.")
    cluster.advance(599)
    assert condition(get(cluster), "Progressing")["reason"] == "ReplicaSetUpdated"
    cluster.advance(1)
    progressing = condition(get(cluster), "Progressing")
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "False", "ProgressDeadlineExceeded",
        f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.')
    with pytest.raises(RolloutStatusError, match='deployment "web" exceeded its progress'):
        rollout_status_message(get(cluster))


def test_pause_holds_the_rollout_and_resume_continues_it() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()
    edit(cluster, lambda d: d["spec"].__setitem__("paused", True))
    cond = condition(get(cluster), "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")
    set_image(cluster, "nginx:1.28")
    assert len(replica_sets(cluster)) == 1
    edit(cluster, lambda d: d["spec"].__setitem__("replicas", 5))
    assert sizes(cluster) == [5]  # scaling still works while paused
    edit(cluster, lambda d: d["spec"].pop("paused"))
    assert sizes(cluster) == [0, 5]
    assert condition(get(cluster), "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_resume_sets_the_resumed_condition_before_progress() -> None:
    cluster, _ = make_cluster(auto_ready=False)
    cluster.api.create(deployment(paused=True))
    cluster.settle()
    assert replica_sets(cluster) == []
    d = deep_copy(get(cluster))
    d["spec"]["paused"] = False
    cluster.api.update(d, USER)
    controller = next(c for c in cluster.controllers.controllers
                      if c.name == "deployment-controller")
    controller.check_paused_conditions(deep_copy(get(cluster)))  # type: ignore[attr-defined]
    cond = condition(get(cluster), "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "Unknown", "DeploymentResumed", "Deployment is resumed")


def test_scaling_mid_rollout_is_proportional() -> None:
    cluster, _ = make_cluster(auto_ready=False)
    cluster.api.create(deployment(replicas=10))
    cluster.settle()
    ready_all(cluster, cluster.controllers.controllers[-1])  # type: ignore[arg-type]
    set_image(cluster, "nginx:1.28")
    assert sizes(cluster) == [8, 5]
    edit(cluster, lambda d: d["spec"].__setitem__("replicas", 20))
    assert sizes(cluster) == [15, 10]
    old, new = (rs["metadata"]["name"] for rs in replica_sets(cluster))
    assert events(cluster, "ScalingReplicaSet")[-2:] == [
        f"Scaled up replica set {old} to 15 from 8",
        f"Scaled up replica set {new} to 10 from 5"]
    for rs in replica_sets(cluster):
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "20"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "25"


def test_scaling_a_settled_deployment_resizes_its_only_replica_set() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()
    edit(cluster, lambda d: d["spec"].__setitem__("replicas", 1))
    [rs] = replica_sets(cluster)
    assert rs["spec"]["replicas"] == 1
    assert len(owned_pods(cluster, rs)) == 1
    assert events(cluster, "ScalingReplicaSet")[-1] == (
        f"Scaled down replica set {rs['metadata']['name']} to 1 from 3")
    assert get(cluster)["status"]["replicas"] == 1


def test_deleting_a_deployment_collects_replica_sets_and_pods() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()
    cluster.api.delete("deployments.apps", "default", "web", USER, propagation="Background")
    cluster.settle()
    assert cluster.store.list("replicasets.apps", "default") == []
    assert cluster.store.list("pods", "default") == []


def test_an_orphan_replica_set_matching_the_selector_is_adopted() -> None:
    cluster, _ = make_cluster()
    cluster.api.create(deployment())
    cluster.settle()
    [rs] = replica_sets(cluster)
    orphan = deep_copy(rs)
    del orphan["metadata"]["ownerReferences"]
    cluster.api.update(orphan, USER)
    cluster.settle()
    [rs] = replica_sets(cluster)
    assert rs["metadata"]["ownerReferences"][0]["name"] == "web"
