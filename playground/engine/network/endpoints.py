"""The legacy Endpoints controller ("endpoint-controller"): one v1 Endpoints per Service.

Kubernetes still maintains the `Endpoints` object named like each Service with a selector
(`kubectl get endpoints` reads it, with a deprecation warning). Ready pods are listed in
`addresses`, not-ready ones in `notReadyAddresses`, terminating pods are left out unless the
Service publishes not-ready addresses; pods whose named ports resolve differently land in
different subsets. Over 1000 addresses the list is truncated and annotated, as in Kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.network.endpointslices import (
    endpoint_conditions,
    in_endpoints,
    pod_hostname,
    resolve_target_port,
    service_selector,
)
from playground.engine.network.service_index import ServiceSelectorIndex
from playground.engine.store import Obj, WatchEvent

MAX_ADDRESSES = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


class EndpointsController(Controller):
    """kube-controller-manager's endpoint-controller."""

    name = "endpoint-controller"
    watches = ("services", "pods")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.services = ServiceSelectorIndex(self.store)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        namespace = meta.get("namespace", "")
        if event.resource == "services":
            return (f"{namespace}/{meta['name']}",)
        # every write of a selected pod, as before: the Services selecting it now or before
        services = self.services
        if not services.any_in(namespace):
            return ()
        names = set(services.selecting(namespace, meta.get("labels")))
        if event.old is not None:
            names.update(services.selecting(namespace, event.old["metadata"].get("labels")))
        return [f"{namespace}/{name}" for name in sorted(names)]

    def resync(self) -> Iterable[str]:
        for svc in self.store.iter("services"):
            meta = svc["metadata"]
            yield f"{meta['namespace']}/{meta['name']}"

    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        svc = self.store.get("services", namespace, name)
        current = self.store.get("endpoints", namespace, name)
        if svc is None:
            if current is not None and _managed(current):
                self._call(lambda: self.api.delete("endpoints", namespace, name, self.actor))
            return
        selector = service_selector(svc)
        if selector is None:
            return
        subsets, truncated = self._subsets(svc, selector)
        labels = dict(svc["metadata"].get("labels") or {})
        if (svc.get("spec") or {}).get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        annotations = dict((current or {}).get("metadata", {}).get("annotations") or {})
        annotations.pop(OVER_CAPACITY, None)
        if truncated:
            annotations[OVER_CAPACITY] = "truncated"
        if current is not None and (current.get("subsets") or []) == subsets and \
                (current["metadata"].get("labels") or {}) == labels and \
                (OVER_CAPACITY in annotations) == (OVER_CAPACITY in (
                    current["metadata"].get("annotations") or {})):
            return
        annotations[TRIGGER_TIME] = self.clock.timestamp()
        if current is None:
            obj: Obj = {"apiVersion": "v1", "kind": "Endpoints",
                        "metadata": {"name": name, "namespace": namespace, "labels": labels,
                                     "annotations": annotations}}
            if subsets:
                obj["subsets"] = subsets
            self._call(lambda: self.api.create(obj, self.actor))
            return
        updated = {k: v for k, v in current.items() if k != "subsets"}
        updated["metadata"] = dict(current["metadata"], labels=labels, annotations=annotations)
        if subsets:
            updated["subsets"] = subsets
        self._call(lambda: self.api.update(updated, self.actor, reason="endpoints"))

    def _subsets(self, svc: Obj, selector: Any) -> tuple[list[dict[str, Any]], bool]:
        namespace = svc["metadata"]["namespace"]
        spec = svc.get("spec") or {}
        publish = bool(spec.get("publishNotReadyAddresses"))
        groups: dict[tuple[Any, ...], dict[str, list[dict[str, Any]]]] = {}
        total = 0
        truncated = False
        pods = sorted(self.store.iter("pods", namespace, selector),
                      key=lambda p: p["metadata"]["name"])
        for pod in pods:
            if not in_endpoints(pod):
                continue
            conditions = endpoint_conditions(pod, svc)
            if conditions["terminating"] and not publish:
                continue
            if total >= MAX_ADDRESSES:
                truncated = True
                break
            ports = []
            for port in spec.get("ports") or ():
                number = resolve_target_port(pod, port)
                if number is not None:
                    ports.append((port.get("name", ""), number, port.get("protocol", "TCP")))
            meta = pod["metadata"]
            address: dict[str, Any] = {"ip": pod["status"]["podIP"]}
            hostname = pod_hostname(pod, svc)
            if hostname:
                address["hostname"] = hostname
            if (pod.get("spec") or {}).get("nodeName"):
                address["nodeName"] = pod["spec"]["nodeName"]
            address["targetRef"] = {"kind": "Pod", "name": meta["name"],
                                    "namespace": namespace, "uid": meta.get("uid", "")}
            group = groups.setdefault(tuple(ports), {"addresses": [], "notReadyAddresses": []})
            group["addresses" if conditions["ready"] else "notReadyAddresses"].append(address)
            total += 1
        subsets = []
        for ports_key, group in groups.items():
            subset: dict[str, Any] = {}
            for field in ("addresses", "notReadyAddresses"):
                if group[field]:
                    subset[field] = sorted(group[field], key=lambda a: _ip_key(a["ip"]))
            ports_out = []
            for pname, number, protocol in ports_key:
                entry: dict[str, Any] = {"port": number, "protocol": protocol}
                if pname:
                    entry = {"name": pname, **entry}
                ports_out.append(entry)
            if ports_out:
                subset["ports"] = ports_out
            subsets.append(subset)
        return subsets, truncated

    def _call(self, action: Any) -> None:
        try:
            action()
        except APIError:
            pass


def _managed(endpoints: Obj) -> bool:
    labels = endpoints["metadata"].get("labels") or {}
    return labels.get("endpointslice.kubernetes.io/skip-mirror") != "true"


def _ip_key(ip: str) -> tuple[int, ...]:
    return tuple(int(part) for part in ip.split(".") if part.isdigit())
