"""The documentation's manifests on a live cluster show what SOURCES.md says a real one shows.

Each test applies files from `shared/conformance/k8s-examples*` (in the order SOURCES.md gives),
lets virtual time pass, and checks READY counts, images, names, revisions, logs, events and
scheduling messages against the table in SOURCES.md. Services/DNS traffic, Ingress and metrics
belong to later work: for those files only the objects themselves are checked.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest

from playground.engine.api.quantity import cpu_millis
from playground.engine.cluster import Cluster
from playground.engine.errors import APIError
from playground.engine.images.host import HttpRequest
from playground.engine.store import Actor, Obj, deep_copy
from playground.kubectl.context import Result

Kubectl = Callable[..., Result]

ADMIN = Actor("user", "kubernetes-admin")
SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]"
PREEMPTION_4 = "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."


# -- helpers ------------------------------------------------------------------------------
def pods(cluster: Cluster, namespace: str = "default", **labels: str) -> list[Obj]:
    """Pods of a namespace (optionally by labels), oldest first, terminating ones skipped."""
    found = [p for p in cluster.store.list("pods", namespace)
             if not p["metadata"].get("deletionTimestamp")
             and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())]
    return sorted(found, key=lambda p: (p["metadata"]["creationTimestamp"],
                                        p["metadata"]["name"]))


def pod(cluster: Cluster, name: str, namespace: str = "default") -> Obj:
    """One pod, which must exist."""
    found = cluster.store.get("pods", namespace, name)
    assert found is not None, f"pod {namespace}/{name} does not exist"
    return found


def phase(p: Obj) -> str:
    """status.phase."""
    return str((p.get("status") or {}).get("phase", ""))


def ready(p: Obj) -> bool:
    """The pod's Ready condition is True."""
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (p.get("status") or {}).get("conditions") or ())


def container_status(p: Obj, name: str) -> dict[str, Any]:
    """One entry of status.containerStatuses."""
    for status in (p.get("status") or {}).get("containerStatuses") or ():
        if status["name"] == name:
            return dict(status)
    raise AssertionError(f"no status for container {name}")


def events(cluster: Cluster, name: str, namespace: str = "default") -> list[Obj]:
    """Events about an object, in the order they were first recorded."""
    return sorted((e for e in cluster.store.list("events", namespace)
                   if e["involvedObject"].get("name") == name),
                  key=lambda e: int(e["metadata"]["resourceVersion"]))


def messages(cluster: Cluster, name: str, reason: str, namespace: str = "default") -> list[str]:
    """The messages of an object's events with one reason."""
    return [e["message"] for e in events(cluster, name, namespace) if e["reason"] == reason]


def log_text(cluster: Cluster, namespace: str, name: str, container: str) -> str:
    """What `kubectl logs` prints for a container."""
    lines = cluster.kubelet.logs(namespace, name, container)
    assert lines is not None
    return "".join(text + "\n" for _, _, text in lines)


def get(kubectl: Kubectl, *argv: str) -> list[list[str]]:
    """`kubectl get` as rows of cells (header first)."""
    result = kubectl("get", *argv)
    assert result.exit_code == 0, result.stderr
    return [re.split(r"\s{3,}", line.strip()) for line in result.stdout.splitlines() if line]


def edit(cluster: Cluster, resource: str, name: str, change: Any, namespace: str = "") -> None:
    """Read, change (a function of a copy) and update an object as an admin would."""
    obj = cluster.store.get(resource, namespace, name)
    assert obj is not None
    copy = deep_copy(obj)
    change(copy)
    cluster.api.update(copy, ADMIN)


def namespace(cluster: Cluster, name: str) -> None:
    """`kubectl create namespace NAME`."""
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
                       ADMIN)


def applied(kubectl: Kubectl, *files: str) -> None:
    """`kubectl apply -f` each file, which must succeed."""
    for file in files:
        result = kubectl("apply", "-f", file)
        assert result.exit_code == 0, result.stderr


