"""Validation of workload controllers: Deployment, ReplicaSet, DaemonSet, StatefulSet (apps/v1),
Job and CronJob (batch/v1), as `pkg/apis/apps/validation` and `pkg/apis/batch/validation` do,
plus their update rules (immutable selectors, StatefulSet's frozen fields, Job templates).
"""

from __future__ import annotations

import re
from typing import Any

from playground.engine.api import validation_fields as v
from playground.engine.api.validation_pods import validate_pod_template
from playground.engine.errors import FieldError

_SELECTOR_MISMATCH = "`selector` does not match template `labels`"


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _selector_and_template(spec: dict[str, Any], noun: str,
                           extra_volumes: tuple[str, ...] = ()) -> list[FieldError]:
    """Selector required and non-empty, template labels matched, template valid, restart
    policy Always (the shared part of ValidateDeploymentSpec / ReplicaSetSpec / ...)."""
    errors: list[FieldError] = []
    selector = spec.get("selector")
    template = spec.get("template")
    if selector is None:
        errors.append(v.required("spec.selector"))
    else:
        errors += v.validate_label_selector(selector, "spec.selector")
        selector = _dict(selector)
        if not selector.get("matchLabels") and not selector.get("matchExpressions"):
            errors.append(v.invalid("spec.selector", selector,
                                    f"empty selector is invalid for {noun}"))
    if not isinstance(template, dict):
        errors.append(v.required("spec.template"))
        return errors
    labels = _dict(_dict(template.get("metadata")).get("labels"))
    selector = _dict(selector)
    if (selector.get("matchLabels") or selector.get("matchExpressions")) \
            and not v.selector_matches(selector, labels):
        errors.append(v.invalid("spec.template.metadata.labels", labels, _SELECTOR_MISMATCH))
    errors += validate_pod_template(template, "spec.template", extra_volumes)
    pod_spec = _dict(template.get("spec"))
    policy = pod_spec.get("restartPolicy") or "Always"
    if policy != "Always":
        errors.append(v.unsupported("spec.template.spec.restartPolicy", policy, ("Always",)))
    return errors


