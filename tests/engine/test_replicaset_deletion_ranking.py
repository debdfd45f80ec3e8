"""The ReplicaSet's deletion selection (`pods_to_delete`) against the former full sort.

`pods_to_delete` picks only the `count` first pods from facts kept between syncs; the former
implementation (kept here as the reference) ranked every pod with the pairwise comparator on
each sync. Where that comparator is a consistent order on the pods (it is not always: a ready
time in the same age bucket orders by uid while an equal one falls through to restarts, so
three pods can form a cycle), both must pick the same pods in the same order.
"""

from __future__ import annotations

from functools import cmp_to_key
from itertools import permutations
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from playground.engine.clock import Clock
from playground.engine.controllers import podutil
from playground.engine.controllers.replicaset import (
    _PHASE_ORDINAL,
    DELETION_COST,
    _log_rank,
    _pods_per_node,
    pods_to_delete,
    podutil_annotation,
    rank_facts,
)
from playground.engine.store import Obj

CLOCK = Clock()
NOW = 1800.0


# -- the former implementation: every pod's facts and a pairwise comparator ---------------

def _primary(facts: dict[str, Any]) -> tuple[bool, int, bool, int, int]:
    """Rules 1–5 as a sort key: unassigned, phase, not ready, low cost, crowded node first."""
    return (facts["assigned"], facts["phase"], facts["ready"], facts["cost"], -facts["rank"])


def _deletion_facts(pod: Obj, on_node: dict[str, int], clock: Any) -> dict[str, Any]:
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
    created = pod["metadata"].get("creationTimestamp")
    return {
        "assigned": bool(node),
        "phase": _PHASE_ORDINAL.get(status.get("phase", ""), 0),
        "ready": ready,
        "cost": cost,
        "rank": on_node.get(node, 0),
        "ready_at": clock.seconds_at(ready_stamp) if ready_stamp else None,
        "restarts": max(restarts, default=0),
        "created_at": clock.seconds_at(created) if created else None,
        "uid": pod["metadata"].get("uid", ""),
    }


def _compare_times(a: float | None, b: float | None, uid_a: str, uid_b: str,
                   now: float) -> int:
    """Newer first; zero times first; times in the same power-of-two age bucket by uid."""
    if a is None or b is None:
        return -1 if a is None else 1
    diff = _log_rank(a, now) - _log_rank(b, now)
    if diff == 0:
        return -1 if uid_a < uid_b else (1 if uid_a > uid_b else 0)
    return -1 if diff < 0 else 1


def _compare(a: dict[str, Any], b: dict[str, Any], now: float) -> int:
    if a["assigned"] != b["assigned"]:
        return -1 if not a["assigned"] else 1
    if a["phase"] != b["phase"]:
        return -1 if a["phase"] < b["phase"] else 1
    if a["ready"] != b["ready"]:
        return -1 if not a["ready"] else 1
    if a["cost"] != b["cost"]:
        return -1 if a["cost"] < b["cost"] else 1
    if a["rank"] != b["rank"]:
        return -1 if a["rank"] > b["rank"] else 1
    if a["ready"] and b["ready"] and a["ready_at"] != b["ready_at"]:
        return _compare_times(a["ready_at"], b["ready_at"], a["uid"], b["uid"], now)
    if a["restarts"] != b["restarts"]:
        return -1 if a["restarts"] > b["restarts"] else 1
    if a["created_at"] != b["created_at"]:
        return _compare_times(a["created_at"], b["created_at"], a["uid"], b["uid"], now)
    return 0



def reference_pods_to_delete(pods: list[Obj], related: list[Obj], count: int,
                             now: float) -> list[Obj]:
    """The implementation before the kept facts: every pod's facts, a full sort."""
    if count >= len(pods):
        return list(pods)
    on_node = _pods_per_node(related)
    facts = {id(pod): _deletion_facts(pod, on_node, CLOCK) for pod in pods}
    ordered = sorted(sorted(pods, key=lambda p: p["metadata"]["name"]),
                     key=lambda p: _primary(facts[id(p)]))
    cut = _primary(facts[id(ordered[count - 1])])
    before = [p for p in ordered if _primary(facts[id(p)]) < cut]
    group = [p for p in ordered if _primary(facts[id(p)]) == cut]

    def compare(a: Obj, b: Obj) -> int:
        return _compare(facts[id(a)], facts[id(b)], now)

    return before + sorted(group, key=cmp_to_key(compare))[:count - len(before)]


def stamp(second: int) -> str:
    return CLOCK.timestamp(float(second))


