"""The controller framework: work queues fed by watches and clock timers, drained to a fixpoint.

Every controller is level-triggered, as in kube-controller-manager: a watch event or a timer
only *enqueues a key*; `reconcile(key)` then reads the current state and acts on it, never on
the event that woke it. The manager drains all queues in a fixed order until nothing is left
("settling"), which is what makes a command's consequences happen at once in virtual time and
makes the whole engine deterministic.
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from playground.engine.controllers.podutil import controller_ref
from playground.engine.errors import EngineError
from playground.engine.store import Actor, ChangeTypes, WatchEvent

WorkQueue = OrderedDict[str, None]
"""A controller's pending keys, in first-enqueued order; enqueuing a queued key keeps its
place. Not a plain dict: taking keys from the front of a dict leaves holes that every later
`next(iter(d))` walks again, so draining n keys cost O(n²) (2 s for a 100,000-key queue)."""

if TYPE_CHECKING:
    from playground.engine.cluster import Cluster


class Controller:
    """Base class: subclasses set `name` and `watches` and implement `reconcile`."""

    name: str = "controller"
    watches: tuple[str | None, ...] = ()
    watch_types: ClassVar[ChangeTypes | None] = None
    """Change types `keys_for` can yield keys for, by resource (see `Store.watch`): the store
    does not call it for the others, which matters on the busiest kinds (pods, events)."""
    pods_by_owner_kind: str | None = None
    """When set (and "pods" is watched), a pod change enqueues `namespace/name` of the pod's
    controller when it is of this kind, and nothing else: the manager works out each pod's
    controller once for all such controllers instead of calling each one's `keys_for`."""
    actor_kind: str = "controller"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.api = cluster.api
        self.store = cluster.store
        self.clock = cluster.clock
        self.recorder = cluster.recorder
        self.actor = Actor(self.actor_kind, self.name)

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        """Keys to enqueue for a change; default: the object's `namespace/name`."""
        meta = event.obj["metadata"]
        ns = meta.get("namespace", "")
        yield f"{ns}/{meta['name']}" if ns else meta["name"]

    def reconcile(self, key: str) -> None:
        """Bring the world in line with the desired state of `key`."""
        raise EngineError(f"{type(self).__name__} does not implement reconcile")

    def resync(self) -> Iterable[str]:
        """Keys to look at after a restart (default: none)."""
        return ()

    def keys_of(self, resource: str) -> Iterable[str]:
        """`namespace/name` of every stored object of one type, in store order (the resync
        most controllers want)."""
        for obj in self.store.list(resource):
            meta = obj["metadata"]
            namespace = meta.get("namespace", "")
            yield f"{namespace}/{meta['name']}" if namespace else meta["name"]

    def wake_after(self, delay: float, key: str) -> None:
        """Look at `key` again after `delay` seconds of virtual time."""
        self.clock.schedule(delay, self.name, key)


class ControllerManager:
    """Runs controllers' queues to a fixpoint in a deterministic order."""

    MAX_RECONCILES = 5_000_000

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.controllers: list[Controller] = []
        self._queues: dict[str, WorkQueue] = {}
        self._by_name: dict[str, Controller] = {}
        self._owner_queues: dict[str, WorkQueue] | None = None

    def add(self, controller: Controller) -> None:
        """Start a controller: subscribe its watches and timers (once per name)."""
        if controller.name in self._by_name:
            return
        self.controllers.append(controller)
        self._by_name[controller.name] = controller
        queue = self._queues.setdefault(controller.name, WorkQueue())

        def on_event(event: WatchEvent, c: Controller = controller,
                     q: WorkQueue = queue) -> None:
            for key in c.keys_for(event):
                q[key] = None

        for resource in controller.watches:
            if resource == "pods" and controller.pods_by_owner_kind:
                self._route_pods_by_owner(controller.pods_by_owner_kind, queue)
                continue
            self.cluster.store.watch(resource, on_event, types=controller.watch_types)
        self.cluster.clock.register(controller.name,
                                    lambda key, q=queue: q.__setitem__(key, None))

    def _route_pods_by_owner(self, kind: str, queue: WorkQueue) -> None:
        if self._owner_queues is None:
            owner_queues: dict[str, WorkQueue] = {}
            self._owner_queues = owner_queues

            def on_pod(event: WatchEvent) -> None:
                ref = controller_ref(event.obj)
                if ref is not None:
                    found = owner_queues.get(ref.get("kind"))  # type: ignore[arg-type]
                    if found is not None:
                        namespace = event.obj["metadata"].get("namespace", "")
                        found[f"{namespace}/{ref['name']}"] = None

            self.cluster.store.watch("pods", on_pod)
        self._owner_queues[kind] = queue

    def enqueue(self, name: str, key: str) -> None:
        """Ask one controller to look at a key."""
        self._queues[name][key] = None

    def resync(self) -> None:
        """Enqueue what each controller wants to re-check after a restart."""
        for controller in self.controllers:
            for key in controller.resync():
                self._queues[controller.name][key] = None

    def busy(self) -> bool:
        """True while any queue holds work."""
        return any(self._queues.values())

    def settle(self) -> int:
        """Drain every queue until all are empty; returns the number of reconciles.

        The cyclic garbage collector is paused meanwhile: a settle allocates objects that live
        on (pods, events, processes) and leaves almost no cycles behind, so collections during
        it only re-traverse the growing heap (a quarter of a 10,000-pod apply's time)."""
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return self._drain()
        finally:
            if paused:
                gc.enable()

    def _drain(self) -> int:
        done = 0
        while True:
            progressed = False
            for controller in self.controllers:
                queue = self._queues[controller.name]
                while queue:
                    key = queue.popitem(last=False)[0]
                    controller.reconcile(key)
                    done += 1
                    progressed = True
                    if done > self.MAX_RECONCILES:
                        raise EngineError(
                            f"controllers did not settle after {done} reconciles "
                            f"(last: {controller.name} {key})")
            if not progressed:
                return done
