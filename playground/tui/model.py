"""What the panes show, computed from engine state without any widget: pure functions.

Every pane asks this module for its cells (through the kubectl printers, so a row in the TUI
reads exactly like `kubectl get`), its colours, a node's requested resources, a Service's
endpoint counts, an object's owner tree and the "why" explanation. Keeping this free of
Textual lets plain pytest cover it and keeps the widgets thin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from typing import Any

from playground.engine.api import quantity
from playground.engine.api.resources import by_key
from playground.engine.cluster import Cluster
from playground.engine.selectors import Selector, SelectorError, from_label_selector, parse_label_selector
from playground.kubectl.printers import print_table
from playground.kubectl.printers.nodes import node_roles, node_status_text
from playground.kubectl.printers.pods import pod_status_text

Obj = dict[str, Any]

POD_COLUMNS = ("NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE")
SERVICE_COLUMNS = ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE")
EVENT_COLUMNS = ("LAST SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE")

ZONE_LABEL = "topology.kubernetes.io/zone"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class ObjectRef:
    """One object as the panes and views name it: store key, namespace, name."""

    resource: str
    namespace: str
    name: str

    @property
    def kind(self) -> str:
        """The object's kind (`Deployment`), from the discovery table."""
        rt = by_key(self.resource)
        return rt.kind if rt is not None else self.resource

    @property
    def target(self) -> str:
        """The `type/name` argument kubectl verbs take (`deployment.apps/web`)."""
        rt = by_key(self.resource)
        if rt is None:
            return f"{self.resource}/{self.name}"
        kind = rt.kind.lower()
        return f"{kind}.{rt.group}/{self.name}" if rt.group else f"{kind}/{self.name}"

    def namespace_args(self) -> list[str]:
        """`-n NS` for namespaced objects, nothing for cluster-scoped ones."""
        return ["-n", self.namespace] if self.namespace else []

    @classmethod
    def of(cls, resource: str, obj: Obj) -> ObjectRef:
        """The reference of a stored object."""
        meta = obj.get("metadata") or {}
        return cls(resource, str(meta.get("namespace", "")), str(meta.get("name", "")))


# -- status colours ---------------------------------------------------------------------------

_GOOD = {"Running", "Completed", "Succeeded", "Ready", "Normal", "Active", "Bound"}
_BAD = {"Error", "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "OOMKilled", "Failed",
        "Evicted", "NotReady", "Unknown", "Warning", "CreateContainerConfigError",
        "InvalidImageName", "ContainerStatusUnknown", "StartError", "RunContainerError"}
_WAIT = {"Pending", "ContainerCreating", "PodInitializing", "Terminating", "NotReady",
         "SchedulingDisabled"}


def status_style(text: str) -> str:
    """The colour class of a STATUS cell: `good`, `bad`, `wait` or `` (plain)."""
    first = text.split(",", 1)[0]
    if first in _BAD or text.startswith("Init:Error") or "BackOff" in text:
        return "bad"
    if first in _GOOD:
        return "good" if "SchedulingDisabled" not in text else "wait"
    if first in _WAIT or text.startswith("Init:"):
        return "wait"
    return ""


STYLE_COLOURS = {"good": "green", "bad": "bold red", "wait": "yellow", "": ""}


# -- rows -------------------------------------------------------------------------------------

def _pick(table_columns: list[str], cells: list[Any], wanted: Iterable[str]) -> list[str]:
    index = {name: i for i, name in enumerate(table_columns)}
    return [str(cells[index[name]]) if name in index else "" for name in wanted]


def pod_cells(pod: Obj, now: datetime) -> list[str]:
    """NAME READY STATUS RESTARTS AGE IP NODE, as `kubectl get pods -o wide` prints them."""
    table = print_table([pod], "pods", now, wide=True)
    return _pick([c.header for c in table.columns], table.rows[0].cells, POD_COLUMNS)


def service_cells(svc: Obj, now: datetime) -> list[str]:
    """NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, as `kubectl get services` prints them."""
    table = print_table([svc], "services", now)
    return _pick([c.header for c in table.columns], table.rows[0].cells, SERVICE_COLUMNS)


