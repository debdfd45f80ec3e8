"""Traffic through the simulated cluster network, from a container or from outside.

A request travels through the same objects a real packet would: its host name is resolved by
the cluster DNS with the calling pod's search path; the address is a Service ClusterIP, a
node's NodePort, a load-balancer address, a pod IP or `localhost`; kube-proxy (`proxy`) picks
one endpoint; the connection reaches the pod IP and the container listening on the port
(the kubelet's `listeners`), whose image program answers and logs the request at the
request's virtual time. Nodes can be partitioned: their pods are unreachable from elsewhere and
cannot reach anything off the node.

`PodNetwork` is what a container's shell holds (the `Network` protocol of the shell). It
records every answer its main process receives in the container's transcript, and answers
from that transcript while the kubelet replays the process after a restart, so a replayed
process takes the same branches it took live.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from playground.engine.errors import EngineError
from playground.engine.images.host import HttpRequest
from playground.engine.images.shell_api import DnsAnswer, HttpResult, TcpResult
from playground.engine.network.dns import QUERY_SECONDS, ClusterDNS, is_ip
from playground.engine.network.proxy import KubeProxy, Route, ServicePort
from playground.engine.store import WatchEvent

OUTSIDE_IP = "172.18.0.1"
"""The person's laptop as the cluster sees it (the gateway of kind's Docker network)."""
OUTSIDE_USER_AGENT = "curl/8.7.1"
RECORD_KIND = "network"
CONNECT_TIMEOUT = 127.0
"""Seconds until a connect to an address nobody answers gives up (Linux SYN retries)."""
DNS_TIMEOUT = 10.0
"""Seconds until a resolver with no reachable server gives up (2 attempts × 5 s)."""
RTT = {"pod": 0.0001, "node": 0.0003, "remote": 0.0006, "outside": 0.001}
APISERVER_PORT = 6443

T = TypeVar("T")


class NetworkError(EngineError):
    """A network request that cannot even be attempted (an unknown node, a bad URL)."""


@dataclass(frozen=True)
class Client:
    """Who opens a connection: a pod (its IP, namespace, node) or the outside world."""

    ip: str
    namespace: str | None = None
    node: str | None = None
    pod: str = ""
    user_agent: str = "Wget"
    cluster_dns: bool = True

    @property
    def outside(self) -> bool:
        """True for the person's laptop."""
        return self.namespace is None


@dataclass(frozen=True)
class Reach:
    """The end of a connection attempt: a listening container, or an error."""

    address: str
    error: str | None = None
    elapsed: float = 0.0
    pod: str = ""
    port: int = 0
    client_ip: str = ""
    handler: Any = None
    container: str = ""
    apiserver: bool = False


@dataclass(frozen=True)
class Url:
    """The parts of a URL a client uses."""

    host: str
    port: int
    path: str
    query: dict[str, str]


