"""The simulated kubelets: one controller that plays the kubelet of every node.

For each pod bound to a node whose kubelet runs, it does what a kubelet does, on virtual time:
create the sandbox (pod IP from the node's pod CIDR), pull images (node image cache, pull time
from image size, pull policy, ErrImagePull → ImagePullBackOff), run init containers one by one
and then the containers, start each container's process (the shell or an image program),
restart exited containers by restartPolicy with the crash-loop back-off (immediate, then 10 s
doubling to 300 s, reset after 10 minutes of running), run startup/liveness/readiness probes
with their periods and thresholds, OOM-kill containers over their memory limit, and terminate
pods gracefully (SIGTERM, then SIGKILL after the grace period). It reports everything through
pod status and the same events a real kubelet emits.

Nothing polls: each pod's next interesting instant (a process waking, a probe, a back-off
ending, a pull finishing, a grace period expiring) is one clock timer.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.images import catalog as image_catalog
from playground.engine.images.catalog import Catalog, Image, ImagePullError
from playground.engine.images.reference import InvalidImageName
from playground.engine.kubelet import probes
from playground.engine.kubelet.instances import WorkloadTable
from playground.engine.kubelet.runtime import ContainerRuntime, PodRuntime
from playground.engine.kubelet.status import pod_status
from playground.engine.kubelet.workload import PodVolumes, StartFailure, Workload, start_workload
from playground.engine.store import DELETED, Actor, Obj, WatchEvent

RECORD_KIND = "kubelet"
NODES_RECORD = "kubelet-nodes"
NODE_IP_RECORD = "kubelet-node-ip"
"""Per node: the offset of the pod IP last handed out (`{"last": n}`); older saved states keep
these in the `kubelet-nodes` record's `last_ip` map, which is still read."""
PULL_BANDWIDTH = 25_000_000.0  # bytes per second
PULL_LATENCY = 0.4
CACHED_PULL_SECONDS = 0.6  # a pull with policy Always of an image already present
BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0
BACKOFF_RESET = 600.0
ERR_TO_BACKOFF = 1.0  # seconds between ErrImagePull and ImagePullBackOff in status


@dataclass
class _Due:
    at: float
    order: int
    container: str
    what: str


