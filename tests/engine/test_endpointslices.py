"""EndpointSlice and Endpoints controllers: slices follow the pods a Service selects.

These tests play the kubelet themselves (the cluster's own is stopped): pods are created bound
to a node and given an IP and a Ready condition by hand, so each step is exact.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.controllers import podutil
from playground.engine.store import Actor, Obj

SLICES = "endpointslices.discovery.k8s.io"
KUBELET = Actor("kubelet", "worker-1")


def quiet_cluster(**config: Any) -> Cluster:
    cluster = Cluster.create(ClusterConfig(clock="manual", **config))
    for node in cluster.store.list("nodes"):
        cluster.kubelet.stop_node(node["metadata"]["name"])
    return cluster


def service(name: str = "web", **spec: Any) -> Obj:
    body: dict[str, Any] = {"selector": {"app": name},
                            "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"}, "spec": body}


def add_pod(cluster: Cluster, name: str, ip: str, *, labels: dict[str, str] | None = None,
            ready: bool = True, node: str = "worker-1", **spec: Any) -> Obj:
    body: dict[str, Any] = {"nodeName": node, "containers": [
        {"name": "c", "image": "nginx", "ports": [{"name": "web", "containerPort": 8080}]}]}
    body.update(spec)
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": name, "namespace": "default",
                                     "labels": labels or {"app": "web"}}, "spec": body})
    return set_ready(cluster, name, ready, ip)


def set_ready(cluster: Cluster, name: str, ready: bool, ip: str | None = None) -> Obj:
    pod = cluster.store.get("pods", "default", name)
    assert pod is not None
    status = dict(pod.get("status") or {}, phase="Running",
                  conditions=[{"type": "Ready", "status": "True" if ready else "False",
                               "lastTransitionTime": cluster.clock.timestamp()}])
    if ip is not None:
        status["podIP"] = ip
    cluster.api.update_status(dict(pod, status=status), KUBELET)
    cluster.settle()
    return cluster.store.get("pods", "default", name)  # type: ignore[return-value]


def slices(cluster: Cluster, svc: str = "web") -> list[Obj]:
    return [s for s in cluster.store.list(SLICES, "default")
            if s["metadata"]["labels"].get("kubernetes.io/service-name") == svc]


def endpoints(cluster: Cluster, svc: str = "web") -> list[dict[str, Any]]:
    return [e for s in slices(cluster, svc) for e in s.get("endpoints") or []]


def test_slice_lists_ready_pods_with_node_zone_and_target() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service())
    add_pod(cluster, "web-a", "10.244.1.5")
    add_pod(cluster, "web-b", "10.244.2.5", node="worker-2", ready=False)
    (slice_,) = slices(cluster)
    meta = slice_["metadata"]
    assert meta["name"].startswith("web-") and len(meta["name"]) == len("web-") + 5
    assert meta["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslice-controller.k8s.io"
    assert meta["ownerReferences"][0]["kind"] == "Service"
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    first, second = slice_["endpoints"]
    pod = cluster.store.get("pods", "default", "web-a")
    assert pod is not None
    assert first == {"addresses": ["10.244.1.5"],
                     "conditions": {"ready": True, "serving": True, "terminating": False},
                     "nodeName": "worker-1",
                     "targetRef": {"kind": "Pod", "name": "web-a", "namespace": "default",
                                   "uid": pod["metadata"]["uid"]},
                     "zone": "zone-a"}
    assert second["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert second["zone"] == "zone-b"


def test_placeholder_slice_without_pods_and_no_slices_without_selector() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service())
    cluster.api.create(service("manual", selector=None))
    cluster.settle()
    (slice_,) = slices(cluster)
    assert slice_["endpoints"] is None
    assert slices(cluster, "manual") == []


def test_terminating_pod_is_serving_but_not_ready() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service())
    add_pod(cluster, "web-a", "10.244.1.5")
    cluster.api.delete("pods", "default", "web-a", KUBELET)
    cluster.settle()
    (endpoint,) = endpoints(cluster)
    assert endpoint["conditions"] == {"ready": False, "serving": True, "terminating": True}
    legacy = cluster.store.get("endpoints", "default", "web")
    assert legacy is not None and "subsets" not in legacy


def test_publish_not_ready_addresses_marks_every_pod_ready() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service(publishNotReadyAddresses=True))
    add_pod(cluster, "web-a", "10.244.1.5", ready=False)
    (endpoint,) = endpoints(cluster)
    assert endpoint["conditions"]["ready"] is True
    legacy = cluster.store.get("endpoints", "default", "web")
    assert legacy is not None
    assert [a["ip"] for a in legacy["subsets"][0]["addresses"]] == ["10.244.1.5"]


def test_named_target_port_resolved_per_pod_splits_slices() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service(ports=[{"name": "http", "port": 80, "targetPort": "web"}]))
    add_pod(cluster, "web-a", "10.244.1.5")
    add_pod(cluster, "web-b", "10.244.1.6", containers=[
        {"name": "c", "image": "nginx", "ports": [{"name": "web", "containerPort": 9090}]}])
    ports = sorted(s["ports"][0]["port"] for s in slices(cluster))
    assert ports == [8080, 9090]
    legacy = cluster.store.get("endpoints", "default", "web")
    assert legacy is not None and len(legacy["subsets"]) == 2


def test_hostname_of_pod_whose_subdomain_is_the_service() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service("nginx", clusterIP="None", selector={"app": "web"}))
    add_pod(cluster, "web-0", "10.244.1.5", hostname="web-0", subdomain="nginx")
    (endpoint,) = endpoints(cluster, "nginx")
    assert endpoint["hostname"] == "web-0"
    assert slices(cluster, "nginx")[0]["metadata"]["labels"][
        "service.kubernetes.io/headless"] == ""


def test_at_most_100_endpoints_per_slice() -> None:
    cluster = quiet_cluster(workers=3)
    cluster.api.create(service())
    for i in range(250):
        cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": f"web-{i:03d}", "namespace": "default",
                                         "labels": {"app": "web"}},
                            "spec": {"nodeName": "worker-1",
                                     "containers": [{"name": "c", "image": "nginx"}]}})
        pod = cluster.store.get("pods", "default", f"web-{i:03d}")
        assert pod is not None
        cluster.api.update_status(dict(pod, status={
            "phase": "Running", "podIP": f"10.244.{1 + i // 200}.{2 + i % 200}",
            "conditions": [{"type": "Ready", "status": "True"}]}), KUBELET)
    cluster.settle()
    sizes = sorted(len(s["endpoints"] or []) for s in slices(cluster))
    assert sizes == [50, 100, 100]
    legacy = cluster.store.get("endpoints", "default", "web")
    assert legacy is not None and len(legacy["subsets"][0]["addresses"]) == 250


def test_deleting_the_service_removes_its_slices_and_endpoints() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service())
    add_pod(cluster, "web-a", "10.244.1.5")
    cluster.api.delete("services", "default", "web")
    cluster.settle()
    assert slices(cluster) == []
    assert cluster.store.get("endpoints", "default", "web") is None


# -- property: endpoints always equal the ready pods matching the selector ---------------------

OPS = st.lists(st.tuples(st.sampled_from(["add", "ready", "unready", "delete", "relabel",
                                          "remove"]),
                         st.integers(min_value=0, max_value=7)), min_size=1, max_size=25)


@settings(max_examples=30, deadline=None)
@given(OPS)
def test_endpoints_equal_ready_matching_pods(ops: list[tuple[str, int]]) -> None:
    cluster = quiet_cluster()
    cluster.api.create(service())
    for op, i in ops:
        name = f"p{i}"
        pod = cluster.store.get("pods", "default", name)
        if op == "add" and pod is None:
            add_pod(cluster, name, f"10.244.1.{10 + i}", ready=i % 2 == 0,
                    labels={"app": "web" if i % 3 else "other"})
        elif pod is None:
            continue
        elif op in ("ready", "unready") and not pod["metadata"].get("deletionTimestamp"):
            set_ready(cluster, name, op == "ready")
        elif op == "delete":
            cluster.api.delete("pods", "default", name, KUBELET)
        elif op == "remove":
            cluster.api.remove_now("pods", "default", name, KUBELET)
        elif op == "relabel":
            labels = dict(pod["metadata"]["labels"])
            labels["app"] = "other" if labels["app"] == "web" else "web"
            cluster.api.update(dict(pod, metadata=dict(pod["metadata"], labels=labels)),
                               KUBELET)
        cluster.settle()
        matching = [p for p in cluster.store.list("pods", "default")
                    if p["metadata"]["labels"].get("app") == "web"]
        ready = {p["status"]["podIP"] for p in matching
                 if podutil.is_ready(p) and not p["metadata"].get("deletionTimestamp")}
        listed = {e["addresses"][0] for e in endpoints(cluster)}
        ready_listed = {e["addresses"][0] for e in endpoints(cluster)
                        if e["conditions"]["ready"]}
        assert ready_listed == ready
        assert listed == {p["status"]["podIP"] for p in matching}
        legacy = cluster.store.get("endpoints", "default", "web")
        assert legacy is not None
        addresses = {a["ip"] for s in legacy.get("subsets") or [] for a in
                     s.get("addresses") or []}
        assert addresses == ready