def event_cells(event: Obj, now: datetime) -> list[str]:
    """LAST SEEN TYPE REASON OBJECT COUNT MESSAGE from `kubectl get events -o wide`."""
    table = print_table([event], "events", now, wide=True)
    return _pick([c.header for c in table.columns], table.rows[0].cells, EVENT_COLUMNS)


def event_last_seen(event: Obj) -> str:
    """The event's last occurrence as a sortable RFC 3339 string."""
    return str(event.get("lastTimestamp") or event.get("eventTime")
               or event.get("firstTimestamp") or "")


def involved_ref(event: Obj) -> ObjectRef | None:
    """The object an Event is about, as a reference, when its kind is known."""
    involved = event.get("involvedObject") or {}
    kind = str(involved.get("kind", ""))
    resource = {"Pod": "pods", "Node": "nodes", "Service": "services",
                "Deployment": "deployments.apps", "ReplicaSet": "replicasets.apps",
                "StatefulSet": "statefulsets.apps", "DaemonSet": "daemonsets.apps",
                "Job": "jobs.batch", "CronJob": "cronjobs.batch",
                "PersistentVolumeClaim": "persistentvolumeclaims"}.get(kind)
    if resource is None or not involved.get("name"):
        return None
    namespace = str(involved.get("namespace", "")) if kind != "Node" else ""
    return ObjectRef(resource, namespace, str(involved["name"]))


# -- nodes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NodeSummary:
    """What a node card shows."""

    name: str
    roles: str
    zone: str
    status: str
    cpu_requested: int
    cpu_allocatable: int
    memory_requested: int
    memory_allocatable: int
    pod_statuses: tuple[str, ...]
    """STATUS of the first `MARKS` pods (by namespace and name): the marks a card shows."""
    pod_count: int
    kubelet_stopped: bool = False


MARKS = 40
"""Pod marks a node card shows; STATUS is worked out for these pods only."""


# A cluster has few distinct quantity strings ("10m", "128Mi") and parsing one is slow (exact
# fractions): node cards add up the requests of every pod, so parse each string once.
cpu_millis = lru_cache(maxsize=4096)(quantity.cpu_millis)
memory_bytes = lru_cache(maxsize=4096)(quantity.memory_bytes)


def _requests(pod: Obj) -> tuple[int, int]:
    cpu = memory = 0
    for container in (pod.get("spec") or {}).get("containers") or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        if "cpu" in requests:
            cpu += cpu_millis(requests["cpu"])
        if "memory" in requests:
            memory += memory_bytes(requests["memory"])
    return cpu, memory


PodOnNode = tuple[Obj, int, int]
"""What a node card needs of one pod: (the pod, cpu millis requested, memory bytes requested);
finished pods request nothing. Its STATUS is worked out only if the card shows its mark."""


def pod_on_node(pod: Obj) -> PodOnNode:
    """A pod as its node's card counts it."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return pod, 0, 0
    cpu, memory = _requests(pod)
    return pod, cpu, memory


def summarise_node(node: Obj, pods: Iterable[PodOnNode], kubelet_stopped: bool) -> NodeSummary:
    """A node card's summary from the node and its pods as `pod_on_node` gives them."""
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    cpu = memory = count = 0
    statuses = []
    for pod, pod_cpu, pod_memory in pods:
        cpu += pod_cpu
        memory += pod_memory
        if count < MARKS:
            statuses.append(pod_status_text(pod))
        count += 1
    labels = node["metadata"].get("labels") or {}
    return NodeSummary(
        name=node["metadata"]["name"], roles=",".join(node_roles(node)) or "worker",
        zone=str(labels.get(ZONE_LABEL, "")), status=node_status_text(node),
        cpu_requested=cpu, cpu_allocatable=cpu_millis(allocatable.get("cpu", "0")),
        memory_requested=memory, memory_allocatable=memory_bytes(allocatable.get("memory", "0")),
        pod_statuses=tuple(statuses), pod_count=count, kubelet_stopped=kubelet_stopped)


def node_summary(cluster: Cluster, node: Obj) -> NodeSummary:
    """Requested vs allocatable and the statuses of the pods bound to a node."""
    name = node["metadata"]["name"]
    return summarise_node(node, (pod_on_node(p) for p in cluster.store.pods_on_node(name)),
                          not cluster.kubelet.running_on(name))


# -- services ---------------------------------------------------------------------------------

