"""Cluster DNS answers what CoreDNS would, from Services, EndpointSlices and pods."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from playground.engine.network.dns import candidates, search_path
from tests.engine.test_endpointslices import add_pod, quiet_cluster, service


def test_search_path_and_ndots() -> None:
    assert search_path("shop") == ["shop.svc.cluster.local", "svc.cluster.local",
                                   "cluster.local"]
    assert candidates("web", "shop")[0] == "web.shop.svc.cluster.local"
    assert candidates("web", "shop")[-1] == "web"
    assert candidates("a.b.c.d.e.f", "shop")[0] == "a.b.c.d.e.f"
    assert candidates("web.", "shop") == ["web"]


def test_service_names_resolve_to_the_cluster_ip() -> None:
    cluster = quiet_cluster()
    svc = cluster.api.create(service())
    ip = svc["spec"]["clusterIP"]
    dns = cluster.network.dns
    assert dns.query("web.default.svc.cluster.local").addresses == (ip,)
    assert dns.query("WEB.default.svc.cluster.local.").addresses == (ip,)
    assert dns.query("web.default.svc.cluster.local", "AAAA").addresses == ()
    assert dns.query("web.default.svc.cluster.local", "AAAA").rcode == "NOERROR"
    assert dns.query("web.other.svc.cluster.local").rcode == "NXDOMAIN"
    assert dns.query("web").rcode == "NXDOMAIN"
    assert dns.query("kube-dns.kube-system.svc.cluster.local").addresses == ("10.96.0.10",)
    assert dns.query("kubernetes.default.svc.cluster.local").addresses == ("10.96.0.1",)
    found, addresses, _ = dns.addresses("web", "default")
    assert (found, addresses) == ("web.default.svc.cluster.local", [ip])
    assert dns.addresses("web.default", "kube-system")[1] == [ip]
    assert dns.addresses("web", "kube-system")[1] == []
    ptr = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    assert dns.query(ptr, "PTR").addresses == ("web.default.svc.cluster.local",)


def test_headless_service_returns_every_ready_pod_and_hostnames() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service("nginx", clusterIP="None", selector={"app": "web"}))
    add_pod(cluster, "web-0", "10.244.1.5", hostname="web-0", subdomain="nginx")
    add_pod(cluster, "web-1", "10.244.2.5", hostname="web-1", subdomain="nginx")
    add_pod(cluster, "web-2", "10.244.3.5", ready=False, hostname="web-2", subdomain="nginx")
    dns = cluster.network.dns
    assert dns.query("nginx.default.svc.cluster.local").addresses == ("10.244.1.5",
                                                                       "10.244.2.5")
    assert dns.query("web-0.nginx.default.svc.cluster.local").addresses == ("10.244.1.5",)
    assert dns.query("web-2.nginx.default.svc.cluster.local").rcode == "NXDOMAIN"
    assert dns.query("5.1.244.10.in-addr.arpa", "PTR").addresses == (
        "web-0.nginx.default.svc.cluster.local",)
    srv = dns.query("_http._tcp.nginx.default.svc.cluster.local", "SRV")
    assert srv.addresses == ("0 50 8080 web-0.nginx.default.svc.cluster.local",
                             "0 50 8080 web-1.nginx.default.svc.cluster.local")


def test_srv_for_a_cluster_ip_service_and_pod_records() -> None:
    cluster = quiet_cluster()
    cluster.api.create(service())
    dns = cluster.network.dns
    assert dns.query("_http._tcp.web.default.svc.cluster.local", "SRV").addresses == (
        "0 100 80 web.default.svc.cluster.local",)
    assert dns.query("_grpc._tcp.web.default.svc.cluster.local", "SRV").rcode == "NXDOMAIN"
    assert dns.query("10-244-1-5.default.pod.cluster.local").addresses == ("10.244.1.5",)
    assert dns.query("10-244-1-5.nowhere.pod.cluster.local").rcode == "NXDOMAIN"


def test_external_name_is_a_cname() -> None:
    cluster = quiet_cluster()
    cluster.api.create({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "db", "namespace": "default"},
                        "spec": {"type": "ExternalName",
                                 "externalName": "kubernetes.default.svc.cluster.local"}})
    answer = cluster.network.dns.query("db.default.svc.cluster.local")
    assert answer.name == "kubernetes.default.svc.cluster.local"
    assert answer.addresses == ("10.96.0.1",)


NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=1,
                 max_size=12, unique=True)


@settings(max_examples=20, deadline=None)
@given(NAMES, st.lists(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"]),
                       min_size=12, max_size=12))
def test_dns_agrees_with_services_and_no_two_share_ip_or_node_port(
        names: list[str], types: list[str]) -> None:
    cluster = quiet_cluster()
    for name, kind in zip(names, types, strict=False):
        cluster.api.create(service(name, type=kind))
    cluster.settle()
    services = cluster.store.list("services")
    ips = [s["spec"]["clusterIP"] for s in services]
    ports = [p["nodePort"] for s in services for p in s["spec"]["ports"] if p.get("nodePort")]
    assert len(ips) == len(set(ips))
    assert len(ports) == len(set(ports))
    for svc in services:
        meta = svc["metadata"]
        answer = cluster.network.dns.query(f"{meta['name']}.{meta['namespace']}.svc."
                                           "cluster.local")
        assert answer.addresses == (svc["spec"]["clusterIP"],)
