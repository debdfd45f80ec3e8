"""Defaulting: the fields a Kubernetes 1.37 API server fills in before it stores an object.

A manifest says only what its author cared about; `kubectl get -o yaml` on a real cluster shows
much more (`imagePullPolicy`, `dnsPolicy`, `revisionHistoryLimit`, `sessionAffinity`, …). This
module owns that difference, so objects in the playground read like objects on a real cluster.

It gathers, per kind, what the real server does in three places:
- the scheme's defaulting functions (`pkg/apis/<group>/<version>/defaults.go` and the
  declarative `+default` tags), which run on every decode, including reads from storage;
- the registry strategies that fill fields on create (a Namespace's `kubernetes` finalizer, a
  Service's IP families, the `apiVersion`/`kind` of StatefulSet claim templates);
- the admission plugins that give every Pod a service account and a priority.

Not here: anything needing allocation or the object's identity (ClusterIPs, NodePorts, uids —
see `default_job_selector` for the one uid-dependent default), the service-account token volume,
and the default tolerations added by admission.

Every rule only fills what is absent, so applying the defaults twice changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]

DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
CONFIGMAP_DEFAULT_MODE = 0o644
SECRET_DEFAULT_MODE = 0o644
DOWNWARD_API_DEFAULT_MODE = 0o644
PROJECTED_DEFAULT_MODE = 0o644
DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800
CLUSTER_IP_FAMILIES = ["IPv4"]
"""The families of this simulated cluster's service CIDR: a single-stack IPv4 cluster."""

_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                   "failureThreshold": 3}
_RBAC_GROUP = "rbac.authorization.k8s.io"


def _fill(target: JSON, key: str, value: Any) -> None:
    """Set `target[key]` to a private copy of `value` unless it already holds something.

    Like Go's zero-value checks, an empty string counts as unset; 0 and false do not, since
    every defaulted number or boolean is a pointer field in the real API types.
    """
    if target.get(key) is None or target.get(key) == "":
        target[key] = copy.deepcopy(value)


def _child(target: JSON, key: str) -> JSON:
    """The mapping at `target[key]`, created empty when absent."""
    if not isinstance(target.get(key), dict):
        target[key] = {}
    return target[key]


def _dicts(value: Any) -> list[JSON]:
    """The mappings of a list field, skipping anything malformed (validation reports those)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _mapping(parent: JSON, key: str) -> JSON | None:
    """`parent[key]` when it is a mapping, else None."""
    value = parent.get(key)
    return value if isinstance(value, dict) else None


# --- images -------------------------------------------------------------------------------

def image_tag(image: str) -> str:
    """The tag the container runtime will pull: the explicit tag, else `latest` unless pinned by digest.

    An empty name gives "" (the real server cannot parse it and defaults as if it had a tag).
    """
    if not image:
        return ""
    name, has_digest, _ = image.partition("@")
    last_segment = name.rsplit("/", 1)[-1]
    if ":" in last_segment:
        return last_segment.rsplit(":", 1)[1]
    return "" if has_digest else "latest"


def default_image_pull_policy(image: str) -> str:
    """`Always` for `:latest` (explicit or implied), `IfNotPresent` for anything else."""
    return "Always" if image_tag(image) == "latest" else "IfNotPresent"


# --- pod spec -----------------------------------------------------------------------------

def _default_http_get(handler: JSON | None) -> None:
    if handler is None:
        return
    http_get = _mapping(handler, "httpGet")
    if http_get is not None:
        _fill(http_get, "path", "/")
        _fill(http_get, "scheme", "HTTP")


def _default_probe(probe: JSON | None) -> None:
    if probe is None:
        return
    for key, value in _PROBE_DEFAULTS.items():
        if not probe.get(key):
            probe[key] = value
    _default_http_get(probe)
    grpc = _mapping(probe, "grpc")
    if grpc is not None:
        _fill(grpc, "service", "")


def _default_field_ref(holder: JSON | None) -> None:
    if holder is None:
        return
    field_ref = _mapping(holder, "fieldRef")
    if field_ref is not None:
        _fill(field_ref, "apiVersion", "v1")


def _requests_from_limits(container: JSON) -> None:
    """A Pod's container with limits but no request for a resource requests its limit."""
    resources = _mapping(container, "resources")
    limits = _mapping(resources, "limits") if resources else None
    if resources is None or limits is None:
        return
    requests = _child(resources, "requests")
    for name, quantity in limits.items():
        requests.setdefault(name, quantity)


