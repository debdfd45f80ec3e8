"""Describers for Services (endpoints read from EndpointSlices) and v1 Endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    format_labels,
    labels_multiline,
)

_MAX_ENDPOINTS = 3


def format_endpoint_slices(slices: Sequence[Obj], port_name: str) -> str:
    """`10.244.1.5:80,10.244.1.6:80` for the ready endpoints of one service port; three at
    most, then `+ N more...`; `<none>` without slices."""
    if not slices:
        return "<none>"
    shown: list[str] = []
    more = False
    count = 0
    for eps in slices:
        endpoints = eps.get("endpoints") or []
        ports = eps.get("ports") or []
        if not ports:
            for endpoint in endpoints:
                if len(shown) == _MAX_ENDPOINTS:
                    more = True
                if (endpoint.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    shown.append(str((endpoint.get("addresses") or [""])[0]))
                count += 1
            continue
        for port in ports:
            if (port.get("name") or "") != port_name:
                continue
            for endpoint in endpoints:
                if len(shown) == _MAX_ENDPOINTS:
                    more = True
                if (endpoint.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    address = str((endpoint.get("addresses") or [""])[0])
                    host = f"[{address}]" if ":" in address else address
                    shown.append(f"{host}:{port.get('port')}")
                count += 1
    text = ",".join(shown)
    return f"{text} + {count - _MAX_ENDPOINTS} more..." if more else text


def _ingress(entries: list[Obj]) -> str:
    texts = []
    for entry in entries:
        if entry.get("ip"):
            text = str(entry["ip"])
            if entry.get("ipMode"):
                text += f" ({entry['ipMode']})"
            texts.append(text)
        else:
            texts.append(str(entry.get("hostname", "")))
    return ", ".join(texts)


def describe_service(cluster: Cluster, svc: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe service`."""
    meta, spec, status = svc.get("metadata") or {}, svc.get("spec") or {}, svc.get("status") or {}
    slices = [s for s in cluster.api.list("endpointslices.discovery.k8s.io",
                                          meta.get("namespace"))
              if ((s.get("metadata") or {}).get("labels") or {}).get(
                  "kubernetes.io/service-name") == meta.get("name")]
    w = PrefixWriter()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{_ingress(ingress)}\n")
    for port in spec.get("ports") or []:
        name = port.get("name") or "<unset>"
        protocol = port.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{port.get('port')}/{protocol}\n")
        target = port.get("targetPort", port.get("port"))
        w.write(0, f"TargetPort:\t{target}/{protocol}\n")
        if port.get("appProtocol") is not None:
            w.write(0, f"AppProtocol:\t{port['appProtocol']}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, port.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, "LoadBalancer Source Ranges:\t"
                   f"{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")
    if show_events:
        describe_events(w, events_for(cluster, svc), now)
    return w.text()


def describe_endpoints(cluster: Cluster, ep: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe endpoints`."""
    meta = ep.get("metadata") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(str(a.get("ip", "")) for a in subset.get("addresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        not_ready = ",".join(str(a.get("ip", "")) for a in subset.get("notReadyAddresses") or [])
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(2, f"{port.get('name') or '<unset>'}\t{port.get('port')}\t"
                           f"{port.get('protocol', 'TCP')}\n")
        w.write(0, "\n")
    if show_events:
        describe_events(w, events_for(cluster, ep), now)
    return w.text()
