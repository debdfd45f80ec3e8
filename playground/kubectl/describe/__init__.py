"""`kubectl describe`, kind by kind, laid out exactly as kubectl 1.37 prints it.

`describe(cluster, obj, show_events=True)` picks the describer for the object's type (by
store key, `deployments.apps`) and falls back to kubectl's generic describer. Each module owns
a group of kinds; `writer` reproduces kubectl's PrefixWriter over a padding-2 tabwriter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from playground.engine.cluster import Cluster
from playground.kubectl.describe.config import (
    describe_configmap,
    describe_namespace,
    describe_secret,
    describe_serviceaccount,
)
from playground.kubectl.describe.generic import describe_generic
from playground.kubectl.describe.network import describe_endpoints, describe_service
from playground.kubectl.describe.nodes import describe_node
from playground.kubectl.describe.pods import describe_pod
from playground.kubectl.describe.storage import describe_pv, describe_pvc, describe_storageclass
from playground.kubectl.describe.workloads import (
    describe_cronjob,
    describe_daemonset,
    describe_deployment,
    describe_job,
    describe_replicaset,
    describe_statefulset,
)
from playground.kubectl.describe.writer import Obj

Describer = Callable[[Cluster, Obj, bool, datetime], str]

DESCRIBERS: dict[str, Describer] = {
    "pods": describe_pod,
    "deployments.apps": describe_deployment,
    "replicasets.apps": describe_replicaset,
    "statefulsets.apps": describe_statefulset,
    "daemonsets.apps": describe_daemonset,
    "jobs.batch": describe_job,
    "cronjobs.batch": describe_cronjob,
    "services": describe_service,
    "endpoints": describe_endpoints,
    "nodes": describe_node,
    "namespaces": describe_namespace,
    "configmaps": describe_configmap,
    "secrets": describe_secret,
    "serviceaccounts": describe_serviceaccount,
    "persistentvolumeclaims": describe_pvc,
    "persistentvolumes": describe_pv,
    "storageclasses.storage.k8s.io": describe_storageclass,
}


def describe(cluster: Cluster, obj: Obj, key: str, *, show_events: bool = True,
             now: datetime | None = None) -> str:
    """kubectl's describe text for one object of the type stored under `key`."""
    describer = DESCRIBERS.get(key, describe_generic)
    return describer(cluster, obj, show_events, now or cluster.clock.datetime())


__all__ = ["DESCRIBERS", "describe"]
