"""The kubelet's table of running container instances, indexed by pod.

The kubelet and the network layer look instances up by `(pod key, container name)`; deleting a
pod or seeing it finish needs every instance of *one* pod. A flat dict answers the first in
O(1) but the second only by looking at every instance in the cluster, which made deleting a
100,000-pod Deployment quadratic. `WorkloadTable` is that flat dict with each pod's container
names kept beside it, in the order the flat dict holds them, so `of_pod` costs what the pod has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Self, overload

if TYPE_CHECKING:
    from playground.engine.kubelet.workload import Workload

InstanceKey = tuple[str, str]
"""(pod key `namespace/name`, container name)"""

_MISSING: Any = object()


class WorkloadTable(dict[InstanceKey, "Workload"]):
    """Running container instances by (pod key, container name), with a per-pod index.

    Every way of changing the dict keeps the index; reading it is the plain dict's.
    """

    __slots__ = ("_by_pod",)

    def __init__(self) -> None:
        super().__init__()
        # pod key -> its container names, in the flat dict's order (a dict as an ordered set)
        self._by_pod: dict[str, dict[str, None]] = {}

    # -- the index ------------------------------------------------------------------------
    def of_pod(self, pod_key: str) -> list[InstanceKey]:
        """The keys of one pod's instances, in the order the table holds them."""
        names = self._by_pod.get(pod_key)
        return [(pod_key, name) for name in names] if names else []

    def pods(self) -> Iterator[str]:
        """Keys of the pods that have at least one instance."""
        return iter(self._by_pod)

    def _add(self, key: InstanceKey) -> None:
        names = self._by_pod.get(key[0])
        if names is None:
            names = self._by_pod[key[0]] = {}
        names[key[1]] = None

    def _drop(self, key: InstanceKey) -> None:
        names = self._by_pod.get(key[0])
        if names is not None:
            names.pop(key[1], None)
            if not names:
                del self._by_pod[key[0]]

    # -- dict mutators, each keeping the index --------------------------------------------
    def __setitem__(self, key: InstanceKey, work: Workload) -> None:
        if key not in self:
            self._add(key)
        super().__setitem__(key, work)

    def __delitem__(self, key: InstanceKey) -> None:
        super().__delitem__(key)
        self._drop(key)

    @overload
    def pop(self, key: InstanceKey) -> Workload: ...

    @overload
    def pop(self, key: InstanceKey, default: Any) -> Any: ...

    def pop(self, key: InstanceKey, default: Any = _MISSING) -> Any:
        if key in self:
            self._drop(key)
            return super().pop(key)
        if default is _MISSING:
            raise KeyError(key)
        return default

    def popitem(self) -> tuple[InstanceKey, Workload]:
        key, work = super().popitem()
        self._drop(key)
        return key, work

    def setdefault(self, key: InstanceKey, default: Workload | None = None) -> Workload:
        if key not in self:
            self[key] = default  # type: ignore[assignment]
        return self[key]

    def update(self, *others: Mapping[InstanceKey, Workload] |  # type: ignore[override]
               Iterable[tuple[InstanceKey, Workload]], **kwargs: Workload) -> None:
        if kwargs:
            raise TypeError("WorkloadTable keys are (pod key, container name) tuples")
        for other in others:
            pairs = other.items() if isinstance(other, Mapping) else other
            for key, work in pairs:
                self[key] = work

    def clear(self) -> None:
        super().clear()
        self._by_pod.clear()

    def __ior__(self, other: Any) -> Self:  # type: ignore[override, misc]
        self.update(other)
        return self

    def copy(self) -> dict[InstanceKey, Workload]:  # type: ignore[override]
        """A plain dict of the same entries."""
        return dict(self)