def service_selector(svc: Obj) -> dict[str, str]:
    """The Service's pod selector (empty for Services without one)."""
    return dict((svc.get("spec") or {}).get("selector") or {})


def pods_behind(cluster: Cluster, svc: Obj) -> list[Obj]:
    """Pods a Service selects (in its namespace), in name order."""
    selector = service_selector(svc)
    if not selector:
        return []
    namespace = svc["metadata"].get("namespace", "default")
    return cluster.store.list("pods", namespace, from_label_selector({'matchLabels': selector}))


def endpoint_counts(cluster: Cluster, svc: Obj) -> tuple[int, int]:
    """(ready, total) endpoints: from the Service's EndpointSlices when there are any, else
    from the pods its selector matches."""
    namespace = svc["metadata"].get("namespace", "default")
    name = svc["metadata"]["name"]
    slices = cluster.store.list("endpointslices.discovery.k8s.io", namespace,
                                from_label_selector({'matchLabels': {SERVICE_NAME_LABEL: name}}))
    if slices:
        ready = total = 0
        for endpoint_slice in slices:
            for endpoint in endpoint_slice.get("endpoints") or []:
                total += 1
                if (endpoint.get("conditions") or {}).get("ready", True):
                    ready += 1
        return ready, total
    pods = [p for p in pods_behind(cluster, svc)
            if not p["metadata"].get("deletionTimestamp")]
    ready = sum(1 for p in pods if any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (p.get("status") or {}).get("conditions") or []))
    return ready, len(pods)


def endpoint_pod_names(cluster: Cluster, svc: Obj) -> set[str]:
    """Names of the pods behind a Service (from EndpointSlice targetRefs, else the selector)."""
    namespace = svc["metadata"].get("namespace", "default")
    slices = cluster.store.list("endpointslices.discovery.k8s.io", namespace,
                                from_label_selector({'matchLabels': {SERVICE_NAME_LABEL: svc['metadata']['name']}}))
    names = {str((e.get("targetRef") or {}).get("name")) for s in slices
             for e in s.get("endpoints") or [] if (e.get("targetRef") or {}).get("kind") == "Pod"}
    if names:
        return names
    return {p["metadata"]["name"] for p in pods_behind(cluster, svc)}


# -- filters ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowFilter:
    """A pane filter: plain text matched against the row, or `-l selector` on labels."""

    text: str = ""

    @property
    def selector(self) -> Selector | None:
        """The label selector of a `-l …` filter, or None."""
        text = self.text.strip()
        if text.startswith("-l"):
            expression = text[2:].lstrip(" =")
            try:
                return parse_label_selector(expression)
            except SelectorError:  # an incomplete selector while typing matches nothing
                return parse_label_selector("playground.invalid/none=none")
        return None

    def matches(self, obj: Obj, cells: Iterable[str]) -> bool:
        """Whether a row passes the filter."""
        text = self.text.strip()
        if not text:
            return True
        selector = self.selector
        if selector is not None:
            return selector.matches((obj.get("metadata") or {}).get("labels"))
        needle = text.lower()
        return any(needle in cell.lower() for cell in cells)


# -- owner tree -------------------------------------------------------------------------------

