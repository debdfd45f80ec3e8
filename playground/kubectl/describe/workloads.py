"""Describers for the workload controllers: Deployment, ReplicaSet, StatefulSet, DaemonSet,
Job and CronJob. Each prints its header fields, the shared `Pod Template:` block, and events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from playground.engine.cluster import Cluster
from playground.kubectl.describe.events import describe_events, events_for
from playground.kubectl.describe.pods import (
    controller_of,
    describe_pod_template,
    pod_phase_counts,
    pods_status_line,
)
from playground.kubectl.describe.storage import claim_class
from playground.kubectl.describe.writer import (
    Obj,
    PrefixWriter,
    annotations_multiline,
    canonical_quantity,
    format_labels,
    format_selector,
    labels_multiline,
    rfc1123,
    selector_string,
)
from playground.kubectl.duration import between


def _head(w: PrefixWriter, obj: Obj) -> None:
    meta = obj.get("metadata") or {}
    w.write(0, f"Name:\t{meta.get('name', '')}\n")
    w.write(0, f"Namespace:\t{meta.get('namespace', '')}\n")


def _conditions(w: PrefixWriter, conditions: list[Obj]) -> None:
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def _owned_replicasets(cluster: Cluster, deployment: Obj) -> list[dict[str, Any]]:
    uid = (deployment.get("metadata") or {}).get("uid")
    found = []
    for rs in cluster.api.list("replicasets.apps", deployment["metadata"].get("namespace")):
        refs = (rs.get("metadata") or {}).get("ownerReferences") or []
        if any(r.get("controller") and r.get("uid") == uid for r in refs):
            found.append(rs)
    return found


def _template_equal(a: Obj, b: Obj) -> bool:
    def strip(template: Obj) -> Any:
        copy = {**template, "metadata": dict(template.get("metadata") or {})}
        labels = dict(copy["metadata"].get("labels") or {})
        labels.pop("pod-template-hash", None)
        copy["metadata"]["labels"] = labels
        return copy
    return bool(strip(a) == strip(b))


def _rs_list(replicasets: Sequence[Obj]) -> str:
    texts = [f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
             f"{(rs.get('spec') or {}).get('replicas', 0)} replicas created)"
             for rs in replicasets]
    return ", ".join(texts) or "<none>"


def describe_deployment(cluster: Cluster, d: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe deployment`."""
    meta, spec, status = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    w = PrefixWriter()
    _head(w, d)
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | "
               f"{status.get('updatedReplicas', 0)} updated | {status.get('replicas', 0)} total | "
               f"{status.get('availableReplicas', 0)} available | "
               f"{status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable', '25%')} max unavailable, "
                   f"{ru.get('maxSurge', '25%')} max surge\n")
    describe_pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions") or [])
    replicasets = sorted(_owned_replicasets(cluster, d),
                         key=lambda rs: (rs["metadata"].get("creationTimestamp", ""),
                                         rs["metadata"]["name"]))
    template = spec.get("template") or {}
    new = [rs for rs in replicasets if _template_equal((rs.get("spec") or {}).get("template")
                                                       or {}, template)][:1]
    old = [rs for rs in replicasets if rs not in new]
    if replicasets:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list(new)}\n")
    if show_events:
        describe_events(w, events_for(cluster, d), now)
    return w.text()


