"""What a program running in a container may ask of the container around it.

Image programs (`nginx`, `agnhost netexec`, `redis-server`…) are generators that know nothing
about pods or nodes. They reach the simulated world through a `ContainerHost`, implemented by
the kubelet for each running container: they open listening ports (containers of one pod share
one network namespace, so a port taken by a sibling is refused), report their CPU and memory
use (the kubelet OOM-kills above the memory limit and throttles CPU to the limit), and read
the identity of their pod. HTTP is modelled as plain request/response records handed to a
handler the program registers; the network layer routes requests to it.

Signals travel the other way and are not part of the host: see `programs_base.ProgramTable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request as the server sees it."""

    method: str = "GET"
    path: str = "/"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    client_ip: str = "10.244.0.1"
    host: str = ""
    client_port: int = 40000
    """The client's source port (agnhost `/clientip` prints `ip:port`)."""
    body: str = ""


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP response; `headers` keep the server's order and spelling."""

    status: int = 200
    reason: str = "OK"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    elapsed: float = 0.0
    """Seconds the server took to answer (a slow handler, a CPU-heavy page)."""


HttpHandler = Callable[[HttpRequest], HttpResponse]
"""Answers one request; called by the network layer when a request reaches the port."""


class ContainerHost(Protocol):
    """The kubelet's side of one running container, as its programs see it."""

    container_name: str
    pod_name: str
    namespace: str
    pod_ip: str
    node_name: str
    hostname: str
    """The pod's hostname (`spec.hostname`, else the pod name)."""
    node_cpus: int
    """CPUs of the node (nginx starts one worker per CPU)."""

    def listen(self, port: int, protocol: str, handler: HttpHandler | None) -> str | None:
        """Bind `port` (`protocol` TCP or UDP) in the pod's network namespace.

        `handler` answers HTTP on that port; None means a non-HTTP server (TCP probes and
        `nc -z` connect, HTTP clients get an empty reply). Returns None when bound, else the
        error text (`listen tcp :80: bind: address already in use`)."""
        ...

    def unlisten(self, port: int, protocol: str = "TCP") -> None:
        """Close the port again (the program stopped serving it). TCP and UDP ports are
        separate: CoreDNS binds 53 on both."""
        ...

    def set_usage(self, cpu_millis: int, memory_bytes: int) -> None:
        """Report what the program uses now. CPU is demand (the kubelet throttles it to the
        limit); memory above the limit gets the container OOM-killed (exit 137)."""
        ...

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """Run `callback` after `seconds` of virtual time, while the container still runs
        (for usage that decays after requests stop, without a polling loop)."""
        ...

    def wake(self) -> None:
        """Resume the container's main generator at the current virtual time, without waiting
        for its pending `Sleep` to end (a handler decided the process should act now)."""
        ...


def address_in_use(port: int, protocol: str = "TCP") -> str:
    """The bind error text a Go or C server prints for a taken port."""
    return f"listen {protocol.lower()} :{port}: bind: address already in use"


def static_response(response: HttpResponse) -> HttpHandler:
    """A handler that always gives the same answer (a health endpoint). The kubelet may stop
    re-running an HTTP probe against it while the listener stays, since nothing can change."""

    def handler(request: HttpRequest) -> HttpResponse:
        return response

    handler.static = True  # type: ignore[attr-defined]
    return handler
