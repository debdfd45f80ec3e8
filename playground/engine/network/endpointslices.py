"""The EndpointSlice controller: which pods stand behind each Service, in slices of ≤100.

For every Service with a selector it keeps EndpointSlices labelled
`kubernetes.io/service-name=<svc>` listing the pods that match: their IP, the conditions
`ready`/`serving`/`terminating` (following pod readiness and deletion), `nodeName`, `zone`,
`targetRef` and, for pods whose `subdomain` names the Service, their `hostname`. Pods whose
named targetPorts resolve to different numbers land in different slices, as in the real
controller. A selector that matches nothing leaves one placeholder slice with no endpoints.
The helpers at the top (which Services select a pod, what a pod's endpoint looks like) are
shared with the legacy Endpoints controller and the traffic model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from playground.engine.controllers.base import Controller
from playground.engine.controllers.podutil import is_ready
from playground.engine.errors import APIError
from playground.engine.network.service_index import ServiceSelectorIndex
from playground.engine.selectors import Selector, from_label_selector
from playground.engine.store import DELETED, Obj, WatchEvent

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
MAX_ENDPOINTS_PER_SLICE = 100
ZONE_LABEL = "topology.kubernetes.io/zone"


# -- shared helpers ----------------------------------------------------------------------------


def service_selector(svc: Obj) -> Selector | None:
    """The Service's pod selector, or None when it has none (endpoints are managed by hand)."""
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName" or not spec.get("selector"):
        return None
    return from_label_selector({"matchLabels": spec["selector"]})


def services_selecting(store: Any, namespace: str, labels: dict[str, str] | None
                       ) -> list[Obj]:
    """Services in `namespace` whose selector matches `labels`."""
    found = []
    for svc in store.iter("services", namespace):
        selector = (svc.get("spec") or {}).get("selector")
        if selector and all((labels or {}).get(k) == v for k, v in selector.items()):
            found.append(svc)
    return found


def in_endpoints(pod: Obj) -> bool:
    """A pod with an IP that has not finished (terminating pods included)."""
    phase = (pod.get("status") or {}).get("phase")
    return bool((pod.get("status") or {}).get("podIP")) and phase not in ("Succeeded", "Failed")


def resolve_target_port(pod: Obj, port: dict[str, Any]) -> int | None:
    """A Service port's targetPort on one pod: a number, or a container port found by name."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or ():
        for cport in container.get("ports") or ():
            if cport.get("name") == target and cport.get("protocol", "TCP") == protocol:
                return int(cport.get("containerPort", 0)) or None
    return None


def endpoint_conditions(pod: Obj, svc: Obj) -> dict[str, bool]:
    """ready / serving / terminating of a pod as an endpoint of `svc`."""
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    serving = is_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ready = publish or (serving and not terminating)
    return {"ready": ready, "serving": serving, "terminating": terminating}


def pod_hostname(pod: Obj, svc: Obj) -> str | None:
    """The endpoint hostname: `spec.hostname` when the pod's subdomain is this Service."""
    spec = pod.get("spec") or {}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        return str(spec["hostname"])
    return None


# -- the controller ----------------------------------------------------------------------------


