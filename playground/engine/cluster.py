"""A whole simulated cluster: clock, store, API server, event recorder and controllers.

This is the engine's front door. Shells create one (`Cluster.create`), send it requests through
`cluster.api`, let virtual time pass with `advance()`/`run_until()`, and persist what
`store.drain_journal()` and `export_meta()` give them. `Cluster.restore()` rebuilds one from
persisted objects without replaying history: controllers resync from the objects themselves,
and pending timers come back from the saved queue.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from playground.engine import KUBERNETES_VERSION
from playground.engine.addons import system_addons
from playground.engine.apiserver import APIServer
from playground.engine.clock import Clock, Timer
from playground.engine.controllers.base import ControllerManager
from playground.engine.controllers.cronjob import CronJobController
from playground.engine.controllers.daemonset import DaemonSetController
from playground.engine.controllers.deployment import DeploymentController
from playground.engine.controllers.disruption import DisruptionController
from playground.engine.controllers.garbage_collector import GarbageCollector
from playground.engine.controllers.job import JobController, TTLAfterFinishedController
from playground.engine.controllers.namespaces import NamespaceController, ServiceAccountController
from playground.engine.controllers.node_lifecycle import (
    NodeLifecycleController,
    PodGarbageCollector,
)
from playground.engine.controllers.replicaset import ReplicaSetController
from playground.engine.controllers.scheduler import SchedulerController
from playground.engine.controllers.statefulset import StatefulSetController
from playground.engine.controllers.taint_eviction import TaintEvictionController
from playground.engine.controllers.volumes import PersistentVolumeController, standard_storage_class
from playground.engine.events import EventRecorder
from playground.engine.kubelet.kubelet import Kubelet
from playground.engine.network.allocators import DNS_SERVICE_IP, KUBERNETES_SERVICE_IP
from playground.engine.network.cloud import ServiceLoadBalancerController
from playground.engine.network.endpoints import EndpointsController
from playground.engine.network.endpointslices import EndpointSliceController
from playground.engine.network.traffic import ClusterNetwork
from playground.engine.nodes import node_object
from playground.engine.seeds import Seeds
from playground.engine.store import SYSTEM, Actor, Obj, Store

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
APISERVER_PORT = 6443
NODE_NETWORK = ipaddress.ip_network("172.18.0.0/16")


def pod_cidr_for(index: int) -> str:
    """The /24 pod range of the index-th node: 10.244.N.0/24 as kind allocates them, running on
    into 10.245–10.247 (a /14 cluster CIDR) so clusters of up to 1,024 nodes fit."""
    if not 0 <= index < 1024:
        raise ValueError("the pod network has room for 1,024 nodes")
    return f"10.{244 + index // 256}.{index % 256}.0/24"


@dataclass
class ClusterConfig:
    """The shape of a cluster, fixed at `cluster init`."""

    name: str = "playground"
    seed: int = 1
    workers: int = 3
    node_cpu: str = "4"
    node_memory: str = "8Gi"
    zones: list[str] = field(default_factory=lambda: ["zone-a", "zone-b", "zone-c"])
    region: str = "region-1"
    clock: str = "realtime"  # or "manual"
    epoch: str = "2026-01-01T00:00:00+00:00"
    flavour: str = "generic"  # or "aws"
    proxy_mode: str = "iptables"  # or "ipvs"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for the state's meta table)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClusterConfig:
        """Inverse of `to_dict`, ignoring unknown keys from newer versions."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Cluster:
    """One cluster and everything that runs in it."""

    def __init__(self, config: ClusterConfig, *, now: float = 0.0) -> None:
        self.config = config
        self.version = KUBERNETES_VERSION
        self.clock = Clock(datetime.fromisoformat(config.epoch), now)
        self.seeds = Seeds(config.seed)
        self.store = Store()
        self.store.time = lambda: self.clock.now
        self.api = APIServer(self.store, self.clock, self.seeds)
        self.recorder = EventRecorder(self.store, self.clock)
        self.node_counter = 0
        self.controllers = ControllerManager(self)
        self.scheduler = SchedulerController(self)
        self.kubelet = Kubelet(self)
        self.network = ClusterNetwork(self)
        self.node_lifecycle = NodeLifecycleController(self)
        # kube-controller-manager's controllers, then the scheduler, then the kubelets: the
        # order in which one settle pass drains their queues
        for controller in (NamespaceController(self), ServiceAccountController(self),
                           GarbageCollector(self), DeploymentController(self),
                           ReplicaSetController(self), StatefulSetController(self),
                           DaemonSetController(self), JobController(self),
                           TTLAfterFinishedController(self), CronJobController(self),
                           PersistentVolumeController(self), self.node_lifecycle,
                           TaintEvictionController(self), PodGarbageCollector(self),
                           DisruptionController(self), EndpointSliceController(self),
                           EndpointsController(self), ServiceLoadBalancerController(self),
                           self.scheduler, self.kubelet):
            self.controllers.add(controller)

    # -- creation -------------------------------------------------------------------------
    @classmethod
    def create(cls, config: ClusterConfig) -> Cluster:
        """A fresh cluster: namespaces, a control-plane node, workers, system Services."""
        cluster = cls(config)
        actor = Actor("system", "kubeadm")
        for ns in SYSTEM_NAMESPACES:
            cluster.api.create({"apiVersion": "v1", "kind": "Namespace",
                                "metadata": {"name": ns}}, actor)
        cluster.add_node("control-plane",
                         control_plane=True, actor=actor)
        for i in range(config.workers):
            cluster.add_node(f"worker-{i + 1}", actor=actor)
        cluster._create_system_services(actor)
        cluster.api.create(standard_storage_class(), actor)
        for addon in system_addons():
            cluster.api.create(addon, actor)
        cluster.settle()
        return cluster

    def add_node(self, name: str, *, cpu: str | None = None, memory: str | None = None,
                 zone: str | None = None, control_plane: bool = False,
                 labels: dict[str, str] | None = None,
                 taints: list[dict[str, Any]] | None = None,
                 actor: Actor = SYSTEM) -> Obj:
        """Register a Ready node (its kubelet joins the cluster)."""
        index = self.node_counter
        self.node_counter += 1
        zones = self.config.zones or ["zone-a"]
        node_zone = zone or (zones[0] if control_plane else zones[(index - 1) % len(zones)])
        address = str(NODE_NETWORK.network_address + 2 + index)
        node = node_object(
            name, index=index, cpu=cpu or self.config.node_cpu,
            memory=memory or self.config.node_memory, zone=node_zone,
            region=self.config.region, control_plane=control_plane, internal_ip=address,
            pod_cidr=pod_cidr_for(index), timestamp=self.clock.timestamp(),
            uid_hint=self.seeds.uid(), labels=labels, taints=taints)
        return self.api.create(node, actor)

    def _create_system_services(self, actor: Actor) -> None:
        control_plane_ip = "172.18.0.2"
        self.api.create({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": KUBERNETES_SERVICE_IP,
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": APISERVER_PORT}]},
        }, actor)
        self.api.create({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": control_plane_ip}],
                         "ports": [{"name": "https", "port": APISERVER_PORT,
                                    "protocol": "TCP"}]}],
        }, actor)
        self.api.create({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [control_plane_ip], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": APISERVER_PORT, "protocol": "TCP"}],
        }, actor)
        self.api.create({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns",
                                    "kubernetes.io/cluster-service": "true",
                                    "kubernetes.io/name": "CoreDNS"},
                         "annotations": {"prometheus.io/port": "9153",
                                         "prometheus.io/scrape": "true"}},
            "spec": {"clusterIP": DNS_SERVICE_IP, "selector": {"k8s-app": "kube-dns"},
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP",
                                "targetPort": 53},
                               {"name": "metrics", "port": 9153, "protocol": "TCP",
                                "targetPort": 9153}]},
        }, actor)

    # -- time -----------------------------------------------------------------------------
    def settle(self) -> int:
        """Let every controller react to what has happened at the current instant."""
        total = 0
        while True:
            total += self.controllers.settle()
            if self.clock.fire_due() == 0 and not self.controllers.busy():
                return total

    def run_until(self, when: float) -> None:
        """Process everything that happens up to virtual second `when`, then stop there."""
        self.settle()
        while (next_at := self.clock.peek()) is not None and next_at <= when:
            self.clock.step()
            self.settle()
        self.clock.advance_to(when)
        self.settle()

    def advance(self, seconds: float) -> None:
        """Let `seconds` of virtual time pass."""
        self.run_until(self.clock.now + max(0.0, seconds))

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster's epoch."""
        return self.clock.now

    # -- persistence ----------------------------------------------------------------------
    def export_meta(self) -> dict[str, Any]:
        """Everything besides the objects that a restart needs, JSON-serialisable."""
        return {
            "config": self.config.to_dict(),
            "now": self.clock.now,
            "timers": [[t.when, t.seq, t.target, t.key] for t in self.clock.pending()],
            "seeds": self.seeds.dump(),
            "resource_version": self.store.resource_version,
            "node_counter": self.node_counter,
        }

    @classmethod
    def restore(cls, meta: dict[str, Any], objects: Iterable[tuple[str, Obj]]) -> Cluster:
        """Rebuild a cluster from persisted objects and meta, without replaying history."""
        cluster = cls(ClusterConfig.from_dict(meta["config"]), now=float(meta["now"]))
        shared = cluster.api.shared
        for resource, obj in objects:
            # equal parts held once, as when the objects were written (see api/sharing.py)
            if resource == "pods":
                shared.share_pod(obj, spec=True)
            elif resource == "events":
                for part in ("source", "involvedObject"):
                    if type(obj.get(part)) is dict:
                        obj[part] = shared.share(obj[part])
            cluster.store.load(resource, obj)
        cluster.store.resource_version = max(cluster.store.resource_version,
                                             int(meta.get("resource_version", 0)))
        cluster.seeds.load(meta.get("seeds", {}))
        cluster.node_counter = int(meta.get("node_counter", 0))
        cluster.clock.restore(float(meta["now"]),
                              [Timer(float(w), int(s), str(t), str(k))
                               for w, s, t, k in meta.get("timers", [])])
        cluster.store.drain_journal()
        cluster.controllers.resync()
        return cluster
