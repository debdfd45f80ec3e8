"""The ReplicaSet controller: keeps `spec.replicas` active pods running for each ReplicaSet.

What kube-controller-manager's `replicaset-controller` does, step for step: it claims pods
(adopting orphans its selector matches, releasing pods whose labels stopped matching, ignoring
pods another controller owns), counts only active ones, creates missing pods in slow-start
batches (1, 2, 4, 8…, at most 500 per sync) and deletes surplus pods in the real deletion order,
then writes status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
observedGeneration, the ReplicaFailure condition).

The real controller keeps "expectations" so it does not act twice on a stale informer cache.
This engine is synchronous: every write is in the store before the next reconcile reads it, so
no expectations are needed. For the same reason a sync need not re-read every pod: each
ReplicaSet's claimed pods and status counts are kept from one sync to the next and only the pods
the watch reported changed are looked at again, so a sync costs O(changes), not O(pods).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from playground.engine.controllers import podutil
from playground.engine.controllers.base import Controller
from playground.engine.errors import APIError
from playground.engine.selectors import Selector, from_label_selector
from playground.engine.store import DELETED, Obj, WatchEvent, deep_copy

BURST_REPLICAS = 500
"""At most this many pods are created or deleted in one sync (the controller's burstReplicas)."""
SLOW_START_INITIAL_BATCH = 1
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}
_RETRY_BASE, _RETRY_MAX = 0.005, 1000.0
_PodFacts = tuple[bool, bool, bool, bool, Any]  # the workqueue's per-item exponential back-off


class _Claimed:
    """One ReplicaSet's controlled pods as of its last sync, with the counts its status needs.

    `marker` is the ReplicaSet's (uid, generation): the facts depend on its selector and
    template, so a new spec or a recreated ReplicaSet starts over from the store."""

    __slots__ = ("active", "claimed", "fully_labeled", "marker", "ready_since", "released")

    def __init__(self, marker: tuple[str, Any]) -> None:
        self.marker = marker
        self.active: dict[str, _PodFacts] = {}
        """Active pods whose controller is this ReplicaSet, by name."""
        self.claimed = 0
        self.fully_labeled = 0
        self.ready_since: Counter[Any] = Counter()
        """Ready claimed pods per Ready lastTransitionTime (None when it has none)."""
        self.released: set[str] = set()
        """Controlled pods the selector no longer matches."""

    def account(self, name: str, facts: _PodFacts, delta: int) -> None:
        if not facts[1]:
            if delta > 0:
                self.released.add(name)
            else:
                self.released.discard(name)
            return
        self.claimed += delta
        if facts[2]:
            self.fully_labeled += delta
        if facts[3]:
            since = self.ready_since
            since[facts[4]] += delta
            if not since[facts[4]]:
                del since[facts[4]]


