"""`kubectl get` tables for each kind, checked as golden text against kubectl 1.37 layouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from playground.kubectl.printers import name_line, print_table, type_prefix
from playground.kubectl.printers.pods import pod_status_text
from playground.kubectl.table import format_table, format_tables

NOW = datetime(2026, 11, 27, 1, 21, 1, tzinfo=UTC)

Obj = dict[str, Any]


def ago(seconds: float) -> str:
    """An RFC 3339 timestamp `seconds` before NOW."""
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, namespace: str | None = "default", age: float = 300,
         labels: dict[str, str] | None = None, **extra: Any) -> Obj:
    data: Obj = {"name": name, "creationTimestamp": ago(age), **extra}
    if namespace is not None:
        data["namespace"] = namespace
    if labels:
        data["labels"] = labels
    return data


def get(objects: list[Obj], resource: str, **options: Any) -> str:
    wide = options.pop("wide", False)
    kind = options.pop("show_kind_prefix", None)
    table = print_table(objects, resource, NOW, wide=wide, **options)
    return format_table(table, wide=wide, show_kind_prefix=kind)


# ---- pods ------------------------------------------------------------------------------

def running(ready: bool = True, restarts: int = 0, last_finished: float | None = None,
            name: str = "app") -> Obj:
    status: Obj = {"name": name, "ready": ready, "restartCount": restarts, "started": True,
                   "state": {"running": {"startedAt": ago(60)}}}
    if last_finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                              "finishedAt": ago(last_finished)}}
    return status


def waiting(reason: str, restarts: int = 0, last_finished: float | None = None,
            name: str = "app") -> Obj:
    status: Obj = {"name": name, "ready": False, "restartCount": restarts,
                   "state": {"waiting": {"reason": reason}}}
    if last_finished is not None:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                              "finishedAt": ago(last_finished)}}
    return status


def terminated(reason: str | None, exit_code: int = 0, name: str = "app",
               signal: int = 0) -> Obj:
    state: Obj = {"exitCode": exit_code, "finishedAt": ago(10)}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": state}}


def pod(name: str = "web-7c5ddbdf54-2xkqn", phase: str = "Running",
        statuses: list[Obj] | None = None, init: list[Obj] | None = None,
        init_statuses: list[Obj] | None = None, conditions: list[Obj] | None = None,
        **fields: Any) -> Obj:
    statuses = [running()] if statuses is None else statuses
    containers = [{"name": s["name"], "image": "nginx"} for s in statuses] or [
        {"name": "app", "image": "nginx"}]
    spec: Obj = {"containers": containers, "nodeName": fields.pop("node", "worker-1")}
    status: Obj = {"phase": phase, "containerStatuses": statuses,
                   "podIP": "10.244.1.4", "podIPs": [{"ip": "10.244.1.4"}]}
    if init is not None:
        spec["initContainers"] = init
        status["initContainerStatuses"] = init_statuses or []
    if conditions is not None:
        status["conditions"] = conditions
    if "reason" in fields:
        status["reason"] = fields.pop("reason")
    metadata = meta(name, labels=fields.pop("labels", None))
    if "deleting" in fields:
        fields.pop("deleting")
        metadata["deletionTimestamp"] = ago(5)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec,
            "status": status}


def test_get_pods_matches_the_reference_layout() -> None:
    assert get([pod("nginx")], "pods") == (
        "NAME    READY   STATUS    RESTARTS   AGE\n"
        "nginx   1/1     Running   0          5m\n"
    )


def test_get_pods_wide() -> None:
    pending = pod("api-0", phase="Pending", statuses=[waiting("ContainerCreating")], node="")
    pending["status"].pop("podIPs")
    pending["status"].pop("podIP")
    assert get([pod("nginx"), pending], "pods", wide=True) == (
        "NAME    READY   STATUS              RESTARTS   AGE   IP           NODE       "
        "NOMINATED NODE   READINESS GATES\n"
        "nginx   1/1     Running             0          5m    10.244.1.4   worker-1   "
        "<none>           <none>\n"
        "api-0   0/1     ContainerCreating   0          5m    <none>       <none>     "
        "<none>           <none>\n"
    )


@pytest.mark.parametrize(
    ("example", "status"),
    [
        (pod(statuses=[waiting("CrashLoopBackOff", restarts=4, last_finished=30)]),
         "CrashLoopBackOff"),
        (pod(phase="Pending", statuses=[waiting("ErrImagePull")]), "ErrImagePull"),
        (pod(phase="Pending", statuses=[waiting("ImagePullBackOff")]), "ImagePullBackOff"),
        (pod(phase="Pending", statuses=[waiting("ContainerCreating")]), "ContainerCreating"),
        (pod(phase="Pending", statuses=[]), "Pending"),
        (pod(phase="Pending", statuses=[waiting("CreateContainerConfigError")]),
         "CreateContainerConfigError"),
        (pod(phase="Succeeded", statuses=[terminated("Completed")]), "Completed"),
        (pod(phase="Running", statuses=[terminated("OOMKilled", 137)]), "OOMKilled"),
        (pod(phase="Failed", statuses=[terminated("Error", 1)]), "Error"),
        (pod(phase="Failed", statuses=[terminated(None, 2)]), "ExitCode:2"),
        (pod(phase="Failed", statuses=[terminated(None, 0, signal=9)]), "Signal:9"),
        (pod(deleting=True), "Terminating"),
        (pod(phase="Succeeded", statuses=[terminated("Completed")], deleting=True), "Completed"),
        (pod(reason="NodeLost", deleting=True), "Unknown"),
        (pod(phase="Failed", statuses=[], reason="Evicted"), "Evicted"),
        (pod(phase="Pending", statuses=[],
             conditions=[{"type": "PodScheduled", "status": "False",
                          "reason": "SchedulingGated"}]), "SchedulingGated"),
    ],
)
def test_pod_status_column(example: Obj, status: str) -> None:
    assert pod_status_text(example) == status


def test_first_listed_container_speaks_for_the_pod() -> None:
    example = pod(statuses=[waiting("ImagePullBackOff", name="a"),
                            waiting("CrashLoopBackOff", name="b")])
    assert pod_status_text(example) == "ImagePullBackOff"


def test_completed_sidecar_with_running_container_reads_running_or_not_ready() -> None:
    statuses = [running(name="nginx"), terminated("Completed", name="debian")]
    ready = [{"type": "Ready", "status": "True"}]
    not_ready = [{"type": "Ready", "status": "False"}]
    assert pod_status_text(pod(statuses=statuses, conditions=ready)) == "Running"
    assert pod_status_text(pod(statuses=statuses, conditions=not_ready)) == "NotReady"
    two = get([pod("two-containers", statuses=statuses, conditions=not_ready)], "pods")
    assert two.splitlines()[1] == "two-containers   1/2     NotReady   0          5m"


def test_init_container_states() -> None:
    init = [{"name": "init-myservice", "image": "busybox"}]
    pending = pod(phase="Pending", statuses=[waiting("PodInitializing")], init=init,
                  init_statuses=[{"name": "init-myservice", "ready": False, "restartCount": 0,
                                  "state": {"running": {}}}])
    assert pod_status_text(pending) == "Init:0/1"
    crashing = pod(phase="Pending", statuses=[waiting("PodInitializing")], init=init,
                   init_statuses=[waiting("CrashLoopBackOff", restarts=3, last_finished=20,
                                          name="init-myservice")])
    assert pod_status_text(crashing) == "Init:CrashLoopBackOff"
    assert get([crashing], "pods").splitlines()[1] == (
        "web-7c5ddbdf54-2xkqn   0/1     Init:CrashLoopBackOff   3 (20s ago)   5m")
    failed = pod(phase="Pending", statuses=[waiting("PodInitializing")], init=init,
                 init_statuses=[terminated("Error", 1, name="init-myservice")])
    assert pod_status_text(failed) == "Init:Error"
    done = pod(init=init, init_statuses=[terminated("Completed", 0, name="init-myservice")],
               conditions=[{"type": "Initialized", "status": "True"}])
    assert pod_status_text(done) == "Running"


def test_sidecar_counts_towards_ready_and_total() -> None:
    init = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    example = pod(init=init, init_statuses=[running(name="proxy")],
                  conditions=[{"type": "Initialized", "status": "True"}])
    assert get([example], "pods").splitlines()[1] == (
        "web-7c5ddbdf54-2xkqn   2/2     Running   0          5m")


def test_restarts_show_when_the_last_one_happened() -> None:
    example = pod(statuses=[waiting("CrashLoopBackOff", restarts=5, last_finished=123)])
    assert get([example], "pods") == (
        "NAME                   READY   STATUS             RESTARTS       AGE\n"
        "web-7c5ddbdf54-2xkqn   0/1     CrashLoopBackOff   5 (2m3s ago)   5m\n"
    )


@pytest.mark.parametrize(
    ("age", "text"),
    [(119, "119s"), (120, "2m"), (9 * 60 + 59, "9m59s"), (10 * 60, "10m"),
     (2 * 3600 + 59 * 60, "179m"), (3 * 3600, "3h"), (5 * 3600 + 30 * 60, "5h30m"),
     (30 * 3600, "30h"), (3 * 86400 + 4 * 3600, "3d4h"), (400 * 86400, "400d")],
)
def test_age_column_boundaries(age: float, text: str) -> None:
    example = pod("p")
    example["metadata"]["creationTimestamp"] = ago(age)
    assert get([example], "pods", show_labels=False).splitlines()[1].endswith(f"   {text}")


def test_all_namespaces_labels_and_label_columns() -> None:
    a = pod("web-1", labels={"tier": "fe", "app": "web"})
    b = pod("db-0", labels={"app": "db"})
    b["metadata"]["namespace"] = "data"
    text = get([a, b], "pods", show_namespace=True, show_labels=True,
               label_columns=["app.kubernetes.io/tier", "app"])
    assert text == (
        "NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE   TIER   APP   LABELS\n"
        "default     web-1   1/1     Running   0          5m           web   app=web,tier=fe\n"
        "data        db-0    1/1     Running   0          5m           db    app=db\n"
    )
    unlabelled = get([pod("solo")], "pods", show_labels=True)
    assert unlabelled.splitlines()[1].endswith("   <none>")


# ---- workloads -------------------------------------------------------------------------

def template(*images: str, node_selector: dict[str, str] | None = None) -> Obj:
    spec: Obj = {"containers": [{"name": image.split(":")[0], "image": image}
                                for image in images]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"metadata": {"labels": {"app": "web"}}, "spec": spec}


def deployment(name: str = "web", replicas: int = 3, ready: int = 3, age: float = 600) -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, age=age),
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": template("nginx:1.27")},
        "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas,
                   "availableReplicas": ready},
    }


def test_get_deployments_and_wide() -> None:
    assert get([deployment(), deployment("api", 2, 1)], "deployments.apps") == (
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "web    3/3     3            3           10m\n"
        "api    1/2     2            1           10m\n"
    )
    wide = deployment()
    wide["spec"]["selector"]["matchExpressions"] = [
        {"key": "tier", "operator": "In", "values": ["fe", "be"]}]
    assert get([wide], "deployments.apps", wide=True) == (
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n"
        "web    3/3     3            3           10m   nginx        nginx:1.27   "
        "app=web,tier in (be,fe)\n"
    )


def test_get_replicasets_wide() -> None:
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta("web-7c5ddbdf54"),
          "spec": {"replicas": 3, "selector": {"matchLabels": {
              "app": "web", "pod-template-hash": "7c5ddbdf54"}},
                   "template": template("nginx:1.27")},
          "status": {"replicas": 3, "readyReplicas": 2}}
    assert get([rs], "replicasets.apps", wide=True) == (
        "NAME             DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR\n"
        "web-7c5ddbdf54   3         3         2       5m    nginx        nginx:1.27   "
        "app=web,pod-template-hash=7c5ddbdf54\n"
    )


def test_get_statefulsets() -> None:
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta("web", age=90),
           "spec": {"replicas": 2, "template": template("nginx")},
           "status": {"readyReplicas": 2}}
    assert get([sts], "statefulsets.apps") == "NAME   READY   AGE\nweb    2/2     90s\n"


def test_get_daemonsets_matches_the_reference_layout() -> None:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": meta("kube-proxy", "kube-system", age=10 * 86400),
          "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                   "template": template("kube-proxy:v1.37.0",
                                        node_selector={"kubernetes.io/os": "linux"})},
          "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
                     "numberReady": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}}
    assert get([ds], "daemonsets.apps") == (
        "NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR"
        "            AGE\n"
        "kube-proxy   3         3         3       3            3           "
        "kubernetes.io/os=linux   10d\n"
    )


def job(name: str = "pi", conditions: list[Obj] | None = None, completions: int | None = 1,
        parallelism: int = 1, succeeded: int = 0, start: float | None = 60,
        finish: float | None = None, **extra: Any) -> Obj:
    spec: Obj = {"parallelism": parallelism, "template": template("perl:5.34.0"),
                 "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}}}
    if completions is not None:
        spec["completions"] = completions
    status: Obj = {"succeeded": succeeded, "conditions": conditions or []}
    if start is not None:
        status["startTime"] = ago(start)
    if finish is not None:
        status["completionTime"] = ago(finish)
    metadata = meta(name, age=120)
    metadata.update(extra)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec,
            "status": status}


def test_get_jobs() -> None:
    done = job(conditions=[{"type": "Complete", "status": "True"}], succeeded=1, start=60,
               finish=49)
    assert get([done], "jobs.batch") == (
        "NAME   STATUS     COMPLETIONS   DURATION   AGE\n"
        "pi     Complete   1/1           11s        2m\n"
    )
    rows = get([
        job("a", start=None),
        job("b", conditions=[{"type": "Failed", "status": "True"}]),
        job("c", conditions=[{"type": "Suspended", "status": "True"}]),
        job("d", completions=None, parallelism=3, succeeded=1),
        job("e", completions=None),
        job("f", deletionTimestamp=ago(1)),
        job("g", completions=5, succeeded=2,
            conditions=[{"type": "FailureTarget", "status": "True"}]),
    ], "jobs.batch").splitlines()[1:]
    assert rows == [
        "a      Running         0/1                      2m",
        "b      Failed          0/1           60s        2m",
        "c      Suspended       0/1           60s        2m",
        "d      Running         1/1 of 3      60s        2m",
        "e      Running         0/1           60s        2m",
        "f      Terminating     0/1           60s        2m",
        "g      FailureTarget   2/5           60s        2m",
    ]


def test_get_cronjobs_matches_the_reference_layout() -> None:
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("hello", age=3600),
            "spec": {"schedule": "*/1 * * * *", "suspend": False,
                     "jobTemplate": {"spec": {"template": template("busybox:1.28")}}},
            "status": {"active": [{"name": "hello-29000000"}], "lastScheduleTime": ago(41)}}
    never = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("nightly"),
             "spec": {"schedule": "0 3 * * *", "timeZone": "Etc/UTC", "suspend": True,
                      "jobTemplate": {"spec": {"template": template("busybox")}}}}
    assert get([cron, never], "cronjobs.batch") == (
        "NAME      SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n"
        "hello     */1 * * * *   <none>     False     1        41s             60m\n"
        "nightly   0 3 * * *     Etc/UTC    True      0        <none>          5m\n"
    )


def test_get_hpa_targets() -> None:
    def hpa(current: int | None) -> Obj:
        status: Obj = {"currentReplicas": 1}
        if current is not None:
            status["currentMetrics"] = [{"type": "Resource", "resource": {
                "name": "cpu", "current": {"averageUtilization": current,
                                           "averageValue": "4m"}}}]
        return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": meta("web"),
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": "web"},
                         "minReplicas": 1, "maxReplicas": 10,
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization",
                                                       "averageUtilization": 50}}}]},
                "status": status}
    assert get([hpa(2)], "horizontalpodautoscalers.autoscaling") == (
        "NAME   REFERENCE        TARGETS       MINPODS   MAXPODS   REPLICAS   AGE\n"
        "web    Deployment/web   cpu: 2%/50%   1         10        1          5m\n"
    )
    unknown = get([hpa(None)], "horizontalpodautoscalers.autoscaling")
    assert "   cpu: <unknown>/50%   " in unknown


def test_get_controllerrevisions() -> None:
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": meta("web-6d4b8c", ownerReferences=[{
                    "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web",
                    "controller": True}]),
                "revision": 2}
    assert get([revision], "controllerrevisions.apps") == (
        "NAME         CONTROLLER             REVISION   AGE\n"
        "web-6d4b8c   statefulset.apps/web   2          5m\n"
    )


# ---- services and networking -----------------------------------------------------------

def service(name: str, service_type: str = "ClusterIP", ports: list[Obj] | None = None,
            cluster_ip: str = "10.96.45.123", **spec: Any) -> Obj:
    body: Obj = {"type": service_type, "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                 "ports": ports if ports is not None else [{"port": 80, "protocol": "TCP"}],
                 **spec}
    status = {"loadBalancer": body.pop("load_balancer")} if "load_balancer" in body else {}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name), "spec": body,
            "status": status}


def test_get_services_types_and_ports() -> None:
    objects = [
        service("kubernetes", cluster_ip="10.96.0.1",
                ports=[{"port": 443, "protocol": "TCP"}]),
        service("web", selector={"app": "web"}),
        service("my-nginx", "NodePort", ports=[
            {"port": 8080, "nodePort": 31234, "protocol": "TCP"},
            {"port": 443, "nodePort": 30443, "protocol": "TCP"}]),
        service("my-lb", "LoadBalancer", ports=[{"port": 80, "nodePort": 30080}]),
        service("cloud-lb", "LoadBalancer", ports=[{"port": 80, "nodePort": 30081}],
                load_balancer={"ingress": [{"hostname": "a1b2c3.elb.us-east-1.amazonaws.com"}]}),
        service("nginx", cluster_ip="None", ports=[{"port": 80, "protocol": "TCP"}]),
        {"apiVersion": "v1", "kind": "Service", "metadata": meta("db"),
         "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
        service("dns", ports=[{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
                externalIPs=["192.0.2.10"]),
    ]
    assert get(objects, "services") == (
        "NAME         TYPE           CLUSTER-IP     EXTERNAL-IP                          PORT(S)"
        "                        AGE\n"
        "kubernetes   ClusterIP      10.96.0.1      <none>                               443/TCP"
        "                        5m\n"
        "web          ClusterIP      10.96.45.123   <none>                               80/TCP"
        "                         5m\n"
        "my-nginx     NodePort       10.96.45.123   <none>                               "
        "8080:31234/TCP,443:30443/TCP   5m\n"
        "my-lb        LoadBalancer   10.96.45.123   <pending>                            "
        "80:30080/TCP                   5m\n"
        "cloud-lb     LoadBalancer   10.96.45.123   a1b2c3.elb.us-east-1.amazonaws.com   "
        "80:30081/TCP                   5m\n"
        "nginx        ClusterIP      None           <none>                               80/TCP"
        "                         5m\n"
        "db           ExternalName   <none>         db.example.com                       <none>"
        "                         5m\n"
        "dns          ClusterIP      10.96.45.123   192.0.2.10                           "
        "53/UDP,53/TCP                  5m\n"
    )
    wide = get([service("web", selector={"tier": "fe", "app": "web"}), service("x")],
               "services", wide=True)
    assert wide.splitlines() == [
        "NAME   TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)   AGE   SELECTOR",
        "web    ClusterIP   10.96.45.123   <none>        80/TCP    5m    app=web,tier=fe",
        "x      ClusterIP   10.96.45.123   <none>        80/TCP    5m    <none>",
    ]


def endpoints(name: str, ips: list[str], ports: list[int] | None = None) -> Obj:
    subset: Obj = {"addresses": [{"ip": ip} for ip in ips]}
    if ports:
        subset["ports"] = [{"port": p, "protocol": "TCP"} for p in ports]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name),
            "subsets": [subset] if ips else []}


def test_get_endpoints_shows_three_then_more() -> None:
    assert get([endpoints("web", ["10.244.1.5", "10.244.1.6", "10.244.1.7"], [80])],
               "endpoints") == (
        "NAME   ENDPOINTS                                   AGE\n"
        "web    10.244.1.5:80,10.244.1.6:80,10.244.1.7:80   5m\n"
    )
    many = endpoints("big", [f"10.244.1.{i}" for i in range(1, 6)], [80, 443])
    empty = endpoints("none", [])
    headless = endpoints("headless", ["10.244.2.9"])
    rows = get([many, empty, headless], "endpoints").splitlines()[1:]
    assert rows == [
        "big        10.244.1.1:80,10.244.1.2:80,10.244.1.3:80 + 7 more...   5m",
        "none       <none>                                                  5m",
        "headless   10.244.2.9                                              5m",
    ]


def test_get_endpointslices_matches_the_reference_layout() -> None:
    eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": meta("web-abcde", labels={"kubernetes.io/service-name": "web"}),
           "addressType": "IPv4", "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
           "endpoints": [{"addresses": [f"10.244.1.{i}"]} for i in (5, 6, 7)]}
    empty = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": meta("db-xyz12"), "addressType": "IPv4", "endpoints": []}
    assert get([eps, empty], "endpointslices.discovery.k8s.io") == (
        "NAME        ADDRESSTYPE   PORTS     ENDPOINTS                          AGE\n"
        "web-abcde   IPv4          80        10.244.1.5,10.244.1.6,10.244.1.7   5m\n"
        "db-xyz12    IPv4          <unset>   <unset>                            5m\n"
    )


def test_get_ingresses() -> None:
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("test"),
               "spec": {"ingressClassName": "nginx",
                        "rules": [{"host": "foo.example.com"}]},
               "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.3"}]}}}
    minimal = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": meta("minimal-ingress"),
               "spec": {"rules": [{"http": {}}], "tls": [{"hosts": ["a"]}]}}
    assert get([ingress], "ingresses.networking.k8s.io") == (
        "NAME   CLASS   HOSTS             ADDRESS      PORTS   AGE\n"
        "test   nginx   foo.example.com   172.18.0.3   80      5m\n"
    )
    assert get([minimal], "ingresses.networking.k8s.io").splitlines()[1] == (
        "minimal-ingress   <none>   *                 80, 443   5m")


# ---- nodes and namespaces --------------------------------------------------------------

def node(name: str, ready: str | None = "True", unschedulable: bool = False,
         labels: dict[str, str] | None = None) -> Obj:
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready})
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": meta(name, None, age=10 * 86400, labels=labels),
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {"conditions": conditions,
                   "addresses": [{"type": "InternalIP", "address": "172.18.0.3"},
                                 {"type": "Hostname", "address": name}],
                   "nodeInfo": {"kubeletVersion": "v1.37.0",
                                "osImage": "Debian GNU/Linux 12 (bookworm)",
                                "kernelVersion": "6.8.0-45-generic",
                                "containerRuntimeVersion": "containerd://2.1.1"}},
    }


def test_get_nodes_status_and_roles() -> None:
    objects = [
        node("control-plane", labels={"node-role.kubernetes.io/control-plane": ""}),
        node("worker-1", unschedulable=True),
        node("worker-2", ready="False"),
        node("worker-3", ready="Unknown", unschedulable=True,
             labels={"kubernetes.io/role": "edge", "node-role.kubernetes.io/infra": ""}),
        node("worker-4", ready=None),
    ]
    assert get(objects, "nodes") == (
        "NAME            STATUS                        ROLES           AGE   VERSION\n"
        "control-plane   Ready                         control-plane   10d   v1.37.0\n"
        "worker-1        Ready,SchedulingDisabled      <none>          10d   v1.37.0\n"
        "worker-2        NotReady                      <none>          10d   v1.37.0\n"
        "worker-3        NotReady,SchedulingDisabled   edge,infra      10d   v1.37.0\n"
        "worker-4        Unknown                       <none>          10d   v1.37.0\n"
    )


def test_get_nodes_wide() -> None:
    assert get([node("worker-1")], "nodes", wide=True) == (
        "NAME       STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE"
        "                         KERNEL-VERSION     CONTAINER-RUNTIME\n"
        "worker-1   Ready    <none>   10d   v1.37.0   172.18.0.3    <none>        "
        "Debian GNU/Linux 12 (bookworm)   6.8.0-45-generic   containerd://2.1.1\n"
    )


def test_get_namespaces_matches_the_reference_layout() -> None:
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": meta(n, None, age=86400),
                "status": {"phase": phase}}
               for n, phase in (("default", "Active"), ("kube-node-lease", "Active"),
                                ("dev", "Terminating"))]
    assert get(objects, "namespaces") == (
        "NAME              STATUS        AGE\n"
        "default           Active        24h\n"
        "kube-node-lease   Active        24h\n"
        "dev               Terminating   24h\n"
    )


# ---- events ----------------------------------------------------------------------------

def event(reason: str, kind: str, name: str, message: str, event_type: str = "Normal",
          count: int = 1, first: float = 300, last: float = 300, **extra: Any) -> Obj:
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": meta(f"{name}.18a1b2c3d4e5f6a7"),
            "involvedObject": {"kind": kind, "name": name, "namespace": "default",
                               **extra.pop("involved", {})},
            "reason": reason, "message": message, "type": event_type, "count": count,
            "firstTimestamp": ago(first), "lastTimestamp": ago(last), **extra}


def test_get_events_matches_the_reference_layout() -> None:
    objects = [
        event("NodeHasSufficientMemory", "Node", "worker-1",
              "Node worker-1 status is now: NodeHasSufficientMemory", first=600, last=600),
        event("SuccessfulCreate", "ReplicaSet", "web-7c5ddbdf54",
              "Created pod: web-7c5ddbdf54-2xkqn"),
        event("BackOff", "Pod", "web-7c5ddbdf54-2xkqn",
              "Back-off restarting failed container app in pod web-7c5ddbdf54-2xkqn\n",
              event_type="Warning", count=3, first=85, last=56),
    ]
    assert get(objects, "events") == (
        "LAST SEEN   TYPE      REASON                    OBJECT                      MESSAGE\n"
        "10m         Normal    NodeHasSufficientMemory   node/worker-1               "
        "Node worker-1 status is now: NodeHasSufficientMemory\n"
        "5m          Normal    SuccessfulCreate          replicaset/web-7c5ddbdf54   "
        "Created pod: web-7c5ddbdf54-2xkqn\n"
        "56s         Warning   BackOff                   pod/web-7c5ddbdf54-2xkqn    "
        "Back-off restarting failed container app in pod web-7c5ddbdf54-2xkqn\n"
    )


def test_get_events_wide_and_fallbacks() -> None:
    pulled = event("Pulled", "Pod", "nginx", "Successfully pulled image", first=64, last=64,
                   source={"component": "kubelet", "host": "worker-1"},
                   involved={"fieldPath": "spec.containers{nginx}"})
    scheduled = event("Scheduled", "Pod", "nginx", "Successfully assigned default/nginx",
                      source={"component": "default-scheduler"}, count=0)
    del scheduled["lastTimestamp"]
    modern = event("Started", "Pod", "nginx", "Started container", first=0, last=0,
                   reportingComponent="kubelet", reportingInstance="worker-2",
                   eventTime=ago(30), series={"count": 4, "lastObservedTime": ago(7)})
    del modern["firstTimestamp"], modern["lastTimestamp"]
    assert get([pulled, scheduled, modern], "events", wide=True) == (
        "LAST SEEN   TYPE     REASON      OBJECT      SUBOBJECT                SOURCE"
        "              MESSAGE                               FIRST SEEN   COUNT   NAME\n"
        "64s         Normal   Pulled      pod/nginx   spec.containers{nginx}   kubelet, worker-1"
        "   Successfully pulled image             64s          1       nginx.18a1b2c3d4e5f6a7\n"
        "5m          Normal   Scheduled   pod/nginx                            default-scheduler"
        "   Successfully assigned default/nginx   5m           1       nginx.18a1b2c3d4e5f6a7\n"
        "7s          Normal   Started     pod/nginx                            kubelet, worker-2"
        "   Started container                     30s          4       nginx.18a1b2c3d4e5f6a7\n"
    )


# ---- config and storage ----------------------------------------------------------------

def test_get_configmaps_secrets_serviceaccounts() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("kube-root-ca.crt"),
          "data": {"ca.crt": "..."}}
    both = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("game-demo"),
            "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AAE="}}
    assert get([cm, both], "configmaps") == (
        "NAME               DATA   AGE\n"
        "kube-root-ca.crt   1      5m\n"
        "game-demo          3      5m\n"
    )
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": meta("my-cred"),
              "type": "Opaque", "data": {"username": "bXktYXBw", "password": "Mzk1Mjg="}}
    assert get([secret], "secrets") == (
        "NAME      TYPE     DATA   AGE\n"
        "my-cred   Opaque   2      5m\n"
    )
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("default")}
    assert get([account], "serviceaccounts") == "NAME      AGE\ndefault   5m\n"


def test_get_pvc_and_pv() -> None:
    bound = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("www-web-0"),
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                      "volumeName": "pv-web-00", "volumeMode": "Filesystem",
                      "resources": {"requests": {"storage": "1Gi"}}},
             "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                        "capacity": {"storage": "1Gi"}}}
    pending = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": meta("www-web-1"),
               "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                        "resources": {"requests": {"storage": "1Gi"}}},
               "status": {"phase": "Pending"}}
    assert get([bound, pending], "persistentvolumeclaims") == (
        "NAME        STATUS    VOLUME      CAPACITY   ACCESS MODES   STORAGECLASS   "
        "VOLUMEATTRIBUTESCLASS   AGE\n"
        "www-web-0   Bound     pv-web-00   1Gi        RWO            standard       "
        "<unset>                 5m\n"
        "www-web-1   Pending                                         standard       "
        "<unset>                 5m\n"
    )
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta("pv1", None),
          "spec": {"capacity": {"storage": "10Gi"},
                   "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual",
                   "claimRef": {"namespace": "d", "name": "c"}, "volumeMode": "Filesystem"},
          "status": {"phase": "Bound"}}
    assert get([pv], "persistentvolumes", wide=True) == (
        "NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   CLAIM   STORAGECLASS   "
        "VOLUMEATTRIBUTESCLASS   REASON   AGE   VOLUMEMODE\n"
        "pv1    10Gi       RWO,RWX        Retain           Bound    d/c     manual         "
        "<unset>                          5m    Filesystem\n"
    )


def test_get_storageclasses_marks_the_default() -> None:
    default = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
               "metadata": meta("standard", None, annotations={
                   "storageclass.kubernetes.io/is-default-class": "true"}),
               "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
               "volumeBindingMode": "WaitForFirstConsumer"}
    fast = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": meta("fast", None), "provisioner": "ebs.csi.aws.com",
            "allowVolumeExpansion": True}
    assert get([default, fast], "storageclasses.storage.k8s.io") == (
        "NAME                 PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      "
        "ALLOWVOLUMEEXPANSION   AGE\n"
        "standard (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   "
        "false                  5m\n"
        "fast                 ebs.csi.aws.com         Delete          Immediate              "
        "true                   5m\n"
    )


# ---- misc, fallbacks, names ------------------------------------------------------------

def test_leases_roles_and_unknown_kinds() -> None:
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": meta("worker-1", "kube-node-lease"),
             "spec": {"holderIdentity": "worker-1"}}
    assert get([lease], "leases.coordination.k8s.io") == (
        "NAME       HOLDER     AGE\nworker-1   worker-1   5m\n")
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "pod-reader", "namespace": "default",
                         "creationTimestamp": "2026-11-27T02:16:01+01:00"}}
    assert get([role], "roles.rbac.authorization.k8s.io") == (
        "NAME         CREATED AT\npod-reader   2026-11-27T01:16:01Z\n")
    crd = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta("w1")}
    assert get([crd], "widgets.example.com") == "NAME   AGE\nw1     5m\n"


def test_name_lines() -> None:
    assert name_line(deployment()) == "deployment.apps/web"
    assert name_line(pod("web-x")) == "pod/web-x"
    assert name_line(endpoints("web", [])) == "endpoints/web"
    assert name_line({"metadata": {"name": "php-apache"}},
                     "horizontalpodautoscalers.autoscaling") == (
        "horizontalpodautoscaler.autoscaling/php-apache")
    assert type_prefix({"apiVersion": "example.com/v1", "kind": "Widget"}) == "widget.example.com"


def test_get_all_prints_one_table_per_kind_with_kind_prefixes() -> None:
    tables = [
        print_table([pod("web-7c5ddbdf54-2xkqn")], "pods", NOW),
        print_table([], "replicationcontrollers", NOW),
        print_table([service("kubernetes", cluster_ip="10.96.0.1",
                             ports=[{"port": 443, "protocol": "TCP"}])], "services", NOW),
        print_table([deployment(replicas=1, ready=1)], "deployments.apps", NOW),
    ]
    assert format_tables(tables, show_kind_prefix=True) == (
        "NAME                       READY   STATUS    RESTARTS   AGE\n"
        "pod/web-7c5ddbdf54-2xkqn   1/1     Running   0          5m\n"
        "\n"
        "NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n"
        "service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5m\n"
        "\n"
        "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/web   1/1     1            1           10m\n"
    )


def test_rows_keep_their_objects_and_the_server_order() -> None:
    objects = [pod("b"), pod("a")]
    table = print_table(objects, "pods", NOW)
    assert [row.object["metadata"]["name"] for row in table.rows] == ["b", "a"]
    assert [row.cells[0] for row in table.rows] == ["b", "a"]


def test_kind_prefix_comes_from_the_type_even_for_bare_objects() -> None:
    bare = {"metadata": meta("web")}
    table = print_table([bare], "deployments.apps", NOW)
    assert format_table(table, show_kind_prefix=True).splitlines()[1].startswith(
        "deployment.apps/web   ")
    unknown = print_table([{"apiVersion": "example.com/v1", "kind": "Widget",
                            "metadata": meta("w1")}], "widgets.example.com", NOW)
    assert format_table(unknown, show_kind_prefix=True).splitlines()[1] == (
        "widget.example.com/w1   5m")


def test_headers_match_the_reference_file_exactly() -> None:
    slice_ = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
              "metadata": meta("web-abcde"), "addressType": "IPv4", "ports": [{"port": 80}],
              "endpoints": [{"addresses": [f"10.244.1.{i}"]} for i in (5, 6, 7)]}
    assert get([slice_], "endpointslices.discovery.k8s.io").splitlines()[0] == (
        "NAME        ADDRESSTYPE   PORTS   ENDPOINTS                          AGE")
    normal = [event("NodeHasSufficientMemory", "Node", "worker-1", "m"),
              event("SuccessfulCreate", "ReplicaSet", "web-7c5ddbdf54", "m")]
    assert get(normal, "events").splitlines()[0] == (
        "LAST SEEN   TYPE     REASON                    OBJECT                      MESSAGE")
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("www-web-0"),
             "spec": {"storageClassName": "standard", "volumeName": "pv-web-00"},
             "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                        "capacity": {"storage": "1Gi"}}}
    assert get([claim], "persistentvolumeclaims").splitlines()[0] == (
        "NAME        STATUS   VOLUME      CAPACITY   ACCESS MODES   STORAGECLASS   "
        "VOLUMEATTRIBUTESCLASS   AGE")
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": meta("pv1", None),
              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                       "persistentVolumeReclaimPolicy": "Delete", "claimRef": {
                           "namespace": "d", "name": "c"}, "storageClassName": "s"},
              "status": {"phase": "Bound"}}
    assert get([volume], "persistentvolumes").splitlines()[0] == (
        "NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   CLAIM   STORAGECLASS   "
        "VOLUMEATTRIBUTESCLASS   REASON   AGE")
