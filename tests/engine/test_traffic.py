"""Traffic through Services: DNS → ClusterIP/NodePort/LB → kube-proxy → pod → container.

These run the cluster's real scheduler and kubelet with catalog images (agnhost netexec,
busybox, nginx), so answers and access logs come from the image programs themselves.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.network.traffic import Client, ClusterNetwork
from playground.engine.store import Obj

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
LOOP_12 = "for i in $(seq 12); do wget -qO- http://web/hostname; echo; sleep 1; done; sleep 3600"
LOOP_FOREVER = "while true; do A=$(wget -qO- http://web/hostname); echo $A; sleep 5; done"
GUESTBOOK = Path("/work/shared/conformance/k8s-examples/application/guestbook")


def make_cluster(**config: Any) -> Cluster:
    return Cluster.create(ClusterConfig(clock="manual", **config))


def web(cluster: Cluster, replicas: int = 3, **svc_spec: Any) -> Obj:
    cluster.api.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{
                                  "name": "agnhost", "image": AGNHOST,
                                  "args": ["netexec", "--http-port=8080"],
                                  "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
    spec: dict[str, Any] = {"selector": {"app": "web"},
                            "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    spec.update(svc_spec)
    svc = cluster.api.create({"apiVersion": "v1", "kind": "Service",
                              "metadata": {"name": "web", "namespace": "default"},
                              "spec": spec})
    cluster.advance(20)
    return svc


def sleeper(cluster: Cluster, name: str = "client", node: str | None = None) -> Client:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox:1.36",
                                            "command": ["sleep", "3600"]}]}
    if node:
        spec["nodeName"] = node
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": name, "namespace": "default"}, "spec": spec})
    cluster.advance(10)
    return cluster.network.client_for_pod(f"default/{name}")


def get(cluster: Cluster, client: Client, url: str) -> Any:
    return cluster.network.http_get(client, url, cluster.now)


def answers(cluster: Cluster, client: Client, n: int, url: str = "http://web/hostname"
            ) -> Counter[str]:
    return Counter(get(cluster, client, url).body for _ in range(n))


def web_pods(cluster: Cluster) -> list[str]:
    return sorted(p["metadata"]["name"] for p in cluster.store.list("pods", "default")
                  if p["metadata"]["name"].startswith("web-")
                  and not p["metadata"].get("deletionTimestamp"))


def logs(cluster: Cluster, pod: str, container: str) -> list[tuple[float, str, str]]:
    return cluster.kubelet.logs("default", pod, container) or []


# -- from inside: a busybox pod wgets the Service ----------------------------------------------


def test_busybox_wget_reaches_different_pods_through_the_service() -> None:
    cluster = make_cluster()
    web(cluster)
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "client", "namespace": "default"},
                        "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                                                 "command": ["sh", "-c", LOOP_12]}]}})
    cluster.advance(30)
    lines = [text for _, _, text in logs(cluster, "client", "c")]
    assert len(lines) == 12
    assert set(lines) == set(web_pods(cluster))
    # each answering pod logged the request at the moment it arrived
    first_at = logs(cluster, "client", "c")[0][0]
    answered = [t for pod in web_pods(cluster) for t, _, text in logs(cluster, pod, "agnhost")
                if text.endswith("GET /hostname")]
    assert len(answered) == 12
    assert min(answered) <= first_at and min(answered) > first_at - 0.1


def test_iptables_mode_is_a_fair_random_choice() -> None:
    cluster = make_cluster(seed=7)
    web(cluster)
    client = sleeper(cluster)
    counts = answers(cluster, client, 3000)
    assert len(counts) == 3
    # binomial(3000, 1/3): mean 1000, sd 25.8; 99.9% two-sided ⇒ ±3.29 sd
    bound = 3.29 * math.sqrt(3000 * (1 / 3) * (2 / 3))
    assert all(abs(c - 1000) <= bound for c in counts.values()), counts


def test_ipvs_mode_is_round_robin() -> None:
    cluster = make_cluster(proxy_mode="ipvs")
    web(cluster)
    client = sleeper(cluster)
    assert sorted(answers(cluster, client, 3000).values()) == [1000, 1000, 1000]


def test_session_affinity_client_ip_pins_one_pod_until_timeout() -> None:
    cluster = make_cluster()
    web(cluster, sessionAffinity="ClientIP",
        sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}})
    client = sleeper(cluster)
    assert len(answers(cluster, client, 50)) == 1
    seen = set()
    for _ in range(12):
        cluster.advance(61)
        seen.add(get(cluster, client, "http://web/hostname").body)
    assert len(seen) > 1


def test_scaling_killing_and_unreadying_change_who_answers() -> None:
    cluster = make_cluster()
    web(cluster)
    client = sleeper(cluster)
    cluster.api.patch("deployments.apps", "default", "web", {"spec": {"replicas": 1}},
                      "merge")
    cluster.advance(60)
    (only,) = web_pods(cluster)
    assert set(answers(cluster, client, 20)) == {only}
    cluster.api.patch("deployments.apps", "default", "web", {"spec": {"replicas": 3}},
                      "merge")
    cluster.advance(20)
    assert len(answers(cluster, client, 60)) == 3
    # a deleted pod is terminating at once: it stops receiving new connections
    victim = web_pods(cluster)[0]
    cluster.api.delete("pods", "default", victim)
    cluster.settle()
    assert victim not in answers(cluster, client, 60)
    cluster.advance(60)
    # un-ready: a pod whose readiness probe fails leaves the Service
    ready = web_pods(cluster)
    pod = cluster.store.get("pods", "default", ready[0])
    assert pod is not None
    status = dict(pod["status"], conditions=[
        c if c["type"] != "Ready" else dict(c, status="False") for c in
        pod["status"]["conditions"]])
    cluster.api.update_status(dict(pod, status=status), cluster.kubelet.actor)
    cluster.settle()
    assert ready[0] not in answers(cluster, client, 60)


def test_no_ready_endpoint_is_refused_and_unknown_port_times_out() -> None:
    cluster = make_cluster()
    svc = web(cluster, replicas=0)
    client = sleeper(cluster)
    result = get(cluster, client, "http://web/hostname")
    assert result.error == "connection refused"
    assert result.address == f"{svc['spec']['clusterIP']}:80"
    assert get(cluster, client, "http://web:81/").error == "timed out"
    assert get(cluster, client, "http://nothing-here/").error == "bad address"
    assert cluster.network.tcp_connect(client, "web", 80, cluster.now).error == \
        "connection refused"


def test_ipvs_refuses_unknown_cluster_ip_ports() -> None:
    cluster = make_cluster(proxy_mode="ipvs")
    web(cluster)
    client = sleeper(cluster)
    assert get(cluster, client, "http://web:81/").error == "connection refused"


def test_localhost_pod_ips_across_nodes_and_partitions() -> None:
    cluster = make_cluster()
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "duo", "namespace": "default"},
                        "spec": {"nodeName": "worker-1", "containers": [
                            {"name": "web", "image": "nginx:1.27"},
                            {"name": "side", "image": "busybox:1.36",
                             "command": ["sleep", "3600"]}]}})
    cluster.advance(20)
    inside = cluster.network.client_for_pod("default/duo")
    assert "Welcome to nginx!" in get(cluster, inside, "http://localhost/").body
    other = sleeper(cluster, "other", node="worker-2")
    assert get(cluster, other, "http://localhost/").error == "connection refused"
    duo_ip = inside.ip
    assert get(cluster, other, f"http://{duo_ip}/").status == 200
    access = [text for _, _, text in logs(cluster, "duo", "web") if '"GET / HTTP/1.1"' in text]
    assert access and access[-1].startswith(other.ip)
    cluster.network.partition_node("worker-1")
    assert get(cluster, other, f"http://{duo_ip}/").error == "timed out"
    assert "Welcome" in get(cluster, inside, "http://localhost/").body
    cluster.network.heal_node("worker-1")
    assert get(cluster, other, f"http://{duo_ip}/").status == 200


# -- from outside: NodePort and LoadBalancer ---------------------------------------------------


def node_ip(cluster: Cluster, name: str) -> str:
    return cluster.network.node_ip(name)


def test_node_port_answers_from_outside_on_every_node() -> None:
    cluster = make_cluster()
    svc = web(cluster, type="NodePort")
    port = svc["spec"]["ports"][0]["nodePort"]
    seen = set()
    for node in ("control-plane", "worker-1", "worker-2", "worker-3"):
        result = cluster.network.outside_get(f"http://{node_ip(cluster, node)}:{port}/hostname")
        assert result.status == 200, result
        seen.add(result.body)
    assert seen <= set(web_pods(cluster))
    cluster_ip = svc["spec"]["clusterIP"]
    assert cluster.network.outside_get(f"http://{cluster_ip}/").error == "timed out"
    cluster.network.partition_node("worker-2")
    assert cluster.network.outside_get(
        f"http://{node_ip(cluster, 'worker-2')}:{port}/hostname").error == "timed out"


def test_external_traffic_policy_local_keeps_the_client_ip() -> None:
    cluster = make_cluster()
    svc = web(cluster, replicas=1, type="NodePort", externalTrafficPolicy="Local")
    port = svc["spec"]["ports"][0]["nodePort"]
    (pod,) = web_pods(cluster)
    node = cluster.store.get("pods", "default", pod)["spec"]["nodeName"]  # type: ignore[index]
    other = next(n for n in ("worker-1", "worker-2", "worker-3") if n != node)
    here = cluster.network.outside_get(f"http://{node_ip(cluster, node)}:{port}/clientip")
    assert here.body.startswith("172.18.0.1:")
    assert cluster.network.outside_get(
        f"http://{node_ip(cluster, other)}:{port}/clientip").error == "timed out"


def test_load_balancer_gets_an_ip_after_a_delay_and_answers() -> None:
    cluster = make_cluster()
    web(cluster, type="LoadBalancer")
    svc = cluster.store.get("services", "default", "web")
    assert svc is not None
    (ingress,) = svc["status"]["loadBalancer"]["ingress"]
    assert ingress["ip"] == "172.18.255.200"
    assert "service.kubernetes.io/load-balancer-cleanup" in svc["metadata"]["finalizers"]
    result = cluster.network.outside_get("http://172.18.255.200/hostname")
    assert result.body in web_pods(cluster)
    reasons = [e["reason"] for e in cluster.store.list("events", "default")
               if e["involvedObject"]["name"] == "web" and e["involvedObject"]["kind"] ==
               "Service"]
    assert reasons[:2] == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]
    cluster.api.delete("services", "default", "web")
    cluster.settle()
    assert cluster.store.get("services", "default", "web") is None
    assert cluster.network.outside_get("http://172.18.255.200/hostname").error == "timed out"


def test_load_balancer_is_pending_before_provisioning() -> None:
    cluster = make_cluster()
    cluster.api.create({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "lb", "namespace": "default"},
                        "spec": {"type": "LoadBalancer", "selector": {"app": "x"},
                                 "ports": [{"port": 80}]}})
    cluster.settle()
    svc = cluster.store.get("services", "default", "lb")
    assert svc is not None and not svc["status"]["loadBalancer"].get("ingress")
    cluster.advance(2)
    svc = cluster.store.get("services", "default", "lb")
    assert svc is not None and svc["status"]["loadBalancer"]["ingress"]


def test_aws_flavour_gets_an_elb_hostname_that_answers() -> None:
    cluster = make_cluster(flavour="aws")
    web(cluster, type="LoadBalancer")
    svc = cluster.store.get("services", "default", "web")
    assert svc is not None
    (ingress,) = svc["status"]["loadBalancer"]["ingress"]
    hostname = ingress["hostname"]
    uid = svc["metadata"]["uid"].replace("-", "")
    assert hostname.startswith(("a" + uid)[:32] + "-")
    assert hostname.endswith(".us-east-1.elb.amazonaws.com")
    assert "ip" not in ingress
    assert cluster.network.outside_get(f"http://{hostname}/hostname").body in web_pods(cluster)


# -- replay after a restart --------------------------------------------------------------------


def test_replayed_process_gets_the_answers_it_got_live() -> None:
    cluster = make_cluster()
    web(cluster)
    cluster.api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": "client", "namespace": "default"},
                        "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                                                 "command": ["sh", "-c", LOOP_FOREVER]}]}})
    cluster.advance(30)
    transcript = cluster.kubelet.runtimes["default/client"].containers["c"].transcript
    assert len(transcript) >= 5 and all(op == "http" for op, _ in transcript)
    before = {pod: len(logs(cluster, pod, "agnhost")) for pod in web_pods(cluster)}
    meta = cluster.export_meta()
    objects = list(cluster.store.all_objects())
    restored = Cluster.restore(meta, objects)
    restored.settle()
    # the replay asked nobody: the web pods logged no new requests
    assert {pod: len(logs(restored, pod, "agnhost")) for pod in web_pods(restored)} == before
    restored.advance(10)
    lines = [text for _, _, text in logs(restored, "client", "c")]
    assert len(lines) == len(transcript) + 2
    assert set(lines) <= set(web_pods(restored))


def test_guestbook_frontend_answers_from_outside() -> None:
    cluster = make_cluster()
    for path in sorted(GUESTBOOK.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                cluster.api.create(doc)
    cluster.api.create({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "frontend-np", "namespace": "default"},
                        "spec": {"type": "NodePort",
                                 "selector": {"app": "guestbook", "tier": "frontend"},
                                 "ports": [{"port": 80, "nodePort": 30080}]}})
    cluster.advance(60)
    frontend = [e for s in cluster.store.list("endpointslices.discovery.k8s.io", "default")
                if s["metadata"]["labels"]["kubernetes.io/service-name"] == "frontend"
                for e in s.get("endpoints") or []]
    assert len(frontend) == 3 and all(e["conditions"]["ready"] for e in frontend)
    result = cluster.network.outside_get(f"http://{node_ip(cluster, 'worker-1')}:30080/")
    assert result.status == 200
    assert "Guestbook" in result.body
    inside = sleeper(cluster)
    assert get(cluster, inside, "http://frontend/").status == 200
    assert isinstance(cluster.network, ClusterNetwork)
