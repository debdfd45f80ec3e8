"""The classic first lessons, played on a live cluster with the statuses, timings and messages
a learner sees on a real one: a liveness probe restarting a container, a rolling update and its
undo, scaling, CrashLoopBackOff, ImagePullBackOff, OOMKilled and graceful deletion.
"""

from __future__ import annotations

import re
from typing import Any

from playground.engine.cluster import Cluster
from playground.engine.store import Actor, Obj, WatchEvent, deep_copy
from playground.kubectl.main import run

ADMIN = Actor("user", "kubernetes-admin")


# -- helpers ------------------------------------------------------------------------------
def create_pod(cluster: Cluster, name: str, image: str, **container: Any) -> Obj:
    """A bare pod with one container named like the pod."""
    return cluster.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                               "spec": {"containers": [{"name": name, "image": image,
                                                        **container}]}}, ADMIN)


def nginx_deployment(replicas: int = 3, image: str = "nginx:1.14.2") -> Obj:
    """The documentation's nginx-deployment."""
    labels = {"app": "nginx"}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "nginx-deployment", "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "nginx", "image": image,
                                                           "ports": [{"containerPort": 80}]}]}}}}


def pod(cluster: Cluster, name: str) -> Obj:
    """A pod of the default namespace, which must exist."""
    found = cluster.store.get("pods", "default", name)
    assert found is not None, f"pod {name} does not exist"
    return found


def status_of(cluster: Cluster, name: str) -> dict[str, Any]:
    """The status of the pod's only container."""
    return dict(pod(cluster, name)["status"]["containerStatuses"][0])


def messages(cluster: Cluster, name: str, reason: str) -> list[str]:
    """Messages of an object's events with one reason, first recorded first."""
    found = [e for e in cluster.store.list("events", "default")
             if e["involvedObject"].get("name") == name and e["reason"] == reason]
    return [e["message"] for e in sorted(found, key=lambda e: int(e["metadata"]["resourceVersion"]))]


def event_count(cluster: Cluster, name: str, reason: str, message: str) -> int:
    """How many times an event was recorded (aggregated count)."""
    return sum(int(e.get("count") or 1) for e in cluster.store.list("events", "default")
               if e["involvedObject"].get("name") == name and e["reason"] == reason
               and e["message"] == message)