class EndpointSliceController(Controller):
    """kube-controller-manager's endpointslice-controller."""

    name = "endpointslice-controller"
    watches = ("services", "pods", "endpointslices.discovery.k8s.io")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self._zones: dict[str, str] = {}
        self.services = ServiceSelectorIndex(self.store)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        namespace = meta.get("namespace", "")
        if event.resource == "pods":
            return self._pod_keys(event, namespace)
        if event.resource == "services":
            return (f"{namespace}/{meta['name']}",)
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if service and event.actor.name != self.name:
            return (f"{namespace}/{service}",)
        return ()

    def _pod_keys(self, event: WatchEvent, namespace: str) -> list[str] | tuple[()]:
        """The Services selecting the pod now, then those that selected it before its labels
        changed; nothing when what an endpoint shows of the pod did not change."""
        services = self.services
        if not services.any_in(namespace):
            return ()
        old = event.old
        if old is not None and event.type != DELETED and _same_endpoint(old, event.obj):
            return ()
        labels = event.obj["metadata"].get("labels") or {}
        keys = [f"{namespace}/{name}" for name in services.selecting(namespace, labels)]
        if old is not None:
            old_labels = old["metadata"].get("labels") or {}
            if old_labels != labels:
                keys.extend(f"{namespace}/{name}"
                            for name in services.selecting(namespace, old_labels))
        return keys

    def resync(self) -> Iterable[str]:
        for svc in self.store.iter("services"):
            meta = svc["metadata"]
            yield f"{meta['namespace']}/{meta['name']}"

    # -- reconcile --------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        svc = self.store.get("services", namespace, name)
        owned = self._owned_slices(namespace, name, svc)
        if svc is None or svc["metadata"].get("deletionTimestamp") and not owned:
            return
        selector = service_selector(svc)
        if selector is None:
            for old in owned:
                self._delete(old)
            return
        desired = self._desired(svc, selector)
        self._write(svc, desired, owned)

    def _owned_slices(self, namespace: str, name: str, svc: Obj | None) -> list[Obj]:
        selector = from_label_selector({"matchLabels": {SERVICE_NAME_LABEL: name,
                                                        MANAGED_BY_LABEL: MANAGED_BY}})
        slices = list(self.store.iter("endpointslices.discovery.k8s.io", namespace, selector))
        if svc is not None:
            uid = svc["metadata"].get("uid")
            slices = [s for s in slices if any(r.get("uid") == uid for r in
                                               s["metadata"].get("ownerReferences") or ())]
        return sorted(slices, key=lambda s: s["metadata"]["name"])

    def _zone(self, node_name: str) -> str | None:
        zone = self._zones.get(node_name)
        if zone is None:
            node = self.store.get("nodes", "", node_name) or {}
            zone = ((node.get("metadata") or {}).get("labels") or {}).get(ZONE_LABEL, "")
            self._zones[node_name] = zone
        return zone or None

    def _desired(self, svc: Obj, selector: Selector) -> list[tuple[list[dict[str, Any]],
                                                                 list[dict[str, Any]]]]:
        """(ports, endpoints) groups, one per distinct resolved port set."""
        namespace = svc["metadata"]["namespace"]
        svc_ports = (svc.get("spec") or {}).get("ports") or []
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        pods = sorted((p for p in self.store.iter("pods", namespace, selector) if in_endpoints(p)),
                      key=lambda p: p["metadata"]["name"])
        for pod in pods:
            ports = []
            for port in svc_ports:
                number = resolve_target_port(pod, port)
                if number is not None:
                    ports.append((port.get("name", ""), number, port.get("protocol", "TCP"),
                                  port.get("appProtocol")))
            groups.setdefault(tuple(ports), []).append(self._endpoint(pod, svc))
        if not groups:
            return [([], [])]
        out = []
        for ports_key, endpoints in groups.items():
            entries: list[dict[str, Any]] = []
            for pname, number, protocol, app in ports_key:
                entry: dict[str, Any] = {"name": pname, "port": number, "protocol": protocol}
                if app:
                    entry["appProtocol"] = app
                entries.append(entry)
            for start in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
                out.append((entries, endpoints[start:start + MAX_ENDPOINTS_PER_SLICE]))
        return out

    def _endpoint(self, pod: Obj, svc: Obj) -> dict[str, Any]:
        meta = pod["metadata"]
        endpoint: dict[str, Any] = {"addresses": [pod["status"]["podIP"]],
                                    "conditions": endpoint_conditions(pod, svc)}
        hostname = pod_hostname(pod, svc)
        if hostname:
            endpoint["hostname"] = hostname
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            endpoint["nodeName"] = node
        endpoint["targetRef"] = {"kind": "Pod", "name": meta["name"],
                                 "namespace": meta["namespace"], "uid": meta.get("uid", "")}
        zone = self._zone(node) if node else None
        if zone:
            endpoint["zone"] = zone
        return endpoint

    def _write(self, svc: Obj, desired: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]],
               owned: list[Obj]) -> None:
        labels = self._labels(svc)
        unused = list(owned)
        pending: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
        # keep slices whose content already matches; reuse the others for what changed
        for ports, endpoints in desired:
            match = next((s for s in unused if _same(s, ports, endpoints, labels)), None)
            if match is not None:
                unused.remove(match)
            else:
                pending.append((ports, endpoints))
        for ports, endpoints in pending:
            reuse = next((s for s in unused if (s.get("ports") or []) == ports), None) or (
                unused[0] if unused else None)
            if reuse is not None:
                unused.remove(reuse)
                updated = dict(reuse)
                updated["metadata"] = dict(reuse["metadata"], labels=labels,
                                           annotations=self._annotations(reuse))
                updated["ports"] = ports
                updated["endpoints"] = endpoints or None
                self._call(lambda u=updated: self.api.update(u, self.actor, reason="endpoints"))
            else:
                self._call(lambda p=ports, e=endpoints: self.api.create(
                    self._new_slice(svc, labels, p, e), self.actor))
        for old in unused:
            self._delete(old)

    def _labels(self, svc: Obj) -> dict[str, str]:
        labels = dict(svc["metadata"].get("labels") or {})
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        labels[SERVICE_NAME_LABEL] = svc["metadata"]["name"]
        if (svc.get("spec") or {}).get("clusterIP") == "None":
            labels[HEADLESS_LABEL] = ""
        return labels

    def _annotations(self, old: Obj | None) -> dict[str, str]:
        annotations = dict((old or {}).get("metadata", {}).get("annotations") or {})
        annotations[TRIGGER_TIME] = self.clock.timestamp()
        return annotations

    def _new_slice(self, svc: Obj, labels: dict[str, str], ports: list[dict[str, Any]],
                   endpoints: list[dict[str, Any]]) -> Obj:
        meta = svc["metadata"]
        return {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": f"{meta['name']}-", "namespace": meta["namespace"],
                         "labels": labels, "annotations": self._annotations(None),
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service",
                                              "name": meta["name"], "uid": meta.get("uid", ""),
                                              "controller": True,
                                              "blockOwnerDeletion": True}]},
            "addressType": "IPv4", "endpoints": endpoints or None, "ports": ports,
        }

    def _delete(self, obj: Obj) -> None:
        meta = obj["metadata"]
        self._call(lambda: self.api.delete("endpointslices.discovery.k8s.io", meta["namespace"],
                                           meta["name"], self.actor))

    def _call(self, action: Any) -> None:
        try:
            action()
        except APIError:
            # the Service or namespace went away meanwhile; the next event reconciles again
            pass


