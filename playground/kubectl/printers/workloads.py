"""Tables of the workload controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets,
Jobs, CronJobs, ReplicationControllers, ControllerRevisions and HorizontalPodAutoscalers.

The wide columns (CONTAINERS, IMAGES, SELECTOR) come from the pod template; counts come from
`status`, which the controllers keep up to date.
"""

from __future__ import annotations

from datetime import datetime

from playground.kubectl.duration import between, translate_timestamp_since
from playground.kubectl.printers.common import (
    AGE,
    NAME,
    NONE,
    UNSET,
    Obj,
    Printer,
    age,
    container_cells,
    format_label_selector,
    format_labels,
    integer,
    is_deleting,
    metadata,
    name,
    pod_template_spec,
    selector_string,
    spec,
    status,
)
from playground.kubectl.table import Cell, Column

CONTAINERS = Column("CONTAINERS", 1)
IMAGES = Column("IMAGES", 1)
SELECTOR = Column("SELECTOR", 1)


def _replicas(obj: Obj) -> int:
    """`spec.replicas`, which the API server defaults to 1."""
    value = spec(obj).get("replicas")
    return 1 if value is None else int(value)


def _template_cells(template: Obj | None) -> list[Cell]:
    names, images = container_cells(pod_template_spec(template).get("containers"))
    return [names, images]


def _deployment_row(obj: Obj, now: datetime) -> list[Cell]:
    st = status(obj)
    return [
        name(obj), f"{integer(st.get('readyReplicas'))}/{_replicas(obj)}",
        integer(st.get("updatedReplicas")), integer(st.get("availableReplicas")), age(obj, now),
        *_template_cells(spec(obj).get("template")), selector_string(spec(obj).get("selector")),
    ]


def _replica_set_row(obj: Obj, now: datetime) -> list[Cell]:
    st = status(obj)
    return [
        name(obj), _replicas(obj), integer(st.get("replicas")), integer(st.get("readyReplicas")),
        age(obj, now), *_template_cells(spec(obj).get("template")),
        format_label_selector(spec(obj).get("selector")),
    ]


def _replication_controller_row(obj: Obj, now: datetime) -> list[Cell]:
    st = status(obj)
    return [
        name(obj), _replicas(obj), integer(st.get("replicas")), integer(st.get("readyReplicas")),
        age(obj, now), *_template_cells(spec(obj).get("template")),
        format_labels(spec(obj).get("selector")),
    ]


def _stateful_set_row(obj: Obj, now: datetime) -> list[Cell]:
    return [
        name(obj), f"{integer(status(obj).get('readyReplicas'))}/{_replicas(obj)}",
        age(obj, now), *_template_cells(spec(obj).get("template")),
    ]


def _daemon_set_row(obj: Obj, now: datetime) -> list[Cell]:
    st = status(obj)
    template = spec(obj).get("template")
    return [
        name(obj), integer(st.get("desiredNumberScheduled")),
        integer(st.get("currentNumberScheduled")), integer(st.get("numberReady")),
        integer(st.get("updatedNumberScheduled")), integer(st.get("numberAvailable")),
        format_labels(pod_template_spec(template).get("nodeSelector")), age(obj, now),
        *_template_cells(template), format_label_selector(spec(obj).get("selector")),
    ]


def _job_condition(obj: Obj, condition_type: str) -> bool:
    for condition in status(obj).get("conditions") or []:
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False


