"""A running container: its process, its environment and filesystem, and what it asks of the host.

`start_workload` does the container-runtime part of starting a container the way containerd and
the kubelet do together: merge the image's ENTRYPOINT/CMD with the container's command/args
(expanding `$(VAR)` references), build the environment (image env, `env`, `envFrom`, downward
API, Service links, `KUBERNETES_*`), lay out the filesystem (the image's root, the pod's
volumes, the service-account token), and start the process. Failures come back as
`StartFailure`: either the container could not be created (waiting
`CreateContainerConfigError`) or its process could not start (terminated `StartError`, 128).

A `Workload` is also the `ContainerHost` its programs see: ports they listen on belong to the
pod's network namespace (shared by its containers), memory they report over the limit gets the
container OOM-killed.

A server that has started and waits for a signal holds a chain of suspended generators, a
shell and its program's closures, and will not run again for hours. `Workload.park` drops that
process state (the container keeps its filesystem, environment, ports and programs) and
`unpark` rebuilds it by replay, the way a restored playground rebuilds processes, the moment
something needs it: a request to one of its ports, a signal, its next wake-up. Only processes
whose replay is exact are parked: an image program holding the signals, no network answers
in its transcript, no volumes beyond the service-account token, few sleeps to replay. When
the image's programs are stateless (nginx, httpd) their table goes too (`ParkedPrograms`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from playground.engine.api.quantity import QuantityError, memory_bytes
from playground.engine.images import programs as image_programs
from playground.engine.images.catalog import Image
from playground.engine.images.filesystem import FileSystem, busybox_root, pod_hosts_file
from playground.engine.images.host import HttpHandler, address_in_use
from playground.engine.images.shell import Process as ShellProcess
from playground.engine.images.shell import start as start_shell
from playground.engine.images.shell_api import ShellContext
from playground.engine.kubelet.processes import ProcessHandle
from playground.engine.kubelet.runtime import ContainerRuntime

if TYPE_CHECKING:
    from playground.engine.kubelet.kubelet import Kubelet, _SyncContext

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
PARK_IDLE_SECONDS = 3600.0
"""A process whose next wake-up is at least this far off may be parked."""
PARK_MAX_SLEEPS = 16
"""... if rebuilding it replays at most this many sleeps."""
_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class StartFailure(Exception):
    """A container that could not be created (`waiting`) or whose process could not start."""

    def __init__(self, message: str, waiting_reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.waiting_reason = waiting_reason


class Workload:
    """One running container instance."""

    def __init__(self, kubelet: Kubelet, key: str, cr: ContainerRuntime, pod: dict[str, Any],
                 image: Image, at: float) -> None:
        self.kubelet = kubelet
        self.key = key
        self.cr = cr
        meta = pod["metadata"]
        spec = pod["spec"]
        self.container_name = cr.name
        self.pod_name = meta["name"]
        self.namespace = meta["namespace"]
        self.node_name = spec.get("nodeName", "")
        self.hostname = (spec.get("hostname") or meta["name"])[:63]
        rt = kubelet.runtimes.get(key)
        self.pod_ip = rt.pod_ip if rt else ""
        node = kubelet.store.get("nodes", "", self.node_name) or {}
        try:
            self.node_cpus = max(1, int(float(((node.get("status") or {}).get("capacity") or {})
                                              .get("cpu", "1"))))
        except ValueError:
            self.node_cpus = 1
        self.image = image
        self.now = at
        self.started_at = at
        self.limit_memory = _memory_limit(kubelet_spec(pod, cr.name))
        self.process: ProcessHandle | None = None
        self.programs: Any = None
        self.exit_reason = ""
        self.replaying = False
        self._callbacks: list[tuple[float, int, Callable[[], None]]] = []
        self._serial = 0
        self._ports: set[tuple[int, str]] = set()
        self.shell_ctx: ShellContext | None = None  # type: ignore[assignment]
        self.shell_process: ShellProcess | None = None
        self._parked_ports: list[tuple[int, str]] | None = None
        """While parked: the ports its program bound, in the order it bound them."""
        self._was_parked = False

    # -- ContainerHost ----------------------------------------------------------------------
    def listen(self, port: int, protocol: str, handler: HttpHandler | None) -> str | None:
        """Bind a port in the pod's network namespace."""
        ports = self.kubelet.listeners.setdefault(self.key, {})
        owner = ports.get((port, protocol.upper()))
        if owner is not None and owner[0] != self.container_name:
            return address_in_use(port, protocol)
        ports[(port, protocol.upper())] = (self.container_name, handler)
        self._ports.add((port, protocol.upper()))
        self._listeners_changed()
        return None

    def _listeners_changed(self) -> None:
        if not self.replaying:
            self.kubelet.listeners_changed(self.key, self.now)

    def unlisten(self, port: int, protocol: str = "TCP") -> None:
        """Release a port this container bound (TCP and UDP ports are separate)."""
        ports = self.kubelet.listeners.get(self.key, {})
        bound = (port, protocol.upper())
        owner = ports.get(bound)
        if owner is not None and owner[0] == self.container_name:
            del ports[bound]
            self._listeners_changed()
        self._ports.discard(bound)

    def set_usage(self, cpu_millis: int, memory_bytes_used: int) -> None:
        """Record usage; above the memory limit the container is OOM-killed."""
        self.cr.cpu_millis = int(cpu_millis)
        self.cr.memory_bytes = int(memory_bytes_used)
        if self.limit_memory and memory_bytes_used > self.limit_memory and \
                self.process is not None and not self.replaying:
            self.exit_reason = "OOMKilled"
            process = self.process
            if getattr(process.gen, "gi_running", False):
                # the program reported usage from inside its own step: a running generator
                # cannot be closed, so the kill lands right after this step, at the same instant
                self.call_later(0.0, lambda: process.kill(self.now, 137))
            else:
                process.kill(self.now, 137)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> None:
        """Run `callback` after `seconds` of virtual time while the container runs."""
        self._serial += 1
        self._callbacks.append((self.now + max(0.0, seconds), self._serial, callback))
        self._callbacks.sort(key=lambda c: (c[0], c[1]))

    def wake(self) -> None:
        """Resume the main process at the current instant."""
        if self.process is not None and self.process.exit_code is None:
            self.process.wake_at = self.now
            self.kubelet.wake_after(0.0, self.key)

    # -- driving --------------------------------------------------------------------------
    @property
    def wake_at(self) -> float | None:
        """When the container next needs attention (process or callback)."""
        times = [t for t in (self.process.wake_at if self.process else None,
                             self._callbacks[0][0] if self._callbacks else None) if t is not None]
        if self.process is not None and self.process.exit_code is not None:
            return self.process.exited_at
        return min(times) if times else None

    @property
    def exit_code(self) -> int | None:
        """The exit code once the process has ended."""
        return self.process.exit_code if self.process else None

    @property
    def exited_at(self) -> float | None:
        """When the process ended."""
        return self.process.exited_at if self.process else None

    def observe(self, at: float) -> None:
        """A request reaches the container at `at`: its handlers see that time (a serving
        process sleeps for ever, so its own clock would still read its start)."""
        self.now = max(self.now, at)
        if self.process is not None and self.process.exit_code is None:
            self.process.clock_now = max(self.process.clock_now, at)

    def run_until(self, when: float) -> None:
        """Run the process and callbacks up to virtual time `when`, in time order."""
        assert self.process is not None
        if self.process.gen is None and self.process.wake_at is not None and \
                self.process.wake_at <= when:
            self.unpark()
        while self.process.exit_code is None:
            proc_at = self.process.wake_at
            cb_at = self._callbacks[0][0] if self._callbacks else None
            nxt = min(t for t in (proc_at, cb_at) if t is not None) \
                if proc_at is not None or cb_at is not None else None
            if nxt is None or nxt > when:
                break
            self.now = nxt
            if cb_at is not None and cb_at == nxt and (proc_at is None or cb_at <= proc_at):
                _, _, callback = self._callbacks.pop(0)
                callback()
                continue
            self.process.step(nxt)
        if self.process.exit_code is not None:
            self.now = self.process.exited_at or self.now

    def terminate(self, signal: str, at: float) -> bool:
        """Deliver SIGTERM (or the image's stop signal); True when the process handles it."""
        self.unpark()
        self.now = at
        handled = bool(self.programs is not None and self.programs.terminate(
            self.image.stop_signal if signal == "SIGTERM" else signal))
        if handled and self.process is not None and self.process.exit_code is None:
            self.process.wake_at = at
        return handled

    def kill(self, at: float, code: int = 137) -> None:
        """SIGKILL."""
        if self.process is not None:
            self._close_parked()
            self.process.kill(at, code)

    def stop(self) -> None:
        """The container is gone: close its process and ports."""
        if self.process is not None and self.process.exit_code is None:
            if self.process.gen is None:
                self._close_parked()
            else:
                self.process.gen.close()
        for port, protocol in sorted(self._ports):
            self.unlisten(port, protocol)
        self._callbacks.clear()

    # -- parking --------------------------------------------------------------------------
    def park(self, now: float, spec: dict[str, Any]) -> bool:
        """Drop the process state of a server idle until at least `now` +
        PARK_IDLE_SECONDS, when its replay is exact (see the module docstring)."""
        process, cr, programs, shell = self.process, self.cr, self.programs, self.shell_process
        if process is None or process.gen is None or process.exit_code is not None or \
                self.replaying or self._was_parked or self._callbacks or cr.transcript or \
                programs is None or shell is None or self.shell_ctx is None:
            return False
        signals = programs.signals
        if signals.owner is None or signals.pending or cr.stop_requested_at is not None or \
                process.sleeps != cr.sleeps_consumed or process.sleeps > PARK_MAX_SLEEPS or \
                (process.wake_at is not None and process.wake_at - now < PARK_IDLE_SECONDS) or \
                shell.stdout.pending or shell.stderr.pending or \
                any(not job.done for job in shell.jobs.values()) or spec.get("volumeMounts"):
            return False
        ports = self.kubelet.listeners.get(self.key, {})
        before = list(ports.items())
        mine = [bound for bound, entry in before
                if entry[0] == self.container_name and bound in self._ports]
        bound_ports = set(self._ports)
        handled = signals.handled
        gen, process.gen = process.gen, None
        # closing runs the program's clean-up (unbind, release the signals): undone below
        self.replaying = True
        try:
            gen.close()
        finally:
            self.replaying = False
        # while parked the signals stay claimed, by a stand-in for the dropped program
        signals.owner, signals.handled = _PARKED_PROGRAM, handled
        ports.clear()
        for bound, entry in before:
            # a static handler (a health endpoint) needs no process: it stays
            ports[bound] = (entry[0], _ParkedHandler(self, bound)) \
                if bound in mine and entry[1] is not None and \
                not getattr(entry[1], "static", False) else entry
        self._ports = bound_ports
        self.shell_process = None
        self._parked_ports = mine
        if image_programs.rebuildable(self.image):
            # the program closures go too; revival (or an exec meanwhile) builds them again
            self.programs = self.shell_ctx.programs = image_programs.ParkedPrograms(
                self.image, self, signals)
        return True

    @property
    def parked(self) -> bool:
        """Whether the process state is dropped until needed."""
        return self._parked_ports is not None

    def unpark(self) -> None:
        """Rebuild a parked process by replaying it on a scratch filesystem."""
        process = self.process
        if self._parked_ports is None or process is None or self.shell_ctx is None or \
                self.programs is None:
            return
        kubelet, cr, shell_ctx = self.kubelet, self.cr, self.shell_ctx
        pod = kubelet.store.get("pods", self.namespace, self.pod_name) or {
            "metadata": {"namespace": self.namespace}, "spec": {}}
        real_fs = shell_ctx.fs
        shell_ctx.fs = kubelet.volumes.container_fs(
            self.key, pod, kubelet_spec(pod, cr.name), self.image, self.hostname, self.pod_ip,
            scratch=True)
        if isinstance(self.programs, image_programs.ParkedPrograms):
            self.programs = shell_ctx.programs = self.programs.rebuild()
        signals = self.programs.signals
        signals.owner, signals.handled = None, frozenset()
        now, clock_now, sleeps = self.now, process.clock_now, process.sleeps
        self._parked_ports = None
        self._was_parked = True
        self.replaying = True
        try:
            self.shell_process, process.gen = start_shell(list(cr.argv), shell_ctx)
            process.sleeps = 0
            process.replay(sleeps, self.started_at)
        finally:
            self.replaying = False
            shell_ctx.fs = real_fs
        process.clock_now = max(process.clock_now, clock_now)
        self.now = now
        self._callbacks.clear()

    def _close_parked(self) -> None:
        """What closing a parked process does: its program unbinds and releases signals."""
        ports, self._parked_ports = self._parked_ports, None
        if ports is None or self.programs is None:
            return
        for port, protocol in ports:
            self.unlisten(port, protocol)
        signals = self.programs.signals
        if signals.owner is not None:
            signals.release(signals.owner)


