"""Cluster DNS: what CoreDNS with the `kubernetes` plugin answers, read from the objects.

Names under `cluster.local`:
- `<svc>.<ns>.svc.cluster.local` A → the ClusterIP; for a headless Service every ready
  endpoint's IP; for an ExternalName Service a CNAME to its `externalName`;
- `<hostname>.<svc>.<ns>.svc.cluster.local` → the endpoint with that hostname (StatefulSet pods
  and pods with hostname + subdomain), or `<a-b-c-d>.<svc>…` for endpoints without one;
- `_<port>._<proto>.<svc>.<ns>.svc.cluster.local` SRV → one record per named port target;
- `<a-b-c-d>.<ns>.pod.cluster.local` A → that IP (CoreDNS `pods insecure`);
- PTR for Service IPs and endpoint IPs.
Everything else is NXDOMAIN (the playground has no Internet upstream). `candidates` applies a
pod's resolv.conf: search `<ns>.svc.cluster.local svc.cluster.local cluster.local`, ndots:5.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from playground.engine.images.shell_api import DnsAnswer
from playground.engine.network.endpointslices import SERVICE_NAME_LABEL
from playground.engine.selectors import from_label_selector
from playground.engine.store import Obj

CLUSTER_DOMAIN = "cluster.local"
NDOTS = 5
QUERY_SECONDS = 0.0008
"""How long one query to the cluster DNS takes (a round trip to CoreDNS)."""


def search_path(namespace: str) -> list[str]:
    """The `search` line of a ClusterFirst pod's /etc/resolv.conf."""
    return [f"{namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]


def candidates(name: str, namespace: str | None, ndots: int = NDOTS) -> list[str]:
    """The names a resolver tries for `name`, in order (glibc/musl with the search list)."""
    name = name.lower()
    if name.endswith("."):
        return [name.rstrip(".")]
    if namespace is None:
        return [name]
    expanded = [f"{name}.{domain}" for domain in search_path(namespace)]
    return [name, *expanded] if name.count(".") >= ndots else [*expanded, name]


def dashed(ip: str) -> str:
    """`10.244.1.5` → `10-244-1-5`."""
    return ip.replace(".", "-")


def is_ip(text: str) -> bool:
    """Whether `text` is an IPv4 address."""
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


class ClusterDNS:
    """Answers DNS queries from the Services, EndpointSlices and pods in a store."""

    def __init__(self, store: Any) -> None:
        self.store = store

    # -- queries ----------------------------------------------------------------------------
    def query(self, qname: str, qtype: str = "A") -> DnsAnswer:
        """One query as CoreDNS answers it."""
        name = qname.lower().rstrip(".")
        qtype = qtype.upper()
        if qtype == "PTR" or name.endswith(".in-addr.arpa"):
            return self._ptr(name)
        if name.endswith(f".svc.{CLUSTER_DOMAIN}"):
            return self._service_zone(name, qtype)
        if name.endswith(f".pod.{CLUSTER_DOMAIN}"):
            labels = name[: -len(f".pod.{CLUSTER_DOMAIN}")].split(".")
            if len(labels) == 2 and is_ip(labels[0].replace("-", ".")) and \
                    self.store.get("namespaces", "", labels[1]) is not None:
                return self._a(name, qtype, [labels[0].replace("-", ".")])
            return _nx(name)
        return _nx(name)

    def addresses(self, name: str, namespace: str | None) -> tuple[str, list[str], int]:
        """Resolve `name` as a pod's resolver would: (name found, IPv4 addresses, queries)."""
        asked = 0
        for candidate in candidates(name, namespace):
            asked += 1
            answer = self.query(candidate, "A")
            if answer.rcode == "NOERROR" and answer.addresses:
                return candidate, list(answer.addresses), asked
        return "", [], asked

    # -- zones ------------------------------------------------------------------------------
    def _service_zone(self, name: str, qtype: str) -> DnsAnswer:
        labels = name[: -len(f".svc.{CLUSTER_DOMAIN}")].split(".")
        if len(labels) < 2:
            return _nx(name)
        svc_name, namespace = labels[-2], labels[-1]
        svc = self.store.get("services", namespace, svc_name)
        if svc is None:
            return _nx(name)
        spec = svc.get("spec") or {}
        front = labels[:-2]
        if spec.get("type") == "ExternalName":
            if front:
                return _nx(name)
            target = str(spec.get("externalName", "")).rstrip(".")
            inner = self.query(target, qtype) if target.endswith(CLUSTER_DOMAIN) else None
            return DnsAnswer(name=target, addresses=inner.addresses if inner else (),
                             elapsed=QUERY_SECONDS, cname=target)
        headless = spec.get("clusterIP") == "None"
        if len(front) == 2 and front[0].startswith("_") and front[1].startswith("_"):
            return self._srv(name, qtype, svc, front[0][1:], front[1][1:])
        if len(front) == 1:
            for address, hostname in self._endpoints(svc):
                if front[0] in (hostname, dashed(address)):
                    return self._a(name, qtype, [address])
            return _nx(name)
        if front:
            return _nx(name)
        if headless:
            ips = sorted({a for a, _ in self._endpoints(svc)}, key=_ip_order)
            return self._a(name, qtype, ips) if ips else _nx(name)
        return self._a(name, qtype, [str(spec.get("clusterIP", ""))])

    def _srv(self, name: str, qtype: str, svc: Obj, port_name: str, proto: str) -> DnsAnswer:
        spec = svc.get("spec") or {}
        meta = svc["metadata"]
        base = f"{meta['name']}.{meta['namespace']}.svc.{CLUSTER_DOMAIN}"
        port = next((p for p in spec.get("ports") or () if p.get("name") == port_name
                     and str(p.get("protocol", "TCP")).lower() == proto), None)
        if port is None:
            return _nx(name)
        if qtype != "SRV":
            return self._service_zone(base, qtype)
        if spec.get("clusterIP") != "None":
            return DnsAnswer(name=name, addresses=(f"0 100 {port['port']} {base}",),
                             elapsed=QUERY_SECONDS)
        endpoints = self._endpoints(svc, port_name=port_name)
        if not endpoints:
            return _nx(name)
        weight = 100 // len(endpoints)
        records = tuple(f"0 {weight} {number} {hostname or dashed(address)}.{base}"
                        for address, hostname, number in
                        sorted(endpoints, key=lambda e: _ip_order(e[0])))  # type: ignore[misc]
        return DnsAnswer(name=name, addresses=records, elapsed=QUERY_SECONDS)

    def _ptr(self, name: str) -> DnsAnswer:
        octets = name[: -len(".in-addr.arpa")].split(".") if name.endswith(".in-addr.arpa") \
            else []
        ip = ".".join(reversed(octets))
        if not is_ip(ip):
            return _nx(name)
        for svc in self.store.iter("services"):
            if (svc.get("spec") or {}).get("clusterIP") == ip:
                meta = svc["metadata"]
                return DnsAnswer(name=name, addresses=(
                    f"{meta['name']}.{meta['namespace']}.svc.{CLUSTER_DOMAIN}",),
                    elapsed=QUERY_SECONDS)
        for slice_ in sorted(self.store.iter("endpointslices.discovery.k8s.io"),
                             key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])):
            service = (slice_["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
            for endpoint in slice_.get("endpoints") or ():
                if ip in (endpoint.get("addresses") or ()) and service:
                    host = endpoint.get("hostname") or dashed(ip)
                    namespace = slice_["metadata"]["namespace"]
                    target = f"{host}.{service}.{namespace}.svc.{CLUSTER_DOMAIN}"
                    return DnsAnswer(name=name, addresses=(target,), elapsed=QUERY_SECONDS)
        return _nx(name)

    # -- helpers ----------------------------------------------------------------------------
    def _endpoints(self, svc: Obj, port_name: str | None = None) -> list[Any]:
        """(address, hostname) of ready endpoints, or (address, hostname, port) per port."""
        meta = svc["metadata"]
        selector = from_label_selector({"matchLabels": {SERVICE_NAME_LABEL: meta["name"]}})
        out: list[Any] = []
        for slice_ in self.store.iter("endpointslices.discovery.k8s.io", meta["namespace"],
                                      selector):
            number = None
            if port_name is not None:
                number = next((p.get("port") for p in slice_.get("ports") or ()
                               if p.get("name") == port_name), None)
                if number is None:
                    continue
            for endpoint in slice_.get("endpoints") or ():
                if (endpoint.get("conditions") or {}).get("ready") is False:
                    continue
                for address in endpoint.get("addresses") or ():
                    entry = (address, endpoint.get("hostname"))
                    out.append(entry if number is None else (*entry, number))
        return out

    @staticmethod
    def _a(name: str, qtype: str, ips: list[str]) -> DnsAnswer:
        if qtype == "A":
            return DnsAnswer(name=name, addresses=tuple(ips), elapsed=QUERY_SECONDS)
        return DnsAnswer(name=name, addresses=(), elapsed=QUERY_SECONDS)


def _nx(name: str) -> DnsAnswer:
    return DnsAnswer(name=name, rcode="NXDOMAIN", elapsed=QUERY_SECONDS)


def _ip_order(ip: str) -> tuple[int, ...]:
    return tuple(int(p) for p in ip.split(".") if p.isdigit())