def status_column(cluster: Cluster, name: str) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of `kubectl get pod NAME`."""
    out = run(cluster, ["get", "pod", name]).stdout.splitlines()[1]
    cells = re.split(r"\s{3,}", out.strip())
    return cells[1], cells[2], cells[3]


def replica_sets(cluster: Cluster) -> list[Obj]:
    """ReplicaSets of the default namespace by revision."""
    return sorted(cluster.store.list("replicasets.apps", "default"),
                  key=lambda rs: int(rs["metadata"]["annotations"]
                                     ["deployment.kubernetes.io/revision"]))


def revision(obj: Obj) -> int:
    """The deployment.kubernetes.io/revision annotation."""
    return int(obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"])


def available_pods(cluster: Cluster) -> int:
    """Ready, not terminating pods labelled app=nginx (minReadySeconds is 0)."""
    return sum(1 for p in cluster.store.list("pods", "default")
               if not p["metadata"].get("deletionTimestamp")
               and any(c["type"] == "Ready" and c["status"] == "True"
                       for c in (p.get("status") or {}).get("conditions") or ()))


# -- liveness -----------------------------------------------------------------------------
def test_liveness_exec_probe_lesson(live: Cluster) -> None:
    create_pod(live, "liveness", "registry.k8s.io/busybox:1.27.2",
               args=["/bin/sh", "-c", ("touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; "
                                      "sleep 600")],
               livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]},
                              "initialDelaySeconds": 5, "periodSeconds": 5})
    live.advance(30)
    assert status_column(live, "liveness") == ("1/1", "Running", "0")
    assert messages(live, "liveness", "Unhealthy") == []
    live.advance(20)
    unhealthy = "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
    assert event_count(live, "liveness", "Unhealthy", unhealthy) == 3
    assert messages(live, "liveness", "Killing") == [
        "Container liveness failed liveness probe, will be restarted"]
    # still running (and ready) while the 30 s grace period runs: sh ignores SIGTERM
    assert status_column(live, "liveness") == ("1/1", "Running", "0")
    live.advance(30)
    ready, status, restarts = status_column(live, "liveness")
    assert (ready, status) == ("1/1", "Running") and restarts.startswith("1 (")
    last = status_of(live, "liveness")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "Error")
    # the new container passes its probes for 30 s again, then the cycle repeats
    live.advance(20)
    assert event_count(live, "liveness", "Unhealthy", unhealthy) == 3
    assert status_of(live, "liveness")["restartCount"] == 1
    live.advance(60)
    assert event_count(live, "liveness", "Unhealthy", unhealthy) == 6


# -- rollouts -----------------------------------------------------------------------------
def test_rolling_update_then_undo(live: Cluster) -> None:
    live.api.create(nginx_deployment(), ADMIN)
    live.advance(30)
    (first,) = replica_sets(live)
    assert revision(first) == 1 and first["status"]["readyReplicas"] == 3

    deployment = deep_copy(live.store.get("deployments.apps", "default", "nginx-deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.16.1"
    live.api.update(deployment, ADMIN)
    # maxSurge 25% of 3 rounds up to 1, maxUnavailable rounds down to 0
    for _ in range(60):
        live.advance(1)
        assert sum(rs["spec"]["replicas"] for rs in replica_sets(live)) <= 4
        assert available_pods(live) >= 3
    old, new = replica_sets(live)
    assert (revision(old), revision(new)) == (1, 2)
    assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, 3)
    scaled = messages(live, "nginx-deployment", "ScalingReplicaSet")
    assert scaled[0] == f"Scaled up replica set {first['metadata']['name']} to 3"
    assert f"Scaled down replica set {first['metadata']['name']} to 0 from 1" in scaled

    # `kubectl rollout undo`: the previous revision's template, without its hash label
    template = deep_copy(old["spec"]["template"])
    template["metadata"]["labels"].pop("pod-template-hash")
    deployment = deep_copy(live.store.get("deployments.apps", "default", "nginx-deployment"))
    deployment["spec"]["template"] = template
    live.api.update(deployment, ADMIN)
    for _ in range(60):
        live.advance(1)
        assert sum(rs["spec"]["replicas"] for rs in replica_sets(live)) <= 4
        assert available_pods(live) >= 3
    sets = replica_sets(live)
    assert len(sets) == 2  # the old ReplicaSet is reused, not recreated
    assert [(rs["metadata"]["name"], revision(rs)) for rs in sets] == [
        (new["metadata"]["name"], 2), (first["metadata"]["name"], 3)]
    assert sets[1]["spec"]["replicas"] == 3 and sets[0]["spec"]["replicas"] == 0
    current = live.store.get("deployments.apps", "default", "nginx-deployment")
    assert revision(current) == 3
    images = {p["spec"]["containers"][0]["image"] for p in live.store.list("pods", "default")}
    assert images == {"nginx:1.14.2"}


def test_scale_up_and_down(live: Cluster) -> None:
    live.api.create(nginx_deployment(replicas=2), ADMIN)
    live.advance(30)
    rs_name = replica_sets(live)[0]["metadata"]["name"]
    for replicas, wait in ((5, 30), (1, 5)):
        deployment = deep_copy(live.store.get("deployments.apps", "default", "nginx-deployment"))
        deployment["spec"]["replicas"] = replicas
        live.api.update(deployment, ADMIN)
        live.advance(wait)
        current = live.store.get("deployments.apps", "default", "nginx-deployment")
        assert current["status"].get("readyReplicas") == replicas
        assert len(live.store.list("pods", "default")) == replicas  # nginx stops at once
    assert messages(live, "nginx-deployment", "ScalingReplicaSet") == [
        f"Scaled up replica set {rs_name} to 2",
        f"Scaled up replica set {rs_name} to 5 from 2",
        f"Scaled down replica set {rs_name} to 1 from 5"]
    assert len(replica_sets(live)) == 1


# -- failures -----------------------------------------------------------------------------
def test_crash_loop_back_off(live: Cluster) -> None:
    create_pod(live, "crash", "busybox:1.36", command=["sh", "-c", "exit 1"])
    uid = pod(live, "crash")["metadata"]["uid"]
    restarts_at: dict[int, float] = {}
    for _ in range(200):
        live.advance(0.5)
        count = status_of(live, "crash")["restartCount"]
        restarts_at.setdefault(count, live.now)
    # first restart at once, then waits of 10, 20, 40, 80 s after each exit
    gaps = [restarts_at[n + 1] - restarts_at[n] for n in range(1, 4)]
    assert restarts_at[1] < 1.0  # the image pull takes ~0.5 s; the container exits at once
    assert gaps == [10.0, 20.0, 40.0]
    status = status_of(live, "crash")
    waiting = status["state"]["waiting"]
    assert waiting == {"reason": "CrashLoopBackOff",
                       "message": f"back-off 1m20s restarting failed container=crash "
                                  f"pod=crash_default({uid})"}
    last = status["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (1, "Error")
    assert status_column(live, "crash")[:2] == ("0/1", "CrashLoopBackOff")
    assert set(messages(live, "crash", "BackOff")) == {
        f"Back-off restarting failed container crash in pod crash_default({uid})"}


def test_crash_loop_back_off_waiting_message_at_twenty_seconds(live: Cluster) -> None:
    create_pod(live, "app", "busybox:1.36", command=["sh", "-c", "exit 1"])
    uid = pod(live, "app")["metadata"]["uid"]
    live.advance(15)  # exits: ~0.5 s (restart at once), ~0.5 s (10 s), ~10.5 s (20 s)
    assert status_of(live, "app")["state"]["waiting"]["message"] == (
        f"back-off 20s restarting failed container=app pod=app_default({uid})")
    assert status_of(live, "app")["restartCount"] == 2


def test_image_pull_back_off(live: Cluster) -> None:
    create_pod(live, "web", "nginx:1.99")
    live.advance(5)
    not_found = ('Failed to pull image "nginx:1.99": rpc error: code = NotFound desc = failed '
                 'to pull and unpack image "docker.io/library/nginx:1.99": failed to resolve '
                 'reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: '
                 "not found")
    failed = messages(live, "web", "Failed")
    assert failed == [not_found, "Error: ErrImagePull", "Error: ImagePullBackOff"]
    assert messages(live, "web", "BackOff") == ['Back-off pulling image "nginx:1.99"']
    assert messages(live, "web", "Pulling") == ['Pulling image "nginx:1.99"']
    assert status_column(live, "web") == ("0/1", "ImagePullBackOff", "0")
    waiting = status_of(live, "web")["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"
    assert waiting["message"] == f'Back-off pulling image "nginx:1.99": ErrImagePull: ' \
                                 f'{not_found.split(": ", 1)[1]}'
    # retries back off too: 10 s, then 20 s, then 40 s
    live.advance(120)
    assert event_count(live, "web", "Pulling", 'Pulling image "nginx:1.99"') == 4
    assert status_of(live, "web")["restartCount"] == 0
    assert pod(live, "web")["status"]["phase"] == "Pending"


def test_oom_killed(live: Cluster) -> None:
    create_pod(live, "leak", "playground/leaky:1.0", resources={"limits": {"memory": "64Mi"}})
    live.advance(5)
    assert status_column(live, "leak") == ("1/1", "Running", "0")
    live.advance(5)  # 8 MiB + 16 MiB every 2 s passes 64 MiB after 8 s
    status = status_of(live, "leak")
    last = status["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)
    assert status["restartCount"] == 1
    live.advance(10)
    assert status_column(live, "leak")[:2] == ("0/1", "CrashLoopBackOff")
    assert status_of(live, "leak")["lastState"]["terminated"]["reason"] == "OOMKilled"


# -- deletion -----------------------------------------------------------------------------
def test_graceful_deletion_nginx_at_once_busybox_after_thirty_seconds(live: Cluster) -> None:
    create_pod(live, "web", "nginx:1.25")
    create_pod(live, "sleeper", "busybox:1.36", command=["sleep", "3600"])
    live.advance(10)
    last_seen: dict[str, Obj] = {}
    gone_at: dict[str, float] = {}

    def remember(event: WatchEvent) -> None:
        name = event.obj["metadata"]["name"]
        if event.type == "DELETED":
            gone_at[name] = event.time
        else:
            last_seen[name] = event.obj

    stop = live.store.watch("pods", remember)
    deleted_at = live.now
    for name in ("web", "sleeper"):
        live.api.delete("pods", "default", name, ADMIN)
    live.advance(1)
    assert gone_at["web"] - deleted_at < 1.0  # nginx's stop signal SIGQUIT: it quits at once
    assert status_column(live, "sleeper")[1] == "Terminating"
    assert messages(live, "sleeper", "Killing") == ["Stopping container sleeper"]
    live.advance(28)
    assert "sleeper" not in gone_at
    live.advance(2)
    stop()
    assert gone_at["sleeper"] - deleted_at == 30.0
    final = last_seen["sleeper"]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (final["exitCode"], final["reason"]) == (137, "Error")
    web_final = last_seen["web"]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert web_final["exitCode"] == 0