_PARKED_PROGRAM = object()


class _ParkedHandler:
    """Stands in for a parked program's HTTP handler: revives the program, then asks it."""

    __slots__ = ("bound", "work")

    def __init__(self, work: Workload, bound: tuple[int, str]) -> None:
        self.work = work
        self.bound = bound

    def __call__(self, request: Any) -> Any:
        self.work.unpark()
        entry = self.work.kubelet.listeners.get(self.work.key, {}).get(self.bound)
        if entry is None or entry[1] is None or isinstance(entry[1], _ParkedHandler):
            raise RuntimeError(f"container {self.work.container_name} did not bind "
                               f"{self.bound} again when it was revived")
        return entry[1](request)


def kubelet_spec(pod: dict[str, Any], name: str) -> dict[str, Any]:
    """A container's spec by name (init containers included)."""
    spec = pod.get("spec") or {}
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        if c.get("name") == name:
            return c
    return {}


def _memory_limit(spec: dict[str, Any]) -> int:
    limit = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
    if limit is None:
        return 0
    try:
        return memory_bytes(limit)
    except QuantityError:
        return 0


def start_workload(kubelet: Kubelet, ctx: _SyncContext, cr: ContainerRuntime,
                   spec: dict[str, Any], image: Image, at: float, *,
                   replay: bool = False) -> Workload:
    """Create and start a container's process (see the module docstring)."""
    pod = ctx.pod
    env = container_env(kubelet, pod, spec, image)
    argv = resolve_argv(image, spec, env)
    work = Workload(kubelet, ctx.key, cr, pod, image, at)
    fs = kubelet.volumes.container_fs(ctx.key, pod, spec, image, work.hostname, work.pod_ip)
    if replay:
        scratch = kubelet.volumes.container_fs(ctx.key, pod, spec, image, work.hostname,
                                               work.pod_ip, scratch=True)
    epoch = kubelet.clock.epoch.timestamp()

    def out(text: str) -> None:
        if not work.replaying:
            cr.log(work.now, "stdout", text)

    def err(text: str) -> None:
        if not work.replaying:
            cr.log(work.now, "stderr", text)

    shell_ctx = ShellContext(
        env=env, fs=scratch if replay else fs, hostname=work.hostname, stdout=out, stderr=err,
        now=lambda: epoch + (work.process.clock_now if work.process else work.now),
        network=kubelet.network_for(ctx.key) if hasattr(kubelet, "network_for") else None,
        applets=image.commands, pod_ip=work.pod_ip,
        cwd=spec.get("workingDir") or image.working_dir or "/")
    work.shell_ctx = shell_ctx
    work.programs = image_programs.programs_for(image, work)
    shell_ctx.programs = work.programs
    if not _executable(argv, image, shell_ctx.fs):
        raise StartFailure(
            "failed to create containerd task: failed to create shim task: OCI runtime create "
            "failed: runc create failed: unable to start container process: error during "
            f'container init: exec: "{argv[0] if argv else ""}": executable file not found in '
            "$PATH: unknown")
    cr.argv = argv
    work.shell_process, gen = start_shell(argv, shell_ctx)
    work.process = ProcessHandle(gen, at)
    if replay:
        work.replaying = True
        work.process.replay(cr.sleeps_consumed, at)
        work.replaying = False
        shell_ctx.fs = fs
    return work