def job_status_text(obj: Obj) -> str:
    """The STATUS cell of `kubectl get jobs`."""
    if _job_condition(obj, "Complete"):
        return "Complete"
    if _job_condition(obj, "Failed"):
        return "Failed"
    if is_deleting(obj):
        return "Terminating"
    if _job_condition(obj, "Suspended"):
        return "Suspended"
    if _job_condition(obj, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_row(obj: Obj, now: datetime) -> list[Cell]:
    job_spec, st = spec(obj), status(obj)
    succeeded = integer(st.get("succeeded"))
    if job_spec.get("completions") is not None:
        completions = f"{succeeded}/{integer(job_spec['completions'])}"
    elif integer(job_spec.get("parallelism")) > 1:
        completions = f"{succeeded}/1 of {integer(job_spec['parallelism'])}"
    else:
        completions = f"{succeeded}/1"
    if not st.get("startTime"):
        duration = ""
    elif not st.get("completionTime"):
        duration = translate_timestamp_since(st["startTime"], now)
    else:
        duration = between(st["startTime"], st["completionTime"])
    return [
        name(obj), job_status_text(obj), completions, duration, age(obj, now),
        *_template_cells(job_spec.get("template")),
        format_label_selector(job_spec.get("selector")),
    ]


def _bool_pointer(value: object) -> str:
    if value is None:
        return UNSET
    return "True" if value else "False"


def _cron_job_row(obj: Obj, now: datetime) -> list[Cell]:
    cron_spec, st = spec(obj), status(obj)
    last_schedule = st.get("lastScheduleTime")
    job_spec = (cron_spec.get("jobTemplate") or {}).get("spec") or {}
    return [
        name(obj), str(cron_spec.get("schedule", "")), cron_spec.get("timeZone") or NONE,
        _bool_pointer(cron_spec.get("suspend")), len(st.get("active") or []),
        translate_timestamp_since(last_schedule, now) if last_schedule else NONE, age(obj, now),
        *_template_cells(job_spec.get("template")),
        format_label_selector(job_spec.get("selector")),
    ]


def _controller_revision_row(obj: Obj, now: datetime) -> list[Cell]:
    controller = NONE
    for owner in metadata(obj).get("ownerReferences") or []:
        if owner.get("controller"):
            api_version = str(owner.get("apiVersion", ""))
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            kind = str(owner.get("kind", ""))
            qualified = f"{kind}.{group}" if group else kind
            controller = f"{qualified.lower()}/{owner.get('name', '')}" if kind else str(
                owner.get("name", ""))
            break
    return [name(obj), controller, integer(obj.get("revision")), age(obj, now)]


def _hpa_metric(metric: Obj, current_metric: Obj | None) -> str:
    kind = metric.get("type")
    current_metric = current_metric or {}
    if kind in ("External", "Object"):
        source_key = "external" if kind == "External" else "object"
        target = (metric.get(source_key) or {}).get("target") or {}
        current = ((current_metric.get(source_key) or {}).get("current")) or {}
        has_status = bool(current_metric.get(source_key))
        if target.get("averageValue") is not None:
            now_value = str(current["averageValue"]) if has_status and current.get(
                "averageValue") is not None else "<unknown>"
            return f"{now_value}/{target['averageValue']} (avg)"
        now_value = str(current.get("value", "0")) if has_status else "<unknown>"
        return f"{now_value}/{target.get('value', '0')}"
    if kind == "Pods":
        target = ((metric.get("pods") or {}).get("target")) or {}
        pods = current_metric.get("pods")
        now_value = str((pods.get("current") or {}).get("averageValue", "0")) if pods else (
            "<unknown>")
        return f"{now_value}/{target.get('averageValue', '0')}"
    if kind in ("Resource", "ContainerResource"):
        source_key = "resource" if kind == "Resource" else "containerResource"
        source = metric.get(source_key) or {}
        target = source.get("target") or {}
        current_source = current_metric.get(source_key)
        current = (current_source or {}).get("current") or {}
        resource = source.get("name", "")
        if target.get("averageValue") is not None:
            now_value = str(current.get("averageValue", "0")) if current_source else "<unknown>"
            return f"{resource}: {now_value}/{target['averageValue']}"
        now_value = "<unknown>"
        if current_source and current.get("averageUtilization") is not None:
            now_value = f"{integer(current['averageUtilization'])}%"
        goal = "<auto>"
        if target.get("averageUtilization") is not None:
            goal = f"{integer(target['averageUtilization'])}%"
        return f"{resource}: {now_value}/{goal}"
    return "<unknown type>"


def hpa_targets(obj: Obj) -> str:
    """The TARGETS cell: `cpu: 2%/50%`, `cpu: <unknown>/50%`, at most two then `+ N more...`."""
    metrics = spec(obj).get("metrics") or []
    if not metrics:
        return NONE
    currents = status(obj).get("currentMetrics") or []
    texts = [_hpa_metric(m, currents[i] if i < len(currents) else None)
             for i, m in enumerate(metrics)]
    if len(texts) > 2:
        return ", ".join(texts[:2]) + f" + {len(texts) - 2} more..."
    return ", ".join(texts)


def _hpa_row(obj: Obj, now: datetime) -> list[Cell]:
    hpa_spec = spec(obj)
    target = hpa_spec.get("scaleTargetRef") or {}
    min_replicas = hpa_spec.get("minReplicas")
    return [
        name(obj), f"{target.get('kind', '')}/{target.get('name', '')}", hpa_targets(obj),
        UNSET if min_replicas is None else str(int(min_replicas)),
        integer(hpa_spec.get("maxReplicas")), integer(status(obj).get("currentReplicas")),
        age(obj, now),
    ]


PRINTERS: dict[str, Printer] = {
    "deployments.apps": Printer(
        (NAME, Column("READY"), Column("UP-TO-DATE"), Column("AVAILABLE"), AGE,
         CONTAINERS, IMAGES, SELECTOR),
        _deployment_row,
    ),
    "replicasets.apps": Printer(
        (NAME, Column("DESIRED"), Column("CURRENT"), Column("READY"), AGE,
         CONTAINERS, IMAGES, SELECTOR),
        _replica_set_row,
    ),
    "replicationcontrollers": Printer(
        (NAME, Column("DESIRED"), Column("CURRENT"), Column("READY"), AGE,
         CONTAINERS, IMAGES, SELECTOR),
        _replication_controller_row,
    ),
    "statefulsets.apps": Printer(
        (NAME, Column("READY"), AGE, CONTAINERS, IMAGES),
        _stateful_set_row,
    ),
    "daemonsets.apps": Printer(
        (NAME, Column("DESIRED"), Column("CURRENT"), Column("READY"), Column("UP-TO-DATE"),
         Column("AVAILABLE"), Column("NODE SELECTOR"), AGE, CONTAINERS, IMAGES, SELECTOR),
        _daemon_set_row,
    ),
    "jobs.batch": Printer(
        (NAME, Column("STATUS"), Column("COMPLETIONS"), Column("DURATION"), AGE,
         CONTAINERS, IMAGES, SELECTOR),
        _job_row,
    ),
    "cronjobs.batch": Printer(
        (NAME, Column("SCHEDULE"), Column("TIMEZONE"), Column("SUSPEND"), Column("ACTIVE"),
         Column("LAST SCHEDULE"), AGE, CONTAINERS, IMAGES, SELECTOR),
        _cron_job_row,
    ),
    "controllerrevisions.apps": Printer(
        (NAME, Column("CONTROLLER"), Column("REVISION"), AGE),
        _controller_revision_row,
    ),
    "horizontalpodautoscalers.autoscaling": Printer(
        (NAME, Column("REFERENCE"), Column("TARGETS"), Column("MINPODS"), Column("MAXPODS"),
         Column("REPLICAS"), AGE),
        _hpa_row,
    ),
}