def owner_tree(cluster: Cluster, ref: ObjectRef) -> list[str]:
    """Indented lines: the object, what it owns (recursively), and for pods their nodes;
    a Service shows its EndpointSlices and the pods behind them."""
    obj = cluster.store.get(ref.resource, ref.namespace, ref.name)
    if obj is None:
        return [f"{ref.target} no longer exists"]
    lines: list[str] = []

    def label(resource: str, item: Obj) -> str:
        rt = by_key(resource)
        kind = rt.kind if rt else resource
        text = f"{kind}/{item['metadata']['name']}"
        if resource == "pods":
            node = (item.get("spec") or {}).get("nodeName") or "<not scheduled>"
            text += f"  [{pod_status_text(item)}]  → Node/{node}"
        return text

    def walk(resource: str, item: Obj, depth: int) -> None:
        lines.append("    " * depth + ("└─ " if depth else "") + label(resource, item))
        if depth > 6:
            return
        for child_resource, child in cluster.store.dependents(item["metadata"].get("uid", "")):
            if child_resource == "events":
                continue
            walk(child_resource, child, depth + 1)

    if ref.resource == "services":
        lines.append(f"Service/{ref.name}")
        slices = cluster.store.list("endpointslices.discovery.k8s.io", ref.namespace,
                                    from_label_selector({'matchLabels': {SERVICE_NAME_LABEL: ref.name}}))
        for endpoint_slice in slices:
            lines.append(f"    └─ EndpointSlice/{endpoint_slice['metadata']['name']}")
            for endpoint in endpoint_slice.get("endpoints") or []:
                target = endpoint.get("targetRef") or {}
                pod = cluster.store.get("pods", ref.namespace, str(target.get("name", "")))
                ready = (endpoint.get("conditions") or {}).get("ready", True)
                address = ",".join(endpoint.get("addresses") or [])
                if pod is not None:
                    lines.append(f"        └─ {label('pods', pod)}  {address}"
                                 + ("" if ready else "  (not ready)"))
                else:
                    lines.append(f"        └─ {address}" + ("" if ready else "  (not ready)"))
        if not slices:
            for pod in pods_behind(cluster, obj):
                lines.append(f"    └─ {label('pods', pod)}")
        return lines
    walk(ref.resource, obj, 0)
    return lines


# -- why --------------------------------------------------------------------------------------

def why_lines(cluster: Cluster, ref: ObjectRef, limit: int = 40) -> list[str]:
    """Why the object is as it is: the scheduler's verdict for pods, who changed it and why
    (newest last), its owners, and its events."""
    from playground.engine.scheduler.explain import explain

    obj = cluster.store.get(ref.resource, ref.namespace, ref.name)
    lines: list[str] = [f"Why {ref.target}" + (f" in {ref.namespace}" if ref.namespace else "")]
    if obj is None:
        lines.append("  It no longer exists.")
    if obj is not None and ref.resource == "pods":
        result = cluster.scheduler.explanations.get(obj["metadata"].get("uid", ""))
        lines.append("")
        lines.append("Scheduling")
        if result is not None:
            lines.extend(f"  {line}" for line in explain(result))
        elif (obj.get("spec") or {}).get("nodeName"):
            lines.append(f"  Bound to {obj['spec']['nodeName']}.")
        else:
            lines.append("  The scheduler has not looked at this pod yet.")
    if obj is not None:
        owners = []
        current: Obj | None = obj
        while current is not None and len(owners) < 6:
            refs = (current.get("metadata") or {}).get("ownerReferences") or []
            controller = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
            if controller is None:
                break
            owners.append(f"{controller.get('kind')}/{controller.get('name')}")
            found = cluster.store.by_uid(str(controller.get("uid", "")))
            current = found[1] if found else None
        if owners:
            lines.append("")
            lines.append("Owned by")
            lines.append("  " + " → ".join([f"{ref.kind}/{ref.name}", *owners]))
    history = [r for r in cluster.store.history
               if r.resource == ref.resource and r.namespace == ref.namespace
               and r.name == ref.name][-limit:]
    lines.append("")
    lines.append("Changes (oldest first)")
    if not history:
        lines.append("  No changes recorded since the playground opened this state.")
    for record in history:
        when = cluster.clock.datetime(record.time).strftime("%H:%M:%S")
        reason = f": {record.reason}" if record.reason else ""
        lines.append(f"  {when}  {record.type:<8} by {record.actor}{reason}")
    events = [e for e in cluster.store.iter("events", ref.namespace or None)
              if (e.get("involvedObject") or {}).get("name") == ref.name
              and (e.get("involvedObject") or {}).get("kind") == ref.kind]
    events.sort(key=event_last_seen)
    lines.append("")
    lines.append("Events")
    if not events:
        lines.append("  <none>")
    for event in events[-limit:]:
        count = event.get("count") or 1
        times = f" (x{count})" if count and count > 1 else ""
        lines.append(f"  {event.get('type', '')}  {event.get('reason', '')}{times}: "
                     f"{event.get('message', '')}")
    return lines


def pod_containers(pod: Obj) -> list[str]:
    """Container names of a pod, app containers first."""
    spec = pod.get("spec") or {}
    return [c["name"] for c in spec.get("containers") or []] + \
        [c["name"] for c in spec.get("initContainers") or []]
