"""ClusterIP and NodePort allocation, as the API server's service REST storage does it.

Addresses are handed out at random from the service CIDR (10.96.0.0/12) and ports from the
NodePort range (30000–32767), drawn from the cluster's seeded streams. Requests for a specific
IP or port are honoured or refused with the real messages. The allocated sets are not stored
separately: they are rebuilt from the Services themselves, which are the source of truth.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable
from typing import Any

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
KUBERNETES_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"
NODE_PORT_RANGE = (30000, 32767)


class AllocationError(ValueError):
    """A requested address or port cannot be had; the text is the detail of a field error."""


class ServiceAllocator:
    """Tracks ClusterIPs and NodePorts in use."""

    def __init__(self, rng_ips: random.Random, rng_ports: random.Random) -> None:
        self._rng_ips = rng_ips
        self._rng_ports = rng_ports
        self.ips: set[str] = set()
        self.ports: set[int] = set()

    def rebuild(self, services: Iterable[dict[str, Any]]) -> None:
        """Recompute what is in use from stored Services."""
        self.ips.clear()
        self.ports.clear()
        for svc in services:
            self.ips.update(service_ips(svc))
            self.ports.update(service_node_ports(svc))

    # -- cluster IPs ----------------------------------------------------------------------
    def allocate_ip(self, requested: str | None = None) -> str:
        """Allocate `requested`, or a random free address."""
        if requested:
            try:
                address = ipaddress.ip_address(requested)
            except ValueError as exc:
                raise AllocationError(f"failed to allocate IP {requested}: {exc}") from None
            if address not in SERVICE_CIDR or address in (SERVICE_CIDR.network_address,
                                                          SERVICE_CIDR.broadcast_address):
                raise AllocationError(
                    f"failed to allocate IP {requested}: the provided IP ({requested}) is not "
                    f"in the valid range. The range of valid IPs is {SERVICE_CIDR}")
            if requested in self.ips:
                raise AllocationError(
                    f"failed to allocate IP {requested}: provided IP is already allocated")
            self.ips.add(requested)
            return requested
        size = SERVICE_CIDR.num_addresses
        base = int(SERVICE_CIDR.network_address)
        for _ in range(size):
            # skip .0 of the range and avoid the two well-known addresses
            candidate = str(ipaddress.ip_address(base + self._rng_ips.randrange(2, size - 1)))
            if candidate not in self.ips and candidate != DNS_SERVICE_IP:
                self.ips.add(candidate)
                return candidate
        raise AllocationError("range is full")

    def release_ip(self, address: str) -> None:
        """Return an address to the pool."""
        self.ips.discard(address)

    # -- node ports -----------------------------------------------------------------------
    def allocate_port(self, requested: int | None = None) -> int:
        """Allocate `requested`, or a random free NodePort."""
        low, high = NODE_PORT_RANGE
        if requested:
            if not low <= requested <= high:
                raise AllocationError(
                    f"provided port is not in the valid range. The range of valid ports is "
                    f"{low}-{high}")
            if requested in self.ports:
                raise AllocationError("provided port is already allocated")
            self.ports.add(requested)
            return requested
        if len(self.ports) > high - low:
            raise AllocationError("range is full")
        while True:
            candidate = self._rng_ports.randint(low, high)
            if candidate not in self.ports:
                self.ports.add(candidate)
                return candidate

    def release_port(self, port: int) -> None:
        """Return a NodePort to the pool."""
        self.ports.discard(port)


def service_ips(svc: dict[str, Any]) -> list[str]:
    """The ClusterIPs a Service holds (none for headless and ExternalName)."""
    spec = svc.get("spec") or {}
    ips = list(spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []))
    return [ip for ip in ips if ip and ip != "None"]


def service_node_ports(svc: dict[str, Any]) -> list[int]:
    """The NodePorts a Service holds."""
    spec = svc.get("spec") or {}
    return [p["nodePort"] for p in spec.get("ports") or () if p.get("nodePort")]
