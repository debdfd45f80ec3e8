"""Tables of the networking kinds: Services, Endpoints, EndpointSlices, Ingresses,
IngressClasses and NetworkPolicies.

A Service's EXTERNAL-IP depends on its type: `<none>` for ClusterIP and NodePort without
external IPs, the load balancer's addresses or `<pending>` for LoadBalancer, the DNS name for
ExternalName. PORT(S) reads `80/TCP`, or `80:31234/TCP` once a node port is allocated.
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.printers.common import (
    AGE,
    NAME,
    NONE,
    Obj,
    Printer,
    age,
    format_label_selector,
    format_labels,
    ingress_addresses,
    list_with_more,
    name,
    spec,
    status,
)
from playground.kubectl.table import Cell, Column


def service_external_ip(obj: Obj) -> str:
    """The EXTERNAL-IP cell of `kubectl get services`."""
    service_spec = spec(obj)
    service_type = service_spec.get("type") or "ClusterIP"
    external_ips = [str(ip) for ip in service_spec.get("externalIPs") or []]
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or NONE
    if service_type == "LoadBalancer":
        addresses = ingress_addresses(status(obj).get("loadBalancer"))
        if external_ips:
            return ",".join(([*addresses.split(",")] if addresses else []) + external_ips)
        return addresses or "<pending>"
    if service_type == "ExternalName":
        return str(service_spec.get("externalName", ""))
    return "<unknown>"


def service_ports(obj: Obj) -> str:
    """The PORT(S) cell: `80/TCP,443:30443/TCP`, or `<none>`."""
    pieces = []
    for port in spec(obj).get("ports") or []:
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces) or NONE


def _service_row(obj: Obj, now: datetime) -> list[Cell]:
    service_spec = spec(obj)
    cluster_ips = service_spec.get("clusterIPs") or (
        [service_spec["clusterIP"]] if service_spec.get("clusterIP") else [])
    return [
        name(obj), service_spec.get("type") or "ClusterIP", cluster_ips[0] if cluster_ips else NONE,
        service_external_ip(obj), service_ports(obj), age(obj, now),
        format_labels(service_spec.get("selector")),
    ]


def _join_host_port(ip: str, port: object) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def endpoints_text(obj: Obj) -> str:
    """The ENDPOINTS cell: `10.244.1.5:80,10.244.1.6:80,10.244.2.3:80 + 2 more...`."""
    subsets = obj.get("subsets") or []
    if not subsets:
        return NONE
    shown: list[str] = []
    limit = 3
    more = False
    count = 0
    for subset in subsets:
        addresses = [str(a.get("ip", "")) for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(ip)
            continue
        for port in ports:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    more = True
                    break
                shown.append(_join_host_port(ip, port.get("port")))
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if more else text


def _endpoints_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), endpoints_text(obj), age(obj, now)]


def _endpoint_slice_row(obj: Obj, now: datetime) -> list[Cell]:
    ports = []
    for port in obj.get("ports") or []:
        if port.get("port") is not None:
            ports.append(str(port["port"]))
        elif port.get("name") is not None:
            ports.append(str(port["name"]))
        else:
            ports.append("*")
    addresses = [str(address) for endpoint in obj.get("endpoints") or []
                 for address in endpoint.get("addresses") or []]
    return [name(obj), str(obj.get("addressType", "")), list_with_more(ports),
            list_with_more(addresses), age(obj, now)]


def _ingress_hosts(rules: list[Obj]) -> str:
    """`formatHosts`: the first three hosts; `+ N more...` counts rules past the third."""
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.get("host"):
            hosts.append(str(rule["host"]))
    if not hosts:
        return "*"
    text = ",".join(hosts)
    return f"{text} + {len(rules) - 3} more..." if more else text


def _ingress_row(obj: Obj, now: datetime) -> list[Cell]:
    ingress_spec = spec(obj)
    return [
        name(obj), ingress_spec.get("ingressClassName") or NONE,
        _ingress_hosts(ingress_spec.get("rules") or []),
        ingress_addresses(status(obj).get("loadBalancer")),
        "80, 443" if ingress_spec.get("tls") else "80", age(obj, now),
    ]


def _ingress_class_row(obj: Obj, now: datetime) -> list[Cell]:
    parameters_ref = spec(obj).get("parameters")
    parameters = NONE
    if parameters_ref:
        parameters = str(parameters_ref.get("kind", ""))
        if parameters_ref.get("apiGroup") is not None:
            parameters += "." + str(parameters_ref["apiGroup"])
        parameters += "/" + str(parameters_ref.get("name", ""))
    return [name(obj), str(spec(obj).get("controller", "")), parameters, age(obj, now)]


def _network_policy_row(obj: Obj, now: datetime) -> list[Cell]:
    return [name(obj), format_label_selector(spec(obj).get("podSelector")), age(obj, now)]


PRINTERS: dict[str, Printer] = {
    "services": Printer(
        (NAME, Column("TYPE"), Column("CLUSTER-IP"), Column("EXTERNAL-IP"), Column("PORT(S)"),
         AGE, Column("SELECTOR", 1)),
        _service_row,
    ),
    "endpoints": Printer((NAME, Column("ENDPOINTS"), AGE), _endpoints_row),
    "endpointslices.discovery.k8s.io": Printer(
        (NAME, Column("ADDRESSTYPE"), Column("PORTS"), Column("ENDPOINTS"), AGE),
        _endpoint_slice_row,
    ),
    "ingresses.networking.k8s.io": Printer(
        (NAME, Column("CLASS"), Column("HOSTS"), Column("ADDRESS"), Column("PORTS"), AGE),
        _ingress_row,
    ),
    "ingressclasses.networking.k8s.io": Printer(
        (NAME, Column("CONTROLLER"), Column("PARAMETERS"), AGE), _ingress_class_row,
    ),
    "networkpolicies.networking.k8s.io": Printer(
        (NAME, Column("POD-SELECTOR"), AGE), _network_policy_row,
    ),
}

__all__ = ["PRINTERS", "endpoints_text", "service_external_ip", "service_ports"]
