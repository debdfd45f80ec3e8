"""Defaulting: each kind gains exactly the fields a 1.37 API server adds, and only once."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from playground.engine.api.defaults import (
    apply_defaults,
    default_image_pull_policy,
    default_job_selector,
)

EXAMPLES = (Path(__file__).resolve().parents[2].parent / "shared/conformance")


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    return obj


def _pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], **spec}}


def _template_of(kind: str, api_version: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}},
                     **spec}}


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("pod spec", _pod(), {
        "spec.restartPolicy": "Always", "spec.terminationGracePeriodSeconds": 30,
        "spec.dnsPolicy": "ClusterFirst", "spec.schedulerName": "default-scheduler",
        "spec.securityContext": {}, "spec.enableServiceLinks": True,
        "spec.serviceAccountName": "default", "spec.serviceAccount": "default",
        "spec.priority": 0, "spec.preemptionPolicy": "PreemptLowerPriority",
        "spec.containers.0.imagePullPolicy": "IfNotPresent",
        "spec.containers.0.terminationMessagePath": "/dev/termination-log",
        "spec.containers.0.terminationMessagePolicy": "File",
        "spec.containers.0.resources": {}}),
    ("pod keeps what is set", _pod(restartPolicy="Never", serviceAccountName="builder"), {
        "spec.restartPolicy": "Never", "spec.serviceAccountName": "builder",
        "spec.serviceAccount": "builder"}),
    ("requests from limits", _pod(containers=[{
        "name": "app", "image": "nginx", "resources": {"limits": {"cpu": "500m", "memory": "1Gi"},
                                                      "requests": {"cpu": "100m"}}}]),
     {"spec.containers.0.resources.requests": {"cpu": "100m", "memory": "1Gi"},
      "spec.containers.0.imagePullPolicy": "Always"}),
    ("ports, probes, env, volumes", _pod(
        containers=[{"name": "app", "image": "nginx@sha256:abc", "ports": [{"containerPort": 80}],
                     "livenessProbe": {"httpGet": {"port": 80}, "periodSeconds": 5},
                     "readinessProbe": {"tcpSocket": {"port": 80}},
                     "env": [{"name": "NODE", "valueFrom": {"fieldRef": {
                         "fieldPath": "spec.nodeName"}}}]}],
        volumes=[{"name": "c", "configMap": {"name": "cm"}}, {"name": "s", "secret": {
            "secretName": "s", "defaultMode": 256}}, {"name": "scratch"},
            {"name": "h", "hostPath": {"path": "/mnt"}}]),
     {"spec.containers.0.imagePullPolicy": "IfNotPresent",
      "spec.containers.0.ports.0.protocol": "TCP",
      "spec.containers.0.livenessProbe": {
          "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "periodSeconds": 5,
          "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
      "spec.containers.0.readinessProbe.periodSeconds": 10,
      "spec.containers.0.env.0.valueFrom.fieldRef.apiVersion": "v1",
      "spec.volumes.0.configMap.defaultMode": 420, "spec.volumes.1.secret.defaultMode": 256,
      "spec.volumes.2.emptyDir": {}, "spec.volumes.3.hostPath.type": ""}),
    ("deployment", _template_of("Deployment", "apps/v1"), {
        "spec.replicas": 1, "spec.revisionHistoryLimit": 10, "spec.progressDeadlineSeconds": 600,
        "spec.strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        "spec.template.spec.restartPolicy": "Always",
        "spec.template.spec.containers.0.imagePullPolicy": "Always"}),
    ("deployment recreate", _template_of("Deployment", "apps/v1", strategy={"type": "Recreate"},
                                         replicas=0),
     {"spec.strategy": {"type": "Recreate"}, "spec.replicas": 0}),
    ("replicaset", _template_of("ReplicaSet", "apps/v1"), {"spec.replicas": 1}),
    ("daemonset", _template_of("DaemonSet", "apps/v1"), {
        "spec.updateStrategy": {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        "spec.revisionHistoryLimit": 10}),
    ("statefulset", _template_of("StatefulSet", "apps/v1", serviceName="nginx",
                                 volumeClaimTemplates=[{"metadata": {"name": "www"}, "spec": {
                                     "accessModes": ["ReadWriteOnce"]}}]), {
        "spec.replicas": 1, "spec.podManagementPolicy": "OrderedReady",
        "spec.updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "spec.revisionHistoryLimit": 10,
        "spec.persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                      "whenScaled": "Retain"},
        "spec.volumeClaimTemplates.0.apiVersion": "v1",
        "spec.volumeClaimTemplates.0.kind": "PersistentVolumeClaim",
        "spec.volumeClaimTemplates.0.spec.volumeMode": "Filesystem",
        "spec.volumeClaimTemplates.0.status": {"phase": "Pending"}}),
    ("statefulset OnDelete", _template_of("StatefulSet", "apps/v1",
                                          updateStrategy={"type": "OnDelete"}),
     {"spec.updateStrategy": {"type": "OnDelete"}}),
    ("job", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
             "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}],
                                            "restartPolicy": "Never"}}}}, {
        "spec.parallelism": 1, "spec.completions": 1, "spec.backoffLimit": 6,
        "spec.completionMode": "NonIndexed", "spec.suspend": False, "spec.manualSelector": False,
        "spec.podReplacementPolicy": "TerminatingOrFailed",
        "spec.template.spec.restartPolicy": "Never"}),
    ("job parallel", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "q"},
                      "spec": {"parallelism": 3, "podFailurePolicy": {"rules": [{
                          "action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]},
                               "template": {"spec": {"containers": []}}}}, {
        "spec.parallelism": 3, "spec.podReplacementPolicy": "Failed",
        "spec.podFailurePolicy.rules.0.onPodConditions.0.status": "True"}),
    ("cronjob", {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello"},
                 "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
                     "spec": {"containers": [{"name": "c", "image": "busybox:1.28"}],
                              "restartPolicy": "OnFailure"}}}}}}, {
        "spec.concurrencyPolicy": "Allow", "spec.suspend": False,
        "spec.successfulJobsHistoryLimit": 3, "spec.failedJobsHistoryLimit": 1,
        "spec.jobTemplate.spec": {"template": {"spec": {
            "containers": [{"name": "c", "image": "busybox:1.28",
                            "imagePullPolicy": "IfNotPresent", "resources": {},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File"}],
            "restartPolicy": "OnFailure", "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst", "securityContext": {},
            "schedulerName": "default-scheduler"}}}}),
    ("service", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}, {
        "spec.type": "ClusterIP", "spec.sessionAffinity": "None",
        "spec.ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "spec.ipFamilies": ["IPv4"], "spec.ipFamilyPolicy": "SingleStack",
        "spec.internalTrafficPolicy": "Cluster"}),
    ("load balancer", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
                       "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
                                "ports": [{"port": 80, "targetPort": "http"}]}}, {
        "spec.externalTrafficPolicy": "Cluster", "spec.allocateLoadBalancerNodePorts": True,
        "spec.ports.0.targetPort": "http",
        "spec.sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}}),
    ("headless without selector", {"apiVersion": "v1", "kind": "Service",
                                   "metadata": {"name": "ext"}, "spec": {"clusterIP": "None"}},
     {"spec.ipFamilyPolicy": "RequireDualStack", "spec.ipFamilies": ["IPv4"]}),
    ("namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}, {
        "metadata.labels": {"kubernetes.io/metadata.name": "dev"},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
    ("secret", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},
     {"type": "Opaque"}),
    ("pvc", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
             "spec": {"accessModes": ["ReadWriteOnce"]}},
     {"spec.volumeMode": "Filesystem", "status.phase": "Pending"}),
    ("pv", {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"},
            "spec": {"hostPath": {"path": "/mnt/data"}}},
     {"spec.persistentVolumeReclaimPolicy": "Retain", "spec.volumeMode": "Filesystem",
      "spec.hostPath.type": ""}),
    ("hpa", {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
             "metadata": {"name": "h"}, "spec": {"maxReplicas": 10}},
     {"spec.minReplicas": 1, "spec.metrics.0.resource.target.averageUtilization": 80}),
    ("network policy", {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": "n"},
                        "spec": {"egress": [{"ports": [{"port": 53}]}]}},
     {"spec.policyTypes": ["Ingress", "Egress"], "spec.egress.0.ports.0.protocol": "TCP"}),
]


@pytest.mark.parametrize(("given", "expected"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_defaults(given: dict[str, Any], expected: dict[str, Any]) -> None:
    obj = copy.deepcopy(given)
    apply_defaults(obj)
    for path, value in expected.items():
        assert _get(obj, path) == value, path


def test_templates_get_no_pod_only_defaults() -> None:
    deployment = _template_of("Deployment", "apps/v1")
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "limits": {"cpu": "1"}}
    apply_defaults(deployment)
    pod_spec = deployment["spec"]["template"]["spec"]
    for field in ("enableServiceLinks", "serviceAccountName", "priority", "preemptionPolicy",
                  "tolerations"):
        assert field not in pod_spec
    assert pod_spec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}


@pytest.mark.parametrize(("kind", "api_version"), [("ConfigMap", "v1"), ("Ingress",
                                                   "networking.k8s.io/v1"), ("Node", "v1")])
def test_kinds_without_defaults_are_untouched(kind: str, api_version: str) -> None:
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}
    apply_defaults(obj)
    assert obj == {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("registry.k8s.io/pause:3.8", "IfNotPresent"), ("localhost:5000/app", "Always"),
    ("nginx@sha256:0123", "IfNotPresent"), ("nginx:latest@sha256:0123", "Always"),
])
def test_image_pull_policy(image: str, policy: str) -> None:
    assert default_image_pull_policy(image) == policy


def test_job_selector_and_labels() -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "uid": "u-1"},
           "spec": {"template": {"spec": {"containers": [], "restartPolicy": "Never"}}}}
    apply_defaults(job)
    default_job_selector(job)
    expected = {"batch.kubernetes.io/controller-uid": "u-1", "batch.kubernetes.io/job-name": "pi",
                "controller-uid": "u-1", "job-name": "pi"}
    assert job["spec"]["template"]["metadata"]["labels"] == expected
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}
    assert job["metadata"]["labels"] == expected


def test_manual_selector_is_left_alone() -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "uid": "u-1"},
           "spec": {"manualSelector": True, "selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b"}}, "spec": {}}}}
    before = copy.deepcopy(job)
    default_job_selector(job)
    assert job == before


def _conformance_objects() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLES.glob("k8s-examples*/**/*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict):
                found.append((str(path.relative_to(EXAMPLES)), doc))
    return found


CONFORMANCE = _conformance_objects()


@pytest.mark.parametrize("given", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_idempotent(given: dict[str, Any]) -> None:
    once = copy.deepcopy(given)
    apply_defaults(once)
    twice = copy.deepcopy(once)
    apply_defaults(twice)
    assert twice == once


def test_conformance_examples_default_cleanly() -> None:
    assert len(CONFORMANCE) > 40
    for name, doc in CONFORMANCE:
        once = copy.deepcopy(doc)
        apply_defaults(once)
        twice = copy.deepcopy(once)
        apply_defaults(twice)
        assert twice == once, name
        if doc.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
            containers = once["spec"]["template"]["spec"]["containers"]
            assert all("imagePullPolicy" in c for c in containers), name
