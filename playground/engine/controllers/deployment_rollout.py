"""How a Deployment moves pods between its ReplicaSets: RollingUpdate, Recreate and
proportional scaling.

These are the strategy halves of `pkg/controller/deployment` (rolling.go, recreate.go and the
`scale` part of sync.go). Each function takes the controller (for its writes and events) and the
Deployment being synced; the arithmetic they rest on is in `deployment_util`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from playground.engine.controllers import deployment_util as du
from playground.engine.controllers import podutil
from playground.engine.store import Obj

if TYPE_CHECKING:
    from playground.engine.controllers.deployment import DeploymentController


def new_rs_new_replicas(deployment: Obj, all_rss: list[Obj], new_rs: Obj) -> int:
    """The size the new ReplicaSet may grow to now (NewRSNewReplicas)."""
    desired = du.replicas_of(deployment)
    if not du.is_rolling_update(deployment):
        return desired
    current = du.replicas_of(new_rs)
    max_total = desired + du.max_surge(deployment)
    pods = du.spec_sum(all_rss)
    if pods >= max_total:
        return current
    return current + min(max_total - pods, desired - current)


# -- RollingUpdate ------------------------------------------------------------------------------

def rollout_rolling(ctl: DeploymentController, d: Obj, rs_list: list[Obj]) -> None:
    """One RollingUpdate sync: scale the new ReplicaSet up, else old ones down, then status."""
    new_rs, old_rss = ctl.get_all_replica_sets(d, rs_list, create=True)
    if new_rs is None:
        return
    all_rss = [*old_rss, new_rs]
    if reconcile_new_replica_set(ctl, d, all_rss, new_rs):
        ctl.sync_rollout_status(d, *ctl.refresh(old_rss, new_rs))
        return
    old_rss, new_rs_fresh = ctl.refresh(old_rss, new_rs)
    new_rs = new_rs_fresh or new_rs
    if reconcile_old_replica_sets(ctl, d, [*old_rss, new_rs],
                                  [rs for rs in old_rss if du.is_active_rs(rs)], new_rs):
        ctl.sync_rollout_status(d, *ctl.refresh(old_rss, new_rs))
        return
    if du.deployment_complete(d, d.get("status") or {}):
        ctl.cleanup(d, old_rss)
    ctl.sync_rollout_status(d, *ctl.refresh(old_rss, new_rs))


def reconcile_new_replica_set(ctl: DeploymentController, d: Obj, all_rss: list[Obj],
                              new_rs: Obj) -> bool:
    """Grow (or shrink back to spec.replicas) the new ReplicaSet; True if it was scaled."""
    desired = du.replicas_of(d)
    current = du.replicas_of(new_rs)
    if current == desired:
        return False
    if current > desired:
        return ctl.scale_and_record(new_rs, desired, d)[0]
    return ctl.scale_and_record(new_rs, new_rs_new_replicas(d, all_rss, new_rs), d)[0]


def reconcile_old_replica_sets(ctl: DeploymentController, d: Obj, all_rss: list[Obj],
                               old_rss: list[Obj], new_rs: Obj) -> bool:
    """Shrink old ReplicaSets as far as availability allows: unhealthy replicas first, then
    the excess, oldest ReplicaSet first. True if anything was scaled down."""
    if du.spec_sum(old_rss) == 0:
        return False
    min_available = du.replicas_of(d) - du.max_unavailable(d)
    new_unavailable = du.replicas_of(new_rs) - int((new_rs.get("status") or {})
                                                   .get("availableReplicas") or 0)
    max_scaled_down = du.spec_sum(all_rss) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    old_rss, cleaned = _cleanup_unhealthy_replicas(ctl, d, old_rss, max_scaled_down)
    scaled = _scale_down_old_for_rolling_update(ctl, d, [*old_rss, new_rs], old_rss)
    return cleaned + scaled > 0


def _cleanup_unhealthy_replicas(ctl: DeploymentController, d: Obj, old_rss: list[Obj],
                                max_cleanup: int) -> tuple[list[Obj], int]:
    done = 0
    result = []
    for rs in sorted(old_rss, key=du.by_creation):
        replicas = du.replicas_of(rs)
        available = int((rs.get("status") or {}).get("availableReplicas") or 0)
        if done >= max_cleanup or replicas == 0 or replicas == available:
            result.append(rs)
            continue
        count = min(max_cleanup - done, replicas - available)
        _, rs = ctl.scale_and_record(rs, replicas - count, d)
        done += count
        result.append(rs)
    return result, done


def _scale_down_old_for_rolling_update(ctl: DeploymentController, d: Obj, all_rss: list[Obj],
                                       old_rss: list[Obj]) -> int:
    min_available = du.replicas_of(d) - du.max_unavailable(d)
    available = du.status_sum(all_rss, "availableReplicas")
    if available <= min_available:
        return 0
    total = available - min_available
    done = 0
    for rs in sorted(old_rss, key=du.by_creation):
        if done >= total:
            break
        replicas = du.replicas_of(rs)
        if replicas == 0:
            continue
        count = min(replicas, total - done)
        ctl.scale_and_record(rs, replicas - count, d)
        done += count
    return done


# -- Recreate -----------------------------------------------------------------------------------

def rollout_recreate(ctl: DeploymentController, d: Obj, rs_list: list[Obj]) -> None:
    """One Recreate sync: old ReplicaSets to zero, wait for their pods to go, then the new
    ReplicaSet at full size."""
    new_rs, old_rss = ctl.get_all_replica_sets(d, rs_list, create=False)
    scaled_down = False
    for rs in old_rss:
        if du.is_active_rs(rs):
            scaled_down = ctl.scale_and_record(rs, 0, d)[0] or scaled_down
    if scaled_down:
        ctl.sync_rollout_status(d, *ctl.refresh(old_rss, new_rs))
        return
    old_rss, new_rs = ctl.refresh(old_rss, new_rs)
    if old_pods_running(ctl, old_rss):
        ctl.sync_rollout_status(d, old_rss, new_rs)
        return
    if new_rs is None:
        new_rs, old_rss = ctl.get_all_replica_sets(d, rs_list, create=True)
        if new_rs is None:
            return
    ctl.scale_and_record(new_rs, du.replicas_of(d), d)
    if du.deployment_complete(d, d.get("status") or {}):
        ctl.cleanup(d, old_rss)
    ctl.sync_rollout_status(d, *ctl.refresh(old_rss, new_rs))


def old_pods_running(ctl: DeploymentController, old_rss: list[Obj]) -> bool:
    """Whether any pod of an old ReplicaSet still exists and has not finished (terminating
    pods count: Recreate waits for them)."""
    if du.status_sum(old_rss, "replicas") > 0:
        return True
    for rs in old_rss:
        uid = rs["metadata"]["uid"]
        for resource, pod in ctl.store.dependents(uid):
            if resource != "pods" or (podutil.controller_ref(pod) or {}).get("uid") != uid:
                continue
            if (pod.get("status") or {}).get("phase") not in ("Failed", "Succeeded"):
                return True
    return False


# -- proportional scaling -----------------------------------------------------------------------

def scale(ctl: DeploymentController, d: Obj, new_rs: Obj | None, old_rss: list[Obj]) -> None:
    """Follow a change of spec.replicas: the one active ReplicaSet takes all of it; a
    saturated new ReplicaSet retires the old ones; otherwise (mid-rollout) the change is
    shared among active ReplicaSets in proportion to their size."""
    desired = du.replicas_of(d)
    target = _active_or_latest(new_rs, old_rss)
    if target is not None:
        if du.replicas_of(target) != desired:
            ctl.scale_and_record(target, desired, d)
        return
    if _is_saturated(d, new_rs):
        for rs in old_rss:
            if du.is_active_rs(rs):
                ctl.scale_and_record(rs, 0, d)
        return
    if not du.is_rolling_update(d):
        return
    active = [rs for rs in [*old_rss, new_rs] if rs is not None and du.is_active_rs(rs)]
    allowed = desired + du.max_surge(d) if desired > 0 else 0
    to_add = allowed - du.spec_sum(active)
    operation = ""
    if to_add > 0:
        # larger first, newer first among equals
        active.sort(key=lambda rs: rs["metadata"]["name"], reverse=True)
        active.sort(key=lambda rs: rs["metadata"].get("creationTimestamp", ""), reverse=True)
        active.sort(key=du.replicas_of, reverse=True)
        operation = "up"
    elif to_add < 0:
        active.sort(key=du.by_creation)
        active.sort(key=du.replicas_of, reverse=True)
        operation = "down"
    sizes: dict[str, int] = {}
    added = 0
    for rs in active:
        share = _proportion(d, rs, to_add, added) if to_add else 0
        sizes[rs["metadata"]["name"]] = du.replicas_of(rs) + share
        added += share
    for i, rs in enumerate(active):
        name = rs["metadata"]["name"]
        if i == 0 and to_add:
            sizes[name] = max(0, sizes[name] + to_add - added)
        ctl.scale_replica_set(rs, sizes[name], d, operation)


def _active_or_latest(new_rs: Obj | None, old_rss: list[Obj]) -> Obj | None:
    if new_rs is None and not old_rss:
        return None
    newest_first = sorted(old_rss, key=du.by_creation, reverse=True)
    active = [rs for rs in [*newest_first, new_rs] if rs is not None and du.is_active_rs(rs)]
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    return active[0] if len(active) == 1 else None


def _is_saturated(d: Obj, rs: Obj | None) -> bool:
    if rs is None:
        return False
    desired = du.replicas_of(d)
    return (du.replicas_of(rs) == desired
            and du.int_annotation(rs, du.DESIRED_REPLICAS) == desired
            and int((rs.get("status") or {}).get("availableReplicas") or 0) == desired)


def _proportion(d: Obj, rs: Obj, to_add: int, added: int) -> int:
    if du.replicas_of(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _fraction(d, rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _fraction(d: Obj, rs: Obj) -> int:
    desired = du.replicas_of(d)
    replicas = du.replicas_of(rs)
    if desired == 0:
        return -replicas
    max_replicas = desired + du.max_surge(d)
    annotated = du.int_annotation(rs, du.MAX_REPLICAS)
    if annotated is None:
        annotated = int((d.get("status") or {}).get("replicas") or 0)
    if annotated == 0:
        return 0
    size = replicas * max_replicas / annotated
    return math.floor(size + 0.5) - replicas  # Go's math.Round for non-negative sizes
