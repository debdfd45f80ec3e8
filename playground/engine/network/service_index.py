"""Which Services select a pod, answered without looking at every Service of its namespace.

The EndpointSlice and Endpoints controllers ask this on every pod write. A scan of the
namespace's Services (what `services_selecting` does) costs a list and a selector check per
Service per write, even when no Service selects anything, so each controller keeps a
`ServiceSelectorIndex`: the Services that have a selector, by namespace, each filed under one
label pair of its selector (a pod can only match if it carries that pair). Answers come in the
store's own order of the namespace's Services (most recently written last), so callers yield
exactly the keys a scan would have, in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playground.engine.store import DELETED, Store, WatchEvent

_Selector = Mapping[str, Any]


class _Namespace:
    """The selecting Services of one namespace."""

    __slots__ = ("by_pair", "services", "unfiled")

    def __init__(self) -> None:
        self.services: dict[str, tuple[int, _Selector]] = {}
        """name -> (write order, selector)."""
        self.by_pair: dict[tuple[str, Any], set[str]] = {}
        self.unfiled: set[str] = set()
        """Services whose selector has no hashable pair to be filed under (never valid, kept
        for exactness)."""


class ServiceSelectorIndex:
    """Services with a non-empty `spec.selector`, kept up to date from a watch on Services.

    Built from the store on first use (so objects loaded without announcement, on restore, are
    seen); every Service write after that is applied as the store announces it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._namespaces: dict[str, _Namespace] | None = None
        self._order = 0
        store.watch("services", self._on_service)

    # -- queries --------------------------------------------------------------------------
    def any_in(self, namespace: str) -> bool:
        """Whether some Service of the namespace has a selector."""
        found = self._index().get(namespace)
        return found is not None and bool(found.services)

    def selecting(self, namespace: str, labels: Mapping[str, str] | None) -> list[str]:
        """Names of the namespace's Services whose selector matches `labels`, in store order."""
        found = self._index().get(namespace)
        if found is None or not found.services:
            return []
        labels = labels or {}
        services = found.services
        matched: list[tuple[int, str]] = []
        by_pair = found.by_pair
        for pair in labels.items():
            names = by_pair.get(pair)
            if names:
                for name in names:
                    order, selector = services[name]
                    if _matches(selector, labels):
                        matched.append((order, name))
        for name in found.unfiled:
            order, selector = services[name]
            if _matches(selector, labels):
                matched.append((order, name))
        if len(matched) > 1:
            matched.sort()
        return [name for _, name in matched]

    # -- upkeep ---------------------------------------------------------------------------
    def _index(self) -> dict[str, _Namespace]:
        if self._namespaces is None:
            self._namespaces = {}
            namespaces = dict.fromkeys(svc["metadata"].get("namespace", "")
                                       for svc in self.store.iter("services"))
            for namespace in sorted(namespaces):
                for svc in self.store.iter("services", namespace):
                    self._file(namespace, svc["metadata"]["name"], svc)
        return self._namespaces

    def _on_service(self, event: WatchEvent) -> None:
        if self._namespaces is None:
            return
        meta = event.obj["metadata"]
        namespace = meta.get("namespace", "")
        self._unfile(namespace, meta["name"])
        if event.type != DELETED:
            self._file(namespace, meta["name"], event.obj)

    def _file(self, namespace: str, name: str, svc: Mapping[str, Any]) -> None:
        assert self._namespaces is not None
        # written (or loaded) last: the store's namespace table holds it at its end too
        self._order += 1
        selector = (svc.get("spec") or {}).get("selector")
        if not selector or not isinstance(selector, Mapping):
            return
        found = self._namespaces.setdefault(namespace, _Namespace())
        found.services[name] = (self._order, selector)
        for pair in selector.items():
            try:
                hash(pair)
            except TypeError:
                continue
            found.by_pair.setdefault(pair, set()).add(name)
            return
        found.unfiled.add(name)

    def _unfile(self, namespace: str, name: str) -> None:
        assert self._namespaces is not None
        found = self._namespaces.get(namespace)
        if found is None:
            return
        entry = found.services.pop(name, None)
        if entry is None:
            return
        found.unfiled.discard(name)
        for pair in entry[1].items():
            try:
                names = found.by_pair.get(pair)
            except TypeError:
                continue
            if names is not None:
                names.discard(name)
                if not names:
                    del found.by_pair[pair]
            break
        if not found.services:
            del self._namespaces[namespace]


def _matches(selector: _Selector, labels: Mapping[str, str]) -> bool:
    for key, value in selector.items():
        if labels.get(key) != value:
            return False
    return True