# -- namespaces and config objects --------------------------------------------------------
def test_namespaces_dev_and_prod(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/admin/namespace-dev.yaml", "k8s-examples/admin/namespace-prod.yaml")
    live.advance(1)
    for name in ("development", "production"):
        ns = live.store.get("namespaces", "", name)
        assert ns is not None
        assert ns["status"]["phase"] == "Active"
        assert ns["metadata"]["labels"] == {"name": name, "kubernetes.io/metadata.name": name}


def test_configmaps_and_secret(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/configmap/configmaps.yaml", "k8s-examples/pods/inject/secret.yaml")
    assert live.store.get("configmaps", "default", "special-config")["data"] == {"special.how": "very"}
    assert live.store.get("configmaps", "default", "env-config")["data"] == {"log_level": "INFO"}
    secret = live.store.get("secrets", "default", "test-secret")
    assert secret["type"] == "Opaque"
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded == {"username": "my-app", "password": "39528$vdg7Jb"}
    rows = get(kubectl, "secret", "test-secret")
    assert rows[1][:3] == ["test-secret", "Opaque", "2"]


def test_immutable_configmap_rejects_data_changes(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/configmap/immutable-configmap.yaml")
    cm = live.store.get("configmaps", "default", "company-name-20150801")
    assert cm["immutable"] is True
    changed = deep_copy(cm)
    changed["data"] = {"company_name": "Other"}
    with pytest.raises(APIError, match="field is immutable when `immutable` is set"):
        live.api.update(changed, ADMIN)


# -- workloads ----------------------------------------------------------------------------
def test_nginx_deployment_three_replicas(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/controllers/nginx-deployment.yaml")
    live.advance(30)
    rows = get(kubectl, "deployment", "nginx-deployment", "-o", "wide")
    assert rows[1][:4] == ["nginx-deployment", "3/3", "3", "3"]
    assert rows[1][6] == "nginx:1.14.2"
    replica_sets = live.store.list("replicasets.apps", "default")
    assert len(replica_sets) == 1
    rs_name = replica_sets[0]["metadata"]["name"]
    assert re.fullmatch(f"nginx-deployment-{SUFFIX}{{9,10}}", rs_name)
    running = pods(live, app="nginx")
    assert len(running) == 3
    for p in running:
        assert re.fullmatch(f"{rs_name}-{SUFFIX}{{5}}", p["metadata"]["name"])
        assert phase(p) == "Running" and ready(p)
        assert p["spec"]["containers"][0]["image"] == "nginx:1.14.2"


def test_application_deployment_update_then_scale(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/application/deployment.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "nginx-deployment")[1][1] == "2/2"
    assert len(pods(live, app="nginx")) == 2

    applied(kubectl, "k8s-examples/application/deployment-update.yaml")
    live.advance(60)
    by_revision = {rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
                   for rs in live.store.list("replicasets.apps", "default")}
    assert sorted(by_revision) == ["1", "2"]
    assert by_revision["1"]["spec"]["replicas"] == 0
    assert by_revision["2"]["spec"]["replicas"] == 2
    assert by_revision["2"]["status"].get("readyReplicas") == 2
    assert by_revision["2"]["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.16.1"
    deployment = live.store.get("deployments.apps", "default", "nginx-deployment")
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"

    applied(kubectl, "k8s-examples/application/deployment-scale.yaml")
    live.advance(30)
    rows = get(kubectl, "deployment", "nginx-deployment", "-o", "wide")
    assert rows[1][:4] == ["nginx-deployment", "4/4", "4", "4"]
    assert rows[1][6] == "nginx:1.16.1"
    assert len(live.store.list("replicasets.apps", "default")) == 2  # only a scale, no new RS
    assert {p["spec"]["containers"][0]["image"] for p in pods(live, app="nginx")} == {"nginx:1.16.1"}


def test_recommended_labels_update_over_primary_is_rejected(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/application/deployment.yaml")
    result = kubectl("apply", "-f",
                     "k8s-examples-variants/recommended-labels/application/deployment-update.yaml")
    assert result.exit_code == 1
    assert 'The Deployment "nginx-deployment" is invalid: spec.selector' in result.stderr
    assert "field is immutable" in result.stderr


def test_recommended_labels_sequence(live: Cluster, kubectl: Kubectl) -> None:
    base = "k8s-examples-variants/recommended-labels/"
    applied(kubectl, base + "controllers/nginx-deployment.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "nginx-deployment")[1][1] == "3/3"
    applied(kubectl, base + "application/deployment-update.yaml")
    live.advance(60)
    assert get(kubectl, "deployment", "nginx-deployment", "-o", "wide")[1][1:7:5] == \
        ["2/2", "nginx:1.16.1"]
    applied(kubectl, base + "application/deployment-scale.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "nginx-deployment")[1][1] == "4/4"


def test_kyaml_twin_gives_the_same_result(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples-variants/kyaml/application/deployment.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "nginx-deployment")[1][1] == "2/2"


def test_frontend_replicaset(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/controllers/frontend.yaml")
    live.advance(30)
    assert get(kubectl, "replicaset", "frontend")[1][:4] == ["frontend", "3", "3", "3"]
    for p in pods(live, tier="frontend"):
        assert re.fullmatch(f"frontend-{SUFFIX}{{5}}", p["metadata"]["name"])
        assert p["spec"]["containers"][0]["image"].endswith("gb-frontend:v5")


def test_frontend_replicaset_does_not_take_the_guestbook_pods(live: Cluster,
                                                               kubectl: Kubectl) -> None:
    # the pods have a controller already; the guestbook Deployment's selector (app=guestbook,
    # tier=frontend) matches the orphan ReplicaSet's own labels, so, as on a real cluster, the
    # Deployment adopts that ReplicaSet as an old one and scales it to 0
    applied(kubectl, "k8s-examples/application/guestbook/frontend-deployment.yaml")
    live.advance(30)
    guestbook_pods = {p["metadata"]["uid"]: p for p in pods(live, tier="frontend")}
    applied(kubectl, "k8s-examples/controllers/frontend.yaml")
    live.advance(30)
    for p in pods(live, tier="frontend"):
        owner = next(o for o in p["metadata"]["ownerReferences"] if o.get("controller"))
        assert owner["name"] != "frontend"
    assert set(guestbook_pods) <= {p["metadata"]["uid"] for p in pods(live, tier="frontend")}
    rs = live.store.get("replicasets.apps", "default", "frontend")
    owner = next(o for o in rs["metadata"]["ownerReferences"] if o.get("controller"))
    assert (owner["kind"], owner["name"]) == ("Deployment", "frontend")
    assert rs["spec"]["replicas"] == 0
    assert get(kubectl, "deployment", "frontend")[1][1] == "3/3"


def test_guestbook_deployments_and_services(live: Cluster, kubectl: Kubectl) -> None:
    base = "k8s-examples/application/guestbook/"
    applied(kubectl, base + "redis-leader-deployment.yaml", base + "redis-leader-service.yaml",
            base + "redis-follower-deployment.yaml", base + "redis-follower-service.yaml",
            base + "frontend-deployment.yaml", base + "frontend-service.yaml")
    live.advance(60)
    expected = {"redis-leader": "1/1", "redis-follower": "2/2", "frontend": "3/3"}
    for name, want in expected.items():
        assert get(kubectl, "deployment", name)[1][1] == want
    frontend = live.store.get("deployments.apps", "default", "frontend")
    container = frontend["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "GET_HOSTS_FROM", "value": "dns"} in container["env"]
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "100Mi"}
    services = {s["metadata"]["name"]: s for s in live.store.list("services", "default")}
    assert services["frontend"]["spec"]["type"] == "ClusterIP"
    assert services["frontend"]["spec"]["ports"][0]["port"] == 80
    assert services["redis-leader"]["spec"]["ports"][0]["targetPort"] == 6379
    assert services["redis-follower"]["spec"]["ports"][0]["port"] == 6379


def test_php_apache_and_its_hpa_objects(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/application/php-apache.yaml",
            "k8s-examples/application/hpa/php-apache.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "php-apache")[1][1] == "1/1"
    deployment = live.store.get("deployments.apps", "default", "php-apache")
    assert deployment["spec"]["replicas"] == 1
    resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources == {"limits": {"cpu": "500m"}, "requests": {"cpu": "200m"}}
    hpa = live.store.get("horizontalpodautoscalers.autoscaling", "default", "php-apache")
    assert hpa is not None
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 10)
    assert hpa["spec"]["scaleTargetRef"]["name"] == "php-apache"


def test_nginx_app_load_balancer_service_and_deployment(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/application/nginx-app.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "my-nginx")[1][1] == "3/3"
    service = live.store.get("services", "default", "my-nginx-svc")
    assert service["spec"]["type"] == "LoadBalancer"
    assert 30000 <= service["spec"]["ports"][0]["nodePort"] <= 32767
    # the playground has a load-balancer provider, so EXTERNAL-IP is its address, not <pending>
    row = get(kubectl, "service", "my-nginx-svc")[1]
    ingress = (service.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
    assert row[1] == "LoadBalancer"
    assert row[3] == (ingress[0]["ip"] if ingress else "<pending>")


def test_load_balancer_example_deployment(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/service/load-balancer-example.yaml")
    live.advance(60)
    rows = get(kubectl, "deployment", "hello-world", "-o", "wide")
    assert rows[1][1] == "5/5"
    assert rows[1][6].endswith("hello-app:2.0")


def test_run_my_nginx_and_its_service(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/service/networking/run-my-nginx.yaml",
            "k8s-examples/service/networking/nginx-svc.yaml",
            "k8s-examples/service/nginx-service.yaml")
    live.advance(30)
    assert get(kubectl, "deployment", "my-nginx")[1][1] == "2/2"
    assert all(p["metadata"]["labels"]["run"] == "my-nginx" for p in pods(live, run="my-nginx"))
    service = live.store.get("services", "default", "nginx-service")
    assert (service["spec"]["ports"][0]["port"], service["spec"]["ports"][0]["targetPort"]) == \
        (8000, 80)


def test_minimal_ingress_object(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/service/networking/minimal-ingress.yaml")
    ingress = live.store.get("ingresses.networking.k8s.io", "default", "minimal-ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx-example"
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    assert (path["path"], path["pathType"]) == ("/testpath", "Prefix")
    assert not (ingress.get("status") or {}).get("loadBalancer", {}).get("ingress")


def test_job_pi_prints_pi(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/controllers/job.yaml")
    live.advance(60)
    rows = get(kubectl, "job", "pi")
    assert rows[1][:3] == ["pi", "Complete", "1/1"]
    (pi_pod,) = pods(live, **{"job-name": "pi"})
    assert re.fullmatch(f"pi-{SUFFIX}{{5}}", pi_pod["metadata"]["name"])
    assert phase(pi_pod) == "Succeeded"
    digits = log_text(live, "default", pi_pod["metadata"]["name"], "pi").strip()
    assert digits.startswith("3.14159265358979323846264338327950288419716939937510")
    assert len(digits.replace(".", "")) == 2000


def test_legacy_job_on_todays_perl_completes(live: Cluster, kubectl: Kubectl) -> None:
    # SOURCES.md: `perl` (latest) prints pi to 1000 digits and Completes 1/1. Only perl 5.36's
    # Math::BigInt broke bpi (images.md); 5.38 and later ship a fixed one.
    applied(kubectl, "k8s-examples-variants/legacy/controllers/job.yaml")
    live.advance(60)
    (pi_pod,) = pods(live, **{"job-name": "pi"})
    assert phase(pi_pod) == "Succeeded"
    digits = log_text(live, "default", pi_pod["metadata"]["name"], "pi").strip()
    assert digits.startswith("3.14159265358979323846264338327950288419716939937510")
    assert len(digits.replace(".", "")) == 1000
    assert get(kubectl, "job", "pi")[1][1:3] == ["Complete", "1/1"]


def test_cronjob_hello_runs_every_minute_and_keeps_three(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/application/job/cronjob.yaml")
    live.run_until(59)
    assert live.store.list("jobs.batch", "default") == []
    live.run_until(70)
    (first,) = live.store.list("jobs.batch", "default")
    assert re.fullmatch(r"hello-\d+", first["metadata"]["name"])
    # the Job name carries the scheduled time in minutes since the epoch
    assert int(first["metadata"]["name"].split("-")[1]) * 60 == \
        live.clock.seconds_at(live.clock.timestamp(60)) + live.clock.epoch.timestamp()
    (hello,) = pods(live, **{"job-name": first["metadata"]["name"]})
    assert phase(hello) == "Succeeded"
    text = log_text(live, "default", hello["metadata"]["name"], "hello")
    assert text.endswith("Hello from the Kubernetes cluster\n")
    live.run_until(5 * 60 + 30)
    jobs = live.store.list("jobs.batch", "default")
    assert len(jobs) == 3  # successfulJobsHistoryLimit defaults to 3
    assert all(any(c["type"] == "Complete" for c in j["status"]["conditions"]) for j in jobs)
    cronjob = live.store.get("cronjobs.batch", "default", "hello")
    assert cronjob["status"]["lastScheduleTime"] == live.clock.timestamp(300)


def test_legacy_cronjob_v1beta1_is_rejected(kubectl: Kubectl) -> None:
    result = kubectl("apply", "-f", "k8s-examples-variants/legacy/application/job/cronjob.yaml")
    assert result.exit_code == 1
    assert 'no matches for kind "CronJob" in version "batch/v1beta1"' in result.stderr
    assert result.stderr.startswith('error: resource mapping not found for name: "hello" '
                                    'namespace: "" from ')
    assert "ensure CRDs are installed first" in result.stderr


def test_daemonset_one_pod_per_node_control_plane_included(live: Cluster,
                                                           kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/controllers/daemonset.yaml")
    live.advance(60)
    fluentd = pods(live, "kube-system", name="fluentd-elasticsearch")
    nodes = sorted(n["metadata"]["name"] for n in live.store.list("nodes"))
    assert sorted(p["spec"]["nodeName"] for p in fluentd) == nodes
    assert all(ready(p) for p in fluentd)
    row = get(kubectl, "daemonset", "fluentd-elasticsearch", "-n", "kube-system")[1]
    assert row[1:6] == ["4"] * 5


def test_legacy_daemonset_pull_fails_and_skips_the_control_plane(live: Cluster,
                                                                  kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples-variants/legacy/controllers/daemonset.yaml")
    live.advance(60)
    fluentd = pods(live, "kube-system", name="fluentd-elasticsearch")
    assert sorted(p["spec"]["nodeName"] for p in fluentd) == ["worker-1", "worker-2", "worker-3"]
    for p in fluentd:
        waiting = container_status(p, "fluentd-elasticsearch")["state"]["waiting"]
        assert waiting["reason"] == "ImagePullBackOff"
        failed = messages(live, p["metadata"]["name"], "Failed", "kube-system")
        assert any(m.startswith('Failed to pull image "k8s.gcr.io/fluentd-elasticsearch:1.20"')
                   for m in failed)
        assert "Error: ErrImagePull" in failed and "Error: ImagePullBackOff" in failed


def test_statefulset_web_in_order_with_claims(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/application/web/web.yaml")
    live.advance(1)
    assert [p["metadata"]["name"] for p in pods(live, app="nginx")] == ["web-0"]
    live.advance(60)
    web = pods(live, app="nginx")
    assert [p["metadata"]["name"] for p in web] == ["web-0", "web-1"]
    assert all(ready(p) for p in web)
    # web-1 is created only after web-0 is Running and Ready
    web0_ready = next(c["lastTransitionTime"] for c in web[0]["status"]["conditions"]
                      if c["type"] == "Ready")
    assert live.clock.seconds_at(web[1]["metadata"]["creationTimestamp"]) >= \
        live.clock.seconds_at(web0_ready)
    assert get(kubectl, "statefulset", "web")[1][1] == "2/2"
    for ordinal in (0, 1):
        claim = live.store.get("persistentvolumeclaims", "default", f"www-web-{ordinal}")
        assert claim["status"]["phase"] == "Bound"
        assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
        assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    service = live.store.get("services", "default", "nginx")
    assert service["spec"]["clusterIP"] == "None"


def test_legacy_web_uses_the_old_nginx_slim(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples-variants/legacy/application/web/web.yaml")
    live.advance(60)
    web = pods(live, app="nginx")
    assert [p["metadata"]["name"] for p in web] == ["web-0", "web-1"]
    assert {p["spec"]["containers"][0]["image"] for p in web} == {"registry.k8s.io/nginx-slim:0.8"}
    assert all(ready(p) for p in web)


# -- pods: config ------------------------------------------------------------------------
GAME_DEMO = {
    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "game-demo"},
    "data": {"player_initial_lives": "3", "ui_properties_file_name": "user-interface.properties",
             "game.properties": "enemy.types=aliens,monsters\nplayer.maximum-lives=5\n",
             "user-interface.properties": "color.good=purple\ncolor.bad=yellow\n"
                                          "allow.textmode=true\n"},
}


def test_configure_pod_waits_for_its_configmap(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/configmap/configure-pod.yaml")
    live.advance(20)
    demo = pod(live, "configmap-demo-pod")
    assert phase(demo) == "Pending"
    waiting = container_status(demo, "demo")["state"]["waiting"]
    assert waiting["reason"] in ("ContainerCreating", "CreateContainerConfigError")
    assert any('configmap "game-demo" not found' in m
               for m in messages(live, "configmap-demo-pod", "FailedMount")
               + messages(live, "configmap-demo-pod", "Failed"))

    live.api.create(GAME_DEMO, ADMIN)
    live.advance(150)
    demo = pod(live, "configmap-demo-pod")
    assert phase(demo) == "Running" and ready(demo)
    work = live.kubelet.workload("default", "configmap-demo-pod", "demo")
    assert work is not None and work.shell_ctx is not None
    assert work.shell_ctx.env["PLAYER_INITIAL_LIVES"] == "3"
    assert work.shell_ctx.env["UI_PROPERTIES_FILE_NAME"] == "user-interface.properties"
    assert sorted(work.shell_ctx.fs.listdir("/config")) == ["game.properties",
                                                           "user-interface.properties"]


def test_secret_envars_pod(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/inject/secret-envars-pod.yaml")
    live.advance(10)
    waiting = container_status(pod(live, "secret-envars-test-pod"),
                               "envars-test-container")["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError",
                       "message": 'secret "test-secret" not found'}
    assert 'Error: secret "test-secret" not found' in messages(live, "secret-envars-test-pod",
                                                                "Failed")
    applied(kubectl, "k8s-examples/pods/inject/secret.yaml")
    live.advance(30)
    test_pod = pod(live, "secret-envars-test-pod")
    assert phase(test_pod) == "Running"
    work = live.kubelet.workload("default", "secret-envars-test-pod", "envars-test-container")
    assert work is not None and work.shell_ctx is not None
    assert work.shell_ctx.env["SECRET_USERNAME"] == "my-app"
    assert work.shell_ctx.env["SECRET_PASSWORD"] == "39528$vdg7Jb"


def test_single_configmap_env_variable_pod(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/configmap/configmaps.yaml",
            "k8s-examples/pods/pod-single-configmap-env-variable.yaml")
    live.advance(30)
    dapi = pod(live, "dapi-test-pod")
    assert phase(dapi) == "Succeeded"
    assert container_status(dapi, "test-container")["state"]["terminated"]["reason"] == "Completed"
    assert "SPECIAL_LEVEL_KEY=very\n" in log_text(live, "default", "dapi-test-pod",
                                                  "test-container")


def test_single_configmap_env_variable_pod_without_configmap(live: Cluster,
                                                             kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/pod-single-configmap-env-variable.yaml")
    live.advance(10)
    waiting = container_status(pod(live, "dapi-test-pod"), "test-container")["state"]["waiting"]
    assert waiting["reason"] == "CreateContainerConfigError"


def test_configmap_volume_pod_lists_the_keys(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/configmap/configmaps.yaml",
            "k8s-examples/pods/pod-configmap-volume.yaml")
    live.advance(30)
    dapi = pod(live, "dapi-test-pod")
    assert phase(dapi) == "Succeeded"
    assert log_text(live, "default", "dapi-test-pod", "test-container") == "special.how\n"
    assert get(kubectl, "pod", "dapi-test-pod")[1][2] == "Completed"


def test_two_container_pod_shares_an_empty_dir(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/two-container-pod.yaml")
    live.advance(30)
    two = pod(live, "two-containers")
    assert phase(two) == "Running"
    debian = container_status(two, "debian-container")["state"]["terminated"]
    assert (debian["reason"], debian["exitCode"]) == ("Completed", 0)
    assert "running" in container_status(two, "nginx-container")["state"]
    assert get(kubectl, "pod", "two-containers")[1][1] == "1/2"
    listener = live.kubelet.listeners["default/two-containers"][(80, "TCP")]
    handler = listener[1]
    assert handler is not None
    answer = handler(HttpRequest("GET", "/", host="localhost"))
    assert answer.status == 200
    assert answer.body == "Hello from the debian container\n"


# -- pods: scheduling --------------------------------------------------------------------
def test_pod_nginx_pending_until_a_node_is_labelled(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/pod-nginx.yaml")
    live.advance(30)
    nginx = pod(live, "nginx")
    assert phase(nginx) == "Pending" and not nginx["spec"].get("nodeName")
    expected = ("0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't "
                f"match Pod's node affinity/selector. {PREEMPTION_4}")
    assert messages(live, "nginx", "FailedScheduling") == [expected]
    scheduled = next(c for c in nginx["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
    assert live.scheduler.explanations[nginx["metadata"]["uid"]].message == expected

    edit(live, "nodes", "worker-2",
         lambda n: n["metadata"]["labels"].__setitem__("disktype", "ssd"))
    live.advance(30)
    nginx = pod(live, "nginx")
    assert nginx["spec"]["nodeName"] == "worker-2"
    assert phase(nginx) == "Running" and ready(nginx)


def test_pod_with_node_affinity_needs_an_antarctic_zone(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/pod-with-node-affinity.yaml")
    live.advance(30)
    affinity = pod(live, "with-node-affinity")
    assert phase(affinity) == "Pending"
    assert messages(live, "with-node-affinity", "FailedScheduling") == [
        ("0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match "
        f"Pod's node affinity/selector. {PREEMPTION_4}")]
    edit(live, "nodes", "worker-3", lambda n: n["metadata"]["labels"].__setitem__(
        "topology.kubernetes.io/zone", "antarctica-east1"))
    live.advance(30)
    affinity = pod(live, "with-node-affinity")
    assert affinity["spec"]["nodeName"] == "worker-3"
    assert phase(affinity) == "Running"


def test_pod_with_toleration_runs_and_may_use_the_tainted_node(live: Cluster,
                                                               kubectl: Kubectl) -> None:
    taint = {"key": "example-key", "value": "true", "effect": "NoSchedule"}
    for name in ("worker-1", "worker-2", "worker-3"):
        edit(live, "nodes", name,
             lambda n: n["spec"].setdefault("taints", []).append(dict(taint)))
    applied(kubectl, "k8s-examples/pods/pod-with-toleration.yaml")
    live.advance(30)
    nginx = pod(live, "nginx")
    assert nginx["spec"]["nodeName"] in ("worker-1", "worker-2", "worker-3")
    assert phase(nginx) == "Running"


def test_pod_nginx_without_toleration_is_kept_off_tainted_nodes(live: Cluster,
                                                                kubectl: Kubectl) -> None:
    for name in ("worker-1", "worker-2", "worker-3"):
        edit(live, "nodes", name, lambda n: n["spec"].setdefault("taints", []).append(
            {"key": "example-key", "value": "true", "effect": "NoSchedule"}))
        edit(live, "nodes", name, lambda n: n["metadata"]["labels"].__setitem__("disktype", "ssd"))
    applied(kubectl, "k8s-examples/pods/pod-nginx.yaml")
    live.advance(10)
    assert messages(live, "nginx", "FailedScheduling")[-1] == (
        "0/4 nodes are available: 4 node(s) had untolerated taint(s). "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")


# -- pods: probes ------------------------------------------------------------------------
def test_exec_liveness_restarts_after_the_file_is_removed(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/probe/exec-liveness.yaml")
    live.advance(34)
    assert messages(live, "liveness-exec", "Unhealthy") == []
    live.advance(6)  # /tmp/healthy went at ~31 s; the 5-second probe sees it missing
    unhealthy = [e for e in events(live, "liveness-exec") if e["reason"] == "Unhealthy"]
    assert [e["message"] for e in unhealthy] == [
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"]
    assert container_status(pod(live, "liveness-exec"), "liveness")["restartCount"] == 0
    live.advance(10)  # third failure: the kubelet kills the container
    killing = messages(live, "liveness-exec", "Killing")
    assert killing == ["Container liveness failed liveness probe, will be restarted"]
    assert unhealthy[0]["involvedObject"].get("fieldPath") == "spec.containers{liveness}"
    assert next(e for e in events(live, "liveness-exec") if e["reason"] == "Unhealthy")["count"] == 3
    # `sh` is PID 1 and ignores SIGTERM: the restart comes after the 30 s grace period
    live.advance(25)
    assert container_status(pod(live, "liveness-exec"), "liveness")["restartCount"] == 0
    live.advance(6)
    status = container_status(pod(live, "liveness-exec"), "liveness")
    assert status["restartCount"] == 1
    assert "running" in status["state"]
    assert status["lastState"]["terminated"]["exitCode"] == 137
    assert get(kubectl, "pod", "liveness-exec")[1][3].startswith("1 (")


def test_http_liveness_fails_after_ten_seconds(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/probe/http-liveness.yaml")
    live.advance(13)
    assert messages(live, "liveness-http", "Unhealthy") == []
    live.advance(10)
    assert messages(live, "liveness-http", "Unhealthy") == [
        "Liveness probe failed: HTTP probe failed with statuscode: 500"]
    assert messages(live, "liveness-http", "Killing") == [
        "Container liveness failed liveness probe, will be restarted"]
    assert container_status(pod(live, "liveness-http"), "liveness")["restartCount"] == 1
    live.advance(300)
    status = container_status(pod(live, "liveness-http"), "liveness")
    assert status["restartCount"] >= 4
    assert messages(live, "liveness-http", "BackOff")


def test_tcp_liveness_readiness_ready_after_fifteen_seconds(live: Cluster,
                                                            kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/probe/tcp-liveness-readiness.yaml")
    live.advance(5)
    goproxy = pod(live, "goproxy")
    assert phase(goproxy) == "Running" and not ready(goproxy)
    assert get(kubectl, "pod", "goproxy")[1][1] == "0/1"
    live.advance(9)
    assert not ready(pod(live, "goproxy"))
    live.advance(3)
    assert ready(pod(live, "goproxy"))
    live.advance(120)
    assert container_status(pod(live, "goproxy"), "goproxy")["restartCount"] == 0
    assert messages(live, "goproxy", "Unhealthy") == []


def test_recommended_labels_goproxy(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples-variants/recommended-labels/pods/probe/"
                     "tcp-liveness-readiness.yaml")
    live.advance(20)
    goproxy = pod(live, "goproxy")
    assert ready(goproxy)
    assert goproxy["metadata"]["labels"] == {"app.kubernetes.io/name": "goproxy"}


# -- pods: resources and storage ---------------------------------------------------------
def test_cpu_request_limit_needs_its_namespace(live: Cluster, kubectl: Kubectl) -> None:
    result = kubectl("apply", "-f", "k8s-examples/pods/resource/cpu-request-limit.yaml")
    assert result.exit_code == 1
    assert 'namespaces "cpu-example" not found' in result.stderr
    namespace(live, "cpu-example")
    applied(kubectl, "k8s-examples/pods/resource/cpu-request-limit.yaml")
    live.advance(30)
    demo = pod(live, "cpu-demo", "cpu-example")
    assert phase(demo) == "Running"
    resources = demo["spec"]["containers"][0]["resources"]
    # the file says "0.5"; a real API server prints it back canonicalised as 500m (not yet here)
    assert cpu_millis(resources["requests"]["cpu"]) == 500
    assert cpu_millis(resources["limits"]["cpu"]) == 1000
    assert demo["status"]["qosClass"] == "Burstable"


def test_memory_request_limit_stays_within_its_limit(live: Cluster, kubectl: Kubectl) -> None:
    namespace(live, "mem-example")
    applied(kubectl, "k8s-examples/pods/resource/memory-request-limit.yaml")
    live.advance(120)
    demo = pod(live, "memory-demo", "mem-example")
    assert phase(demo) == "Running"
    status = container_status(demo, "memory-demo-ctr")
    assert status["restartCount"] == 0 and "running" in status["state"]
    runtime = live.kubelet.runtime_of("mem-example", "memory-demo")
    assert runtime is not None
    used = runtime.containers["memory-demo-ctr"].memory_bytes
    assert 100 * 2**20 < used < 200 * 2**20  # ~150Mi


def test_static_volume_claim_and_pod(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/storage/pv-volume.yaml")
    live.advance(1)
    volume = live.store.get("persistentvolumes", "", "task-pv-volume")
    assert volume["status"]["phase"] == "Available"
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    applied(kubectl, "k8s-examples/pods/storage/pv-claim.yaml")
    live.advance(5)
    claim = live.store.get("persistentvolumeclaims", "default", "task-pv-claim")
    assert claim["status"]["phase"] == "Bound"
    assert claim["spec"]["volumeName"] == "task-pv-volume"
    assert claim["status"]["capacity"]["storage"] == "10Gi"
    assert live.store.get("persistentvolumes", "", "task-pv-volume")["status"]["phase"] == "Bound"
    applied(kubectl, "k8s-examples/pods/storage/pv-pod.yaml")
    live.advance(30)
    assert phase(pod(live, "task-pv-pod")) == "Running"


def test_pv_pod_pending_while_its_claim_is_missing(live: Cluster, kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/pods/storage/pv-pod.yaml")
    live.advance(10)
    task = pod(live, "task-pv-pod")
    assert phase(task) == "Pending" and not task["spec"].get("nodeName")
    assert messages(live, "task-pv-pod", "FailedScheduling")[-1] == (
        '0/4 nodes are available: persistentvolumeclaim "task-pv-claim" not found. '
        f"{PREEMPTION_4}")


def test_nginx_secure_app_waits_for_secret_and_configmap(live: Cluster,
                                                         kubectl: Kubectl) -> None:
    applied(kubectl, "k8s-examples/service/networking/nginx-secure-app.yaml")
    live.advance(30)
    (secure,) = pods(live, run="my-nginx")
    assert phase(secure) == "Pending"
    assert get(kubectl, "pod", secure["metadata"]["name"])[1][2] == "ContainerCreating"
    failed_mount = messages(live, secure["metadata"]["name"], "FailedMount")
    assert any('secret "nginxsecret" not found' in m for m in failed_mount)
    service = live.store.get("services", "default", "my-nginx")
    assert service["spec"]["type"] == "NodePort"
    assert all(30000 <= p["nodePort"] <= 32767 for p in service["spec"]["ports"])
