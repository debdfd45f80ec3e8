"""`kubectl expose`: a Service for a Pod, Deployment, ReplicaSet, ReplicationController or
Service, with the selector, ports and protocols read from the object as kubectl does.

Ports come from `--port` or from the object's container ports (a Service's own ports); with
several, they are named `port-1`, `port-2`…; `--target-port` applies to every port, else each
targets itself. The Service's labels are the object's (or `--labels`). Success prints
`service/web exposed`.
"""

from __future__ import annotations

from typing import Any

from playground.engine.api.resources import ResourceType
from playground.kubectl.commands.create_resources import emit_object
from playground.kubectl.commands.scale import find_objects
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, Parsed, UsageError, parse

Obj = dict[str, Any]

EXPOSABLE = frozenset({"Pod", "Service", "ReplicationController", "Deployment", "ReplicaSet"})

FLAGS = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("port"),
    Flag("target-port"),
    Flag("protocol"),
    Flag("name"),
    Flag("type"),
    Flag("selector"),
    Flag("labels", "l"),
    Flag("external-ip"),
    Flag("cluster-ip"),
    Flag("load-balancer-ip"),
    Flag("session-affinity"),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("save-config", takes_value=False),
    Flag("override-type"),
    Flag("overrides"),
)

_TYPES = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer",
          "externalname": "ExternalName"}


def run(ctx: Context, argv: list[str]) -> None:
    """Create a Service that exposes each named object."""
    opts = parse(argv, FLAGS, "expose")
    if not opts.args and not opts.many("filename"):
        raise UsageError("error: You must provide one or more resources by argument or "
                         "filename.\nExample resource specifications include:\n"
                         "   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                         "   '<resource> <name>'\n   '<resource>'")
    for rt, obj in find_objects(ctx, opts, "expose"):
        try:
            service = build_service(rt, obj, opts)
        except UsageError as exc:
            ctx.error(str(exc))
            continue
        emit_object(ctx, service, opts, api_error_text, operation="exposed")


def build_service(rt: ResourceType, obj: Obj, opts: Parsed) -> Obj:
    """The Service kubectl expose would create for an object."""
    if rt.kind not in EXPOSABLE:
        raise UsageError(f"error: cannot expose a {rt.kind}.{rt.group}" if rt.group
                         else f"error: cannot expose a {rt.kind}")
    name = (opts.text("name") or obj["metadata"]["name"])[:63]
    selector = _parse_labels(opts.text("selector")) if opts.text("selector") \
        else _selector_of(obj)
    if not selector:
        raise UsageError("error: couldn't retrieve selectors via --selector flag or "
                         f"introspection: the {rt.kind.lower()} has no selectors, therefore "
                         "cannot be exposed")
    headless = opts.text("cluster-ip") == "None"
    ports: list[tuple[int, str]] = []
    if opts.text("port"):
        ports = [(_port(p), "") for p in opts.text("port").split(",")]
    else:
        ports = _ports_of(obj)
        if not ports and not headless:
            raise UsageError("error: couldn't find port via --port flag or introspection")
    protocol = opts.text("protocol")
    service_ports: list[Obj] = []
    for i, (port, found_protocol) in enumerate(ports):
        entry: Obj = {"port": port, "protocol": protocol or found_protocol or "TCP"}
        if len(ports) > 1:
            entry["name"] = f"port-{i + 1}"
        target = opts.text("target-port")
        entry["targetPort"] = (int(target) if target.isdigit() else target) if target else port
        service_ports.append(entry)
    labels = _parse_labels(opts.text("labels")) if opts.text("labels") \
        else dict(obj["metadata"].get("labels") or {})
    meta: Obj = {"name": name}
    if labels:
        meta["labels"] = labels
    if opts.text("namespace"):
        meta["namespace"] = opts.text("namespace")
    spec: Obj = {"selector": selector}
    if service_ports:
        spec["ports"] = service_ports
    if opts.text("type"):
        spec["type"] = _TYPES.get(opts.text("type").lower(), opts.text("type"))
    if opts.text("external-ip"):
        spec["externalIPs"] = [opts.text("external-ip")]
    if opts.text("cluster-ip"):
        spec["clusterIP"] = opts.text("cluster-ip")
    if opts.text("session-affinity"):
        affinity = opts.text("session-affinity")
        if affinity not in ("None", "ClientIP"):
            raise UsageError(f"error: unknown session affinity: {affinity}")
        spec["sessionAffinity"] = affinity
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec,
            "status": {"loadBalancer": {}}}


def _selector_of(obj: Obj) -> dict[str, str]:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return dict(obj["metadata"].get("labels") or {})
    if kind in ("Service", "ReplicationController"):
        return dict(spec.get("selector") or {})
    selector = spec.get("selector") or {}
    if selector.get("matchExpressions"):
        raise UsageError("error: couldn't retrieve selectors via --selector flag or "
                         "introspection: couldn't convert expressions - "
                         f"\"{selector['matchExpressions']}\" to map-based selector format")
    return dict(selector.get("matchLabels") or {})


def _ports_of(obj: Obj) -> list[tuple[int, str]]:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Service":
        return [(int(p["port"]), p.get("protocol", "TCP")) for p in spec.get("ports") or []]
    pod_spec = spec if kind == "Pod" else ((spec.get("template") or {}).get("spec") or {})
    return [(int(p["containerPort"]), p.get("protocol", "TCP"))
            for c in pod_spec.get("containers") or [] for p in c.get("ports") or []]


def _port(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f'error: strconv.Atoi: parsing "{text}": invalid syntax') from None


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for spec in text.split(","):
        parts = spec.split("=")
        if len(parts) != 2:
            raise UsageError(f"error: unexpected label spec: {spec}")
        if not parts[0]:
            raise UsageError("error: unexpected empty label key")
        labels[parts[0]] = parts[1]
    return labels


VERBS = {"expose": (run, ("Take a replication controller, service, deployment or pod and "
                          "expose it as a new Kubernetes service"), FLAGS)}
