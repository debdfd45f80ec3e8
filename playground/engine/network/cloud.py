"""The simulated cloud's load balancers: cloud-controller-manager's "service-controller".

A Service of type LoadBalancer gets the finalizer `service.kubernetes.io/load-balancer-cleanup`
and, after a short provisioning delay, an external address in `status.loadBalancer.ingress`:
an IP from a pool (172.18.255.200 and up, like kind's cloud provider or MetalLB) on a generic
cluster, an ELB host name (`a<uid>-<digits>.<region>.elb.amazonaws.com`, or an NLB's
`<name>-<id>.elb.<region>.amazonaws.com`) on the "aws" flavour. Leaving type LoadBalancer or
deleting the Service tears the balancer down with the same events as the real controller.
Traffic to the address is routed by `proxy` (an LB forwards to the Service's NodePorts).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.store import Obj

CLEANUP_FINALIZER = "service.kubernetes.io/load-balancer-cleanup"
LB_POOL_START = ipaddress.ip_address("172.18.255.200")
LB_POOL_SIZE = 55
PROVISION_SECONDS = {"generic": 2.0, "aws": 4.0}
NLB_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-type"
AWS_REGIONS_PREFIXES = ("us-", "eu-", "ap-", "ca-", "sa-", "me-", "af-", "il-", "mx-")


def ingress_addresses(svc: Obj) -> list[str]:
    """The external IPs and host names a Service's load balancer has."""
    out = []
    for entry in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ():
        address = entry.get("ip") or entry.get("hostname")
        if address:
            out.append(str(address))
    return out


class ServiceLoadBalancerController(Controller):
    """cloud-controller-manager's service-controller."""

    name = "service-controller"
    watches = ("services",)

    def resync(self) -> Iterable[str]:
        for svc in self.store.iter("services"):
            meta = svc["metadata"]
            yield f"{meta['namespace']}/{meta['name']}"

    @property
    def flavour(self) -> str:
        """`generic` or `aws`."""
        return str(getattr(self.cluster.config, "flavour", "generic"))

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        svc = self.store.get("services", namespace, name)
        if svc is None:
            return
        meta = svc["metadata"]
        wants = (svc.get("spec") or {}).get("type") == "LoadBalancer" and \
            not meta.get("deletionTimestamp")
        has_finalizer = CLEANUP_FINALIZER in (meta.get("finalizers") or ())
        if not wants:
            if has_finalizer or ingress_addresses(svc):
                self._tear_down(svc, has_finalizer)
            return
        if not has_finalizer:
            updated = dict(svc, metadata=dict(meta, finalizers=[
                *(meta.get("finalizers") or []), CLEANUP_FINALIZER]))
            self._call(lambda: self.api.update(updated, self.actor, reason="lb finalizer"))
            self.recorder.record(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer",
                                 component=self.name)
            self.wake_after(PROVISION_SECONDS.get(self.flavour, 2.0), key)
            return
        if ingress_addresses(svc):
            return
        created = self.clock.seconds_at(meta["creationTimestamp"]) \
            if meta.get("creationTimestamp") else self.clock.now
        ready_at = self._ensuring_since(svc, created) + PROVISION_SECONDS.get(self.flavour, 2.0)
        if self.clock.now < ready_at:
            self.wake_after(ready_at - self.clock.now, key)
            return
        entry = self._hostname_entry(svc) if self.flavour == "aws" else self._ip_entry(svc)
        if entry is None:
            self.recorder.record(svc, "Warning", "SyncLoadBalancerFailed",
                                 "Error syncing load balancer: failed to ensure load balancer: "
                                 "no available IPs in the load-balancer pool",
                                 component=self.name)
            return
        status = dict(svc.get("status") or {}, loadBalancer={"ingress": [entry]})
        self._call(lambda: self.api.update_status(dict(svc, status=status), self.actor,
                                                  reason="load balancer ensured"))
        self.recorder.record(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer",
                             component=self.name)

    def _ensuring_since(self, svc: Obj, created: float) -> float:
        """When provisioning began: the latest EnsuringLoadBalancer event, else creation."""
        meta = svc["metadata"]
        latest = created
        for event in self.store.iter("events", meta["namespace"]):
            involved = event.get("involvedObject") or {}
            if involved.get("uid") == meta.get("uid") and \
                    event.get("reason") == "EnsuringLoadBalancer":
                stamp = event.get("lastTimestamp") or event.get("firstTimestamp")
                if stamp:
                    latest = max(latest, self.clock.seconds_at(stamp))
        return latest

    def _tear_down(self, svc: Obj, has_finalizer: bool) -> None:
        meta = svc["metadata"]
        self.recorder.record(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer",
                             component=self.name)
        if ingress_addresses(svc) and not meta.get("deletionTimestamp"):
            status = dict(svc.get("status") or {}, loadBalancer={})
            self._call(lambda: self.api.update_status(dict(svc, status=status), self.actor,
                                                      reason="load balancer deleted"))
        if has_finalizer:
            self._call(lambda: self.api.remove_finalizer(
                "services", meta["namespace"], meta["name"], CLEANUP_FINALIZER, self.actor))
        self.recorder.record(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer",
                             component=self.name)

    def _ip_entry(self, svc: Obj) -> dict[str, Any] | None:
        used = {address for other in self.store.iter("services")
                for address in ingress_addresses(other)}
        requested = (svc.get("spec") or {}).get("loadBalancerIP")
        if requested and requested not in used:
            return {"ip": requested, "ipMode": "VIP"}
        for offset in range(LB_POOL_SIZE):
            candidate = str(LB_POOL_START + offset)
            if candidate not in used:
                return {"ip": candidate, "ipMode": "VIP"}
        return None

    def _hostname_entry(self, svc: Obj) -> dict[str, Any]:
        meta = svc["metadata"]
        region = str(self.cluster.config.region)
        if not region.startswith(AWS_REGIONS_PREFIXES):
            region = "us-east-1"
        lb_name = ("a" + str(meta.get("uid", "")).replace("-", ""))[:32]
        rng = self.cluster.seeds.stream("cloud")
        if (meta.get("annotations") or {}).get(NLB_ANNOTATION) == "nlb":
            return {"hostname": f"{lb_name}-{rng.getrandbits(64):016x}.elb.{region}"
                                ".amazonaws.com"}
        return {"hostname": f"{lb_name}-{rng.randrange(10**9, 10**10)}.{region}"
                            ".elb.amazonaws.com"}

    def _call(self, action: Any) -> None:
        try:
            action()
        except APIError:
            pass