def describe_replicaset(cluster: Cluster, rs: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe replicaset`."""
    meta, spec, status = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
    w = PrefixWriter()
    _head(w, rs)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if controller_of(rs):
        w.write(0, f"Controlled By:\t{controller_of(rs)}\n")
    w.write(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} "
               "desired\n")
    w.write(0, f"Pods Status:\t{pods_status_line(pod_phase_counts(cluster, rs))}\n")
    describe_pod_template(w, spec.get("template"))
    _conditions(w, status.get("conditions") or [])
    if show_events:
        describe_events(w, events_for(cluster, rs), now)
    return w.text()


def describe_statefulset(cluster: Cluster, ss: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe statefulset`."""
    meta, spec, status = ss.get("metadata") or {}, ss.get("spec") or {}, ss.get("status") or {}
    w = PrefixWriter()
    _head(w, ss)
    w.write(0, f"CreationTimestamp:\t{rfc1123(meta.get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if spec.get("serviceName"):
        w.write(0, f"Service Name:\t{spec['serviceName']}\n")
    if spec.get("podManagementPolicy"):
        w.write(0, f"Pod Management Policy:\t{spec['podManagementPolicy']}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('replicas', 0)} "
               "total\n")
    strategy = spec.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{strategy.get('type', '')}\n")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None and rolling.get("partition") is not None:
        w.write(1, f"Partition:\t{rolling['partition']}\n")
        if rolling.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{rolling['maxUnavailable']}\n")
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        w.write(0, "Persistent Volume Claim Retention Policy:\n")
        w.write(1, f"WhenDeleted:\t{retention.get('whenDeleted', '')}\n")
        w.write(1, f"WhenScaled:\t{retention.get('whenScaled', '')}\n")
    w.write(0, f"Pods Status:\t{pods_status_line(pod_phase_counts(cluster, ss))}\n")
    describe_pod_template(w, spec.get("template"))
    claims = spec.get("volumeClaimTemplates") or []
    if not claims:
        w.write(0, "Volume Claims:\t<none>\n")
    else:
        w.write(0, "Volume Claims:\n")
        for claim in claims:
            cmeta = claim.get("metadata") or {}
            cspec = claim.get("spec") or {}
            w.write(1, f"Name:\t{cmeta.get('name', '')}\n")
            w.write(1, f"StorageClass:\t{claim_class(claim)}\n")
            labels_multiline(w, "Labels", cmeta.get("labels"), initial_indent="  ")
            labels_multiline(w, "Annotations", cmeta.get("annotations"), initial_indent="  ")
            storage = ((cspec.get("resources") or {}).get("requests") or {}).get("storage")
            w.write(1, f"Capacity:\t{canonical_quantity(storage) if storage else '<default>'}\n")
            w.write(1, f"Access Modes:\t[{' '.join(cspec.get('accessModes') or [])}]\n")
    if show_events:
        describe_events(w, events_for(cluster, ss), now)
    return w.text()


def describe_daemonset(cluster: Cluster, ds: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe daemonset`."""
    meta, spec, status = ds.get("metadata") or {}, ds.get("spec") or {}, ds.get("status") or {}
    w = PrefixWriter()
    _head(w, ds)
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")
    w.write(0, f"Node-Selector:\t{format_labels(node_selector)}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, "Desired Number of Nodes Scheduled: "
               f"{status.get('desiredNumberScheduled', 0)}\n")
    w.write(0, "Current Number of Nodes Scheduled: "
               f"{status.get('currentNumberScheduled', 0)}\n")
    w.write(0, "Number of Nodes Scheduled with Up-to-date Pods: "
               f"{status.get('updatedNumberScheduled', 0)}\n")
    w.write(0, "Number of Nodes Scheduled with Available Pods: "
               f"{status.get('numberAvailable', 0)}\n")
    w.write(0, f"Number of Nodes Misscheduled: {status.get('numberMisscheduled', 0)}\n")
    w.write(0, f"Pods Status:\t{pods_status_line(pod_phase_counts(cluster, ds))}\n")
    describe_pod_template(w, spec.get("template"))
    if show_events:
        describe_events(w, events_for(cluster, ds), now)
    return w.text()


def describe_job(cluster: Cluster, job: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe job`."""
    meta, spec, status = job.get("metadata") or {}, job.get("spec") or {}, job.get("status") or {}
    w = PrefixWriter()
    _head(w, job)
    w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if controller_of(job):
        w.write(0, f"Controlled By:\t{controller_of(job)}\n")
    if spec.get("parallelism") is not None:
        w.write(0, f"Parallelism:\t{spec['parallelism']}\n")
    w.write(0, f"Completions:\t{spec.get('completions', '<unset>')}\n")
    if spec.get("completionMode"):
        w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(0, f"Suspend:\t{'true' if spec['suspend'] else 'false'}\n")
    if spec.get("backoffLimit") is not None:
        w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123(status['startTime'])}\n")
    if status.get("completionTime"):
        w.write(0, f"Completed At:\t{rfc1123(status['completionTime'])}\n")
    if status.get("startTime") and status.get("completionTime"):
        w.write(0, f"Duration:\t{between(status['startTime'], status['completionTime'])}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    active, succeeded, failed = (status.get("active", 0), status.get("succeeded", 0),
                                 status.get("failed", 0))
    if status.get("ready") is None:
        w.write(0, f"Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n")
    else:
        w.write(0, f"Pods Statuses:\t{active} Active ({status['ready']} Ready) / {succeeded} "
                   f"Succeeded / {failed} Failed\n")
    if spec.get("completionMode") == "Indexed":
        indexes = str(status.get("completedIndexes", ""))
        w.write(0, f"Completed Indexes:\t{_cap_indexes(indexes)}\n")
    describe_pod_template(w, spec.get("template"))
    if show_events:
        describe_events(w, events_for(cluster, job), now)
    return w.text()


def _cap_indexes(indexes: str, soft_limit: int = 50) -> str:
    if not indexes:
        return "<none>"
    cut = indexes.find(",", soft_limit)
    return indexes if cut < 0 else indexes[:cut + 1] + "..."


def describe_cronjob(cluster: Cluster, cj: Obj, show_events: bool, now: datetime) -> str:
    """The text of `kubectl describe cronjob`."""
    meta, spec, status = cj.get("metadata") or {}, cj.get("spec") or {}, cj.get("status") or {}
    w = PrefixWriter()
    _head(w, cj)
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Schedule:\t{spec.get('schedule', '')}\n")
    w.write(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
    suspend = spec.get("suspend")
    w.write(0, f"Suspend:\t{'<unset>' if suspend is None else ('True' if suspend else 'False')}\n")
    w.write(0, f"Time Zone:\t{spec.get('timeZone') or '<unset>'}\n")
    for title, key in (("Successful Job History Limit", "successfulJobsHistoryLimit"),
                       ("Failed Job History Limit", "failedJobsHistoryLimit")):
        w.write(0, f"{title}:\t{spec.get(key, '<unset>')}\n")
    deadline = spec.get("startingDeadlineSeconds")
    w.write(0, f"Starting Deadline Seconds:\t"
               f"{'<unset>' if deadline is None else f'{deadline}s'}\n")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    if job_spec.get("selector") is not None:
        w.write(0, f"Selector:\t{selector_string(job_spec['selector'])}\n")
    else:
        w.write(0, "Selector:\t<unset>\n")
    w.write(0, f"Parallelism:\t{job_spec.get('parallelism', '<unset>')}\n")
    w.write(0, f"Completions:\t{job_spec.get('completions', '<unset>')}\n")
    if job_spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{job_spec['activeDeadlineSeconds']}s\n")
    describe_pod_template(w, job_spec.get("template"))
    last = status.get("lastScheduleTime")
    w.write(0, f"Last Schedule Time:\t{rfc1123(last) if last else '<unset>'}\n")
    active = status.get("active") or []
    w.write(0, "Active Jobs:\t")
    w.line(", ".join(str(j.get("name", "")) for j in active) if active else "<none>")
    if show_events:
        describe_events(w, events_for(cluster, cj), now)
    return w.text()