def _same(slice_: Obj, ports: list[dict[str, Any]], endpoints: list[dict[str, Any]],
          labels: dict[str, str]) -> bool:
    return ((slice_.get("ports") or []) == ports and (slice_.get("endpoints") or []) == endpoints
            and (slice_["metadata"].get("labels") or {}) == labels)


def _same_endpoint(old: Obj, new: Obj) -> bool:
    """Whether nothing an endpoint depends on changed between two versions of a pod (its
    labels, deletion mark, IP, phase, readiness, node, hostname and subdomain): status updates
    that change none of it are noise."""
    old_meta = old["metadata"]
    new_meta = new["metadata"]
    if old_meta.get("labels") != new_meta.get("labels") or \
            old_meta.get("deletionTimestamp") != new_meta.get("deletionTimestamp"):
        return False
    old_status = old.get("status") or {}
    new_status = new.get("status") or {}
    if old_status.get("podIP") != new_status.get("podIP") or \
            old_status.get("phase") != new_status.get("phase"):
        return False
    old_spec = old.get("spec") or {}
    new_spec = new.get("spec") or {}
    if old_spec is not new_spec and (
            old_spec.get("nodeName") != new_spec.get("nodeName")
            or old_spec.get("hostname") != new_spec.get("hostname")
            or old_spec.get("subdomain") != new_spec.get("subdomain")):
        return False
    if old_status.get("conditions") is new_status.get("conditions"):
        return True
    return is_ready(old) == is_ready(new)
