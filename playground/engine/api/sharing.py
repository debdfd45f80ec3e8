"""Structural sharing: equal read-only parts of stored objects held once.

A Deployment of 100,000 replicas stores 100,000 pods whose `spec.containers`, tolerations,
labels and ownerReferences are equal, and whose status conditions mostly are too (the same
types flipped at the same few instants). Stored objects are read-only by the store's ownership
rule, so the API server can hand every pod the same instance of each equal part instead of a
copy each. This module owns the table of those instances.

Two values are "equal" here only when they would serialise identically: same types (`True` is
not `1`, `1.0` is not `1`), same key order. Their pickles say exactly that, and pickling is
done in C (several times faster than `repr` on a pod spec), so the pickle is the key.

The table is bounded: when full, the older half is forgotten. A forgotten instance stays shared
by the objects that hold it; only later equal values start a new instance.
"""

from __future__ import annotations

import pickle
from itertools import islice
from typing import Any

JSON = dict[str, Any]

DEFAULT_LIMIT = 4096

_CONTAINERS = (dict, list)


class SharedValues:
    """Hands out one instance per distinct JSON value seen recently."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._values: dict[bytes, Any] = {}

    def __len__(self) -> int:
        return len(self._values)

    def share(self, value: Any) -> Any:
        """The instance held for values equal to `value` (`value` itself the first time; the
        caller must then treat it as read-only like any stored part)."""
        try:
            key = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return value
        found = self._values.get(key)
        if found is not None:
            return found
        if len(self._values) >= self.limit:
            for old in list(islice(self._values, self.limit // 2)):
                del self._values[old]
        self._values[key] = value
        return value

    def share_pod(self, pod: JSON, *, spec: bool) -> None:
        """Replace a pod's template-given parts (labels, ownerReferences, and with `spec` each
        dict or list in its spec, then the spec itself: pods of one template on one node have
        equal specs) and its status's per-instant parts (conditions, container states, host
        IPs) by their shared instances. `pod` must be a dict the caller hands to the store (its
        own top levels are changed in place; its spec too when `spec` is set)."""
        meta = pod.get("metadata")
        if type(meta) is dict:
            for key in ("labels", "ownerReferences"):
                value = meta.get(key)
                if value:
                    meta[key] = self.share(value)
        pod_spec = pod.get("spec")
        if spec and type(pod_spec) is dict:
            for key, value in pod_spec.items():
                if type(value) in _CONTAINERS and value:
                    pod_spec[key] = self.share(value)
            pod["spec"] = self.share(pod_spec)
        status = pod.get("status")
        if type(status) is dict:
            self.share_pod_status(status)

    def share_pod_spec(self, pod: JSON) -> None:
        """Replace a pod's whole spec by its shared instance (for a spec whose parts are shared
        already, such as the scheduler's binding `dict(spec, nodeName=…)`)."""
        pod_spec = pod.get("spec")
        if type(pod_spec) is dict:
            pod["spec"] = self.share(pod_spec)

    def share_pod_status(self, status: JSON) -> None:
        """Share the per-instant parts of a pod status the caller hands to the store."""
        conditions = status.get("conditions")
        if type(conditions) is list and conditions:
            status["conditions"] = [self.share(c) for c in conditions]
        host_ips = status.get("hostIPs")
        if type(host_ips) is list and host_ips:
            status["hostIPs"] = self.share(host_ips)
        for key in ("containerStatuses", "initContainerStatuses"):
            statuses = status.get(key)
            if type(statuses) is list and statuses:
                status[key] = [self._share_container_status(s) for s in statuses]

    def _share_container_status(self, container: Any) -> Any:
        if type(container) is not dict:
            return container
        state, last = container.get("state"), container.get("lastState")
        shared_state = self.share(state) if type(state) is dict else state
        shared_last = self.share(last) if type(last) is dict else last
        if shared_state is state and shared_last is last:
            return container
        copied = dict(container)
        if "state" in copied:
            copied["state"] = shared_state
        if "lastState" in copied:
            copied["lastState"] = shared_last
        return copied