@st.composite
def pod_sets(draw: Any) -> tuple[list[Obj], list[Obj]]:
    n = draw(st.integers(1, 9))
    uids = draw(st.lists(st.text("0123456789abcdef", min_size=1, max_size=3),
                         min_size=n, max_size=n, unique=True))
    # times close together (equal instants, one bucket) and far apart (several buckets)
    times = st.sampled_from([0, 1, 2, 900, 1000, 1001, 1700, 1790, 1799, 1800, 1900])
    pods = []
    for i in range(n):
        phase = draw(st.sampled_from(["Pending", "Running", "Unknown", "Running"]))
        meta: dict[str, Any] = {"name": f"p{draw(st.integers(0, 99)):02d}-{i}", "uid": uids[i]}
        if draw(st.integers(0, 9)):
            meta["creationTimestamp"] = stamp(draw(times))
        cost = draw(st.sampled_from([None, None, "-3", "0", "7", "bad"]))
        if cost is not None:
            meta["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": cost}
        status: dict[str, Any] = {"phase": phase, "containerStatuses": [
            {"name": "c", "restartCount": draw(st.sampled_from([0, 0, 1, 3]))}]}
        ready = draw(st.sampled_from(["True", "True", "False", None]))
        if ready is not None:
            cond: dict[str, Any] = {"type": "Ready", "status": ready}
            if draw(st.integers(0, 9)):
                cond["lastTransitionTime"] = stamp(draw(times))
            status["conditions"] = [cond]
        spec = {"nodeName": draw(st.sampled_from(["", "n1", "n2", "n3"]))}
        pods.append({"metadata": meta, "spec": spec, "status": status})
    extra = [{"metadata": {"name": f"x{i}", "uid": f"x{i}"},
              "spec": {"nodeName": node}, "status": {"phase": "Running"}}
             for i, node in enumerate(draw(st.lists(st.sampled_from(["n1", "n2", "n3"]),
                                                    max_size=4)))]
    return sorted(pods, key=lambda p: p["metadata"]["name"]), pods + extra


def consistent(pods: list[Obj], related: list[Obj]) -> bool:
    """Whether the pairwise comparator is a strict weak order on `pods`."""
    on_node = _pods_per_node(related)
    facts = [_deletion_facts(pod, on_node, CLOCK) for pod in pods]
    for a, b, c in permutations(facts, 3):
        ab, bc, ac = _compare(a, b, NOW), _compare(b, c, NOW), _compare(a, c, NOW)
        if ab < 0 and bc < 0 and ac >= 0:
            return False
        if ab == 0 and bc == 0 and ac != 0:
            return False
        if (ab == 0 and bc < 0 and ac >= 0) or (ab < 0 and bc == 0 and ac >= 0):
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(pod_sets(), st.integers(1, 9))
def test_selection_matches_the_full_sort(case: tuple[list[Obj], list[Obj]], count: int) -> None:
    pods, related = case
    assume(len({p["metadata"]["name"] for p in pods}) == len(pods))
    assume(consistent(pods, related))
    expected = reference_pods_to_delete(pods, related, count, NOW)
    assert pods_to_delete(pods, related, count, NOW, CLOCK) == expected
    kept = {p["metadata"]["uid"]: rank_facts(p, CLOCK) for p in pods}
    assert pods_to_delete(pods, related, count, NOW, CLOCK,
                          lambda p: kept[p["metadata"]["uid"]]) == expected


def test_pods_of_equal_ready_time_stand_together() -> None:
    """The contradicting case: b and c share a ready time, a's is newer in the same bucket
    and its uid falls between theirs. The selection places b and c by their least uid."""
    def pod(name: str, uid: str, ready: int, restarts: int) -> Obj:
        return {"metadata": {"name": name, "uid": uid, "creationTimestamp": stamp(0)},
                "spec": {"nodeName": "n1"},
                "status": {"phase": "Running",
                           "containerStatuses": [{"name": "c", "restartCount": restarts}],
                           "conditions": [{"type": "Ready", "status": "True",
                                           "lastTransitionTime": stamp(ready)}]}}
    a, b, c = pod("a", "u5", 1001, 0), pod("b", "u1", 1000, 0), pod("c", "u9", 1000, 4)
    assert not consistent([a, b, c], [a, b, c])
    # c restarted more than b: first of the pair; the pair's least uid u1 precedes a's u5
    assert pods_to_delete([a, b, c], [a, b, c], 2, NOW, CLOCK) == [c, b]
