"""`kubectl describe pod` and the pieces of it other describers reuse: containers (ports,
command, state, resources, probes, environment, mounts), volumes, and the `Pod Template:`
block of Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from fractions import Fraction
from typing import Any

from playground.engine.api.quantity import QuantityError, parse_quantity
from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    canonical_quantity,
    labels_multiline,
    rfc1123,
    tolerations_multiline,
)
from playground.kubectl.duration import translate_timestamp_since


def controller_of(obj: Obj) -> str:
    """`Kind/name` of the controlling owner, or ''."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind')}/{ref.get('name')}"
    return ""


def describe_pod(cluster: Cluster, pod: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe pod`."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("nodeName"):
        w.write(0, f"Node:\t{spec['nodeName']}/{status.get('hostIP', '')}\n")
    else:
        w.write(0, "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123(status['startTime'])}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    phase = status.get("phase", "")
    if meta.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(0, "Status:\tTerminating (lasts "
                   f"{translate_timestamp_since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    if status.get("reason"):
        w.write(0, f"Reason:\t{status['reason']}\n")
    if status.get("message"):
        w.write(0, f"Message:\t{status['message']}\n")
    seccomp = (spec.get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    if status.get("podIPs"):
        w.write(0, "IPs:\n")
        for entry in status["podIPs"]:
            w.write(1, f"IP:\t{entry.get('ip', '')}\n")
    else:
        w.write(0, "IPs:\t<none>\n")
    if controller_of(pod):
        w.write(0, f"Controlled By:\t{controller_of(pod)}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources"):
        w.write(0, "Resources:\n")
        describe_resources(w, spec["resources"], 1)
    if spec.get("initContainers"):
        describe_containers(w, "Init Containers", spec["initContainers"],
                            status.get("initContainerStatuses"), pod, "")
    describe_containers(w, "Containers", spec.get("containers") or [],
                        status.get("containerStatuses"), pod, "")
    if spec.get("ephemeralContainers"):
        describe_containers(w, "Ephemeral Containers", spec["ephemeralContainers"],
                            status.get("ephemeralContainerStatuses"), pod, "")
    conditions = status.get("conditions") or []
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in spec["readinessGates"]:
            value = next((str(c.get("status")) for c in conditions
                          if c.get("type") == gate.get("conditionType")), "<none>")
            w.write(1, f"{gate.get('conditionType', '')} \t{value} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for condition in conditions:
            w.write(1, f"{condition.get('type', '')} \t{condition.get('status', '')} \n")
    describe_volumes(w, spec.get("volumes") or [], "")
    w.write(0, f"QoS Class:\t{status.get('qosClass') or qos_class(pod)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    describe_spread_constraints(w, spec.get("topologySpreadConstraints") or [], "")
    if show_events:
        describe_events(w, events_for(cluster, pod), now)
    return w.text()


def qos_class(pod: Obj) -> str:
    """The pod's QoS class from its containers' requests and limits."""
    containers = list((pod.get("spec") or {}).get("containers") or []) + \
        list((pod.get("spec") or {}).get("initContainers") or [])
    requests: set[str] = set()
    limits: set[str] = set()
    guaranteed = True
    for container in containers:
        res = container.get("resources") or {}
        req = {k for k, v in (res.get("requests") or {}).items()
               if k in ("cpu", "memory") and str(v) not in ("0", "0m")}
        lim = {k for k, v in (res.get("limits") or {}).items()
               if k in ("cpu", "memory") and str(v) not in ("0", "0m")}
        requests |= req
        limits |= lim
        limit_values = res.get("limits") or {}
        request_values = res.get("requests") or {}
        if lim != {"cpu", "memory"} or any(
                str(request_values.get(k, limit_values[k])) != str(limit_values[k])
                for k in ("cpu", "memory")):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def describe_containers(w: PrefixWriter, label: str, containers: list[Obj],
                        statuses: list[Obj] | None, pod: Obj | None, space: str) -> None:
    """`Containers:` and one block per container (`space` is non-empty inside templates)."""
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for container in containers:
        status = by_name.get(container.get("name"))
        name_indent = " " if space else ""
        w.write(1, f"{name_indent}{container.get('name', '')}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{container.get('image', '')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        ports = container.get("ports") or []
        port_text = _ports(ports, "containerPort")
        if "," in port_text:
            w.write(2, f"Ports:\t{port_text}\n")
        else:
            w.write(2, f"Port:\t{port_text or '<none>'}\n")
        host_text = _ports(ports, "hostPort")
        if "," in host_text:
            w.write(2, f"Host Ports:\t{host_text}\n")
        else:
            w.write(2, f"Host Port:\t{host_text or '<none>'}\n")
        seccomp = (container.get("securityContext") or {}).get("seccompProfile")
        if seccomp:
            w.write(2, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
            if seccomp.get("type") == "Localhost":
                w.write(3, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
        for title, key in (("Command", "command"), ("Args", "args")):
            if container.get(key):
                w.write(2, f"{title}:\n")
                for item in container[key]:
                    for part in str(item).split("\n"):
                        w.write(3, f"{part}\n")
        if status is not None:
            describe_state(w, "State", status.get("state") or {})
            last = status.get("lastState") or {}
            if last.get("terminated"):
                describe_state(w, "Last State", last)
            w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        describe_resources(w, container.get("resources") or {}, 2)
        for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                           ("Startup", "startupProbe")):
            if container.get(key):
                w.write(2, f"{title}:\t{describe_probe(container[key])}\n")
        if container.get("envFrom"):
            _env_from(w, container["envFrom"])
        _env(w, container, pod)
        _mounts(w, container)


def _ports(ports: list[Obj], field: str) -> str:
    texts = []
    for port in ports:
        text = f"{port.get(field, 0) or 0}/{port.get('protocol', 'TCP')}"
        if port.get("name"):
            text += f" ({port['name']})"
        texts.append(text)
    return ", ".join(texts)


def describe_state(w: PrefixWriter, title: str, state: Obj) -> None:
    """`State:`/`Last State:` with the details of running, waiting or terminated."""
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        done = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if done.get("reason"):
            w.write(3, f"Reason:\t{done['reason']}\n")
        if done.get("message"):
            w.write(3, f"Message:\t{done['message']}\n")
        w.write(3, f"Exit Code:\t{done.get('exitCode', 0)}\n")
        if (done.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{done['signal']}\n")
        w.write(3, f"Started:\t{rfc1123(done.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123(done.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def describe_resources(w: PrefixWriter, resources: Obj, level: int) -> None:
    """`Limits:` then `Requests:`, resource names sorted."""
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = resources.get(key) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{canonical_quantity(values[name])}\n")


def describe_probe(probe: Obj) -> str:
    """`http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`
    in 1.37's wording."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s "
             f"timeout={probe.get('timeoutSeconds', 1)}s period={probe.get('periodSeconds', 10)}s "
             f"successThreshold={probe.get('successThreshold', 1)} "
             f"failureThreshold={probe.get('failureThreshold', 3)}")
    if probe.get("exec") is not None:
        return f"exec [{' '.join(str(c) for c in probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        scheme = str(get.get("scheme", "HTTP")).lower()
        port = str(get.get("port", ""))
        host = str(get.get("host", ""))
        if port:
            host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return f"http-get {scheme}://{host}{get.get('path', '')} {attrs}"
    if probe.get("tcpSocket") is not None:
        sock = probe["tcpSocket"]
        return f"tcp-socket {sock.get('host', '')}:{sock.get('port', '')} {attrs}"
    if probe.get("grpc") is not None:
        grpc = probe["grpc"]
        return f"grpc <pod>:{grpc.get('port', '')} {grpc.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _env_from(w: PrefixWriter, sources: list[Obj]) -> None:
    w.write(2, "Environment Variables from:\n")
    for source in sources:
        kind, ref = ("ConfigMap", source.get("configMapRef")) if source.get("configMapRef") \
            else ("Secret", source.get("secretRef") or {})
        ref = ref or {}
        optional = "true" if ref.get("optional") else "false"
        prefix = source.get("prefix")
        origin = f"{kind} with prefix '{prefix}'" if prefix else kind
        w.write(3, f"{ref.get('name', '')}\t{origin}\tOptional: {optional}\n")


def _env(w: PrefixWriter, container: Obj, pod: Obj | None) -> None:
    env = container.get("env") or []
    w.write(2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for var in env:
        name = var.get("name", "")
        source = var.get("valueFrom")
        if source is None:
            for i, part in enumerate(str(var.get("value", "")).split("\n")):
                w.write(3, f"{name}:\t{part}\n" if i == 0 else f"\t{part}\n")
            continue
        if source.get("fieldRef"):
            ref = source["fieldRef"]
            value = field_value(pod, str(ref.get("fieldPath", ""))) if pod else ""
            w.write(3, f"{name}:\t{value} ({ref.get('apiVersion', 'v1')}:"
                       f"{ref.get('fieldPath', '')})\n")
        elif source.get("resourceFieldRef"):
            ref = source["resourceFieldRef"]
            resource = str(ref.get("resource", ""))
            value = _resource_value(container, ref)
            if value == "0" and resource in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{name}:\t{value} ({resource})\n")
        elif source.get("secretKeyRef"):
            ref = source["secretKeyRef"]
            optional = "true" if ref.get("optional") else "false"
            w.write(3, f"{name}:\t<set to the key '{ref.get('key', '')}' in secret "
                       f"'{ref.get('name', '')}'>\tOptional: {optional}\n")
        elif source.get("configMapKeyRef"):
            ref = source["configMapKeyRef"]
            optional = "true" if ref.get("optional") else "false"
            w.write(3, f"{name}:\t<set to the key '{ref.get('key', '')}' of config map "
                       f"'{ref.get('name', '')}'>\tOptional: {optional}\n")


_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


def field_value(pod: Obj, path: str) -> str:
    """The downward-API value of a pod field path (`metadata.name`, `status.podIP`…)."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    match = _SUBSCRIPT.match(path)
    if match:
        return str((meta.get(match[1]) or {}).get(match[2], ""))
    simple = {
        "metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP"),
        "status.podIPs": ",".join(p.get("ip", "") for p in status.get("podIPs") or []),
        "status.hostIPs": ",".join(p.get("ip", "") for p in status.get("hostIPs") or []),
    }
    if path in ("metadata.labels", "metadata.annotations"):
        values = meta.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{values[k]}"' for k in sorted(values))
    return str(simple.get(path) or "")


def _resource_value(container: Obj, ref: Obj) -> str:
    kind, _, name = str(ref.get("resource", "")).partition(".")
    raw = ((container.get("resources") or {}).get(kind) or {}).get(name)
    try:
        amount = parse_quantity(raw) if raw is not None else Fraction(0)
        divisor = parse_quantity(ref.get("divisor") or "1")
    except QuantityError:
        return ""
    if divisor == 0:
        divisor = Fraction(1)
    return str(math.ceil(amount / divisor))


def _mounts(w: PrefixWriter, container: Obj) -> None:
    mounts = container.get("volumeMounts") or []
    none = "" if mounts else "\t<none>"
    w.write(2, f"Mounts:{none}\n")
    for mount in sorted(mounts, key=lambda m: str(m.get("mountPath", ""))):
        flags = ["ro" if mount.get("readOnly") else "rw"]
        if mount.get("subPath"):
            flags.append(f'path="{mount["subPath"]}"')
        w.write(3, f"{mount.get('mountPath', '')} from {mount.get('name', '')} "
                   f"({','.join(flags)})\n")
    devices = container.get("volumeDevices") or []
    if devices:
        w.write(2, f"Devices:{none}\n")
        for device in sorted(devices, key=lambda d: str(d.get("devicePath", ""))):
            w.write(3, f"{device.get('devicePath', '')} from {device.get('name', '')}\n")


def _bool(value: Any) -> str:
    return "true" if value else "false"


def describe_volumes(w: PrefixWriter, volumes: list[Obj], space: str) -> None:
    """`Volumes:` with one block per volume type kubectl knows."""
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume.get('name', '')}:\n")
        describe_volume_source(w, volume)


def describe_volume_source(w: PrefixWriter, source: Obj) -> None:
    """The `Type:` line and details of one volume source (pods and PersistentVolumes)."""
    if source.get("hostPath") is not None:
        host = source["hostPath"]
        w.write(2, "Type:\tHostPath (bare host directory volume)\n"
                   f"    Path:\t{host.get('path', '')}\n"
                   f"    HostPathType:\t{host.get('type') if 'type' in host else '<none>'}\n")
    elif source.get("emptyDir") is not None:
        empty = source["emptyDir"]
        limit = empty.get("sizeLimit")
        size = canonical_quantity(limit) if limit and str(limit) != "0" else "<unset>"
        w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                   f"    Medium:\t{empty.get('medium', '')}\n    SizeLimit:\t{size}\n")
    elif source.get("secret") is not None:
        secret = source["secret"]
        w.write(2, "Type:\tSecret (a volume populated by a Secret)\n"
                   f"    SecretName:\t{secret.get('secretName', '')}\n"
                   f"    Optional:\t{_bool(secret.get('optional'))}\n")
    elif source.get("configMap") is not None:
        config = source["configMap"]
        w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
                   f"    Name:\t{config.get('name', '')}\n"
                   f"    Optional:\t{_bool(config.get('optional'))}\n")
    elif source.get("nfs") is not None:
        nfs = source["nfs"]
        w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n"
                   f"    Server:\t{nfs.get('server', '')}\n    Path:\t{nfs.get('path', '')}\n"
                   f"    ReadOnly:\t{_bool(nfs.get('readOnly'))}\n")
    elif source.get("persistentVolumeClaim") is not None:
        claim = source["persistentVolumeClaim"]
        w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the "
                   "same namespace)\n"
                   f"    ClaimName:\t{claim.get('claimName', '')}\n"
                   f"    ReadOnly:\t{_bool(claim.get('readOnly'))}\n")
    elif source.get("ephemeral") is not None:
        w.write(2, "Type:\tEphemeralVolume (an inline specification for a volume that gets "
                   "created and deleted with the pod)\n")
        template = source["ephemeral"].get("volumeClaimTemplate")
        if template is not None:
            from playground.kubectl.describe.storage import claim_fields
            claim_fields(w.nested(2), template, full=False)
    elif source.get("downwardAPI") is not None:
        w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n"
                   "    Items:\n")
        for item in source["downwardAPI"].get("items") or []:
            if item.get("fieldRef"):
                w.write(3, f"{item['fieldRef'].get('fieldPath', '')} -> {item.get('path', '')}\n")
            if item.get("resourceFieldRef"):
                w.write(3, f"{item['resourceFieldRef'].get('resource', '')} -> "
                           f"{item.get('path', '')}\n")
    elif source.get("projected") is not None:
        w.write(2, "Type:\tProjected (a volume that contains injected data from multiple "
                   "sources)\n")
        for item in source["projected"].get("sources") or []:
            if item.get("secret") is not None:
                w.write(2, f"SecretName:\t{item['secret'].get('name', '')}\n"
                           f"    Optional:\t{_bool(item['secret'].get('optional'))}\n")
            elif item.get("downwardAPI") is not None:
                w.write(2, "DownwardAPI:\ttrue\n")
            elif item.get("configMap") is not None:
                w.write(2, f"ConfigMapName:\t{item['configMap'].get('name', '')}\n"
                           f"    Optional:\t{_bool(item['configMap'].get('optional'))}\n")
            elif item.get("serviceAccountToken") is not None:
                seconds = item["serviceAccountToken"].get("expirationSeconds", 3600)
                w.write(2, f"TokenExpirationSeconds:\t{seconds}\n")
    elif source.get("csi") is not None:
        csi = source["csi"]
        w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
                   f"    Driver:\t{csi.get('driver', '')}\n    FSType:\t{csi.get('fsType', '')}\n"
                   f"    ReadOnly:\t{_bool(csi.get('readOnly'))}\n")
        attributes = csi.get("volumeAttributes") or {}
        w.write(0, "    VolumeAttributes:\t")
        if not attributes:
            w.line("<none>")
        for i, key in enumerate(sorted(attributes)):
            if i:
                w.write(0, "    \t")
            w.write(0, f"{key}={attributes[key]}\n")
    elif source.get("local") is not None:
        local = source["local"]
        w.write(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n"
                   f"    Path:\t{local.get('path', '')}\n")
    elif source.get("image") is not None:
        image = source["image"]
        w.write(2, "Type:\tImage (a container image or OCI artifact)\n"
                   f"    Reference:\t{image.get('reference', '')}\n"
                   f"    PullPolicy:\t{image.get('pullPolicy', '')}\n")
    else:
        w.write(1, "<unknown>\n")


def describe_spread_constraints(w: PrefixWriter, constraints: list[Obj], space: str) -> None:
    """`Topology Spread Constraints:` one per line, sorted by topology key."""
    from playground.kubectl.describe.writer import format_selector

    if not constraints:
        return
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, tsc in enumerate(sorted(constraints, key=lambda c: str(c.get("topologyKey", "")))):
        if i:
            w.write(0, f"{space}\t")
        text = (f"{tsc.get('topologyKey', '')}:{tsc.get('whenUnsatisfiable', '')} when max "
                f"skew {tsc.get('maxSkew', 0)} is exceeded")
        if tsc.get("labelSelector") is not None:
            text += f" for selector {format_selector(tsc['labelSelector'])}"
        w.write(0, text + "\n")


def describe_pod_template(w: PrefixWriter, template: Obj | None) -> None:
    """The `Pod Template:` block of workload describers."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    describe_containers(w, "Containers", spec.get("containers") or [], None, None, "  ")
    describe_volumes(w, spec.get("volumes") or [], "  ")
    describe_spread_constraints(w, spec.get("topologySpreadConstraints") or [], "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


def pod_phase_counts(cluster: Cluster, owner: Obj) -> tuple[int, int, int, int]:
    """Running, Pending (waiting), Succeeded and Failed pods the owner controls."""
    meta = owner.get("metadata") or {}
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in cluster.api.list("pods", meta.get("namespace")):
        refs = (pod.get("metadata") or {}).get("ownerReferences") or []
        if not any(r.get("controller") and r.get("uid") == meta.get("uid") for r in refs):
            continue
        phase = (pod.get("status") or {}).get("phase", "")
        if phase in counts:
            counts[phase] += 1
    return counts["Running"], counts["Pending"], counts["Succeeded"], counts["Failed"]


def pods_status_line(counts: tuple[int, int, int, int]) -> str:
    """`3 Running / 0 Waiting / 0 Succeeded / 0 Failed`."""
    running, waiting, succeeded, failed = counts
    return f"{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed"

