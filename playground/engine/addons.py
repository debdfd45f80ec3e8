"""The add-ons a fresh kubeadm/kind cluster runs in kube-system: CoreDNS and kube-proxy.

`kubectl get pods -A` on a new cluster shows two `coredns-…` pods and one `kube-proxy-…` pod per
node; learners expect to see them, and the kube-dns Service should have endpoints. The objects
below are what kubeadm installs (trimmed of fields the playground does not model), plus the two
built-in PriorityClasses their pods use.
"""

from __future__ import annotations

from typing import Any

from playground.engine import KUBERNETES_VERSION

COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.12.1"
KUBE_PROXY_IMAGE = f"registry.k8s.io/kube-proxy:{KUBERNETES_VERSION}"

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""

_CONTROL_PLANE_TOLERATION = {"key": "node-role.kubernetes.io/control-plane",
                             "effect": "NoSchedule"}


def priority_classes() -> list[dict[str, Any]]:
    """system-cluster-critical and system-node-critical, as every cluster has them."""
    return [
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
         "metadata": {"name": name}, "value": value, "globalDefault": False,
         "preemptionPolicy": "PreemptLowerPriority",
         "description": "Used for system critical pods that must run in the cluster, but can "
                        "be moved to another node if necessary." if name.endswith("cluster-"
                                                                                  "critical")
         else "Used for system critical pods that must not be moved from their current node."}
        for name, value in (("system-cluster-critical", 2000000000),
                            ("system-node-critical", 2000001000))]


def coredns() -> list[dict[str, Any]]:
    """CoreDNS: its ServiceAccount, Corefile and two-replica Deployment."""
    labels = {"k8s-app": "kube-dns"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": "coredns", "namespace": "kube-system"}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "coredns", "namespace": "kube-system"},
         "data": {"Corefile": COREFILE}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "coredns", "namespace": "kube-system", "labels": labels},
         "spec": {
             "replicas": 2,
             "selector": {"matchLabels": labels},
             "strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}},
             "template": {
                 "metadata": {"labels": labels},
                 "spec": {
                     "priorityClassName": "system-cluster-critical",
                     "serviceAccountName": "coredns",
                     "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                     dict(_CONTROL_PLANE_TOLERATION)],
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "affinity": {"podAntiAffinity": {
                         "preferredDuringSchedulingIgnoredDuringExecution": [{
                             "weight": 100,
                             "podAffinityTerm": {
                                 "labelSelector": {"matchExpressions": [{
                                     "key": "k8s-app", "operator": "In",
                                     "values": ["kube-dns"]}]},
                                 "topologyKey": "kubernetes.io/hostname"}}]}},
                     "containers": [{
                         "name": "coredns",
                         "image": COREDNS_IMAGE,
                         "imagePullPolicy": "IfNotPresent",
                         "args": ["-conf", "/etc/coredns/Corefile"],
                         "resources": {"limits": {"memory": "170Mi"},
                                       "requests": {"cpu": "100m", "memory": "70Mi"}},
                         "volumeMounts": [{"name": "config-volume",
                                           "mountPath": "/etc/coredns", "readOnly": True}],
                         "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                   {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                   {"containerPort": 9153, "name": "metrics",
                                    "protocol": "TCP"}],
                         "livenessProbe": {"httpGet": {"path": "/health", "port": 8080,
                                                       "scheme": "HTTP"},
                                           "initialDelaySeconds": 60, "timeoutSeconds": 5,
                                           "successThreshold": 1, "failureThreshold": 5},
                         "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181,
                                                        "scheme": "HTTP"}},
                     }],
                     "dnsPolicy": "Default",
                     "volumes": [{"name": "config-volume", "configMap": {
                         "name": "coredns",
                         "items": [{"key": "Corefile", "path": "Corefile"}]}}],
                 },
             },
         }},
    ]


def kube_proxy() -> list[dict[str, Any]]:
    """kube-proxy: its ServiceAccount and the DaemonSet that runs it on every node."""
    labels = {"k8s-app": "kube-proxy"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": "kube-proxy", "namespace": "kube-system"}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet",
         "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": labels},
         "spec": {
             "selector": {"matchLabels": labels},
             "template": {
                 "metadata": {"labels": labels},
                 "spec": {
                     "priorityClassName": "system-node-critical",
                     "serviceAccountName": "kube-proxy",
                     "hostNetwork": True,
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "tolerations": [{"operator": "Exists"}],
                     "containers": [{
                         "name": "kube-proxy",
                         "image": KUBE_PROXY_IMAGE,
                         "imagePullPolicy": "IfNotPresent",
                         "command": ["/usr/local/bin/kube-proxy",
                                     "--config=/var/lib/kube-proxy/config.conf",
                                     "--hostname-override=$(NODE_NAME)"],
                         "env": [{"name": "NODE_NAME", "valueFrom": {
                             "fieldRef": {"fieldPath": "spec.nodeName"}}}],
                         "securityContext": {"privileged": True},
                     }],
                 },
             },
         }},
    ]


def system_addons() -> list[dict[str, Any]]:
    """Everything above, in the order kubeadm creates it."""
    return [*priority_classes(), *coredns(), *kube_proxy()]
