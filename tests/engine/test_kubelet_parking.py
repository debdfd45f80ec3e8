"""Parked processes: a server whose process state the kubelet dropped behaves as if it never was.

The same session (requests through a Service, exec, logs, graceful deletion, a crash and its
restart, SIGHUP-free idling for days) runs twice, once with parking switched off; every
kubectl output, log line, event and object must be the same.
"""

from __future__ import annotations

import json
import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.kubelet.runtime import ContainerRuntime
from playground.engine.kubelet.status import container_status
from playground.engine.kubelet.workload import Workload
from playground.kubectl.main import run

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def _session(cluster: Cluster) -> tuple[list[str], int]:
    out: list[str] = []
    most_parked = 0

    def k(line: str) -> str:
        result = run(cluster, shlex.split(line))
        cluster.settle()
        out.append(f"$ {line}\n{result.stdout}{result.stderr}[{result.exit_code}]")
        return str(result.stdout)

    def count_parked() -> None:
        nonlocal most_parked
        most_parked = max(most_parked, sum(w.parked for w in cluster.kubelet.workloads.values()))

    k("create deployment web --image=nginx:1.27 --replicas=3 --port=80")
    k("expose deployment web --port=80")
    k(f"create deployment echo --image={AGNHOST} --port=8080 -- /agnhost netexec "
      "--http-port=8080")
    k("run box --image=busybox -- sleep 360000")
    k("create deployment idle --image=nginx:1.27 --replicas=3")
    cluster.advance(30)
    count_parked()
    idle = sorted(p["metadata"]["name"] for p in cluster.store.list("pods", "default")
                  if p["metadata"]["name"].startswith("idle-"))
    # still parked when these reach them: exec, a graceful stop, a crash
    k(f"exec {idle[0]} -- ls /etc/nginx/conf.d")
    k(f"delete pod {idle[1]} --wait=false")
    cluster.kubelet.kill_container("default", idle[2], None)
    cluster.settle()
    cluster.advance(20)
    k(f"logs {idle[2]} --previous --timestamps")
    k(f"logs {idle[0]} --timestamps")
    pods = sorted(p["metadata"]["name"] for p in cluster.store.list("pods", "default")
                  if p["metadata"]["name"].startswith("web-"))
    for _ in range(4):
        k("exec box -- wget -qO- -S http://web/")
        k("exec box -- wget -qO- http://web/missing")
        cluster.advance(7)
    count_parked()
    k(f"exec {pods[1]} -- cat /etc/nginx/conf.d/default.conf")
    k(f"exec {pods[1]} -- sh -c 'echo hi > /usr/share/nginx/html/hi.txt; ls /usr/share/nginx/html'")
    k("exec box -- wget -qO- http://web/hi.txt")
    cluster.advance(2 * 86400)
    count_parked()
    for pod in pods:
        k(f"logs {pod} --timestamps")
    k(f"delete pod {pods[0]} --wait=false")
    cluster.advance(5)
    cluster.kubelet.kill_container("default", pods[2], None)
    cluster.settle()
    cluster.advance(30)
    k(f"logs {pods[2]} --previous --timestamps")
    k(f"logs {pods[2]} --timestamps")
    k(f"exec {pods[2]} -- ls /usr/share/nginx/html")
    k("scale deployment web --replicas=1")
    cluster.advance(60)
    k("get pods -o wide")
    k("get events --sort-by=.metadata.creationTimestamp")
    for obj in sorted(cluster.store.list("pods"), key=lambda o: o["metadata"]["name"]):
        out.append(json.dumps(obj, sort_keys=True))
    return out, most_parked


def _cluster() -> Cluster:
    return Cluster.create(ClusterConfig(clock="manual", seed=11))


def test_a_parked_server_behaves_like_a_live_one(monkeypatch: pytest.MonkeyPatch) -> None:
    parked, most = _session(_cluster())
    assert most >= 3  # the nginx pods (and agnhost) were parked
    with monkeypatch.context() as patch:
        patch.setattr(Workload, "park", lambda self, now, spec: False)
        live, none = _session(_cluster())
    assert none == 0
    for a, b in zip(parked, live, strict=True):
        assert a == b


def test_parking_drops_the_process_and_a_signal_revives_it() -> None:
    cluster = _cluster()
    run(cluster, shlex.split("create deployment web --image=nginx:1.27 --replicas=1"))
    cluster.advance(30)
    (_, work), = [(k, w) for k, w in cluster.kubelet.workloads.items()
                    if k[0].startswith("default/web-")]
    assert work.parked and work.process is not None and work.process.gen is None
    assert work.shell_process is None
    assert work.terminate("SIGTERM", cluster.now)  # nginx's stop signal, SIGQUIT
    assert not work.parked and work.process.gen is not None
    work.run_until(cluster.now)
    assert work.exit_code == 0
    lines = [text for _, _, text in work.cr.logs]
    assert any("signal 3 (SIGQUIT) received, shutting down" in line for line in lines)
    assert lines[-1].endswith("[notice] 1#1: exit")


@given(st.sampled_from(["waiting", "running", "terminated"]), st.booleans(), st.booleans(),
       st.booleans(), st.booleans(), st.booleans())
def test_container_status_keys_come_sorted(state: str, has_id: bool, had_previous: bool,
                                           message: bool, resources: bool,
                                           mounts: bool) -> None:
    cr = ContainerRuntime("c", state=state, container_id="containerd://1" if has_id else "",
                          message="m" if message else "", started_at=1.0, finished_at=2.0,
                          last_terminated={"containerID": "containerd://0", "exitCode": 1}
                          if had_previous else None)
    spec: dict[str, object] = {"name": "c"}
    if resources:
        spec["resources"] = {"limits": {"cpu": "1"}}
    if mounts:
        spec["volumeMounts"] = [{"name": "v", "mountPath": "/v", "readOnly": True}]
    status = container_status(spec, cr, "nginx", lambda t: f"t{t}")
    assert list(status) == sorted(status)
    assert ("containerID" in status) == ((has_id and state != "waiting") or had_previous)
    assert status["lastState"] == ({"terminated": cr.last_terminated} if had_previous else {})
    assert ("resources" in status) == resources and ("volumeMounts" in status) == mounts