def _default_container(container: JSON, *, in_pod: bool) -> None:
    if not container.get("imagePullPolicy"):
        image = container.get("image")
        container["imagePullPolicy"] = default_image_pull_policy(
            image if isinstance(image, str) else "")
    _fill(container, "terminationMessagePath", "/dev/termination-log")
    _fill(container, "terminationMessagePolicy", "File")
    _fill(container, "resources", {})
    if in_pod:
        _requests_from_limits(container)
    for port in _dicts(container.get("ports")):
        _fill(port, "protocol", "TCP")
    for env in _dicts(container.get("env")):
        _default_field_ref(_mapping(env, "valueFrom"))
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(_mapping(container, probe))
    lifecycle = _mapping(container, "lifecycle")
    if lifecycle is not None:
        _default_http_get(_mapping(lifecycle, "postStart"))
        _default_http_get(_mapping(lifecycle, "preStop"))


def _default_pvc_spec(spec: JSON) -> None:
    _fill(spec, "volumeMode", "Filesystem")


_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
    "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO",
    "storageos", "csi", "ephemeral", "image",
)


def _default_volume(volume: JSON) -> None:
    if not any(volume.get(source) is not None for source in _VOLUME_SOURCES):
        volume["emptyDir"] = {}
    host_path = _mapping(volume, "hostPath")
    if host_path is not None:
        _fill(host_path, "type", "")
    for source, mode in (("secret", SECRET_DEFAULT_MODE), ("configMap", CONFIGMAP_DEFAULT_MODE),
                         ("downwardAPI", DOWNWARD_API_DEFAULT_MODE),
                         ("projected", PROJECTED_DEFAULT_MODE)):
        found = _mapping(volume, source)
        if found is not None:
            _fill(found, "defaultMode", mode)
    downward = _mapping(volume, "downwardAPI")
    if downward is not None:
        for item in _dicts(downward.get("items")):
            _default_field_ref(item)
    projected = _mapping(volume, "projected")
    if projected is not None:
        for projection in _dicts(projected.get("sources")):
            projected_downward = _mapping(projection, "downwardAPI")
            if projected_downward is not None:
                for item in _dicts(projected_downward.get("items")):
                    _default_field_ref(item)
            token = _mapping(projection, "serviceAccountToken")
            if token is not None:
                _fill(token, "expirationSeconds", 3600)
    image = _mapping(volume, "image")
    if image is not None and not image.get("pullPolicy"):
        reference = image.get("reference")
        tag = image_tag(reference if isinstance(reference, str) else "")
        image["pullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    ephemeral = _mapping(volume, "ephemeral")
    claim_template = _mapping(ephemeral, "volumeClaimTemplate") if ephemeral else None
    claim_spec = _mapping(claim_template, "spec") if claim_template else None
    if claim_spec is not None:
        _default_pvc_spec(claim_spec)


def default_pod_spec(spec: JSON, *, in_pod: bool) -> None:
    """Defaults of a PodSpec; `in_pod` adds those only a Pod (never a template) receives."""
    _fill(spec, "restartPolicy", "Always")
    _fill(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    _fill(spec, "dnsPolicy", "ClusterFirst")
    _fill(spec, "securityContext", {})
    _fill(spec, "schedulerName", "default-scheduler")
    for volume in _dicts(spec.get("volumes")):
        _default_volume(volume)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _dicts(spec.get(key)):
            # Ephemeral containers are added through a subresource, never with requests.
            _default_container(container, in_pod=in_pod and key != "ephemeralContainers")
    if not in_pod:
        return
    _fill(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        for key in ("initContainers", "containers"):
            for container in _dicts(spec.get(key)):
                for port in _dicts(container.get("ports")):
                    if not port.get("hostPort") and port.get("containerPort") is not None:
                        port["hostPort"] = port["containerPort"]
    # Admission: ServiceAccount and Priority plugins.
    if not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec.get("serviceAccount") or "default"
    _fill(spec, "serviceAccount", spec["serviceAccountName"])
    if not spec.get("priorityClassName"):
        _fill(spec, "priority", 0)
    _fill(spec, "preemptionPolicy", "PreemptLowerPriority")


def _default_template(owner_spec: JSON, key: str = "template") -> None:
    template = _mapping(owner_spec, key)
    if template is None:
        return
    spec = _mapping(template, "spec")
    if spec is not None:
        default_pod_spec(spec, in_pod=False)


# --- core/v1 ------------------------------------------------------------------------------

def _pod(obj: JSON) -> None:
    default_pod_spec(_child(obj, "spec"), in_pod=True)


def _pod_template(obj: JSON) -> None:
    _default_template(obj)


def _replication_controller(obj: JSON) -> None:
    spec = _child(obj, "spec")
    template = _mapping(spec, "template")
    labels = _mapping(_mapping(template, "metadata") or {}, "labels") if template else None
    if labels is not None:
        if not spec.get("selector"):
            spec["selector"] = copy.deepcopy(labels)
        metadata = _child(obj, "metadata")
        if not metadata.get("labels"):
            metadata["labels"] = copy.deepcopy(labels)
    _fill(spec, "replicas", 1)
    _default_template(spec)


def _service(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "type", "ClusterIP")
    service_type = spec["type"]
    _fill(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = _child(_child(spec, "sessionAffinityConfig"), "clientIP")
        _fill(client_ip, "timeoutSeconds", DEFAULT_CLIENT_IP_AFFINITY_SECONDS)
    for port in _dicts(spec.get("ports")):
        _fill(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and port.get("port") is not None:
            port["targetPort"] = port["port"]
    if service_type in ("NodePort", "LoadBalancer"):
        _fill(spec, "externalTrafficPolicy", "Cluster")
    if service_type in ("ClusterIP", "NodePort", "LoadBalancer"):
        _fill(spec, "internalTrafficPolicy", "Cluster")
    if service_type == "LoadBalancer":
        _fill(spec, "allocateLoadBalancerNodePorts", True)
    if service_type != "ExternalName":
        headless_without_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
        _fill(spec, "ipFamilyPolicy",
              "RequireDualStack" if headless_without_selector else "SingleStack")
        _fill(spec, "ipFamilies", CLUSTER_IP_FAMILIES)


def _namespace(obj: JSON) -> None:
    metadata = _child(obj, "metadata")
    name = metadata.get("name")
    if isinstance(name, str) and name:
        _child(metadata, "labels")["kubernetes.io/metadata.name"] = name
    _fill(_child(obj, "spec"), "finalizers", ["kubernetes"])
    _fill(_child(obj, "status"), "phase", "Active")


def _secret(obj: JSON) -> None:
    _fill(obj, "type", "Opaque")


def _persistent_volume_claim(obj: JSON) -> None:
    _default_pvc_spec(_child(obj, "spec"))
    _fill(_child(obj, "status"), "phase", "Pending")


def _persistent_volume(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "persistentVolumeReclaimPolicy", "Retain")
    _fill(spec, "volumeMode", "Filesystem")
    host_path = _mapping(spec, "hostPath")
    if host_path is not None:
        _fill(host_path, "type", "")
    _fill(_child(obj, "status"), "phase", "Pending")


def _endpoints(obj: JSON) -> None:
    for subset in _dicts(obj.get("subsets")):
        for port in _dicts(subset.get("ports")):
            _fill(port, "protocol", "TCP")


def _limit_range(obj: JSON) -> None:
    for limit in _dicts(_child(obj, "spec").get("limits")):
        if limit.get("type") != "Container":
            continue
        default = _child(limit, "default")
        default_request = _child(limit, "defaultRequest")
        for name, quantity in (_mapping(limit, "max") or {}).items():
            default.setdefault(name, quantity)
        for name, quantity in default.items():
            default_request.setdefault(name, quantity)
        for name, quantity in (_mapping(limit, "min") or {}).items():
            default_request.setdefault(name, quantity)


# --- apps/v1 ------------------------------------------------------------------------------

def _deployment(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "replicas", 1)
    strategy = _child(spec, "strategy")
    _fill(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling_update = _child(strategy, "rollingUpdate")
        _fill(rolling_update, "maxUnavailable", "25%")
        _fill(rolling_update, "maxSurge", "25%")
    _fill(spec, "revisionHistoryLimit", 10)
    _fill(spec, "progressDeadlineSeconds", 600)
    _default_template(spec)


def _replica_set(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "replicas", 1)
    _default_template(spec)


def _daemon_set(obj: JSON) -> None:
    spec = _child(obj, "spec")
    strategy = _child(spec, "updateStrategy")
    _fill(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling_update = _child(strategy, "rollingUpdate")
        _fill(rolling_update, "maxUnavailable", 1)
        _fill(rolling_update, "maxSurge", 0)
    _fill(spec, "revisionHistoryLimit", 10)
    _default_template(spec)


def _stateful_set(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "podManagementPolicy", "OrderedReady")
    strategy = _child(spec, "updateStrategy")
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        _child(strategy, "rollingUpdate")
    rolling_update = _mapping(strategy, "rollingUpdate")
    if strategy["type"] == "RollingUpdate" and rolling_update is not None:
        _fill(rolling_update, "partition", 0)
    retention = _child(spec, "persistentVolumeClaimRetentionPolicy")
    _fill(retention, "whenDeleted", "Retain")
    _fill(retention, "whenScaled", "Retain")
    _fill(spec, "replicas", 1)
    _fill(spec, "revisionHistoryLimit", 10)
    _default_template(spec)
    for claim in _dicts(spec.get("volumeClaimTemplates")):
        # The registry strategy names the claim templates' type so they read as whole objects.
        _fill(claim, "apiVersion", "v1")
        _fill(claim, "kind", "PersistentVolumeClaim")
        _persistent_volume_claim(claim)


# --- batch/v1 -----------------------------------------------------------------------------

def _job(obj: JSON) -> None:
    spec = _child(obj, "spec")
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _fill(spec, "parallelism", 1)
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6
    template = _mapping(spec, "template")
    template_labels = _mapping(_mapping(template, "metadata") or {}, "labels") if template else None
    metadata = _child(obj, "metadata")
    if template_labels is not None and not metadata.get("labels"):
        metadata["labels"] = copy.deepcopy(template_labels)
    _fill(spec, "completionMode", "NonIndexed")
    _fill(spec, "suspend", False)
    pod_failure_policy = _mapping(spec, "podFailurePolicy")
    if pod_failure_policy is not None:
        for rule in _dicts(pod_failure_policy.get("rules")):
            for pattern in _dicts(rule.get("onPodConditions")):
                _fill(pattern, "status", "True")
    _fill(spec, "podReplacementPolicy",
          "Failed" if pod_failure_policy is not None else "TerminatingOrFailed")
    _fill(spec, "manualSelector", False)
    _default_template(spec)


def default_job_selector(job: dict[str, Any]) -> None:
    """Label the template with the Job's name and uid and select on the uid (on create, after the uid).

    Skipped when `spec.manualSelector` is true. Labels the author set are kept (validation
    rejects a conflict). A Job without labels of its own then takes its template's labels,
    as the real server's defaulting does when it reads the stored Job back.
    """
    spec = _child(job, "spec")
    if spec.get("manualSelector") is True:
        return
    metadata = _child(job, "metadata")
    name = metadata.get("name", "")
    uid = metadata.get("uid", "")
    labels = _child(_child(_child(spec, "template"), "metadata"), "labels")
    for key in ("batch.kubernetes.io/job-name", "job-name"):
        labels.setdefault(key, name)
    for key in ("batch.kubernetes.io/controller-uid", "controller-uid"):
        labels.setdefault(key, uid)
    match_labels = _child(_child(spec, "selector"), "matchLabels")
    match_labels.setdefault("batch.kubernetes.io/controller-uid", uid)
    if not metadata.get("labels"):
        metadata["labels"] = copy.deepcopy(labels)


def _cron_job(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "concurrencyPolicy", "Allow")
    _fill(spec, "suspend", False)
    _fill(spec, "successfulJobsHistoryLimit", 3)
    _fill(spec, "failedJobsHistoryLimit", 1)
    job_template = _mapping(spec, "jobTemplate")
    job_spec = _mapping(job_template, "spec") if job_template else None
    if job_spec is not None:
        _default_template(job_spec)


# --- other groups -------------------------------------------------------------------------

def _horizontal_pod_autoscaler(obj: JSON) -> None:
    spec = _child(obj, "spec")
    _fill(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    behavior = _mapping(spec, "behavior")
    if behavior is None:
        return
    scale_up = _child(behavior, "scaleUp")
    _fill(scale_up, "stabilizationWindowSeconds", 0)
    _fill(scale_up, "selectPolicy", "Max")
    _fill(scale_up, "policies", [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                 {"type": "Percent", "value": 100, "periodSeconds": 15}])
    scale_down = _child(behavior, "scaleDown")
    _fill(scale_down, "selectPolicy", "Max")
    _fill(scale_down, "policies", [{"type": "Percent", "value": 100, "periodSeconds": 15}])


def _network_policy(obj: JSON) -> None:
    spec = _child(obj, "spec")
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in _dicts(spec.get(direction)):
            for port in _dicts(rule.get("ports")):
                _fill(port, "protocol", "TCP")


def _ingress_class(obj: JSON) -> None:
    parameters = _mapping(_child(obj, "spec"), "parameters")
    if parameters is not None:
        _fill(parameters, "scope", "Cluster")


def _endpoint_slice(obj: JSON) -> None:
    for port in _dicts(obj.get("ports")):
        _fill(port, "name", "")
        _fill(port, "protocol", "TCP")


def _role_binding(obj: JSON) -> None:
    for subject in _dicts(obj.get("subjects")):
        if subject.get("apiGroup") is None:
            kind = subject.get("kind")
            if kind == "ServiceAccount":
                subject["apiGroup"] = ""
            elif kind in ("User", "Group"):
                subject["apiGroup"] = _RBAC_GROUP
    role_ref = _mapping(obj, "roleRef")
    if role_ref is not None and not role_ref.get("apiGroup"):
        role_ref["apiGroup"] = _RBAC_GROUP


def _storage_class(obj: JSON) -> None:
    _fill(obj, "reclaimPolicy", "Delete")
    _fill(obj, "volumeBindingMode", "Immediate")


_DEFAULTERS: dict[tuple[str, str], Callable[[JSON], None]] = {
    ("", "Pod"): _pod,
    ("", "PodTemplate"): _pod_template,
    ("", "ReplicationController"): _replication_controller,
    ("", "Service"): _service,
    ("", "Namespace"): _namespace,
    ("", "Secret"): _secret,
    ("", "PersistentVolumeClaim"): _persistent_volume_claim,
    ("", "PersistentVolume"): _persistent_volume,
    ("", "Endpoints"): _endpoints,
    ("", "LimitRange"): _limit_range,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replica_set,
    ("apps", "DaemonSet"): _daemon_set,
    ("apps", "StatefulSet"): _stateful_set,
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
    ("autoscaling", "HorizontalPodAutoscaler"): _horizontal_pod_autoscaler,
    ("networking.k8s.io", "NetworkPolicy"): _network_policy,
    ("networking.k8s.io", "IngressClass"): _ingress_class,
    ("discovery.k8s.io", "EndpointSlice"): _endpoint_slice,
    (_RBAC_GROUP, "RoleBinding"): _role_binding,
    (_RBAC_GROUP, "ClusterRoleBinding"): _role_binding,
    ("storage.k8s.io", "StorageClass"): _storage_class,
}


def apply_defaults(obj: dict[str, Any]) -> None:
    """Fill in place the fields the API server defaults for this object's apiVersion and kind.

    Kinds without defaults (ConfigMap, Ingress, Node, custom resources, …) are left unchanged.
    """
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return
    group, _, version = api_version.rpartition("/")
    if kind == "HorizontalPodAutoscaler" and version != "v2":
        return  # autoscaling/v1 has its own shape (targetCPUUtilizationPercentage)
    defaulter = _DEFAULTERS.get((group, kind))
    if defaulter is not None:
        defaulter(obj)