class ReplicaSetController(Controller):
    """kube-controller-manager's replicaset-controller."""

    name = "replicaset-controller"
    watches = ("replicasets.apps", "pods")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self._failures: dict[str, int] = {}
        # Keys whose next sync must look for orphans to adopt: set by changes that can create
        # one (a ReplicaSet's spec or labels, an ownerless pod) and by a restart. Other syncs
        # skip the selector scan, which keeps a sync O(own pods) in large namespaces.
        self._scan_orphans: set[str] = set()
        self._claimed: dict[str, _Claimed] = {}
        # Pods the watch reported changed since a ReplicaSet's last sync, by ReplicaSet key
        # (only for ReplicaSets whose claimed set is kept; the others start from the store).
        self._changed: dict[str, set[str]] = {}
        # Deletion-ranking facts by pod uid, with the resourceVersion they were read at (a
        # scale-down of N pods ranks the remaining ones in each of its N/500 syncs).
        self._ranking: dict[str, tuple[Any, RankFacts]] = {}

    # -- queueing ---------------------------------------------------------------------------
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        meta = event.obj["metadata"]
        ns = meta.get("namespace", "")
        if event.resource == "replicasets.apps":
            key = f"{ns}/{meta['name']}"
            old = event.old
            if old is None or old.get("spec") != event.obj.get("spec") or \
                    old["metadata"].get("labels") != meta.get("labels"):
                self._scan_orphans.add(key)
            yield key
            return
        if event.type == DELETED:
            self._ranking.pop(meta.get("uid", ""), None)
        refs = [podutil.controller_ref(event.obj)]
        if event.old is not None:
            refs.append(podutil.controller_ref(event.old))
        seen = False
        for ref in refs:
            if ref is not None and ref.get("kind") == "ReplicaSet":
                seen = True
                key = f"{ns}/{ref['name']}"
                changed = self._changed.get(key)
                if changed is not None:
                    changed.add(meta["name"])
                yield key
        if not seen and event.type != DELETED and podutil.controller_ref(event.obj) is None:
            # an orphan: every ReplicaSet whose selector matches may adopt it
            labels = meta.get("labels") or {}
            for rs in self.store.iter("replicasets.apps", ns):
                if _selector(rs).matches(labels):
                    key = f"{ns}/{rs['metadata']['name']}"
                    self._scan_orphans.add(key)
                    yield key

    def resync(self) -> Iterable[str]:
        self._claimed.clear()
        self._changed.clear()
        self._ranking.clear()
        for rs in self.store.list("replicasets.apps"):
            key = f"{rs['metadata']['namespace']}/{rs['metadata']['name']}"
            self._scan_orphans.add(key)
            yield key

    # -- reconcile --------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        rs = self.store.get("replicasets.apps", namespace, name)
        if rs is None:
            self._failures.pop(key, None)
            self._claimed.pop(key, None)
            self._changed.pop(key, None)
            return
        state = self._claim(rs, adopt=key in self._scan_orphans)
        self._scan_orphans.discard(key)
        observed = state.claimed
        fully_labeled, ready_since = state.fully_labeled, dict(state.ready_since)
        error: APIError | None = None
        if not rs["metadata"].get("deletionTimestamp"):
            diff = observed - podutil_replicas(rs)
            if diff < 0:
                error = self._create_pods(rs, min(-diff, BURST_REPLICAS))
            elif diff > 0:
                error = self.manage_replicas(rs, self._claimed_pods(rs, state))
        if error is None:
            self._failures.pop(key, None)
        else:
            tries = self._failures.get(key, 0)
            self._failures[key] = tries + 1
            self.wake_after(min(_RETRY_BASE * 2 ** tries, _RETRY_MAX), key)
        current = self.store.get("replicasets.apps", namespace, name) or rs
        self._update_status(current, fully_labeled, ready_since, error, observed)

    def claim_pods(self, rs: Obj, *, adopt: bool = True) -> list[Obj]:
        """Active pods this ReplicaSet controls, after releasing and (when `adopt`)
        adopting (ClaimPods), in name order."""
        return self._claimed_pods(rs, self._claim(rs, adopt=adopt))

    def _claimed_pods(self, rs: Obj, state: _Claimed) -> list[Obj]:
        namespace = rs["metadata"]["namespace"]
        found = []
        for pod_name, facts in state.active.items():
            if facts[1]:
                pod = self.store.get("pods", namespace, pod_name)
                if pod is not None:
                    found.append(pod)
        return sorted(found, key=_name)

    def _claim(self, rs: Obj, *, adopt: bool) -> _Claimed:
        """Bring the kept claimed set up to date, release pods the selector stopped matching
        and (when `adopt`) adopt matching orphans."""
        meta = rs["metadata"]
        uid, namespace, name = meta["uid"], meta["namespace"], meta["name"]
        key = f"{namespace}/{name}"
        selector = _selector(rs)
        marker = (uid, meta.get("generation"))
        state = self._claimed.get(key)
        changed = self._changed.get(key)
        if state is None or state.marker != marker or changed is None:
            state = self._claimed[key] = _Claimed(marker)
            names = [pod["metadata"]["name"] for resource, pod in
                     self.store.iter_dependents(uid) if resource == "pods"]
        else:
            names = list(changed)
        self._changed[key] = set()
        for pod_name in names:
            self._refresh(rs, selector, state, pod_name)
        for pod_name in sorted(state.released):
            pod = self.store.get("pods", namespace, pod_name)
            if pod is not None:
                self._release(rs, pod)
        if not adopt or meta.get("deletionTimestamp") or selector.empty():
            return state
        for pod in self.store.iter("pods", namespace, selector):
            pod_name = pod["metadata"]["name"]
            facts = state.active.get(pod_name)
            if (facts is not None and facts[1]) or podutil.controller_ref(pod) is not None:
                continue
            if podutil.is_active(pod):
                adopted = self._adopt(rs, pod)
                self._forget(state, pod_name)
                self._remember(rs, selector, state, adopted)
        return state

    def _refresh(self, rs: Obj, selector: Selector, state: _Claimed, pod_name: str) -> None:
        self._forget(state, pod_name)
        pod = self.store.get("pods", rs["metadata"]["namespace"], pod_name)
        if pod is not None:
            self._remember(rs, selector, state, pod)

    @staticmethod
    def _forget(state: _Claimed, pod_name: str) -> None:
        old = state.active.pop(pod_name, None)
        if old is not None:
            state.account(pod_name, old, -1)

    def _remember(self, rs: Obj, selector: Selector, state: _Claimed, pod: Obj) -> None:
        facts = self._pod_facts(rs, selector, pod)
        if facts[0]:
            pod_name = pod["metadata"]["name"]
            state.active[pod_name] = facts
            state.account(pod_name, facts, 1)

    @staticmethod
    def _pod_facts(rs: Obj, selector: Selector, pod: Obj) -> _PodFacts:
        """(active and controlled by `rs`, selector matches, fully labeled, Ready,
        Ready's lastTransitionTime)."""
        ref = podutil.controller_ref(pod)
        owned = podutil.is_active(pod) and ref is not None and \
            ref.get("uid") == rs["metadata"]["uid"]
        labels = pod["metadata"].get("labels") or {}
        template = rs["spec"].get("template") or {}
        wanted = (template.get("metadata") or {}).get("labels") or {}
        cond = podutil.condition(pod, "Ready")
        ready = bool(cond and cond.get("status") == "True")
        return (owned, selector.matches(labels),
                all(labels.get(k) == v for k, v in wanted.items()), ready,
                (cond or {}).get("lastTransitionTime") if ready else None)

    def _adopt(self, rs: Obj, pod: Obj) -> Obj:
        updated = deep_copy(pod)
        refs = list(updated["metadata"].get("ownerReferences") or [])
        refs.append(podutil.owner_reference(rs))
        updated["metadata"]["ownerReferences"] = refs
        return self.api.update(updated, self.actor, reason=f"adopted by ReplicaSet "
                                                           f"{rs['metadata']['name']}")

    def _release(self, rs: Obj, pod: Obj) -> None:
        updated = deep_copy(pod)
        uid = rs["metadata"]["uid"]
        refs = [r for r in updated["metadata"].get("ownerReferences") or []
                if r.get("uid") != uid]
        if refs:
            updated["metadata"]["ownerReferences"] = refs
        else:
            updated["metadata"].pop("ownerReferences", None)
        self.api.update(updated, self.actor, reason=f"released by ReplicaSet "
                                                    f"{rs['metadata']['name']}")

    def manage_replicas(self, rs: Obj, pods: list[Obj]) -> APIError | None:
        """Create or delete pods towards spec.replicas; returns the first failure."""
        diff = len(pods) - podutil_replicas(rs)
        if diff < 0:
            return self._create_pods(rs, min(-diff, BURST_REPLICAS))
        if diff > 0:
            victims = pods_to_delete(pods, self._related_pods(rs, pods),
                                     min(diff, BURST_REPLICAS), self.clock.now, self.clock,
                                     self._rank_facts)
            return self._delete_pods(rs, victims)
        return None

    def _rank_facts(self, pod: Obj) -> RankFacts:
        """A pod's deletion-ranking facts, kept while its resourceVersion stays the same."""
        meta = pod["metadata"]
        uid, version = meta.get("uid", ""), meta.get("resourceVersion")
        kept = self._ranking.get(uid)
        if kept is not None and kept[0] == version:
            return kept[1]
        facts = rank_facts(pod, self.clock)
        self._ranking[uid] = (version, facts)
        return facts

    def _create_pods(self, rs: Obj, count: int) -> APIError | None:
        meta = rs["metadata"]
        template = rs["spec"].get("template") or {}
        batch = min(count, SLOW_START_INITIAL_BATCH)
        remaining = count
        while batch > 0:
            error: APIError | None = None
            for _ in range(batch):
                pod = podutil.pod_from_template(template, namespace=meta["namespace"], owner=rs,
                                                generate_name=f"{meta['name']}-")
                try:
                    created = self.api.create(pod, self.actor, copy=False)
                except APIError as exc:
                    self.recorder.record(rs, "Warning", "FailedCreate",
                                         f"Error creating: {exc}", component=self.name)
                    error = error or exc
                    continue
                self.recorder.record(rs, "Normal", "SuccessfulCreate",
                                     f"Created pod: {created['metadata']['name']}",
                                     component=self.name)
            if error is not None:
                return error  # the rest of the slow start is skipped until the next sync
            remaining -= batch
            batch = min(2 * batch, remaining)
        return None

    def _delete_pods(self, rs: Obj, victims: list[Obj]) -> APIError | None:
        first: APIError | None = None
        for pod in victims:
            pod_name = pod["metadata"]["name"]
            try:
                self.api.delete("pods", pod["metadata"]["namespace"], pod_name, self.actor)
            except APIError as exc:
                if exc.reason == "NotFound":
                    continue
                self.recorder.record(rs, "Warning", "FailedDelete", f"Error deleting: {exc}",
                                     component=self.name)
                first = first or exc
                continue
            self.recorder.record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod_name}",
                                 component=self.name)
        return first

    def _related_pods(self, rs: Obj, own: list[Obj]) -> list[Obj]:
        """Pods of every ReplicaSet that shares this one's controller (the Deployment's other
        revisions), for the "more pods on the same node" rule (which counts the active ones),
        in no particular order."""
        ref = podutil.controller_ref(rs)
        if ref is None:
            return own
        related: dict[str, Obj] = {}
        for _, sibling in self.store.iter_dependents(ref["uid"]):
            if sibling.get("kind") != "ReplicaSet":
                continue
            for resource, pod in self.store.iter_dependents(sibling["metadata"]["uid"]):
                if resource == "pods":
                    related[pod["metadata"]["name"]] = pod
        return list(related.values())

    # -- status -----------------------------------------------------------------------------
    def _update_status(self, rs: Obj, fully_labeled: int, ready_since: dict[Any, int],
                       error: APIError | None, observed: int) -> None:
        spec = rs["spec"]
        min_ready = int(spec.get("minReadySeconds") or 0)
        ready = available = 0
        soonest: float | None = None
        now = self.clock.now
        for stamp, count in ready_since.items():
            since = self.clock.seconds_at(stamp) if stamp else now
            wait = max(0.0, since + min_ready - now) if min_ready > 0 else 0.0
            ready += count
            if wait <= 1e-9:
                available += count
            elif soonest is None or wait < soonest:
                soonest = wait
        if soonest is not None:
            self.wake_after(soonest, f"{rs['metadata']['namespace']}/{rs['metadata']['name']}")
        old = rs.get("status") or {}
        status: dict[str, Any] = {"replicas": observed}
        for field, value in (("fullyLabeledReplicas", fully_labeled),
                             ("readyReplicas", ready), ("availableReplicas", available),
                             ("observedGeneration", int(rs["metadata"].get("generation") or 0))):
            if value:
                status[field] = value
        conditions = [dict(c) for c in old.get("conditions") or ()]
        failure = next((c for c in conditions if c.get("type") == "ReplicaFailure"), None)
        if error is not None and failure is None:
            reason = "FailedCreate" if observed < podutil_replicas(rs) else "FailedDelete"
            conditions.append({"type": "ReplicaFailure", "status": "True",
                               "lastTransitionTime": self.clock.timestamp(),
                               "reason": reason, "message": str(error)})
        elif error is None and failure is not None:
            conditions.remove(failure)
        if conditions:
            status["conditions"] = conditions
        if status != old:
            self.api.update_status(dict(rs, status=status), self.actor)


