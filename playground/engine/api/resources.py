"""Discovery: the resource types this cluster serves, as `kubectl api-resources` lists them.

One table says, for each kind, its group/version, plural and short names, whether it is
namespaced and which categories (`all`) it belongs to. The API server, the store keys and
kubectl's resource-name resolution all read it, so a kind is added in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceType:
    """One served resource, e.g. `deployments` in `apps/v1`."""

    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = (
        "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
    )
    singular: str = field(default="")

    @property
    def api_version(self) -> str:
        """`apps/v1`, or `v1` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """Group-qualified plural, the store's name for the type: `deployments.apps`, `pods`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def name(self) -> str:
        """Lower-case singular name (`deployment`)."""
        return self.singular or self.kind.lower()

    @property
    def qualified_kind(self) -> str:
        """kubectl's `kind.group` prefix for success lines: `deployment.apps`, `service`."""
        return f"{self.name}.{self.group}" if self.group else self.name


_ALL = ("all",)

RESOURCE_TYPES: tuple[ResourceType, ...] = (
    # core/v1, in kubectl api-resources order
    ResourceType("Binding", "", "v1", "bindings", True, verbs=("create",)),
    ResourceType("ComponentStatus", "", "v1", "componentstatuses", False, ("cs",),
                 verbs=("get", "list")),
    ResourceType("ConfigMap", "", "v1", "configmaps", True, ("cm",)),
    ResourceType("Endpoints", "", "v1", "endpoints", True, ("ep",), singular="endpoints"),
    ResourceType("Event", "", "v1", "events", True, ("ev",)),
    ResourceType("LimitRange", "", "v1", "limitranges", True, ("limits",)),
    ResourceType("Namespace", "", "v1", "namespaces", False, ("ns",),
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch")),
    ResourceType("Node", "", "v1", "nodes", False, ("no",)),
    ResourceType("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True, ("pvc",)),
    ResourceType("PersistentVolume", "", "v1", "persistentvolumes", False, ("pv",)),
    ResourceType("Pod", "", "v1", "pods", True, ("po",), _ALL),
    ResourceType("PodTemplate", "", "v1", "podtemplates", True),
    ResourceType("ReplicationController", "", "v1", "replicationcontrollers", True, ("rc",),
                 _ALL),
    ResourceType("ResourceQuota", "", "v1", "resourcequotas", True, ("quota",)),
    ResourceType("Secret", "", "v1", "secrets", True),
    ResourceType("ServiceAccount", "", "v1", "serviceaccounts", True, ("sa",)),
    ResourceType("Service", "", "v1", "services", True, ("svc",), _ALL),
    # apps/v1
    ResourceType("ControllerRevision", "apps", "v1", "controllerrevisions", True),
    ResourceType("DaemonSet", "apps", "v1", "daemonsets", True, ("ds",), _ALL),
    ResourceType("Deployment", "apps", "v1", "deployments", True, ("deploy",), _ALL),
    ResourceType("ReplicaSet", "apps", "v1", "replicasets", True, ("rs",), _ALL),
    ResourceType("StatefulSet", "apps", "v1", "statefulsets", True, ("sts",), _ALL),
    # autoscaling, batch
    ResourceType("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers",
                 True, ("hpa",), _ALL),
    ResourceType("CronJob", "batch", "v1", "cronjobs", True, ("cj",), _ALL),
    ResourceType("Job", "batch", "v1", "jobs", True, (), _ALL),
    # coordination, discovery, events
    ResourceType("Lease", "coordination.k8s.io", "v1", "leases", True),
    ResourceType("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", True),
    # networking
    ResourceType("IngressClass", "networking.k8s.io", "v1", "ingressclasses", False),
    ResourceType("Ingress", "networking.k8s.io", "v1", "ingresses", True, ("ing",)),
    ResourceType("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True,
                 ("netpol",)),
    # policy, rbac, scheduling, storage
    ResourceType("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True, ("pdb",)),
    ResourceType("ClusterRoleBinding", "rbac.authorization.k8s.io", "v1",
                 "clusterrolebindings", False),
    ResourceType("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", False),
    ResourceType("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", True),
    ResourceType("Role", "rbac.authorization.k8s.io", "v1", "roles", True),
    ResourceType("PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", False, ("pc",)),
    ResourceType("StorageClass", "storage.k8s.io", "v1", "storageclasses", False, ("sc",)),
)

_BY_KEY: dict[str, ResourceType] = {rt.key: rt for rt in RESOURCE_TYPES}
_BY_GVK: dict[tuple[str, str], ResourceType] = {(rt.api_version, rt.kind): rt
                                                 for rt in RESOURCE_TYPES}
_BY_KIND: dict[str, ResourceType] = {rt.kind: rt for rt in RESOURCE_TYPES}


def by_key(key: str) -> ResourceType:
    """The type stored under `key` (`deployments.apps`); KeyError if none."""
    return _BY_KEY[key]


def by_kind(kind: str) -> ResourceType | None:
    """The served type of this kind in any version, or None."""
    return _BY_KIND.get(kind)


def for_object(api_version: str, kind: str) -> ResourceType | None:
    """The type serving `apiVersion`/`kind` exactly, or None when this cluster has no match."""
    return _BY_GVK.get((api_version, kind))


def lookup(name: str) -> list[ResourceType]:
    """Resolve a name as kubectl does: plural, singular, short name or kind, any case,
    optionally qualified by group (`deployments.apps`, `deploy.apps`) or by version and group
    (`deployments.v1.apps`). Returns every match (normally one)."""
    text = name.strip()
    lowered = text.lower()
    resource, _, qualifier = lowered.partition(".")
    matches: list[ResourceType] = []
    for rt in RESOURCE_TYPES:
        names = {rt.plural, rt.name, rt.kind.lower(), *rt.short_names}
        if resource not in names:
            continue
        if qualifier:
            version, _, group = qualifier.partition(".")
            if qualifier != rt.group and not (version == rt.version and group == rt.group):
                continue
        matches.append(rt)
    return matches


def in_category(category: str) -> list[ResourceType]:
    """Types in a category, in kubectl's discovery order for `all`."""
    order = ["pods", "replicationcontrollers", "services", "daemonsets.apps",
             "deployments.apps", "replicasets.apps", "statefulsets.apps",
             "horizontalpodautoscalers.autoscaling", "cronjobs.batch", "jobs.batch"]
    members = [rt for rt in RESOURCE_TYPES if category in rt.categories]
    return sorted(members, key=lambda rt: order.index(rt.key) if rt.key in order else 99)
