"""Container probes as the kubelet's prober runs them: exec, httpGet, tcpSocket (and grpc).

`arm` schedules a freshly started container's probes (initialDelaySeconds, then every
periodSeconds); `execute` runs one probe against the container and returns (success, the text
the kubelet puts after `Liveness probe failed: `). Exec probes run a second process in the
container (same filesystem and environment) with the probe's timeout as a virtual-time budget;
HTTP and TCP probes go to whatever the pod's containers listen on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playground.engine.images.host import HttpRequest
from playground.engine.images.shell import run as run_shell
from playground.engine.images.shell_api import ShellContext, Sleep
from playground.engine.kubelet.runtime import ContainerRuntime, ProbeState

if TYPE_CHECKING:
    from playground.engine.kubelet.kubelet import Kubelet, _SyncContext
    from playground.engine.kubelet.workload import Workload

KINDS = ("startup", "liveness", "readiness")
EXEC_STEP_LIMIT = 200_000


def arm(cr: ContainerRuntime, spec: dict[str, Any], at: float) -> None:
    """Schedule the first run of each probe the container declares."""
    cr.probes = {}
    for kind in KINDS:
        probe = spec.get(f"{kind}Probe")
        if probe:
            cr.probes[kind] = ProbeState(next_at=at + float(probe.get("initialDelaySeconds", 0)))


def _port(spec: dict[str, Any], port: Any) -> int | None:
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    for item in spec.get("ports") or ():
        if item.get("name") == port:
            return int(item.get("containerPort", 0))
    return None


def execute(kubelet: Kubelet, ctx: _SyncContext, cr: ContainerRuntime, probe: dict[str, Any],
            work: Workload | None, at: float) -> tuple[bool, str]:
    """Run one probe now."""
    timeout = float(probe.get("timeoutSeconds", 1))
    spec = ctx.spec(cr.name)
    ip = ctx.rt.pod_ip
    listeners = kubelet.listeners.get(ctx.key, {})
    if "exec" in probe:
        return _exec(work, list(probe["exec"].get("command") or []), timeout)
    if "httpGet" in probe:
        get = probe["httpGet"]
        port = _port(spec, get.get("port"))
        path = get.get("path", "/") or "/"
        scheme = str(get.get("scheme", "HTTP")).lower()
        url = f"{scheme}://{ip}:{port}{path}"
        listener = listeners.get((port, "TCP")) if port is not None else None
        if listener is None:
            return False, f'Get "{url}": dial tcp {ip}:{port}: connect: connection refused'
        handler = listener[1]
        if handler is None:
            return False, f'Get "{url}": EOF'
        path_only, _, query = path.partition("?")
        headers = {h.get("name", ""): h.get("value", "") for h in get.get("httpHeaders") or ()}
        headers.setdefault("User-Agent", "kube-probe/1.37")
        request = HttpRequest("GET", path_only, dict(_query(query)), headers,
                              kubelet_node_ip(kubelet, ctx), f"{ip}:{port}")
        if work is not None:
            work.observe(at)
        response = handler(request)
        if response.elapsed > timeout:
            return False, (f'Get "{url}": context deadline exceeded (Client.Timeout exceeded '
                           "while awaiting headers)")
        if 200 <= response.status < 400:
            return True, ""
        return False, f"HTTP probe failed with statuscode: {response.status}"
    if "tcpSocket" in probe:
        port = _port(spec, probe["tcpSocket"].get("port"))
        if port is not None and (port, "TCP") in listeners:
            return True, ""
        return False, f"dial tcp {ip}:{port}: connect: connection refused"
    if "grpc" in probe:
        port = probe["grpc"].get("port")
        if (port, "TCP") in listeners:
            return True, ""
        return False, (f'timeout: failed to connect service "{ip}:{port}" within '
                       f"{int(timeout)}s: context deadline exceeded")
    return True, ""


def _query(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in filter(None, text.split("&")):
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs


def kubelet_node_ip(kubelet: Kubelet, ctx: _SyncContext) -> str:
    """Probes come from the node's IP."""
    node = kubelet.store.get("nodes", "", ctx.rt.node) or {}
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""


def _exec(work: Workload | None, command: list[str], timeout: float) -> tuple[bool, str]:
    ok, text, _ = run_exec(work, command, timeout)
    return ok, text


def run_exec(work: Workload | None, command: list[str], timeout: float
             ) -> tuple[bool, str, float]:
    """Run a command in a running container (probe or lifecycle hook) with `timeout` seconds
    of virtual time; returns (exit code 0?, output or failure text, seconds it took)."""
    if work is None or work.process is None or not command:
        return False, "container not running", 0.0
    base = work.programs  # the container's programs stay available to the probe
    output: list[str] = []
    parent_ctx = _shell_ctx_of(work)
    ctx = ShellContext(
        env=dict(parent_ctx.env), fs=parent_ctx.fs, hostname=parent_ctx.hostname,
        stdout=output.append, stderr=output.append, now=parent_ctx.now,
        network=parent_ctx.network, applets=parent_ctx.applets,
        programs=dict(base or {}), pod_ip=parent_ctx.pod_ip, cwd=parent_ctx.cwd,
        pid=work.process.sleeps + 100, step_limit=EXEC_STEP_LIMIT)
    if not work.image.has_command(command[0]) and not ("/" in command[0]
                                                         and ctx.fs.is_file(command[0])):
        return False, (f"OCI runtime exec failed: exec failed: unable to start container "
                       f'process: exec: "{command[0]}": executable file not found in $PATH: '
                       "unknown"), 0.0
    gen = run_shell(command, ctx)
    waited = 0.0
    try:
        while True:
            step = next(gen)
            waited += step.seconds if isinstance(step, Sleep) else 0.0
            if waited > timeout:
                gen.close()
                return (False, f"command {' '.join(repr(c) for c in command)} timed out",
                        timeout)
    except StopIteration as stop:
        code = int(stop.value or 0)
    text = "".join(output)
    if code == 0:
        return True, text, waited
    return (False, text.rstrip("\n") if text else f"command terminated with exit code {code}",
            waited)


def _shell_ctx_of(work: Workload) -> ShellContext:
    return work.shell_ctx


def elidable(kubelet: Kubelet, ctx: _SyncContext, spec: dict[str, Any],
             probe: dict[str, Any]) -> bool:
    """Whether a passing probe cannot start failing until the pod's listeners change: a TCP
    probe (it only asks whether the port is bound) or an HTTP probe answered by a static
    handler. Such probes need not run again until then — what a person sees is identical."""
    listeners = kubelet.listeners.get(ctx.key, {})
    if "tcpSocket" in probe:
        port = _port(spec, probe["tcpSocket"].get("port"))
        return (port, "TCP") in listeners
    if "httpGet" in probe:
        port = _port(spec, probe["httpGet"].get("port"))
        listener = listeners.get((port, "TCP"))
        return listener is not None and bool(getattr(listener[1], "static", False))
    return False


def rearm(rt: Any, at: float) -> bool:
    """The pod's listeners changed: elided probes run again from now. True if any did."""
    woke = False
    for cr in rt.containers.values():
        for state in cr.probes.values():
            if state.elided:
                state.elided = False
                state.next_at = at
                woke = True
    return woke
