"""Deployment arithmetic and bookkeeping, as pure functions over Kubernetes JSON.

This is the simulated `pkg/controller/deployment/util`: the pod-template-hash, the rolling-update
fenceposts (maxSurge rounds up, maxUnavailable rounds down), revision and replica annotations,
Deployment conditions, the orderings the controller sorts ReplicaSets by, and the text
`kubectl rollout status` prints. The controller (`deployment.py`) and the kubectl layer both use
it, so nothing here touches the store or the clock.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from playground.engine.errors import EngineError
from playground.engine.seeds import NAME_ALPHABET
from playground.engine.store import Obj, deep_copy

POD_TEMPLATE_HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
# Deployment annotations that are the controller's own and never copied onto ReplicaSets.
NOT_COPIED = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS,
                        MAX_REPLICAS, ROLLBACK_TO})

AVAILABLE, PROGRESSING, REPLICA_FAILURE = "Available", "Progressing", "ReplicaFailure"
# Reasons of the Progressing and Available conditions (deployment/util).
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
FAILED_RS_CREATE = "ReplicaSetCreateError"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


# -- pod-template-hash ----------------------------------------------------------------------

def fnv32a(data: bytes) -> int:
    """The 32-bit FNV-1a hash (Go's hash/fnv New32a)."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """apimachinery's rand.SafeEncodeString: each byte mapped onto the name alphabet."""
    return "".join(NAME_ALPHABET[ord(ch) % len(NAME_ALPHABET)] for ch in text)


def compute_hash(template: Obj, collision_count: int | None) -> str:
    """The pod-template-hash of a Deployment's pod template.

    Kubernetes feeds a Go-struct dump of the template to FNV-32a; this feeds canonical JSON
    instead (so values differ from a real cluster's for the same template), then appends the
    collision count the same way and renders the decimal digits of the sum with the name
    alphabet, which gives hashes of the real shape: 1–10 characters from `bcdf456789`, e.g.
    `7c5ddbdf54`.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = fnv32a(data)
    if collision_count is not None:
        extra = (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
        for byte in extra:
            value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(value))


def template_without_hash(template: Obj) -> Obj:
    """A copy of a pod template with the pod-template-hash label (and an emptied label map)
    removed, for EqualIgnoreHash comparisons."""
    meta = template.get("metadata") or {}
    labels = meta.get("labels") or {}
    if POD_TEMPLATE_HASH not in labels and ("labels" not in meta or labels):
        return template
    copy = dict(template)
    copy["metadata"] = dict(meta)
    rest = {k: v for k, v in labels.items() if k != POD_TEMPLATE_HASH}
    if rest:
        copy["metadata"]["labels"] = rest
    else:
        copy["metadata"].pop("labels", None)
    return copy


def equal_ignore_hash(a: Obj, b: Obj) -> bool:
    """Whether two pod templates are the same apart from the pod-template-hash label."""
    return template_without_hash(a) == template_without_hash(b)


# -- fenceposts -----------------------------------------------------------------------------

def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """An intOrString (`1`, `"25%"`) resolved against `total` (GetScaledValueFromIntOrPercent)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            raise EngineError(f"invalid value for IntOrString: invalid value {text!r}") from None
    percent = int(text[:-1])
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def is_rolling_update(deployment: Obj) -> bool:
    """The Deployment uses the RollingUpdate strategy."""
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    return strategy.get("type", "RollingUpdate") == "RollingUpdate"


def replicas_of(obj: Obj) -> int:
    """spec.replicas (1 when unset, as defaulted)."""
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def resolve_fenceposts(deployment: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) in pods; both zero means one may be unavailable."""
    rolling = ((deployment.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    desired = replicas_of(deployment)
    surge = scaled_value(rolling.get("maxSurge", "25%"), desired, True)
    unavailable = scaled_value(rolling.get("maxUnavailable", "25%"), desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(deployment: Obj) -> int:
    """How many pods above spec.replicas a rollout may create (0 for Recreate)."""
    if not is_rolling_update(deployment):
        return 0
    return resolve_fenceposts(deployment)[0]


def max_unavailable(deployment: Obj) -> int:
    """How many pods below spec.replicas may be unavailable (0 for Recreate or no replicas)."""
    desired = replicas_of(deployment)
    if not is_rolling_update(deployment) or desired == 0:
        return 0
    return min(resolve_fenceposts(deployment)[1], desired)


# -- annotations and revisions --------------------------------------------------------------

def annotations_of(obj: Obj) -> dict[str, str]:
    """metadata.annotations (read-only, possibly empty)."""
    return obj["metadata"].get("annotations") or {}


def revision_of(obj: Obj) -> int:
    """The `deployment.kubernetes.io/revision` of a ReplicaSet or Deployment (0 when unset)."""
    try:
        return int(annotations_of(obj).get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(replica_sets: Iterable[Obj]) -> int:
    """The highest revision among ReplicaSets."""
    return max((revision_of(rs) for rs in replica_sets), default=0)


def int_annotation(obj: Obj, key: str) -> int | None:
    """An integer annotation, or None when absent or malformed."""
    value = annotations_of(obj).get(key)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def replicas_annotations_need_update(rs: Obj, desired: int, max_replicas: int) -> bool:
    """Whether desired-replicas / max-replicas on the ReplicaSet are stale."""
    notes = annotations_of(rs)
    return notes.get(DESIRED_REPLICAS) != str(desired) or \
        notes.get(MAX_REPLICAS) != str(max_replicas)


def set_replicas_annotations(rs: Obj, desired: int, max_replicas: int) -> bool:
    """Write desired-replicas / max-replicas onto a (mutable) ReplicaSet; True if changed."""
    if not replicas_annotations_need_update(rs, desired, max_replicas):
        return False
    notes = dict(annotations_of(rs))
    notes[DESIRED_REPLICAS] = str(desired)
    notes[MAX_REPLICAS] = str(max_replicas)
    rs["metadata"]["annotations"] = notes
    return True


def set_new_replica_set_annotations(deployment: Obj, rs: Obj, new_revision: int,
                                    exists: bool) -> bool:
    """Copy the Deployment's annotations onto its new (mutable) ReplicaSet and raise the RS's
    revision to `new_revision`, remembering earlier revisions in revision-history; a fresh RS
    also gets the replica annotations. True if anything changed."""
    notes = dict(annotations_of(rs))
    changed = False
    for key, value in annotations_of(deployment).items():
        if key not in NOT_COPIED and notes.get(key) != value:
            notes[key] = value
            changed = True
    old = notes.get(REVISION, "")
    try:
        old_number = int(old) if old else 0
    except ValueError:
        old_number = 0
    if old_number < new_revision:
        notes[REVISION] = str(new_revision)
        changed = True
        if old:
            history = notes.get(REVISION_HISTORY)
            notes[REVISION_HISTORY] = f"{history},{old}" if history else old
    rs["metadata"]["annotations"] = notes
    if not exists:
        desired = replicas_of(deployment)
        changed = set_replicas_annotations(rs, desired, desired + max_surge(deployment)) \
            or changed
    return changed


# -- orderings ------------------------------------------------------------------------------

def by_creation(rs: Obj) -> tuple[str, str]:
    """ReplicaSetsByCreationTimestamp: oldest first, ties by name."""
    meta = rs["metadata"]
    return (meta.get("creationTimestamp", ""), meta["name"])


def by_revision(rs: Obj) -> tuple[int, str, str]:
    """ReplicaSetsByRevision: lowest revision first, ties by creation."""
    return (revision_of(rs), *by_creation(rs))


def is_active_rs(rs: Obj | None) -> bool:
    """A ReplicaSet with spec.replicas > 0."""
    return rs is not None and replicas_of(rs) > 0


def spec_sum(replica_sets: Iterable[Obj | None]) -> int:
    """Σ spec.replicas."""
    return sum(replicas_of(rs) for rs in replica_sets if rs is not None)


def status_sum(replica_sets: Iterable[Obj | None], field: str) -> int:
    """Σ status.<field> (replicas, readyReplicas, availableReplicas)."""
    return sum(int((rs.get("status") or {}).get(field) or 0)
               for rs in replica_sets if rs is not None)


# -- conditions -----------------------------------------------------------------------------

def get_condition(status: dict[str, Any], type_: str) -> dict[str, Any] | None:
    """A Deployment condition by type."""
    for cond in status.get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def new_condition(type_: str, status: str, reason: str, message: str,
                  timestamp: str) -> dict[str, Any]:
    """A DeploymentCondition with both times set to `timestamp`."""
    return {"type": type_, "status": status, "lastUpdateTime": timestamp,
            "lastTransitionTime": timestamp, "reason": reason, "message": message}


def set_condition(status: dict[str, Any], condition: dict[str, Any]) -> None:
    """SetDeploymentCondition: same status and reason is a no-op; same status keeps the
    transition time; the condition moves to the end of the list."""
    current = get_condition(status, condition["type"])
    if current is not None and current["status"] == condition["status"] and \
            current.get("reason") == condition["reason"]:
        return
    if current is not None and current["status"] == condition["status"]:
        condition = dict(condition, lastTransitionTime=current.get("lastTransitionTime"))
    status["conditions"] = [c for c in status.get("conditions") or ()
                            if c.get("type") != condition["type"]] + [condition]


def remove_condition(status: dict[str, Any], type_: str) -> None:
    """Drop a condition by type."""
    if get_condition(status, type_) is None:
        return
    remaining = [c for c in status.get("conditions") or () if c.get("type") != type_]
    if remaining:
        status["conditions"] = remaining
    else:
        status.pop("conditions", None)


def deployment_complete(deployment: Obj, status: dict[str, Any]) -> bool:
    """Every replica updated and available, and the newest spec observed."""
    desired = replicas_of(deployment)
    return (int(status.get("updatedReplicas") or 0) == desired
            and int(status.get("replicas") or 0) == desired
            and int(status.get("availableReplicas") or 0) == desired
            and int(status.get("observedGeneration") or 0)
            >= int(deployment["metadata"].get("generation") or 0))


def deployment_progressing(deployment: Obj, new_status: dict[str, Any]) -> bool:
    """The new status shows progress over the stored one (more updated, fewer old, more
    ready or more available pods)."""
    old = deployment.get("status") or {}

    def n(status: dict[str, Any], key: str) -> int:
        return int(status.get(key) or 0)

    old_old = n(old, "replicas") - n(old, "updatedReplicas")
    new_old = n(new_status, "replicas") - n(new_status, "updatedReplicas")
    return (n(new_status, "updatedReplicas") > n(old, "updatedReplicas")
            or new_old < old_old
            or n(new_status, "readyReplicas") > n(old, "readyReplicas")
            or n(new_status, "availableReplicas") > n(old, "availableReplicas"))


# -- kubectl rollout status -----------------------------------------------------------------

class RolloutStatusError(EngineError):
    """`kubectl rollout status` gives up: the Deployment exceeded its progress deadline."""


def rollout_status_message(deployment: Obj, new_rs: Obj | None = None) -> tuple[str, bool]:
    """The line `kubectl rollout status deployment/<name>` prints for this state and whether
    the rollout is done; raises RolloutStatusError once the progress deadline is exceeded.
    (`new_rs` is accepted for callers that have it; kubectl judges from the Deployment.)"""
    name = deployment["metadata"]["name"]
    status = deployment.get("status") or {}
    generation = int(deployment["metadata"].get("generation") or 0)
    if generation > int(status.get("observedGeneration") or 0):
        return "Waiting for deployment spec update to be observed...", False
    cond = get_condition(status, PROGRESSING)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        raise RolloutStatusError(f'deployment "{name}" exceeded its progress deadline')
    desired = replicas_of(deployment)
    updated = int(status.get("updatedReplicas") or 0)
    total = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < desired:
        return f"{prefix}{updated} out of {desired} new replicas have been updated...", False
    if total > updated:
        return f"{prefix}{total - updated} old replicas are pending termination...", False
    if available < updated:
        return f"{prefix}{available} of {updated} updated replicas are available...", False
    return f'deployment "{name}" successfully rolled out', True


def copy_template(template: Obj) -> Obj:
    """A deep copy of a pod template."""
    return deep_copy(template)