def podutil_replicas(rs: Obj) -> int:
    """spec.replicas of a ReplicaSet (1 when unset)."""
    value = rs["spec"].get("replicas")
    return 1 if value is None else int(value)


def _selector(rs: Obj) -> Selector:
    return from_label_selector((rs.get("spec") or {}).get("selector"))


def _name(pod: Obj) -> str:
    return str(pod["metadata"]["name"])


# -- deletion ranking ---------------------------------------------------------------------------

class RankFacts(NamedTuple):
    """What the deletion ranking reads from one pod, except the time buckets (they depend on
    the instant of the sync) and the count of related pods on its node (it changes as they
    go). Kept per pod between syncs, by uid and resourceVersion."""

    assigned: bool
    phase: int
    ready: bool
    cost: int
    node: str
    ready_at: float | None
    restarts: int
    created_at: float | None
    uid: str
    name: str


def rank_facts(pod: Obj, clock: Any) -> RankFacts:
    """The ranking facts of one pod."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    node = spec.get("nodeName") or ""
    try:
        cost = int(podutil_annotation(pod, DELETION_COST) or 0)
    except ValueError:
        cost = 0
    restartable = {c.get("name") for c in spec.get("initContainers") or ()
                   if c.get("restartPolicy") == "Always"}
    restarts = [int(s.get("restartCount") or 0) for s in status.get("containerStatuses") or ()]
    restarts += [int(s.get("restartCount") or 0)
                 for s in status.get("initContainerStatuses") or ()
                 if s.get("name") in restartable]
    ready = podutil.is_ready(pod)
    ready_cond = podutil.condition(pod, "Ready")
    ready_stamp = (ready_cond or {}).get("lastTransitionTime") if ready else None
    meta = pod["metadata"]
    created = meta.get("creationTimestamp")
    return RankFacts(bool(node), _PHASE_ORDINAL.get(status.get("phase", ""), 0), ready, cost,
                     node, clock.seconds_at(ready_stamp) if ready_stamp else None,
                     max(restarts, default=0), clock.seconds_at(created) if created else None,
                     meta.get("uid", ""), str(meta["name"]))


def pods_to_delete(pods: list[Obj], related: list[Obj], count: int, now: float,
                   clock: Any, facts_of: Callable[[Obj], RankFacts] | None = None
                   ) -> list[Obj]:
    """The `count` pods a ReplicaSet deletes first (getPodsToDelete): all of them when
    `count` covers every pod, otherwise the first `count` in ActivePodsWithRanks order
    (LogarithmicScaleDown on): unscheduled < scheduled; Pending < Unknown < Running; not
    ready < ready; lower pod-deletion-cost; more related pods on the same node; ready for
    less time; more restarts; newer; then name.

    Only the `count` first are selected, not every pod sorted, and `facts_of` may hand out
    facts kept from earlier syncs. The order is a total one: where the pairwise rules of the
    real controller contradict each other (a newer ready time in the same age bucket orders
    by uid, an equal one falls through to restarts and creation), pods with equal times stand
    together, placed by the least uid among them."""
    if count >= len(pods):
        return list(pods)
    of = facts_of or (lambda pod: rank_facts(pod, clock))
    on_node = _pods_per_node(related)
    facts = [of(pod) for pod in pods]
    primary = [(f.assigned, f.phase, f.ready, f.cost, -on_node.get(f.node, 0), f.name)
               for f in facts]
    first = heapq.nsmallest(count, range(len(pods)), key=primary.__getitem__)
    cut = primary[first[-1]][:5]
    before = [i for i in first if primary[i][:5] < cut]
    group = [i for i, key in enumerate(primary) if key[:5] == cut]
    group = heapq.nsmallest(count - len(before), group,
                            key=_secondary_keys(facts, group, now).__getitem__)
    return [pods[i] for i in before] + [pods[i] for i in group]


_NO_TIME = -math.inf


def _secondary_keys(facts: list[RankFacts], group: list[int], now: float
                    ) -> dict[int, tuple[Any, ...]]:
    """Rules 6–8 as a sort key for the pods of one group of equals under rules 1–5: the age
    bucket of the ready time, pods of equal ready time placed by their least uid, more
    restarts, the age bucket of the creation time, pods of equal creation time placed by
    their least uid, name."""
    buckets: dict[float | None, float] = {None: _NO_TIME}

    def bucket(at: float | None) -> float:
        found = buckets.get(at)
        if found is None:
            found = buckets[at] = _log_rank(at, now)  # type: ignore[arg-type]
        return found

    least: dict[Any, str] = {}
    ready_keys: dict[int, tuple[Any, Any]] = {}
    for i in group:
        f = facts[i]
        if f.ready:
            ready = (bucket(f.ready_at), f.ready_at)
            uid = least.get(ready)
            if uid is None or f.uid < uid:
                least[ready] = f.uid
        else:
            ready = (0, None)
        ready_keys[i] = ready
    created_least: dict[Any, str] = {}
    partial: dict[int, tuple[Any, ...]] = {}
    for i in group:
        f = facts[i]
        ready = ready_keys[i]
        head = (ready[0], least.get(ready, ""), -f.restarts, bucket(f.created_at))
        partial[i] = head
        created = (head, f.created_at)
        uid = created_least.get(created)
        if uid is None or f.uid < uid:
            created_least[created] = f.uid
    return {i: partial[i] + (created_least[(partial[i], facts[i].created_at)], facts[i].name)
            for i in group}


def _pods_per_node(related: list[Obj]) -> dict[str, int]:
    on_node: dict[str, int] = {}
    for pod in related:
        if podutil.is_active(pod):
            node = (pod.get("spec") or {}).get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    return on_node


def podutil_annotation(pod: Obj, key: str) -> str | None:
    """One annotation of a pod."""
    return (pod["metadata"].get("annotations") or {}).get(key)


def _log_rank(at: float, now: float) -> int:
    """floor(log2(age in nanoseconds)), -1 for no age: the LogarithmicScaleDown bucket."""
    age = (now - at) * 1e9
    return int(math.log2(age)) if age > 0 else -1