def _executable(argv: list[str], image: Image, fs: FileSystem) -> bool:
    if not argv:
        return False
    name = argv[0]
    if image.has_command(name):
        return True
    return "/" in name and fs.is_file(name)


def resolve_argv(image: Image, spec: dict[str, Any], env: dict[str, str]) -> list[str]:
    """command/args over ENTRYPOINT/CMD, with `$(VAR)` expanded as the kubelet does."""
    command = spec.get("command")
    args = spec.get("args")
    if command:
        argv = list(command) + list(args or [])
    elif args is not None:
        argv = list(image.entrypoint) + list(args)
    else:
        argv = list(image.entrypoint) + list(image.cmd)
    return [expand_references(str(a), env) for a in argv]


def expand_references(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: known variables are replaced, `$$` escapes `$`."""
    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _VAR_REF.sub(repl, text)


def container_env(kubelet: Kubelet, pod: dict[str, Any], spec: dict[str, Any],
                  image: Image) -> dict[str, str]:
    """The environment a container's process starts with."""
    meta = pod["metadata"]
    namespace = meta["namespace"]
    env: dict[str, str] = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    env.update(dict(image.env))
    env["HOSTNAME"] = (pod["spec"].get("hostname") or meta["name"])[:63]
    store = kubelet.store
    for source in spec.get("envFrom") or ():
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            ref = source["configMapRef"]
            cm = store.get("configmaps", namespace, ref.get("name", ""))
            if cm is None:
                if ref.get("optional"):
                    continue
                raise StartFailure(f'configmap "{ref.get("name", "")}" not found',
                                   "CreateContainerConfigError")
            for k, v in (cm.get("data") or {}).items():
                env[prefix + k] = str(v)
        elif "secretRef" in source:
            ref = source["secretRef"]
            secret = store.get("secrets", namespace, ref.get("name", ""))
            if secret is None:
                if ref.get("optional"):
                    continue
                raise StartFailure(f'secret "{ref.get("name", "")}" not found',
                                   "CreateContainerConfigError")
            for k, v in _secret_data(secret).items():
                env[prefix + k] = v
    for var in spec.get("env") or ():
        name = var.get("name", "")
        if "value" in var:
            env[name] = expand_references(str(var.get("value", "")), env)
            continue
        source = var.get("valueFrom") or {}
        if not source:
            env[name] = ""
            continue
        value = _env_from_source(kubelet, pod, spec, source)
        if value is not None:
            env[name] = value
    if pod["spec"].get("enableServiceLinks", True):
        env.update(service_link_env(kubelet, namespace))
    env.update(kubernetes_env(kubelet))
    return env


def _env_from_source(kubelet: Kubelet, pod: dict[str, Any], spec: dict[str, Any],
                     source: dict[str, Any]) -> str | None:
    meta = pod["metadata"]
    namespace = meta["namespace"]
    store = kubelet.store
    if "fieldRef" in source:
        path = source["fieldRef"].get("fieldPath", "")
        rt = kubelet.runtimes.get(f"{namespace}/{meta['name']}")
        node = store.get("nodes", "", pod["spec"].get("nodeName", "")) or {}
        host_ip = next((a.get("address", "") for a in (node.get("status") or {})
                        .get("addresses") or () if a.get("type") == "InternalIP"), "")
        values = {"metadata.name": meta["name"], "metadata.namespace": namespace,
                  "metadata.uid": meta.get("uid", ""), "spec.nodeName":
                      pod["spec"].get("nodeName", ""),
                  "spec.serviceAccountName": pod["spec"].get("serviceAccountName", "default"),
                  "status.podIP": rt.pod_ip if rt else "", "status.hostIP": host_ip,
                  "status.podIPs": rt.pod_ip if rt else "", "status.hostIPs": host_ip}
        match = re.match(r"metadata\.(labels|annotations)\['(.+)'\]", path)
        if match:
            return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
        return values.get(path, "")
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        cm = store.get("configmaps", namespace, ref.get("name", ""))
        if cm is None:
            if ref.get("optional"):
                return None
            raise StartFailure(f'configmap "{ref.get("name", "")}" not found',
                               "CreateContainerConfigError")
        data = cm.get("data") or {}
        if ref.get("key") not in data:
            if ref.get("optional"):
                return None
            raise StartFailure(f"couldn't find key {ref.get('key')} in ConfigMap "
                               f"{namespace}/{ref.get('name')}", "CreateContainerConfigError")
        return str(data[ref["key"]])
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        secret = store.get("secrets", namespace, ref.get("name", ""))
        if secret is None:
            if ref.get("optional"):
                return None
            raise StartFailure(f'secret "{ref.get("name", "")}" not found',
                               "CreateContainerConfigError")
        data = _secret_data(secret)
        if ref.get("key") not in data:
            if ref.get("optional"):
                return None
            raise StartFailure(f"couldn't find key {ref.get('key')} in Secret "
                               f"{namespace}/{ref.get('name')}", "CreateContainerConfigError")
        return data[ref["key"]]
    if "resourceFieldRef" in source:
        ref = source["resourceFieldRef"]
        resource = ref.get("resource", "")
        kind, _, res_name = resource.partition(".")
        value = ((spec.get("resources") or {}).get(kind) or {}).get(res_name)
        if value is None:
            return "0"
        try:
            if res_name == "cpu":
                from playground.engine.api.quantity import cpu_millis

                return str(max(1, -(-cpu_millis(value) // 1000)))
            return str(memory_bytes(value))
        except QuantityError:
            return str(value)
    return ""


def _secret_data(secret: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (secret.get("data") or {}).items():
        try:
            out[k] = base64.b64decode(str(v)).decode("utf-8", "replace")
        except ValueError:
            out[k] = ""
    for k, v in (secret.get("stringData") or {}).items():
        out[k] = str(v)
    return out


def service_link_env(kubelet: Kubelet, namespace: str) -> dict[str, str]:
    """Docker-link style variables for every Service in the namespace (enableServiceLinks)."""
    env: dict[str, str] = {}
    for svc in kubelet.store.iter("services", namespace):
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        if not ip or ip == "None" or not spec.get("ports"):
            continue
        base = svc["metadata"]["name"].upper().replace("-", "_")
        env.update(_link_vars(base, ip, spec["ports"]))
    return env


def kubernetes_env(kubelet: Kubelet) -> dict[str, str]:
    """The `KUBERNETES_*` variables every container gets."""
    svc = kubelet.store.get("services", "default", "kubernetes")
    if svc is None:
        return {}
    spec = svc.get("spec") or {}
    return dict(_link_vars("KUBERNETES", spec.get("clusterIP", ""), spec.get("ports") or []))


_LINK_VARS: dict[tuple[Any, ...], dict[str, str]] = {}
_LINK_VARS_LIMIT = 1024


def _link_vars(base: str, ip: str, ports: list[dict[str, Any]]) -> dict[str, str]:
    """The variables of one Service (remembered: every container of a namespace gets the
    same ones; callers only read the dict)."""
    key = (base, ip, tuple((p.get("name"), str(p.get("port", "")), p.get("protocol", "TCP"))
                           for p in ports))
    known = _LINK_VARS.get(key)
    if known is None:
        if len(_LINK_VARS) >= _LINK_VARS_LIMIT:
            _LINK_VARS.clear()
        known = _LINK_VARS[key] = _make_link_vars(base, ip, ports)
    return known


def _make_link_vars(base: str, ip: str, ports: list[dict[str, Any]]) -> dict[str, str]:
    env: dict[str, str] = {}
    first = ports[0]
    env[f"{base}_SERVICE_HOST"] = ip
    env[f"{base}_SERVICE_PORT"] = str(first.get("port", ""))
    for port in ports:
        if port.get("name"):
            env[f"{base}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}"] = \
                str(port.get("port", ""))
    proto = first.get("protocol", "TCP")
    env[f"{base}_PORT"] = f"{proto.lower()}://{ip}:{first.get('port', '')}"
    for port in ports:
        p, pr = port.get("port", ""), port.get("protocol", "TCP")
        prefix = f"{base}_PORT_{p}_{pr}"
        env[prefix] = f"{pr.lower()}://{ip}:{p}"
        env[f"{prefix}_PROTO"] = pr.lower()
        env[f"{prefix}_PORT"] = str(p)
        env[f"{prefix}_ADDR"] = ip
    return env


class PodVolumes:
    """The volumes of every pod on every node: emptyDirs live as long as their pod, PVC-backed
    volumes as long as their claim, configMap/secret volumes are rebuilt from the objects."""

    def __init__(self, kubelet: Kubelet) -> None:
        self.kubelet = kubelet
        self.pod_volumes: dict[str, dict[str, FileSystem]] = {}
        self.claims: dict[str, FileSystem] = {}
        self._roots: dict[tuple[Image, str, bool], FileSystem] = {}
        self._tokens: dict[str, FileSystem] = {}

    def _root(self, image: Image, namespace: str, hostname: str, pod_ip: str,
              token: bool) -> FileSystem:
        """busybox_root with the image's files: a copy-on-write overlay of a per-(image,
        namespace) template, with the pod's own /etc/hostname and /etc/hosts (built in full
        when the image ships either file itself)."""
        files = image.files or {}
        if _POD_FILES & files.keys():
            fs = busybox_root(hostname, pod_ip, namespace)
            _write_image_files(fs, files)
            return fs
        template = self._roots.get((image, namespace, token))
        if template is None:
            template = busybox_root("", "", namespace)
            _write_image_files(template, files)
            if token:  # the token volume's mount point, as mounting it would make it
                template.mkdir(SERVICE_ACCOUNT_DIR, parents=True, force=True)
            self._roots[(image, namespace, token)] = template
        fs = FileSystem.overlay(template)
        fs.files["/etc/hostname"] = hostname + "\n"
        fs.files["/etc/hosts"] = pod_hosts_file(hostname, pod_ip)
        return fs

    def _token_volume(self, namespace: str) -> FileSystem:
        """The service-account token volume of the namespace's pods (a template: read-only,
        each container mounts an overlay of it)."""
        sa = self._tokens.get(namespace)
        if sa is None:
            sa = FileSystem()
            _service_account_files(sa, namespace)
            sa.read_only = True
            self._tokens[namespace] = sa
        return sa

    def forget(self, key: str) -> None:
        """A pod is gone: drop its emptyDirs."""
        self.pod_volumes.pop(key, None)

    def _volume(self, key: str, pod: dict[str, Any], volume: dict[str, Any]) -> FileSystem:
        namespace = pod["metadata"]["namespace"]
        store = self.kubelet.store
        name = volume.get("name", "")
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"].get("claimName", "")
            return self.claims.setdefault(f"{namespace}/{claim}", FileSystem())
        if "configMap" in volume:
            src = volume["configMap"]
            cm = store.get("configmaps", namespace, src.get("name", "")) or {}
            return _files_volume(cm.get("data") or {}, src.get("items"))
        if "secret" in volume:
            src = volume["secret"]
            secret = store.get("secrets", namespace, src.get("secretName", "")) or {}
            return _files_volume(_secret_data(secret), src.get("items"))
        if "projected" in volume:
            fs = FileSystem(read_only=True)
            for source in volume["projected"].get("sources") or ():
                if "serviceAccountToken" in source:
                    fs.read_only = False
                    _service_account_files(fs, namespace)
                    fs.read_only = True
            return fs
        return self.pod_volumes.setdefault(key, {}).setdefault(name, FileSystem())

    def container_fs(self, key: str, pod: dict[str, Any], spec: dict[str, Any], image: Image,
                     hostname: str, pod_ip: str, *, scratch: bool = False) -> FileSystem:
        """The root filesystem of a container instance with its volumes mounted."""
        namespace = pod["metadata"]["namespace"]
        token = pod["spec"].get("automountServiceAccountToken", True) is not False
        fs = self._root(image, namespace, hostname, pod_ip, token)
        if token:
            fs.mount(SERVICE_ACCOUNT_DIR, FileSystem.overlay(self._token_volume(namespace)))
        volumes = {v.get("name", ""): v for v in pod["spec"].get("volumes") or ()}
        for mount in spec.get("volumeMounts") or ():
            volume = volumes.get(mount.get("name", ""))
            if volume is None:
                continue
            vfs = FileSystem() if scratch else self._volume(key, pod, volume)
            fs.mount(mount.get("mountPath", "/mnt"), vfs)
        return fs


_POD_FILES = frozenset(("/etc/hostname", "/etc/hosts"))


def _write_image_files(fs: FileSystem, files: Mapping[str, str]) -> None:
    for path, content in files.items():
        fs.mkdir(path.rsplit("/", 1)[0] or "/", parents=True, force=True)
        fs.write(path, content)


def _files_volume(data: dict[str, Any], items: list[dict[str, Any]] | None) -> FileSystem:
    fs = FileSystem()
    if items:
        for item in items:
            if item.get("key") in data:
                path = "/" + str(item.get("path", item["key"])).lstrip("/")
                fs.mkdir(path.rsplit("/", 1)[0] or "/", parents=True, force=True)
                fs.write(path, str(data[item["key"]]))
    else:
        for k, v in data.items():
            fs.write("/" + k, str(v))
    fs.read_only = True
    return fs


def _service_account_files(fs: FileSystem, namespace: str) -> None:
    fs.write("/namespace", namespace)
    fs.write("/ca.crt", "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIPlayground\n"
                        "-----END CERTIFICATE-----\n")
    fs.write("/token", "eyJhbGciOiJSUzI1NiIsImtpZCI6InBsYXlncm91bmQifQ.playground-token")