def parse_url(url: str) -> Url:
    """`http://web:8080/hostname?x=1` → host, port, path, query (wget's defaults)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "http", url
    hostport, slash, path = rest.partition("/")
    hostport = hostport.rsplit("@", 1)[-1]
    if hostport.startswith("["):
        host, _, port_text = hostport[1:].partition("]")
        port_text = port_text.lstrip(":")
    else:
        host, _, port_text = hostport.partition(":")
    default = 443 if scheme.lower() == "https" else 80
    if port_text and not port_text.isdigit():
        raise NetworkError(f'bad port in URL "{url}"')
    path_only, _, query_text = ("/" + path if slash else "/").partition("?")
    query = {}
    for part in filter(None, query_text.split("&")):
        key, _, value = part.partition("=")
        query[key] = value
    return Url(host.lower(), int(port_text) if port_text else default, path_only, query)


class ClusterNetwork:
    """The network of one cluster: DNS, kube-proxy, pod addresses and partitions."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.dns = ClusterDNS(cluster.store)
        self.proxy = KubeProxy(cluster)
        self._pods_by_ip: dict[str, set[str]] | None = None
        self._nodes_by_ip: dict[str, str] | None = None
        self.store.watch("pods", self._on_pod)
        self.store.watch("nodes", self._on_node)

    # -- indexes ----------------------------------------------------------------------------
    def _on_pod(self, event: WatchEvent) -> None:
        if self._pods_by_ip is None:
            return
        meta = event.obj["metadata"]
        key = f"{meta.get('namespace', '')}/{meta['name']}"
        old_ip = ((event.old or {}).get("status") or {}).get("podIP")
        new_ip = (event.obj.get("status") or {}).get("podIP") if event.type != "DELETED" \
            else None
        if old_ip != new_ip or event.type == "DELETED":
            if old_ip:
                self._pods_by_ip.get(old_ip, set()).discard(key)
            if event.type == "DELETED":
                ip = (event.obj.get("status") or {}).get("podIP")
                if ip:
                    self._pods_by_ip.get(ip, set()).discard(key)
        if new_ip:
            self._pods_by_ip.setdefault(new_ip, set()).add(key)

    def _on_node(self, event: WatchEvent) -> None:
        self._nodes_by_ip = None

    def pods_at(self, ip: str) -> list[str]:
        """`namespace/name` of pods whose IP is `ip` (hostNetwork pods share their node's)."""
        if self._pods_by_ip is None:
            index: dict[str, set[str]] = {}
            for pod in self.store.iter("pods"):
                pod_ip = (pod.get("status") or {}).get("podIP")
                if pod_ip:
                    meta = pod["metadata"]
                    index.setdefault(pod_ip, set()).add(f"{meta['namespace']}/{meta['name']}")
            self._pods_by_ip = index
        return sorted(self._pods_by_ip.get(ip, ()))

    def node_at(self, ip: str) -> str | None:
        """The node whose InternalIP is `ip`."""
        if self._nodes_by_ip is None:
            self._nodes_by_ip = {}
            for node in self.store.iter("nodes"):
                for address in (node.get("status") or {}).get("addresses") or ():
                    if address.get("type") == "InternalIP":
                        self._nodes_by_ip[str(address.get("address"))] = node["metadata"]["name"]
        return self._nodes_by_ip.get(ip)

    def node_ip(self, name: str) -> str:
        """A node's InternalIP ("" when unknown)."""
        node = self.store.get("nodes", "", name) or {}
        for address in (node.get("status") or {}).get("addresses") or ():
            if address.get("type") == "InternalIP":
                return str(address.get("address", ""))
        return ""

    # -- partitions -------------------------------------------------------------------------
    def partitioned(self) -> set[str]:
        """Nodes cut off from the rest of the network."""
        record = self.store.get_record(RECORD_KIND, "partitions") or {}
        return set(record.get("nodes") or ())

    def partition_node(self, name: str) -> None:
        """Cut a node off: its pods are unreachable from elsewhere and reach nothing outside
        the node."""
        if self.store.get("nodes", "", name) is None:
            raise NetworkError(f'nodes "{name}" not found')
        nodes = self.partitioned() | {name}
        self.store.put_record(RECORD_KIND, "partitions", {"nodes": sorted(nodes)})

    def heal_node(self, name: str) -> None:
        """Reconnect a partitioned node."""
        if self.store.get("nodes", "", name) is None:
            raise NetworkError(f'nodes "{name}" not found')
        nodes = self.partitioned() - {name}
        self.store.put_record(RECORD_KIND, "partitions", {"nodes": sorted(nodes)})

    # -- clients ----------------------------------------------------------------------------
    def client_for_pod(self, key: str) -> Client:
        """The client a pod's containers are."""
        namespace, _, name = key.partition("/")
        pod = self.store.get("pods", namespace, name) or {"metadata": {}, "spec": {}}
        spec = pod.get("spec") or {}
        ip = (pod.get("status") or {}).get("podIP") or ""
        if not ip:
            rt = self.cluster.kubelet.runtimes.get(key) if hasattr(self.cluster, "kubelet") \
                else None
            ip = rt.pod_ip if rt is not None else ""
        policy = spec.get("dnsPolicy", "ClusterFirst")
        cluster_dns = policy in ("ClusterFirst", "ClusterFirstWithHostNet") and not (
            policy == "ClusterFirst" and spec.get("hostNetwork"))
        return Client(ip=ip, namespace=namespace, node=spec.get("nodeName"), pod=key,
                      cluster_dns=cluster_dns)

    @staticmethod
    def outside() -> Client:
        """The person's laptop."""
        return Client(ip=OUTSIDE_IP, user_agent=OUTSIDE_USER_AGENT)

    def for_pod(self, key: str, container: Any = None, *, replay: bool = False) -> PodNetwork:
        """The `Network` a container of pod `key` uses (`container` is its ContainerRuntime,
        whose transcript records answers; None for one-off shells)."""
        return PodNetwork(self, key, container, replay=replay)

    # -- DNS --------------------------------------------------------------------------------
    def resolve(self, client: Client, name: str, qtype: str = "A") -> DnsAnswer:
        """One DNS query from `client` to the cluster DNS (10.96.0.10)."""
        if client.outside:
            return DnsAnswer(name=name, rcode="TIMEOUT", elapsed=DNS_TIMEOUT)
        if client.node in self.partitioned():
            return DnsAnswer(name=name, rcode="TIMEOUT", elapsed=DNS_TIMEOUT / 2)
        answer = self.dns.query(name, qtype)
        if not client.cluster_dns and answer.rcode == "NOERROR":
            return DnsAnswer(name=name, rcode="NXDOMAIN", elapsed=answer.elapsed)
        return answer

    def lookup(self, client: Client, host: str) -> tuple[str | None, float]:
        """The address a client connects to for `host`, and the time resolving took."""
        if is_ip(host):
            return host, 0.0
        if host == "localhost":
            return "127.0.0.1", 0.0
        if client.outside:
            if self.proxy.is_load_balancer(host):
                return host, 0.02
            return None, 0.02
        if client.node in self.partitioned():
            return None, DNS_TIMEOUT
        if not client.cluster_dns:
            return (host, 0.01) if self.proxy.is_load_balancer(host) else (None, 0.01)
        _, addresses, asked = self.dns.addresses(host, client.namespace)
        elapsed = asked * 2 * QUERY_SECONDS
        if addresses:
            return addresses[0], elapsed
        if self.proxy.is_load_balancer(host):
            return host, elapsed + 0.01
        return None, elapsed

    # -- connections ------------------------------------------------------------------------
    def connect(self, client: Client, ip: str, port: int, now: float) -> Reach:
        """Open a TCP connection to ip:port and find the listener that accepts it."""
        address = f"{ip}:{port}"
        if ip == "127.0.0.1" or (client.pod and ip == client.ip and
                                 self.node_at(ip) is None):
            if not client.pod:
                return Reach(address, "connection refused", RTT["pod"])
            return self._deliver(client, client.pod, port, client.ip, address, local=True)
        if self.proxy.is_cluster_ip(ip):
            if client.outside:
                return Reach(address, "timed out", CONNECT_TIMEOUT)
            target = self.proxy.by_cluster_ip(ip, port)
            if target is None:
                error = "connection refused" if self.proxy.mode == "ipvs" else "timed out"
                return Reach(address, error, RTT["node"] if error != "timed out"
                             else CONNECT_TIMEOUT)
            return self._via_service(client, target, address, now, node=client.node,
                                     external=False)
        if self.proxy.is_load_balancer(ip):
            target = self.proxy.by_load_balancer(ip, port)
            if target is None:
                return Reach(address, "timed out", CONNECT_TIMEOUT)
            return self._via_service(client, target, address, now, node=None, external=True)
        node = self.node_at(ip)
        if node is not None:
            return self._to_node(client, node, ip, port, address, now)
        pods = self.pods_at(ip)
        if pods and not client.outside:
            return self._deliver(client, pods[0], port, client.ip, address)
        return Reach(address, "timed out", CONNECT_TIMEOUT)

    def _to_node(self, client: Client, node: str, ip: str, port: int, address: str,
                 now: float) -> Reach:
        cut = self.partitioned()
        if node in cut and client.node != node or client.node in cut and client.node != node:
            return Reach(address, "timed out", CONNECT_TIMEOUT)
        target = self.proxy.by_node_port(port)
        if target is not None:
            return self._via_service(client, target, address, now, node=node, external=True,
                                     entry_ip=ip)
        for key in self.pods_at(ip):
            if (port, "TCP") in self._listeners(key):
                return self._deliver(client, key, port, client.ip, address)
        if port == APISERVER_PORT and self._is_control_plane(node):
            return Reach(address, None, RTT["node"], client_ip=client.ip, apiserver=True)
        return Reach(address, "connection refused", RTT["node"])

    def _is_control_plane(self, node: str) -> bool:
        obj = self.store.get("nodes", "", node) or {}
        return "node-role.kubernetes.io/control-plane" in (obj.get("metadata", {})
                                                          .get("labels") or {})

    def _via_service(self, client: Client, target: ServicePort, address: str, now: float, *,
                     node: str | None, external: bool, entry_ip: str | None = None) -> Reach:
        route: Route = self.proxy.route(target, client.ip, now, node=node, external=external)
        if route.outcome == "refused":
            return Reach(address, "connection refused", RTT["node"])
        if route.outcome == "dropped" or route.backend is None:
            return Reach(address, "timed out", CONNECT_TIMEOUT)
        backend = route.backend
        source = client.ip
        if external and (target.service.get("spec") or {}).get(
                "externalTrafficPolicy", "Cluster") != "Local":
            source = entry_ip or self.node_ip(backend.node) or client.ip
        if not backend.pod:
            if backend.port == APISERVER_PORT and self.node_at(backend.ip) is not None:
                return Reach(address, None, RTT["node"], client_ip=source, apiserver=True)
            return Reach(address, "timed out", CONNECT_TIMEOUT)
        return self._deliver(client, backend.pod, backend.port, source, address)

    def _listeners(self, key: str) -> dict[tuple[int, str], tuple[str, Any]]:
        kubelet = getattr(self.cluster, "kubelet", None)
        return kubelet.listeners.get(key, {}) if kubelet is not None else {}

    def _deliver(self, client: Client, key: str, port: int, source: str, address: str, *,
                 local: bool = False) -> Reach:
        namespace, _, name = key.partition("/")
        pod = self.store.get("pods", namespace, name)
        if pod is None:
            return Reach(address, "timed out", CONNECT_TIMEOUT)
        node = (pod.get("spec") or {}).get("nodeName")
        if not local:
            cut = self.partitioned()
            if client.outside and node in cut:
                return Reach(address, "timed out", CONNECT_TIMEOUT)
            if client.node != node and (node in cut or client.node in cut):
                return Reach(address, "timed out", CONNECT_TIMEOUT)
        rtt = RTT["pod"] if local else RTT["outside"] if client.outside else (
            RTT["node"] if client.node == node else RTT["remote"])
        listener = self._listeners(key).get((port, "TCP"))
        if listener is None:
            return Reach(address, "connection refused", rtt)
        return Reach(address, None, rtt, pod=key, port=port, client_ip=source,
                     handler=listener[1], container=listener[0])

    # -- requests ---------------------------------------------------------------------------
    def http_get(self, client: Client, url: str, now: float) -> HttpResult:
        """GET `url` from `client` at virtual second `now`."""
        try:
            parsed = parse_url(url)
        except NetworkError:
            return HttpResult(error="bad address")
        ip, resolving = self.lookup(client, parsed.host)
        if ip is None:
            return HttpResult(error="bad address", elapsed=resolving)
        reach = self.connect(client, ip, parsed.port, now + resolving)
        elapsed = resolving + reach.elapsed
        if reach.error is not None:
            return HttpResult(error=reach.error, address=reach.address, elapsed=elapsed)
        if reach.apiserver:
            return _apiserver_forbidden(parsed.path, reach.address, elapsed)
        if reach.handler is None:
            return HttpResult(error="empty reply", address=reach.address, elapsed=elapsed)
        host_header = parsed.host if parsed.port in (80, 443) else f"{parsed.host}:{parsed.port}"
        request = HttpRequest("GET", parsed.path, dict(parsed.query),
                              {"Host": host_header, "User-Agent": client.user_agent,
                               "Accept": "*/*"},
                              reach.client_ip, host_header,
                              self.cluster.seeds.stream("client-ports").randrange(32768, 61000))
        self._observe(reach, now + elapsed)
        response = reach.handler(request)
        self._touched(reach.pod)
        return HttpResult(status=response.status, reason=response.reason, body=response.body,
                          headers=dict(response.headers), address=reach.address,
                          elapsed=elapsed + response.elapsed)

    def tcp_connect(self, client: Client, host: str, port: int, now: float) -> TcpResult:
        """Open a TCP connection (`nc -z`)."""
        ip, resolving = self.lookup(client, host.lower())
        if ip is None:
            return TcpResult(False, "bad address", elapsed=resolving)
        reach = self.connect(client, ip, port, now + resolving)
        return TcpResult(reach.error is None, reach.error, reach.address,
                         resolving + reach.elapsed)

    def outside_get(self, url: str) -> HttpResult:
        """GET `url` from the person's laptop now (NodePorts and load balancers answer)."""
        return self.http_get(self.outside(), url, self.cluster.clock.now)

    def _observe(self, reach: Reach, at: float) -> None:
        kubelet = getattr(self.cluster, "kubelet", None)
        if kubelet is None or not reach.pod:
            return
        namespace, _, name = reach.pod.partition("/")
        work = kubelet.workload(namespace, name, reach.container)
        if work is not None:
            work.observe(at)

    def _touched(self, key: str) -> None:
        kubelet = getattr(self.cluster, "kubelet", None)
        if kubelet is not None and key:
            kubelet.dirty.add(key)


