"""kube-proxy: which endpoint a packet to a Service address ends up at.

The model follows what kube-proxy programs into each node:
- a ClusterIP:port, a node's NodePort or a load-balancer address:port selects a Service port;
- ready endpoints from its EndpointSlices are the candidates (terminating-but-serving ones
  only when none is ready); none at all means the REJECT rule kube-proxy installs for
  "has no endpoints", so the client gets "Connection refused" at once;
- `externalTrafficPolicy`/`internalTrafficPolicy: Local` keep only endpoints on the node the
  traffic entered; when there are none the packet is dropped (the client times out);
- iptables mode (the default) picks uniformly at random (the `statistic --mode random`
  rules), from the cluster's seeded `kube-proxy` stream; IPVS mode goes round-robin;
- `sessionAffinity: ClientIP` pins a client IP to its endpoint for `timeoutSeconds`
  (10800 by default), refreshed on every use.
A ClusterIP on a port the Service does not expose matches no rule: iptables lets the packet
wander off (timeout), IPVS answers from the node's dummy interface (connection refused).
Round-robin positions and affinities are persisted as one record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.engine.network.cloud import ingress_addresses
from playground.engine.network.endpointslices import SERVICE_NAME_LABEL
from playground.engine.selectors import from_label_selector
from playground.engine.store import Obj, WatchEvent

RECORD_KIND = "kube-proxy"
DEFAULT_AFFINITY_SECONDS = 10800


@dataclass(frozen=True)
class Backend:
    """One endpoint a connection was sent to."""

    ip: str
    port: int
    node: str
    pod: str
    """`namespace/name` of the pod behind it ("" when the endpoint names no pod)."""


@dataclass(frozen=True)
class Route:
    """Where kube-proxy sends a connection: a backend, or `refused` / `dropped`."""

    backend: Backend | None = None
    outcome: str = "endpoint"
    service: str = ""


@dataclass(frozen=True)
class ServicePort:
    """A Service port found from an address the client used."""

    service: Obj
    port: dict[str, Any]


class KubeProxy:
    """The proxy rules of every node (they are the same on all nodes)."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.mode = str(getattr(cluster.config, "proxy_mode", "iptables"))
        self._index: dict[str, dict[Any, str]] | None = None
        self._state: tuple[dict[str, int], dict[str, list[Any]]] | None = None
        self._dirty = False
        self.store.watch("services", self._on_service)
        self.store.flushers.append(self.flush)

    # -- persistence ----------------------------------------------------------------------
    @property
    def round_robin(self) -> dict[str, int]:
        """Next round-robin position per Service port (IPVS mode)."""
        return self._loaded()[0]

    @property
    def affinity(self) -> dict[str, list[Any]]:
        """`service:port|client-ip` → [endpoint ip, port, last used] (ClientIP affinity)."""
        return self._loaded()[1]

    def _loaded(self) -> tuple[dict[str, int], dict[str, list[Any]]]:
        # loaded on first use: a restored cluster puts its records back after construction
        if self._state is None:
            state = self.store.get_record(RECORD_KIND, "state") or {}
            self._state = (dict(state.get("round_robin") or {}),
                           dict(state.get("affinity") or {}))
        return self._state

    def flush(self) -> None:
        """Journal round-robin positions and affinities when they changed."""
        if self._dirty:
            self.store.put_record(RECORD_KIND, "state", {"round_robin": dict(self.round_robin),
                                                         "affinity": dict(self.affinity)})
            self._dirty = False

    # -- service addresses -----------------------------------------------------------------
    def _on_service(self, event: WatchEvent) -> None:
        self._index = None

    def _services(self) -> dict[str, dict[Any, str]]:
        if self._index is None:
            index: dict[str, dict[Any, str]] = {"cluster_ip": {}, "node_port": {}, "lb": {}}
            for svc in self.store.iter("services"):
                meta = svc["metadata"]
                key = f"{meta['namespace']}/{meta['name']}"
                spec = svc.get("spec") or {}
                for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
                    if ip and ip != "None":
                        index["cluster_ip"][ip] = key
                for port in spec.get("ports") or ():
                    if port.get("nodePort"):
                        index["node_port"][(port["nodePort"], port.get("protocol", "TCP"))] = key
                for address in ingress_addresses(svc):
                    index["lb"][address] = key
                for address in spec.get("externalIPs") or ():
                    index["lb"][address] = key
            self._index = index
        return self._index

    def _service(self, key: str | None) -> Obj | None:
        if key is None:
            return None
        namespace, _, name = key.partition("/")
        return self.store.get("services", namespace, name)

    def is_cluster_ip(self, ip: str) -> bool:
        """Whether `ip` is a Service's ClusterIP."""
        return ip in self._services()["cluster_ip"]

    def is_load_balancer(self, address: str) -> bool:
        """Whether `address` is a load balancer's (or an external IP of a Service)."""
        return address in self._services()["lb"]

    def by_cluster_ip(self, ip: str, port: int, protocol: str = "TCP") -> ServicePort | None:
        """The Service port behind ClusterIP:port."""
        return self._port_of(self._service(self._services()["cluster_ip"].get(ip)), port,
                             protocol, "port")

    def by_node_port(self, port: int, protocol: str = "TCP") -> ServicePort | None:
        """The Service port behind a NodePort (on every node)."""
        return self._port_of(self._service(self._services()["node_port"].get((port, protocol))),
                             port, protocol, "nodePort")

    def by_load_balancer(self, address: str, port: int, protocol: str = "TCP"
                         ) -> ServicePort | None:
        """The Service port behind a load-balancer address:port."""
        return self._port_of(self._service(self._services()["lb"].get(address)), port,
                             protocol, "port")

    @staticmethod
    def _port_of(svc: Obj | None, number: int, protocol: str, field: str) -> ServicePort | None:
        if svc is None:
            return None
        for port in (svc.get("spec") or {}).get("ports") or ():
            if port.get(field) == number and port.get("protocol", "TCP") == protocol:
                return ServicePort(svc, port)
        return None

    # -- endpoint choice -------------------------------------------------------------------
    def endpoints(self, svc: Obj, port: dict[str, Any]) -> tuple[list[Backend], list[Backend]]:
        """(ready, terminating-but-serving) backends of one Service port, in a stable order."""
        meta = svc["metadata"]
        selector = from_label_selector({"matchLabels": {SERVICE_NAME_LABEL: meta["name"]}})
        ready: list[Backend] = []
        serving: list[Backend] = []
        name = port.get("name", "")
        protocol = port.get("protocol", "TCP")
        for slice_ in self.store.iter("endpointslices.discovery.k8s.io", meta["namespace"],
                                      selector):
            number = next((p.get("port") for p in slice_.get("ports") or ()
                           if (p.get("name") or "") == (name or "")
                           and p.get("protocol", "TCP") == protocol), None)
            if number is None:
                continue
            for endpoint in slice_.get("endpoints") or ():
                conditions = endpoint.get("conditions") or {}
                ref = endpoint.get("targetRef") or {}
                pod = f"{ref.get('namespace', '')}/{ref.get('name', '')}" \
                    if ref.get("kind") == "Pod" else ""
                for address in endpoint.get("addresses") or ():
                    backend = Backend(address, int(number), endpoint.get("nodeName", ""), pod)
                    if conditions.get("ready") is not False:
                        ready.append(backend)
                    elif conditions.get("serving") and conditions.get("terminating"):
                        serving.append(backend)
        order = _backend_order
        return sorted(ready, key=order), sorted(serving, key=order)

    def route(self, target: ServicePort, client_ip: str, now: float, *,
              node: str | None = None, external: bool = False) -> Route:
        """Pick the endpoint for one new connection to `target` from `client_ip`.

        `node` is where the traffic entered (the client's node for in-cluster traffic, the
        NodePort's node for external traffic); `external` selects externalTrafficPolicy."""
        svc, port = target.service, target.port
        meta = svc["metadata"]
        key = f"{meta['namespace']}/{meta['name']}"
        spec = svc.get("spec") or {}
        ready, serving = self.endpoints(svc, port)
        candidates = ready or serving
        if not candidates:
            return Route(outcome="refused", service=key)
        policy = spec.get("externalTrafficPolicy" if external else "internalTrafficPolicy")
        if policy == "Local" and node is not None:
            candidates = [b for b in candidates if b.node == node]
            if not candidates:
                return Route(outcome="dropped", service=key)
        port_key = f"{key}:{port.get('name') or port.get('port')}"
        if spec.get("sessionAffinity") == "ClientIP":
            timeout = int(((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {})
                          .get("timeoutSeconds", DEFAULT_AFFINITY_SECONDS))
            pinned = self.affinity.get(f"{port_key}|{client_ip}")
            if pinned is not None and now - float(pinned[2]) <= timeout:
                match = next((b for b in candidates if (b.ip, b.port) == (pinned[0], pinned[1])),
                             None)
                if match is not None:
                    self.affinity[f"{port_key}|{client_ip}"] = [match.ip, match.port, now]
                    self._dirty = True
                    return Route(match, service=key)
            chosen = self._choose(port_key, candidates)
            self.affinity[f"{port_key}|{client_ip}"] = [chosen.ip, chosen.port, now]
            self._dirty = True
            return Route(chosen, service=key)
        return Route(self._choose(port_key, candidates), service=key)

    def _choose(self, port_key: str, candidates: list[Backend]) -> Backend:
        if self.mode == "ipvs":
            position = self.round_robin.get(port_key, 0)
            self.round_robin[port_key] = position + 1
            self._dirty = True
            return candidates[position % len(candidates)]
        rng = self.cluster.seeds.stream("kube-proxy")
        return candidates[rng.randrange(len(candidates))]


def _backend_order(backend: Backend) -> tuple[Any, ...]:
    return (tuple(int(p) for p in backend.ip.split(".") if p.isdigit()), backend.port)
