"""Describers for configuration and namespacing: ConfigMaps, Secrets (sizes, never values),
ServiceAccounts and Namespaces (with their quota and limit-range summaries)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    canonical_quantity,
    labels_multiline,
    rfc1123,
)


def _head(w: PrefixWriter, obj: Obj) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))


def describe_configmap(cluster: Cluster, cm: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe configmap`."""
    w = PrefixWriter()
    _head(w, cm)
    w.write(0, "\nData\n====\n")
    data = cm.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{data[key]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = cm.get("binaryData") or {}
    for key in sorted(binary):
        w.write(0, f"{key}: {len(_decoded(binary[key]))} bytes\n")
    w.write(0, "\n")
    if show_events:
        describe_events(w, events_for(cluster, cm), now)
    return w.text()


def _decoded(value: object) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return str(value).encode()


def describe_secret(cluster: Cluster, secret: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe secret` (kubectl shows no events for Secrets)."""
    w = PrefixWriter()
    _head(w, secret)
    secret_type = secret.get("type", "Opaque")
    w.write(0, f"\nType:\t{secret_type}\n")
    w.write(0, "\nData\n====\n")
    data = dict(secret.get("data") or {})
    for key, value in (secret.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    for key in sorted(data):
        raw = _decoded(data[key])
        if key == "token" and secret_type == "kubernetes.io/service-account-token":
            w.write(0, f"{key}:\t{raw.decode(errors='replace')}\n")
        else:
            w.write(0, f"{key}:\t{len(raw)} bytes\n")
    return w.text()


def describe_serviceaccount(cluster: Cluster, sa: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe serviceaccount`."""
    w = PrefixWriter()
    _head(w, sa)
    header = "Image pull secrets:"
    names = [str(s.get("name", "")) for s in sa.get("imagePullSecrets") or []]
    if not names:
        w.write(0, f"{header}\t<none>\n")
    for i, name in enumerate(names):
        w.write(0, f"{header if i == 0 else ' ' * len(header)}\t{name}\n")
    if show_events:
        describe_events(w, events_for(cluster, sa), now)
    return w.text()


def describe_namespace(cluster: Cluster, ns: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe namespace` (quotas and limit ranges, no events)."""
    meta = ns.get("metadata") or {}
    name = meta.get("name", "")
    w = PrefixWriter()
    w.write(0, f"Name:\t{name}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Status:\t{(ns.get('status') or {}).get('phase', '')}\n")
    conditions = (ns.get("status") or {}).get("conditions") or []
    if conditions:
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t"
                       f"{rfc1123(c.get('lastTransitionTime'))}\t{c.get('reason', '')}\t"
                       f"{c.get('message', '')}\n")
    w.write(0, "\n")
    quotas = sorted(cluster.api.list("resourcequotas", name), key=lambda q: q["metadata"]["name"])
    if not quotas:
        w.write(0, "No resource quota.\n")
    else:
        w.write(0, "Resource Quotas\n")
        for quota in quotas:
            w.write(1, f"Name:\t{quota['metadata']['name']}\n")
            scopes = sorted((quota.get("spec") or {}).get("scopes") or [])
            if scopes:
                w.write(1, f"Scopes:\t{', '.join(scopes)}\n")
            w.write(1, "Resource\tUsed\tHard\n")
            w.write(1, "--------\t---\t---\n")
            hard = (quota.get("status") or {}).get("hard") or {}
            used = (quota.get("status") or {}).get("used") or {}
            for resource in sorted(hard):
                w.write(1, f"{resource}\t{canonical_quantity(used.get(resource, '0'))}\t"
                           f"{canonical_quantity(hard[resource])}\n")
    w.write(0, "\n")
    limits = cluster.api.list("limitranges", name)
    if not limits:
        w.write(0, "No LimitRange resource.\n")
    else:
        w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\t"
                   "Max Limit/Request Ratio\n")
        w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t"
                   "-----------------------\n")
        for limit_range in limits:
            for item in (limit_range.get("spec") or {}).get("limits") or []:
                _limit_rows(w, item)
    return w.text()


def _limit_rows(w: PrefixWriter, item: Obj) -> None:
    names: set[str] = set()
    for key in ("min", "max", "default", "defaultRequest", "maxLimitRequestRatio"):
        names |= set((item.get(key) or {}).keys())
    for resource in sorted(names):
        cells = []
        for key in ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio"):
            value = (item.get(key) or {}).get(resource)
            cells.append(canonical_quantity(value) if value is not None else "-")
        w.write(0, f" {item.get('type', '')}\t{resource}\t" + "\t".join(cells) + "\n")