def _apiserver_forbidden(path: str, address: str, elapsed: float) -> HttpResult:
    body = json.dumps({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'forbidden: User "system:anonymous" cannot get path "{path}"',
        "reason": "Forbidden", "details": {}, "code": 403}, indent=2) + "\n"
    return HttpResult(status=403, reason="Forbidden", body=body,
                      headers={"Content-Type": "application/json"}, address=address,
                      elapsed=elapsed)


class PodNetwork:
    """The `Network` of one container: requests come from its pod; answers are transcribed."""

    def __init__(self, network: ClusterNetwork, key: str, container: Any = None, *,
                 replay: bool = False) -> None:
        self.network = network
        self.key = key
        self.container = container
        self.replay = replay
        self.cursor = 0
        if container is not None and not replay:
            container.transcript.clear()  # a new instance of the container starts afresh

    # -- Network protocol -------------------------------------------------------------------
    def http_get(self, url: str, source: str = "") -> HttpResult:
        """GET `url` from this pod."""
        return self._exchange(
            "http", lambda now: self.network.http_get(self._client(), url, now),
            asdict, lambda data: HttpResult(**data))

    def resolve(self, name: str, qtype: str = "A") -> DnsAnswer:
        """Ask the cluster DNS."""
        return self._exchange(
            "dns", lambda now: self.network.resolve(self._client(), name, qtype),
            asdict, lambda data: DnsAnswer(**dict(data, addresses=tuple(data["addresses"]))))

    def tcp_connect(self, host: str, port: int) -> TcpResult:
        """Open a TCP connection from this pod."""
        return self._exchange(
            "tcp", lambda now: self.network.tcp_connect(self._client(), host, port, now),
            asdict, lambda data: TcpResult(**data))

    # -- transcript -------------------------------------------------------------------------
    def _client(self) -> Client:
        return self.network.client_for_pod(self.key)

    def _owner(self) -> Any:
        """The running Workload this network belongs to (None while being replayed)."""
        kubelet = getattr(self.network.cluster, "kubelet", None)
        if kubelet is None or self.container is None:
            return None
        work = kubelet.workloads.get((self.key, self.container.name))
        if work is None or getattr(work, "shell_ctx", None) is None or \
                work.shell_ctx.network is not self:
            return None
        return work

    def _exchange(self, op: str, compute: Callable[[float], T], encode: Callable[[T], Any],
                  decode: Callable[[Any], T]) -> T:
        clock_now = self.network.cluster.clock.now
        if self.container is None:
            return compute(clock_now)
        work = self._owner()
        if work is None:
            transcript = self.container.transcript
            if self.replay and self.cursor < len(transcript):
                entry = transcript[self.cursor]
                self.cursor += 1
                if entry[0] == op:
                    return decode(entry[1])
            return compute(clock_now)
        process = work.process
        now = process.clock_now if process is not None else clock_now
        result = compute(now)
        if process is not None and process.gen.gi_running:
            # only the main process is replayed; exec probes and `kubectl exec` are not
            self.container.transcript.append([op, encode(result)])
        return result
