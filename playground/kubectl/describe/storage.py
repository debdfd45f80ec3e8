"""Describers for storage: PersistentVolumeClaims, PersistentVolumes and StorageClasses."""

from __future__ import annotations

from datetime import datetime

from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    canonical_quantity,
    format_labels,
    labels_multiline,
    rfc1123,
)
from playground.kubectl.duration import translate_timestamp_since

_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
          "ReadWriteOncePod": "RWOP"}


def access_modes(modes: list[str] | None) -> str:
    """`RWO,ROX`: short names in kubectl's fixed order, each once."""
    present = set(modes or [])
    return ",".join(short for mode, short in _MODES.items() if mode in present)


def claim_class(claim: Obj) -> str:
    """The claim's StorageClass: spec.storageClassName, else the beta annotation."""
    spec = claim.get("spec") or {}
    if spec.get("storageClassName") is not None:
        return str(spec["storageClassName"])
    annotations = (claim.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get("volume.beta.kubernetes.io/storage-class", ""))


def _finalizers(obj: Obj) -> str:
    return "[" + " ".join((obj.get("metadata") or {}).get("finalizers") or []) + "]"


def claim_fields(w: PrefixWriter, claim: Obj, full: bool,
                 now: datetime | None = None) -> None:
    """The PVC fields shared by `describe pvc` and ephemeral volume templates."""
    meta, spec, status = (claim.get("metadata") or {}, claim.get("spec") or {},
                          claim.get("status") or {})
    if full:
        w.write(0, f"Name:\t{meta.get('name', '')}\n")
        w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    w.write(0, f"StorageClass:\t{claim_class(claim)}\n")
    if full:
        if meta.get("deletionTimestamp") and now is not None:
            w.write(0, "Status:\tTerminating (lasts "
                       f"{translate_timestamp_since(meta['deletionTimestamp'], now)})\n")
        else:
            w.write(0, f"Status:\t{status.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if full:
        w.write(0, f"Finalizers:\t{_finalizers(claim)}\n")
    capacity, modes = "", ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        storage = (status.get("capacity") or {}).get("storage")
        capacity = canonical_quantity(storage) if storage else "0"
    w.write(0, f"Capacity:\t{capacity}\n")
    w.write(0, f"Access Modes:\t{modes}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    source = spec.get("dataSource")
    if source is not None:
        w.write(0, "DataSource:\n")
        if source.get("apiGroup") is not None:
            w.write(1, f"APIGroup:\t{source['apiGroup']}\n")
        w.write(1, f"Kind:\t{source.get('kind', '')}\n")
        w.write(1, f"Name:\t{source.get('name', '')}\n")


def describe_pvc(cluster: Cluster, claim: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe pvc`."""
    meta = claim.get("metadata") or {}
    w = PrefixWriter()
    claim_fields(w, claim, True, now)
    users: list[str] = []
    for pod in cluster.api.list("pods", meta.get("namespace")):
        volumes = (pod.get("spec") or {}).get("volumes") or []
        if any((v.get("persistentVolumeClaim") or {}).get("claimName") == meta.get("name")
               for v in volumes):
            users.append(pod["metadata"]["name"])
    w.write(0, "Used By:\t")
    if not users:
        w.line("<none>")
    for i, name in enumerate(sorted(users)):
        if i:
            w.write(0, "\t")
        w.write(0, f"{name}\n")
    conditions = (claim.get("status") or {}).get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t"
                       f"{rfc1123(c.get('lastProbeTime'))} \t"
                       f"{rfc1123(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t"
                       f"{c.get('message', '')}\n")
    if show_events:
        describe_events(w, events_for(cluster, claim), now)
    return w.text()


def describe_pv(cluster: Cluster, pv: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe pv`."""
    from playground.kubectl.describe.pods import describe_volume_source

    meta, spec, status = pv.get("metadata") or {}, pv.get("spec") or {}, pv.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Finalizers:\t{_finalizers(pv)}\n")
    w.write(0, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
    if meta.get("deletionTimestamp"):
        w.write(0, "Status:\tTerminating (lasts "
                   f"{translate_timestamp_since(meta['deletionTimestamp'], now)})\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    ref = spec.get("claimRef")
    w.write(0, f"Claim:\t{ref.get('namespace', '')}/{ref.get('name', '')}\n" if ref
            else "Claim:\t\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    storage = (spec.get("capacity") or {}).get("storage")
    w.write(0, f"Capacity:\t{canonical_quantity(storage) if storage else '0'}\n")
    _node_affinity(w, spec.get("nodeAffinity"))
    w.write(0, f"Message:\t{status.get('message', '')}\n")
    w.write(0, "Source:\n")
    if any(spec.get(k) is not None for k in ("hostPath", "nfs", "local", "csi")):
        describe_volume_source(w, spec)
    else:
        w.write(1, "<unknown>\n")
    if show_events:
        describe_events(w, events_for(cluster, pv), now)
    return w.text()


def _node_affinity(w: PrefixWriter, affinity: Obj | None) -> None:
    w.write(0, "Node Affinity:\t")
    required = (affinity or {}).get("required")
    if required is None:
        w.line("<none>")
        return
    w.line("")
    w.write(1, "Required Terms:\t")
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        w.line("<none>")
        return
    w.line("")
    for i, term in enumerate(terms):
        w.write(2, f"Term {i}:\t")
        exprs = term.get("matchExpressions") or []
        if not exprs:
            w.line("<none>")
        for j, expr in enumerate(exprs):
            if j:
                w.write(2, "\t")
            text = f"{expr.get('key', '')} {str(expr.get('operator', '')).lower()}"
            if expr.get("values"):
                text += f" [{', '.join(expr['values'])}]"
            w.write(0, text + "\n")


def describe_storageclass(cluster: Cluster, sc: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe storageclass`."""
    meta = sc.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    default = "Yes" if (annotations.get("storageclass.kubernetes.io/is-default-class") == "true"
                        or annotations.get("storageclass.beta.kubernetes.io/is-default-class")
                        == "true") else "No"
    w.write(0, f"IsDefaultClass:\t{default}\n")
    w.write(0, f"Annotations:\t{format_labels(annotations)}\n")
    w.write(0, f"Provisioner:\t{sc.get('provisioner', '')}\n")
    w.write(0, f"Parameters:\t{format_labels(sc.get('parameters'))}\n")
    expansion = sc.get("allowVolumeExpansion")
    w.write(0, "AllowVolumeExpansion:\t"
               f"{'<unset>' if expansion is None else ('True' if expansion else 'False')}\n")
    options = sc.get("mountOptions") or []
    if not options:
        w.write(0, "MountOptions:\t<none>\n")
    else:
        w.write(0, "MountOptions:\n")
        for option in options:
            w.write(1, f"{option}\n")
    if sc.get("reclaimPolicy"):
        w.write(0, f"ReclaimPolicy:\t{sc['reclaimPolicy']}\n")
    if sc.get("volumeBindingMode"):
        w.write(0, f"VolumeBindingMode:\t{sc['volumeBindingMode']}\n")
    topologies = sc.get("allowedTopologies")
    if topologies is not None:
        w.write(0, "AllowedTopologies:\t")
        if not topologies:
            w.line("<none>")
        else:
            w.line("")
            for i, term in enumerate(topologies):
                w.write(1, f"Term {i}:\t")
                reqs = term.get("matchLabelExpressions") or []
                if not reqs:
                    w.line("<none>")
                for j, req in enumerate(reqs):
                    if j:
                        w.write(1, "\t")
                    text = f"{req.get('key', '')} in"
                    if req.get("values"):
                        text += f" [{', '.join(req['values'])}]"
                    w.write(0, text + "\n")
    if show_events:
        describe_events(w, events_for(cluster, sc), now)
    return w.text()