def validate_deployment(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateDeploymentSpec."""
    spec = _dict(obj.get("spec"))
    errors = v.nonnegative(spec.get("replicas"), "spec.replicas")
    errors += _selector_and_template(spec, "deployment")
    errors += _validate_strategy(_dict(spec.get("strategy")))
    errors += v.nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += v.nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    errors += v.nonnegative(deadline, "spec.progressDeadlineSeconds")
    ready = spec.get("minReadySeconds") or 0
    if isinstance(deadline, int) and deadline >= 0 and isinstance(ready, int) \
            and deadline <= ready:
        errors.append(v.invalid("spec.progressDeadlineSeconds", deadline,
                                "must be greater than minReadySeconds"))
    return errors


def _validate_strategy(strategy: dict[str, Any]) -> list[FieldError]:
    kind = strategy.get("type") or "RollingUpdate"
    rolling = strategy.get("rollingUpdate")
    errors: list[FieldError] = []
    if kind == "Recreate":
        if rolling is not None:
            errors.append(v.forbidden("spec.strategy.rollingUpdate",
                                      "may not be specified when strategy `type` is 'Recreate'"))
        return errors
    if kind != "RollingUpdate":
        return [v.unsupported("spec.strategy.type", kind, ("Recreate", "RollingUpdate"))]
    rolling = _dict(rolling)
    path = "spec.strategy.rollingUpdate"
    unavailable = rolling.get("maxUnavailable", "25%")
    surge = rolling.get("maxSurge", "25%")
    unavailable_errors, unavailable_value, unavailable_percent = v.int_or_percent(
        unavailable, f"{path}.maxUnavailable")
    surge_errors, surge_value, _ = v.int_or_percent(surge, f"{path}.maxSurge")
    errors += unavailable_errors + surge_errors
    if unavailable_value == 0 and surge_value == 0:
        errors.append(v.invalid(f"{path}.maxUnavailable", unavailable,
                                "may not be 0 when `maxSurge` is 0"))
    if unavailable_percent and unavailable_value is not None and unavailable_value > 100:
        errors.append(v.invalid(f"{path}.maxUnavailable", unavailable,
                                "must not be greater than 100%"))
    return errors


def validate_replica_set(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateReplicaSetSpec (its empty-selector detail really does say "deployment")."""
    spec = _dict(obj.get("spec"))
    errors = v.nonnegative(spec.get("replicas"), "spec.replicas")
    errors += v.nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += _selector_and_template(spec, "deployment")
    return errors


def validate_daemon_set(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateDaemonSetSpec."""
    spec = _dict(obj.get("spec"))
    errors = _selector_and_template(spec, "daemonset")
    errors += v.nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += v.nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    strategy = _dict(spec.get("updateStrategy"))
    kind = strategy.get("type") or "RollingUpdate"
    if kind not in ("OnDelete", "RollingUpdate"):
        errors.append(v.unsupported("spec.updateStrategy.type", kind,
                                    ("OnDelete", "RollingUpdate")))
    return errors


def validate_stateful_set(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateStatefulSetSpec; volumeClaimTemplates count as volumes for mounts."""
    spec = _dict(obj.get("spec"))
    errors: list[FieldError] = []
    policy = spec.get("podManagementPolicy") or "OrderedReady"
    if policy not in ("OrderedReady", "Parallel"):
        errors.append(v.invalid("spec.podManagementPolicy", policy,
                                "must be 'OrderedReady' or 'Parallel'"))
    strategy = _dict(spec.get("updateStrategy"))
    kind = strategy.get("type") or "RollingUpdate"
    if kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        errors.append(v.invalid("spec.updateStrategy.rollingUpdate", strategy["rollingUpdate"],
                                "only allowed for updateStrategy 'RollingUpdate'"))
    elif kind not in ("OnDelete", "RollingUpdate"):
        errors.append(v.invalid("spec.updateStrategy", strategy,
                                "must be 'RollingUpdate' or 'OnDelete'"))
    errors += v.nonnegative(spec.get("replicas"), "spec.replicas")
    claims = tuple(_dict(claim.get("metadata")).get("name", "")
                   for claim in spec.get("volumeClaimTemplates") or [] if isinstance(claim, dict))
    errors += _selector_and_template(spec, "statefulset", claims)
    return errors


_JOB_RESTART_POLICIES = ("OnFailure", "Never")


def _job_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    for number in ("parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"):
        errors += v.nonnegative(spec.get(number), f"{path}.{number}")
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and deadline <= 0:
        errors.append(v.invalid(f"{path}.activeDeadlineSeconds", deadline,
                                "must be greater than 0"))
    template = spec.get("template")
    if not isinstance(template, dict):
        return errors + [v.required(f"{path}.template")]
    errors += validate_pod_template(template, f"{path}.template")
    policy = _dict(template.get("spec")).get("restartPolicy") or "Always"
    if policy not in _JOB_RESTART_POLICIES:
        errors.append(v.unsupported(f"{path}.template.spec.restartPolicy", policy,
                                    _JOB_RESTART_POLICIES))
    return errors


def validate_job(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateJobSpec (the selector is generated by the server, so not checked here)."""
    return _job_spec(_dict(obj.get("spec")), "spec")


_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_FIELD_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_NAMES = ({}, {}, {},
          {name: i + 1 for i, name in enumerate(
              ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])},
          {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])})


def cron_schedule_error(schedule: str) -> str | None:
    """What robfig/cron's standard parser says about a schedule, or None when it parses."""
    text = schedule.strip()
    if not text:
        return "empty spec string"
    if text.startswith(("TZ=", "CRON_TZ=")):
        return None
    if text.startswith("@"):
        if text in _DESCRIPTORS or text.startswith("@every "):
            return None
        return f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for field_text, (low, high), names in zip(fields, _FIELD_BOUNDS, _NAMES, strict=True):
        problem = _cron_field_error(field_text, low, high, names)
        if problem:
            return problem
    return None


def _cron_field_error(text: str, low: int, high: int, names: dict[str, int]) -> str | None:
    for part in text.split(","):
        range_text, _, step = part.partition("/")
        if range_text in ("*", "?"):
            start, end = low, high
        else:
            bounds = range_text.split("-")
            if len(bounds) > 2:
                return f"too many hyphens: {range_text}"
            values = []
            for bound in bounds:
                number = names.get(bound.lower())
                if number is None:
                    if not re.fullmatch(r"\d+", bound):
                        return (f"failed to parse int from {bound}: strconv.Atoi: parsing "
                                f'"{bound}": invalid syntax')
                    number = int(bound)
                values.append(number)
            start, end = values[0], values[-1]
        if start < low:
            return f"beginning of range ({start}) below minimum ({low}): {part}"
        if end > high:
            return f"end of range ({end}) above maximum ({high}): {part}"
        if start > end:
            return f"beginning of range ({start}) beyond end of range ({end}): {part}"
        if step and not re.fullmatch(r"\d+", step):
            return f'failed to parse int from {step}: strconv.Atoi: parsing "{step}": invalid syntax'
        if step and int(step) == 0:
            return f"step of range should be a positive number: {part}"
    return None


_CONCURRENCY = ("Allow", "Forbid", "Replace")


def validate_cron_job(obj: dict[str, Any]) -> list[FieldError]:
    """ValidateCronJobSpec: schedule, concurrency policy, job template; names ≤ 52 chars."""
    errors: list[FieldError] = []
    name = _dict(obj.get("metadata")).get("name") or ""
    if len(name) > 52:
        errors.append(v.invalid("metadata.name", name, v.max_len_error(52)))
    spec = _dict(obj.get("spec"))
    schedule = spec.get("schedule")
    if not schedule:
        errors.append(v.required("spec.schedule"))
    elif isinstance(schedule, str):
        if "TZ" in schedule:
            errors.append(v.invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in "
                                                               "schedule, use timeZone field instead"))
        else:
            problem = cron_schedule_error(schedule)
            if problem:
                errors.append(v.invalid("spec.schedule", schedule, problem))
    policy = spec.get("concurrencyPolicy") or "Allow"
    if policy not in _CONCURRENCY:
        errors.append(v.unsupported("spec.concurrencyPolicy", policy, _CONCURRENCY))
    errors += v.nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds")
    errors += v.nonnegative(spec.get("successfulJobsHistoryLimit"),
                            "spec.successfulJobsHistoryLimit")
    errors += v.nonnegative(spec.get("failedJobsHistoryLimit"), "spec.failedJobsHistoryLimit")
    template = _dict(spec.get("jobTemplate"))
    errors += _job_spec(_dict(template.get("spec")), "spec.jobTemplate.spec")
    return errors


_STATEFUL_SET_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy",
                         "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy",
                         "minReadySeconds")
_STATEFUL_SET_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
    "'minReadySeconds' are forbidden")