class Kubelet(Controller):
    """Every node's kubelet."""

    name = "kubelet"
    watches = ("pods",)
    actor_kind = "kubelet"

    def __init__(self, cluster: Any, catalog: Catalog | None = None) -> None:
        super().__init__(cluster)
        self.catalog = catalog or image_catalog.default_catalog()
        self.runtimes: dict[str, PodRuntime] = {}
        # pod IPs handed out, by node: IP -> runtime key (may be stale; readers check that
        # the runtime still holds the IP), so a sandbox's IP search is O(1) per candidate
        self._ips_on_node: dict[str, dict[str, str]] = {}
        self._pod_cidrs: dict[str, tuple[ipaddress.IPv4Network | ipaddress.IPv6Network,
                                         int]] = {}
        self.workloads = WorkloadTable()
        self.dirty: set[str] = set()
        self.listeners: dict[str, dict[tuple[int, str], tuple[str, Any]]] = {}
        self.volumes = PodVolumes(self)
        self._actors: dict[str, Actor] = {}
        self._field_paths: dict[tuple[bool, str], str] = {}
        self._node_images: dict[str, tuple[Any, frozenset[str]]] = {}
        """Per node, its `status.images` list (kept, so its identity cannot be reused) and the
        image names in it: a node's status is rewritten often, its images list seldom."""
        self.network_target: tuple[ContainerRuntime, bool] | None = None
        """The container whose process is being started (and whether it is replayed)."""
        cluster.store.flushers.append(self.flush)

    # -- node state -----------------------------------------------------------------------
    def _nodes_state(self) -> dict[str, Any]:
        return self.store.get_record(NODES_RECORD, "state") or {"stopped": [], "last_ip": {}}

    def running_on(self, node: str) -> bool:
        """Whether the kubelet of `node` runs (it stops when the node fails)."""
        return node not in self._nodes_state()["stopped"]

    def stop_node(self, node: str) -> None:
        """The node's kubelet stops (node failure): its pods keep running but nothing is
        reported any more."""
        state = self._nodes_state()
        if node not in state["stopped"]:
            state = dict(state, stopped=sorted([*state["stopped"], node]))
            self.store.put_record(NODES_RECORD, "state", state)

    def start_node(self, node: str) -> None:
        """The node's kubelet comes back and resyncs its pods."""
        state = self._nodes_state()
        if node in state["stopped"]:
            state = dict(state, stopped=[n for n in state["stopped"] if n != node])
            self.store.put_record(NODES_RECORD, "state", state)
        for pod in self.store.pods_on_node(node):
            meta = pod["metadata"]
            self.cluster.controllers.enqueue(self.name, f"{meta['namespace']}/{meta['name']}")

    # -- queueing -------------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        key = f"{meta.get('namespace', '')}/{meta['name']}"
        if event.type == DELETED:
            if key in self.runtimes or self.store.get_record(RECORD_KIND, key):
                yield key
            return
        if (event.obj.get("spec") or {}).get("nodeName"):
            if event.actor.kind == "kubelet" and event.old is not None and \
                    event.old["metadata"].get("deletionTimestamp") == \
                    meta.get("deletionTimestamp") and \
                    event.old.get("spec") == event.obj.get("spec"):
                return  # our own status write
            yield key

    def resync(self) -> Iterable[str]:
        for pod in self.store.iter("pods"):
            if (pod.get("spec") or {}).get("nodeName"):
                meta = pod["metadata"]
                yield f"{meta['namespace']}/{meta['name']}"

    # -- persistence ----------------------------------------------------------------------
    def flush(self) -> None:
        """Write changed runtimes as records (called before the store's journal drains)."""
        for key in sorted(self.dirty):
            rt = self.runtimes.get(key)
            if rt is not None:
                self.store.put_record(RECORD_KIND, key, rt.to_record())
        self.dirty.clear()

    def _runtime(self, key: str, pod: Obj) -> PodRuntime:
        rt = self.runtimes.get(key)
        uid = pod["metadata"].get("uid", "")
        if rt is not None and rt.uid == uid:
            return rt
        record = self.store.get_record(RECORD_KIND, key)
        if record is not None and record.get("uid") == uid:
            rt = PodRuntime.from_record(record)
            self.runtimes[key] = rt
            self._note_ip(rt, key)
            self._revive(key, pod, rt)
            return rt
        rt = PodRuntime(uid=uid, node=pod["spec"]["nodeName"])
        for c in pod["spec"].get("initContainers") or ():
            rt.containers[c["name"]] = ContainerRuntime(
                c["name"], init=True, sidecar=c.get("restartPolicy") == "Always")
        for c in pod["spec"].get("containers") or ():
            rt.containers[c["name"]] = ContainerRuntime(c["name"])
        rt.init_done = not any(c.init for c in rt.containers.values())
        self.runtimes[key] = rt
        return rt

    def _note_ip(self, rt: PodRuntime, key: str) -> None:
        if rt.pod_ip:
            ips = self._ips_on_node.setdefault(rt.node, {})
            if not self._ip_taken(rt.node, ips, rt.pod_ip):
                ips[rt.pod_ip] = key

    def _ip_taken(self, node_name: str, ips: dict[str, str], ip: str) -> bool:
        owner = ips.get(ip)
        if owner is None:
            return False
        r = self.runtimes.get(owner)
        return r is not None and r.node == node_name and r.pod_ip == ip

    # -- reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        pod = self.store.get("pods", namespace, name)
        if pod is None:
            self._forget(key)
            return
        node = (pod.get("spec") or {}).get("nodeName")
        if not node or not self.running_on(node):
            return
        rt = self._runtime(key, pod)
        if rt.finished and not pod["metadata"].get("deletionTimestamp"):
            return
        self._sync(key, pod, rt)

    def _forget(self, key: str) -> None:
        rt = self.runtimes.pop(key, None)
        if rt is not None and rt.pod_ip:
            ips = self._ips_on_node.get(rt.node)
            if ips is not None and ips.get(rt.pod_ip) == key:
                del ips[rt.pod_ip]
        for work_key in self.workloads.of_pod(key):
            self.workloads.pop(work_key).stop()
        self.listeners.pop(key, None)
        self.volumes.forget(key)
        if rt is not None or self.store.get_record(RECORD_KIND, key) is not None:
            self.store.remove_record(RECORD_KIND, key)
        self.dirty.discard(key)

    def _actor(self, node: str) -> Actor:
        actor = self._actors.get(node)
        if actor is None:
            actor = self._actors[node] = Actor("kubelet", node)
        return actor

    def _sync(self, key: str, pod: Obj, rt: PodRuntime) -> None:
        now = self.clock.now
        actor = self._actor(rt.node)
        ctx = _SyncContext(self, key, pod, rt, actor)
        if not rt.sandbox_ready and (rt.mount_retry_at is None or rt.mount_retry_at <= now):
            if self._mount_volumes(ctx, now):
                self._create_sandbox(ctx, now)
        if pod["metadata"].get("deletionTimestamp") and rt.terminating_since is None:
            self._begin_termination(ctx, now)
        self._start_what_can(ctx, now)
        while True:
            due = self._next_due(ctx)
            if due is None or due.at > now:
                break
            self._handle(ctx, due)
            self._start_what_can(ctx, due.at)
        if rt.terminating_since is not None and all(
                c.state != "running" for c in rt.containers.values()):
            self._finish_termination(ctx)
            return
        self._write_status(ctx)
        self.dirty.add(key)
        for cr in rt.containers.values():
            work = self.workloads.get((key, cr.name)) if cr.state == "running" else None
            if work is not None and not work.parked:
                work.park(now, ctx.spec(cr.name))
        nxt = self._next_due(ctx)
        if nxt is not None:
            self.wake_after(max(0.0, nxt.at - now), key)

    # -- sandbox --------------------------------------------------------------------------
    def _create_sandbox(self, ctx: _SyncContext, at: float) -> None:
        rt = ctx.rt
        node = self.store.get("nodes", "", rt.node)
        if node is None:
            return
        host_network = bool(ctx.pod["spec"].get("hostNetwork"))
        rt.pod_ip = _node_ip(node) if host_network else \
            self._allocate_ip(rt.node, node, ctx.key)
        rt.sandbox_ready = True
        rt.start_time = at

    def _allocate_ip(self, node_name: str, node: Obj, key: str) -> str:
        cidr_text = (node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24"
        parsed = self._pod_cidrs.get(cidr_text)
        if parsed is None:
            net = ipaddress.ip_network(cidr_text)
            parsed = self._pod_cidrs[cidr_text] = (net, net.num_addresses)
        cidr, size = parsed
        ips = self._ips_on_node.setdefault(node_name, {})
        last = self._last_ip(node_name)
        for step in range(1, size):
            offset = (last - 2 + step) % (size - 3) + 2
            candidate = str(cidr.network_address + offset)
            if not self._ip_taken(node_name, ips, candidate):
                self.store.put_record(NODE_IP_RECORD, node_name, {"last": offset})
                ips[candidate] = key
                return candidate
        return str(cidr.network_address + 2)

    def _last_ip(self, node_name: str) -> int:
        record = self.store.get_record(NODE_IP_RECORD, node_name)
        if record is not None:
            return int(record.get("last", 1))
        return int(self._nodes_state().get("last_ip", {}).get(node_name, 1))

    # -- what happens next ----------------------------------------------------------------
    def _mount_volumes(self, ctx: _SyncContext, at: float) -> bool:
        """The volume manager: configMap, secret and claim volumes must exist (and claims be
        bound) before the sandbox is created; otherwise FailedMount, retried with back-off."""
        pod = ctx.pod
        namespace = pod["metadata"]["namespace"]
        problem = ""
        waiting = False
        for volume in pod["spec"].get("volumes") or ():
            name = volume.get("name", "")
            if "configMap" in volume:
                src = volume["configMap"]
                if not src.get("optional") and self.store.get(
                        "configmaps", namespace, src.get("name", "")) is None:
                    problem = (f'MountVolume.SetUp failed for volume "{name}" : configmap '
                               f'"{src.get("name", "")}" not found')
            elif "secret" in volume:
                src = volume["secret"]
                if not src.get("optional") and self.store.get(
                        "secrets", namespace, src.get("secretName", "")) is None:
                    problem = (f'MountVolume.SetUp failed for volume "{name}" : secret '
                               f'"{src.get("secretName", "")}" not found')
            elif "persistentVolumeClaim" in volume:
                claim_name = volume["persistentVolumeClaim"].get("claimName", "")
                claim = self.store.get("persistentvolumeclaims", namespace, claim_name)
                if claim is None:
                    problem = f'persistentvolumeclaim "{claim_name}" not found'
                elif (claim.get("status") or {}).get("phase") != "Bound":
                    waiting = True
            if problem:
                break
        rt = ctx.rt
        if not problem and not waiting:
            rt.mount_failures = 0
            rt.mount_retry_at = None
            return True
        if problem:
            self.recorder.record(pod, "Warning", "FailedMount", problem, "kubelet",
                                 host=rt.node, actor=ctx.actor)
            # the volume manager's exponential back-off: 500 ms doubling, at most 2m2s
            delay = min(0.5 * 2 ** rt.mount_failures, 122.0)
            rt.mount_failures += 1
        else:
            delay = 1.0  # a claim is being bound: look again shortly
        rt.mount_retry_at = at + delay
        return False

    def _next_due(self, ctx: _SyncContext) -> _Due | None:
        best: _Due | None = None
        if not ctx.rt.sandbox_ready and ctx.rt.mount_retry_at is not None:
            best = _Due(ctx.rt.mount_retry_at, -1, "", "mount")
        for order, cr in enumerate(ctx.rt.containers.values()):
            for at, what in self._container_deadlines(ctx, cr):
                if at is None:
                    continue
                cand = _Due(at, order, cr.name, what)
                if best is None or (cand.at, cand.order) < (best.at, best.order):
                    best = cand
        return best

    def _container_deadlines(self, ctx: _SyncContext, cr: ContainerRuntime
                             ) -> list[tuple[float | None, str]]:
        out: list[tuple[float | None, str]] = []
        if cr.pull_done_at is not None and not cr.pulled:
            out.append((cr.pull_done_at, "pulled"))
        if cr.backoff_until is not None:
            if cr.reason == "ErrImagePull":
                out.append((min(cr.backoff_until, (cr.finished_at or 0.0) + ERR_TO_BACKOFF
                                if cr.finished_at is not None else cr.backoff_until),
                            "pull-backoff-show"))
            out.append((cr.backoff_until, "backoff-over"))
        if cr.state == "terminated" and cr.backoff_until is None and \
                ctx.rt.terminating_since is None and cr.finished_at is not None and \
                cr.reason not in ("InvalidImageName", "ErrImageNeverPull") and \
                self._should_restart(ctx, cr):
            out.append((cr.finished_at, "restart"))
        if cr.state == "running":
            work = self.workloads.get((ctx.key, cr.name))
            if work is not None and work.wake_at is not None:
                out.append((work.wake_at, "process"))
            if cr.kill_at is not None:
                out.append((cr.kill_at, "kill"))
            if cr.term_at is not None:
                out.append((cr.term_at, "term"))
            for kind, state in cr.probes.items():
                if state.next_at is not None:
                    out.append((state.next_at, f"probe:{kind}"))
        return out

    def _handle(self, ctx: _SyncContext, due: _Due) -> None:
        if due.what == "mount":
            if self._mount_volumes(ctx, due.at):
                self._create_sandbox(ctx, due.at)
            return
        cr = ctx.rt.containers[due.container]
        at = due.at
        if due.what == "pulled":
            self._pull_finished(ctx, cr, at)
        elif due.what == "pull-backoff-show":
            cr.reason = "ImagePullBackOff"
            image = ctx.spec(cr.name).get("image", "")
            cr.message = f'Back-off pulling image "{image}": ErrImagePull: {cr.message}' \
                if not cr.message.startswith("Back-off") else cr.message
            cr.finished_at = None
            ctx.event(cr, "Normal", "BackOff", f'Back-off pulling image "{image}"', at)
            ctx.event(cr, "Warning", "Failed", "Error: ImagePullBackOff", at)
        elif due.what == "backoff-over":
            cr.backoff_until = None
            if cr.backoff_kind == "pull":
                cr.pull_started_at = None
            cr.finished_at = cr.finished_at if cr.state == "terminated" else None
        elif due.what == "restart":
            self._advance_container(ctx, cr, at)
        elif due.what == "process":
            work = self.workloads[(ctx.key, cr.name)]
            work.run_until(at)
            cr.sleeps_consumed = work.process.sleeps if work.process else 0
            if work.exit_code is not None:
                self._container_exited(ctx, cr, work.exit_code, work.exited_at or at,
                                       work.exit_reason)
        elif due.what == "term":
            work = self.workloads.get((ctx.key, cr.name))
            if work is not None:
                self._send_term(ctx, cr, work, at)
            else:
                cr.term_at = None
        elif due.what == "kill":
            work = self.workloads.get((ctx.key, cr.name))
            if work is not None:
                work.kill(at)
                self._container_exited(ctx, cr, 137, at, "Error")
        elif due.what.startswith("probe:"):
            self._run_probe(ctx, cr, due.what.split(":", 1)[1], at)

    # -- images ---------------------------------------------------------------------------
    def _start_pull(self, ctx: _SyncContext, cr: ContainerRuntime, at: float) -> None:
        spec = ctx.spec(cr.name)
        image_name = spec.get("image", "")
        policy = spec.get("imagePullPolicy", "IfNotPresent")
        cr.pull_started_at = at
        try:
            image = self.catalog.pull(image_name)
        except InvalidImageName as exc:
            cr.state, cr.reason, cr.message = "waiting", "InvalidImageName", str(exc)
            ctx.event(cr, "Warning", "InspectFailed", str(exc), at)
            ctx.event(cr, "Warning", "Failed", "Error: InvalidImageName", at)
            cr.pull_done_at = None
            return
        except ImagePullError as exc:
            image = None
            error = exc.message
        else:
            error = ""
        cached = image is not None and self._node_has(ctx.rt.node, image)
        if policy == "Never":
            if cached:
                self._pulled(ctx, cr, image, at, present=True)
            else:
                cr.state, cr.reason = "waiting", "ErrImageNeverPull"
                cr.message = (f'Container image "{image_name}" is not present with pull '
                              "policy of Never")
                ctx.event(cr, "Warning", "ErrImageNeverPull", cr.message, at)
                ctx.event(cr, "Warning", "Failed", "Error: ErrImageNeverPull", at)
            return
        if cached and policy == "IfNotPresent":
            self._pulled(ctx, cr, image, at, present=True)
            return
        ctx.event(cr, "Normal", "Pulling", f'Pulling image "{image_name}"', at)
        if image is None:
            self._pull_failed(ctx, cr, error, at)
            return
        seconds = CACHED_PULL_SECONDS if cached else \
            PULL_LATENCY + image.size / PULL_BANDWIDTH
        cr.pull_done_at = at + round(seconds, 3)
        cr.state, cr.reason, cr.message = "waiting", "ContainerCreating", ""

    def _pull_failed(self, ctx: _SyncContext, cr: ContainerRuntime, error: str,
                     at: float) -> None:
        cr.pull_failures += 1
        cr.state, cr.reason, cr.message = "waiting", "ErrImagePull", error.split(": ", 1)[-1] \
            if error.startswith("Failed to pull image") else error
        ctx.event(cr, "Warning", "Failed", error, at)
        ctx.event(cr, "Warning", "Failed", "Error: ErrImagePull", at)
        delay = min(BACKOFF_INITIAL * 2 ** (cr.pull_failures - 1), BACKOFF_MAX)
        cr.backoff_kind = "pull"
        cr.backoff_until = at + delay
        cr.finished_at = at
        cr.pull_done_at = None

    def _pull_finished(self, ctx: _SyncContext, cr: ContainerRuntime, at: float) -> None:
        image = self.catalog.pull(ctx.spec(cr.name).get("image", ""))
        self._pulled(ctx, cr, image, at, present=False)

    def _pulled(self, ctx: _SyncContext, cr: ContainerRuntime, image: Image, at: float, *,
                present: bool) -> None:
        name = ctx.spec(cr.name).get("image", "")
        if present:
            ctx.event(cr, "Normal", "Pulled",
                      f'Container image "{name}" already present on machine', at)
        else:
            took = at - (cr.pull_started_at if cr.pull_started_at is not None else at)
            text = _go_seconds(took)
            ctx.event(cr, "Normal", "Pulled",
                      f'Successfully pulled image "{name}" in {text} ({text} including '
                      f"waiting). Image size: {image.size} bytes.", at)
            self._remember_image(ctx.rt.node, image)
        cr.pulled = True
        cr.pull_done_at = None
        cr.pull_failures = 0
        cr.image_id = image.image_id
        ctx.images[cr.name] = image

    def _node_has(self, node_name: str, image: Image) -> bool:
        node = self.store.get("nodes", "", node_name)
        if node is None:
            return False
        images = (node.get("status") or {}).get("images") or ()
        held = self._node_images.get(node_name)
        if held is None or held[0] is not images:
            held = self._node_images[node_name] = (images, frozenset(
                name for entry in images for name in entry.get("names", ())))
        return image.image_id in held[1]

    def _remember_image(self, node_name: str, image: Image) -> None:
        node = self.store.get("nodes", "", node_name)
        if node is None or self._node_has(node_name, image):
            return
        status = dict(node.get("status") or {})
        images = list(status.get("images") or [])
        images.append({"names": [image.image_id, image.reference], "sizeBytes": image.size})
        images.sort(key=lambda e: -int(e.get("sizeBytes", 0)))
        status["images"] = images
        updated = dict(node)
        updated["status"] = status
        self.api.update_status(updated, self._actor(node_name), reason="image pulled")

    # -- containers -----------------------------------------------------------------------
    def _start_what_can(self, ctx: _SyncContext, at: float) -> None:
        rt = ctx.rt
        if rt.terminating_since is not None or not rt.sandbox_ready:
            return
        inits = [c for c in rt.containers.values() if c.init]
        if not rt.init_done:
            for cr in inits:
                if cr.sidecar:
                    if cr.state != "running":
                        self._advance_container(ctx, cr, at)
                    if not cr.started:
                        return
                    continue
                if cr.state == "terminated" and cr.exit_code == 0:
                    continue
                self._advance_container(ctx, cr, at)
                if cr.state == "terminated" and cr.exit_code == 0:
                    continue  # it finished at once: the next one may start now
                return
            rt.init_done = True
        for cr in rt.containers.values():
            if not cr.init or cr.sidecar:
                self._advance_container(ctx, cr, at)

    def _advance_container(self, ctx: _SyncContext, cr: ContainerRuntime, at: float) -> None:
        """Take one container as far as it can go at `at`: pull, create, start."""
        if cr.state == "running" or cr.backoff_until is not None:
            return
        if cr.state == "terminated" and not self._should_restart(ctx, cr):
            return
        if cr.reason in ("InvalidImageName", "ErrImageNeverPull"):
            return
        if cr.pull_done_at is not None:
            return
        if not cr.pulled or (cr.state == "terminated" and
                             ctx.spec(cr.name).get("imagePullPolicy") == "Always"):
            cr.pulled = False
            self._start_pull(ctx, cr, at)
            if not cr.pulled:
                return
        self._start_container(ctx, cr, at)

    def _should_restart(self, ctx: _SyncContext, cr: ContainerRuntime) -> bool:
        policy = ctx.pod["spec"].get("restartPolicy", "Always")
        if cr.sidecar:
            return True
        if cr.init:
            return cr.exit_code != 0 and policy != "Never"
        if policy == "Always":
            return True
        return policy == "OnFailure" and cr.exit_code != 0

    def _start_container(self, ctx: _SyncContext, cr: ContainerRuntime, at: float) -> None:
        spec = ctx.spec(cr.name)
        image = ctx.image(cr.name, self.catalog)
        # a restart: after an immediate one the old instance is still "terminated"; after a
        # crash back-off it was archived as lastState when the back-off began
        if cr.state == "terminated" or cr.reason == "CrashLoopBackOff":
            if cr.state == "terminated":
                cr.last_terminated = self._terminated_record(cr, at)
            cr.restart_count += 1
            cr.previous_logs = cr.logs
            cr.logs = []
        ctx.rt.container_serial += 1
        cr.container_id = "containerd://" + hashlib.sha256(
            f"{ctx.rt.uid}/{cr.name}/{ctx.rt.container_serial}".encode()).hexdigest()
        cr.started_at = at
        cr.finished_at = None
        cr.exit_code = None
        cr.message = ""
        cr.kill_at = None
        cr.term_at = None
        cr.stop_requested_at = None
        ctx.event(cr, "Normal", "Created", "Created container", at)
        try:
            work = self._start_process(ctx, cr, spec, image, at)
        except StartFailure as exc:
            if exc.waiting_reason:
                cr.state, cr.reason, cr.message = "waiting", exc.waiting_reason, exc.message
                cr.started_at = None
                ctx.event(cr, "Warning", "Failed", f"Error: {exc.message}", at)
                cr.backoff_kind = "config"
                cr.backoff_until = at + BACKOFF_INITIAL
                return
            cr.state, cr.reason, cr.exit_code = "terminated", "StartError", 128
            cr.message = exc.message
            cr.finished_at = at
            ctx.event(cr, "Warning", "Failed", f"Error: {exc.message}", at)
            self._schedule_restart(ctx, cr, at, ran=0.0)
            return
        self.workloads[(ctx.key, cr.name)] = work
        cr.state, cr.reason = "running", ""
        ctx.event(cr, "Normal", "Started", "Started container", at)
        probes.arm(cr, spec, at)
        cr.started = "startupProbe" not in spec
        cr.ready = cr.started and "readinessProbe" not in spec
        work.run_until(at)
        cr.sleeps_consumed = work.process.sleeps if work.process else 0
        if work.exit_code is not None:
            self._container_exited(ctx, cr, work.exit_code, at, work.exit_reason)

    def _container_exited(self, ctx: _SyncContext, cr: ContainerRuntime, code: int,
                          at: float, reason: str = "") -> None:
        work = self.workloads.pop((ctx.key, cr.name), None)
        if work is not None:
            work.stop()
        cr.flush_partial(at)
        ran = at - (cr.started_at or at)
        cr.state = "terminated"
        cr.exit_code = code
        cr.reason = reason or ("Completed" if code == 0 else "Error")
        cr.finished_at = at
        cr.ready = False
        cr.started = False
        cr.kill_at = None
        cr.term_at = None
        for state in cr.probes.values():
            state.next_at = None
        if ctx.rt.terminating_since is not None:
            return
        if self._should_restart(ctx, cr):
            self._schedule_restart(ctx, cr, at, ran)

    def _terminated_record(self, cr: ContainerRuntime, at: float) -> dict[str, Any]:
        """The container's ended instance as status.lastState.terminated shows it."""
        record: dict[str, Any] = {"containerID": cr.container_id, "exitCode": cr.exit_code,
                                  "finishedAt": self.clock.timestamp(cr.finished_at or at),
                                  "reason": cr.reason,
                                  "startedAt": self.clock.timestamp(cr.started_at or at)}
        if cr.message:
            record["message"] = cr.message
        return record

    def _schedule_restart(self, ctx: _SyncContext, cr: ContainerRuntime, at: float,
                          ran: float) -> None:
        if ran >= BACKOFF_RESET:
            cr.backoff_seconds = 0.0
        if cr.backoff_seconds <= 0:
            cr.backoff_seconds = BACKOFF_INITIAL
            return  # the first restart is immediate
        delay = cr.backoff_seconds
        cr.backoff_kind = "crash"
        cr.backoff_until = at + delay
        cr.backoff_seconds = min(delay * 2, BACKOFF_MAX)
        meta = ctx.pod["metadata"]
        ident = f"{meta['name']}_{meta['namespace']}({meta.get('uid', '')})"
        cr.last_terminated = self._terminated_record(cr, at)
        cr.state = "waiting"
        cr.reason = "CrashLoopBackOff"
        cr.message = (f"back-off {_go_duration(delay)} restarting failed container={cr.name} "
                      f"pod={ident}")
        ctx.event(cr, "Warning", "BackOff",
                  f"Back-off restarting failed container {cr.name} in pod {ident}", at)

    # -- probes ---------------------------------------------------------------------------
    def _run_probe(self, ctx: _SyncContext, cr: ContainerRuntime, kind: str, at: float) -> None:
        spec = ctx.spec(cr.name)
        probe = spec.get(f"{kind}Probe") or {}
        state = cr.probes[kind]
        state.next_at = at + float(probe.get("periodSeconds", 10))
        if kind != "startup" and not cr.started:
            return
        if kind == "startup" and cr.started:
            state.next_at = None
            return
        work = self.workloads.get((ctx.key, cr.name))
        ok, message = probes.execute(self, ctx, cr, probe, work, at)
        if ok:
            state.successes += 1
            state.failures = 0
            if kind == "startup":
                cr.started = True
                state.next_at = None
                cr.ready = "readinessProbe" not in spec
            elif kind == "readiness" and state.successes >= int(probe.get("successThreshold", 1)):
                cr.ready = True
            if kind != "startup" and (kind != "readiness" or cr.ready) and \
                    probes.elidable(self, ctx, spec, probe):
                state.next_at = None
                state.elided = True
            return
        state.failures += 1
        state.successes = 0
        label = {"startup": "Startup", "liveness": "Liveness", "readiness": "Readiness"}[kind]
        ctx.event(cr, "Warning", "Unhealthy", f"{label} probe failed: {message}", at)
        if kind == "readiness":
            cr.ready = False
            return
        if state.failures >= int(probe.get("failureThreshold", 3)):
            state.failures = 0
            # the prober holds this container until a new one replaces it
            state.next_at = None
            ctx.event(cr, "Normal", "Killing",
                      f"Container {cr.name} failed {kind} probe, will be restarted", at)
            self._stop_container(ctx, cr, at, int(
                ctx.pod["spec"].get("terminationGracePeriodSeconds", 30)))

    def listeners_changed(self, key: str, at: float) -> None:
        """A container bound or released a port: probes elided as unchangeable run again."""
        rt = self.runtimes.get(key)
        if rt is not None and probes.rearm(rt, at):
            self.wake_after(0.0, key)

    # -- stopping -------------------------------------------------------------------------
    def _stop_container(self, ctx: _SyncContext, cr: ContainerRuntime, at: float,
                        grace: int) -> None:
        work = self.workloads.get((ctx.key, cr.name))
        if work is None or cr.state != "running":
            return
        if cr.stop_requested_at is not None and cr.kill_at is not None:
            # already stopping: a second request must not push the SIGKILL deadline back
            cr.kill_at = min(cr.kill_at, at + max(0, grace))
            if cr.kill_at > at:
                return
            work.kill(at)
            self._container_exited(ctx, cr, 137, at, "Error")
            return
        cr.stop_requested_at = at
        cr.kill_at = at + max(0, grace)
        hook_seconds = self._pre_stop(ctx, cr, work, at, grace)
        if hook_seconds > 0 and at + hook_seconds < cr.kill_at:
            cr.term_at = at + hook_seconds  # SIGTERM once the hook has finished
            return
        self._send_term(ctx, cr, work, at)

    def _pre_stop(self, ctx: _SyncContext, cr: ContainerRuntime, work: Workload, at: float,
                  grace: int) -> float:
        """Run the container's preStop hook; returns how long it took (virtual seconds)."""
        hook = ((ctx.spec(cr.name).get("lifecycle") or {}).get("preStop")) or {}
        if not hook or grace <= 0:
            return 0.0
        if "sleep" in hook:
            return float(hook["sleep"].get("seconds", 0))
        if "exec" in hook:
            command = list(hook["exec"].get("command") or [])
            ok, text, took = probes.run_exec(work, command, float(grace))
            if not ok:
                meta = ctx.pod["metadata"]
                ctx.event(cr, "Warning", "FailedPreStopHook",
                          f"PreStopHook failed: Exec lifecycle hook ({command}) for Container "
                          f'"{cr.name}" in Pod "{meta["name"]}_{meta["namespace"]}'
                          f'({meta.get("uid", "")})" failed - error: {text}', at)
            return took
        if "httpGet" in hook:
            ok, text = probes.execute(self, ctx, cr, {"httpGet": hook["httpGet"],
                                                      "timeoutSeconds": grace}, work, at)
            if not ok:
                ctx.event(cr, "Warning", "FailedPreStopHook", f"PreStopHook failed: {text}", at)
        return 0.0

    def _send_term(self, ctx: _SyncContext, cr: ContainerRuntime, work: Workload,
                   at: float) -> None:
        """SIGTERM (the image's stop signal); programs that handle it may exit at once."""
        cr.term_at = None
        if work.terminate("SIGTERM", at):
            work.run_until(at)
        if work.exit_code is not None:
            self._container_exited(ctx, cr, work.exit_code, work.exited_at or at,
                                   work.exit_reason)
            return
        if cr.kill_at is not None and cr.kill_at <= at:
            work.kill(at)
            self._container_exited(ctx, cr, 137, at, "Error")

    def _begin_termination(self, ctx: _SyncContext, at: float) -> None:
        rt = ctx.rt
        rt.terminating_since = at
        grace = int(ctx.pod["metadata"].get("deletionGracePeriodSeconds", 30) or 0)
        for cr in rt.containers.values():
            cr.backoff_until = None
            cr.pull_done_at = None
            if cr.state == "running":
                ctx.event(cr, "Normal", "Killing", f"Stopping container {cr.name}", at)
                self._stop_container(ctx, cr, at, grace)
            elif cr.state == "waiting":
                cr.state, cr.reason = "terminated", "ContainerStatusUnknown" \
                    if cr.started_at else cr.reason

    def _finish_termination(self, ctx: _SyncContext) -> None:
        meta = ctx.pod["metadata"]
        self._write_status(ctx)
        try:
            self.api.remove_now("pods", meta["namespace"], meta["name"], ctx.actor,
                                reason="terminated")
        except APIError:
            pass
        self._forget(ctx.key)

    # -- status ---------------------------------------------------------------------------
    def _write_status(self, ctx: _SyncContext) -> None:
        pod = self.store.get("pods", ctx.pod["metadata"]["namespace"],
                             ctx.pod["metadata"]["name"])
        if pod is None:
            return
        node = self.store.get("nodes", "", ctx.rt.node)
        node_ip = _node_ip(node) if node else ""
        images = {cr.name: self._status_image(ctx, cr) for cr in ctx.rt.containers.values()}
        status = pod_status(pod, ctx.rt, node_ip, images, self.clock.now, self.clock.timestamp)
        if status.get("phase") in ("Succeeded", "Failed"):
            ctx.rt.finished = True
            for work_key in self.workloads.of_pod(ctx.key):
                self.workloads.pop(work_key).stop()
        if status != pod.get("status"):
            updated = dict(pod)
            updated["status"] = status
            self.api.update_status(updated, ctx.actor, reason="status")

    def _status_image(self, ctx: _SyncContext, cr: ContainerRuntime) -> str:
        """status.image: the normalised reference once pulled, the spec's text before."""
        name = ctx.spec(cr.name).get("image", "")
        if not cr.image_id:
            return name
        image = ctx.images.get(cr.name) or self.catalog.lookup(name)
        return image.reference if image is not None else name

    # -- kubectl logs / exec --------------------------------------------------------------
    def logs(self, namespace: str, name: str, container: str, previous: bool = False
             ) -> list[tuple[float, str, str]] | None:
        """Log lines (virtual time, stream, text) of a container, or None if unknown."""
        key = f"{namespace}/{name}"
        pod = self.store.get("pods", namespace, name)
        if pod is None:
            return None
        rt = self.runtimes.get(key)
        if rt is None:
            record = self.store.get_record(RECORD_KIND, key)
            if record is None:
                return None
            rt = PodRuntime.from_record(record)
        cr = rt.containers.get(container)
        if cr is None:
            return None
        lines = cr.previous_logs if previous else cr.logs
        return [(float(t), str(s), str(text)) for t, s, text in lines]

    def runtime_of(self, namespace: str, name: str) -> PodRuntime | None:
        """The runtime of a pod, if its kubelet knows it."""
        key = f"{namespace}/{name}"
        if key in self.runtimes:
            return self.runtimes[key]
        record = self.store.get_record(RECORD_KIND, key)
        return PodRuntime.from_record(record) if record else None

    def workload(self, namespace: str, name: str, container: str) -> Workload | None:
        """The running process of a container (for exec and the network layer)."""
        return self.workloads.get((f"{namespace}/{name}", container))

    def kill_container(self, namespace: str, name: str, container: str | None,
                       exit_code: int = 137) -> str:
        """Make a container's process die now (a crash); returns the container name."""
        key = f"{namespace}/{name}"
        pod = self.store.get("pods", namespace, name)
        if pod is None:
            raise KeyError(name)
        rt = self._runtime(key, pod)
        target = container or next((c.name for c in rt.containers.values() if not c.init), "")
        cr = rt.containers.get(target)
        if cr is None or cr.state != "running":
            raise ValueError(f'container "{target}" in pod "{name}" is not running')
        work = self.workloads.get((key, target))
        at = self.clock.now
        if work is not None:
            work.kill(at, exit_code)
        ctx = _SyncContext(self, key, pod, rt, self._actor(rt.node))
        self._container_exited(ctx, cr, exit_code, at, "Error" if exit_code else "Completed")
        self._sync(key, pod, rt)
        return target

    def _start_process(self, ctx: _SyncContext, cr: ContainerRuntime, spec: dict[str, Any],
                       image: Image, at: float, *, replay: bool = False) -> Workload:
        self.network_target = (cr, replay)
        try:
            return start_workload(self, ctx, cr, spec, image, at, replay=replay)
        finally:
            self.network_target = None

    def network_for(self, key: str) -> Any:
        """The cluster network as a container of pod `key` sees it (its shell's `Network`)."""
        network = getattr(self.cluster, "network", None)
        if network is None:
            return None
        target = self.network_target
        return network.for_pod(key, target[0] if target else None,
                               replay=bool(target and target[1]))

    def _revive(self, key: str, pod: Obj, rt: PodRuntime) -> None:
        """Rebuild the processes of a runtime loaded from its record."""
        ctx = _SyncContext(self, key, pod, rt, self._actor(rt.node))
        for cr in rt.containers.values():
            if cr.state != "running":
                continue
            try:
                image = ctx.image(cr.name, self.catalog)
                work = self._start_process(ctx, cr, ctx.spec(cr.name), image,
                                           cr.started_at or self.clock.now, replay=True)
            except (StartFailure, ImagePullError, InvalidImageName):
                continue
            self.workloads[(key, cr.name)] = work


class _SyncContext:
    """One reconcile of one pod: the pod, its runtime, and helpers bound to them."""

    def __init__(self, kubelet: Kubelet, key: str, pod: Obj, rt: PodRuntime,
                 actor: Actor) -> None:
        self.kubelet = kubelet
        self.key = key
        self.pod = pod
        self.rt = rt
        self.actor = actor
        self.images: dict[str, Image] = {}
        spec = pod.get("spec") or {}
        self._specs = {c["name"]: c for c in (spec.get("initContainers") or []) +
                       (spec.get("containers") or [])}

    def spec(self, name: str) -> dict[str, Any]:
        """The container spec by name."""
        return self._specs.get(name, {})

    def image(self, name: str, catalog: Catalog) -> Image:
        """The pulled image of a container."""
        if name not in self.images:
            self.images[name] = catalog.pull(self.spec(name).get("image", ""))
        return self.images[name]

    def event(self, cr: ContainerRuntime, type_: str, reason: str, message: str,
              at: float) -> None:
        """A kubelet event about one container."""
        paths = self.kubelet._field_paths
        path = paths.get((cr.init, cr.name))
        if path is None:
            path = f"spec.{'initContainers' if cr.init else 'containers'}{{{cr.name}}}"
            if len(paths) < 4096:
                paths[(cr.init, cr.name)] = path
        pod = self.kubelet.store.get("pods", self.pod["metadata"]["namespace"],
                                     self.pod["metadata"]["name"]) or self.pod
        self.kubelet.recorder.record(pod, type_, reason, message, "kubelet",
                                     host=self.rt.node, field_path=path, actor=self.actor)


def _node_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address", ""))
    return ""


def _go_seconds(seconds: float) -> str:
    """Go's Duration.String for sub-minute pulls: `4.2s`, `812ms`."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def _go_duration(seconds: float) -> str:
    """Go's Duration.String for back-off delays: `10s`, `1m20s`, `5m0s`."""
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