def validate_workload_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """Immutability rules of apps/v1 and batch/v1 workloads."""
    kind = new.get("kind")
    new_spec, old_spec = _dict(new.get("spec")), _dict(old.get("spec"))
    errors: list[FieldError] = []
    if kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job") \
            and new_spec.get("selector") != old_spec.get("selector") \
            and not (kind == "Job" and old_spec.get("selector") is None):
        errors.append(v.invalid("spec.selector", new_spec.get("selector"), v.IMMUTABLE))
    if kind == "StatefulSet":
        rest_new = {k: val for k, val in new_spec.items() if k not in _STATEFUL_SET_MUTABLE}
        rest_old = {k: val for k, val in old_spec.items() if k not in _STATEFUL_SET_MUTABLE}
        if rest_new != rest_old:
            errors.append(v.forbidden("spec", _STATEFUL_SET_FORBIDDEN))
    if kind == "Job":
        if not old_spec.get("suspend") and new_spec.get("template") != old_spec.get("template"):
            errors.append(v.invalid("spec.template", new_spec.get("template"), v.IMMUTABLE))
        if new_spec.get("completions") != old_spec.get("completions"):
            errors.append(v.invalid("spec.completions", new_spec.get("completions"),
                                    v.IMMUTABLE))
    return errors
