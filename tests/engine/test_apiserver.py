"""The API server's request stages as a learner meets them: namespaces, conflicts,
generation, defaulting, admission, Service allocation, graceful deletion, finalizers,
namespace lifecycle, strict decoding, kind mapping and client-side apply."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from playground.engine.apiserver import NoKindMatch
from playground.engine.cluster import Cluster
from playground.engine.errors import APIError
from playground.engine.store import USER, Actor, deep_copy

OTHER_WRITER = Actor("controller", "label-bot")


def deployment(name: str = "web", image: str = "nginx", replicas: int = 2) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "main", "image": image}]}}}}


def pod(name: str = "p", node: str = "", image: str = "nginx", **meta: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": image}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta}, "spec": spec}


def configmap(name: str, namespace: str = "default", **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, **meta}, "data": {"k": "v"}}


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"ports": [{"port": 80}], **spec}}


def refused(call: Any, *args: Any, **kwargs: Any) -> APIError:
    with pytest.raises(APIError) as info:
        call(*args, **kwargs)
    return info.value


def state(cluster: Cluster) -> tuple[int, int, list[tuple[str, str, str]]]:
    return (cluster.store.resource_version, cluster.store.count(),
            sorted((r, o["metadata"].get("namespace", ""), o["metadata"]["name"])
                   for r, o in cluster.store.all_objects()))


# -- namespaces -------------------------------------------------------------------------------

def test_system_namespaces_exist_and_are_active(cluster: Cluster) -> None:
    names = [ns["metadata"]["name"] for ns in cluster.api.list("namespaces")]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    assert all(ns["status"]["phase"] == "Active" for ns in cluster.api.list("namespaces"))


def test_create_in_a_missing_namespace_is_not_found(cluster: Cluster) -> None:
    error = refused(cluster.api.create, configmap("c", "x"))
    assert (error.code, error.reason, error.message) == (404, "NotFound",
                                                         'namespaces "x" not found')


def test_create_in_a_terminating_namespace_is_forbidden(cluster: Cluster) -> None:
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.api.create(configmap("held", "team", finalizers=["example.com/hold"]))
    cluster.api.delete("namespaces", "", "team")
    cluster.settle()
    error = refused(cluster.api.create, configmap("c", "team"))
    assert (error.code, error.reason) == (403, "Forbidden")
    assert error.message == ("unable to create new content in namespace team because it is "
                             "being terminated")


def test_system_namespaces_cannot_be_deleted(cluster: Cluster) -> None:
    error = refused(cluster.api.delete, "namespaces", "", "kube-system")
    assert error.reason == "Forbidden"
    assert cluster.store.get("namespaces", "", "kube-system") is not None


def test_new_namespace_gets_default_serviceaccount_and_root_ca(cluster: Cluster) -> None:
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.settle()
    assert cluster.store.get("serviceaccounts", "team", "default") is not None
    ca = cluster.store.get("configmaps", "team", "kube-root-ca.crt")
    assert ca is not None and "BEGIN CERTIFICATE" in ca["data"]["ca.crt"]
    # and they come back when someone deletes them
    cluster.api.delete("serviceaccounts", "team", "default")
    cluster.settle()
    assert cluster.store.get("serviceaccounts", "team", "default") is not None


def test_namespace_deletion_removes_contents_then_the_namespace(cluster: Cluster) -> None:
    api = cluster.api
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.settle()
    api.create(configmap("settings", "team"))
    api.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"}},
               namespace="team")
    api.create(service("web"), namespace="team")
    api.create(configmap("held", "team", finalizers=["example.com/hold"]))
    outcome = api.delete("namespaces", "", "team")
    assert not outcome.finished
    assert outcome.obj["status"]["phase"] == "Terminating"
    assert outcome.obj["metadata"]["deletionTimestamp"]
    cluster.settle()
    left = [(r, o["metadata"]["name"]) for r, o in cluster.store.all_objects()
            if o["metadata"].get("namespace") == "team"]
    assert left == [("configmaps", "held")]  # its finalizer holds it (and the namespace)
    assert cluster.store.get("namespaces", "", "team") is not None
    api.remove_finalizer("configmaps", "team", "held", "example.com/hold", USER)
    cluster.settle()
    assert cluster.store.get("namespaces", "", "team") is None
    assert not any(o["metadata"].get("namespace") == "team"
                   for _, o in cluster.store.all_objects())


# -- create, update, conflicts ------------------------------------------------------------------

def test_create_twice_is_already_exists(cluster: Cluster) -> None:
    cluster.api.create(deployment())
    error = refused(cluster.api.create, deployment())
    assert (error.code, error.reason, error.message) == (
        409, "AlreadyExists", 'deployments.apps "web" already exists')


def test_update_with_a_stale_resource_version_is_a_conflict(cluster: Cluster) -> None:
    created = cluster.api.create(deployment())
    first = deep_copy(created)
    first["spec"]["replicas"] = 3
    cluster.api.update(first)
    stale = deep_copy(created)
    stale["spec"]["replicas"] = 5
    before = state(cluster)
    error = refused(cluster.api.update, stale)
    assert (error.code, error.reason) == (409, "Conflict")
    assert error.message == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been '
        "modified; please apply your changes to the latest version and try again")
    assert state(cluster) == before
    assert cluster.api.get("deployments.apps", "default", "web")["spec"]["replicas"] == 3


def test_update_of_a_missing_object_is_not_found(cluster: Cluster) -> None:
    error = refused(cluster.api.update, deployment("ghost"))
    assert error.message == 'deployments.apps "ghost" not found'


def test_generation_bumps_on_spec_changes_only(cluster: Cluster) -> None:
    api = cluster.api
    created = api.create(deployment())
    assert created["metadata"]["generation"] == 1
    relabelled = deep_copy(created)
    relabelled["metadata"]["labels"]["team"] = "blue"
    relabelled["metadata"]["annotations"] = {"note": "hi"}
    after_meta = api.update(relabelled)
    assert after_meta["metadata"]["generation"] == 1
    assert int(after_meta["metadata"]["resourceVersion"]) > \
        int(created["metadata"]["resourceVersion"])
    scaled = deep_copy(after_meta)
    scaled["spec"]["replicas"] = 4
    after_spec = api.update(scaled)
    assert after_spec["metadata"]["generation"] == 2
    for key in ("uid", "creationTimestamp"):
        assert after_spec["metadata"][key] == created["metadata"][key]


def test_server_owned_metadata_is_kept_across_updates(cluster: Cluster) -> None:
    created = cluster.api.create(deployment())
    cluster.advance(60)
    sneaky = deep_copy(created)
    sneaky["metadata"].update(uid="forged", creationTimestamp="1999-01-01T00:00:00Z",
                              generation=99)
    sneaky["metadata"].pop("resourceVersion")
    sneaky["spec"]["replicas"] = 7
    updated = cluster.api.update(sneaky)
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert updated["metadata"]["generation"] == 2


def test_an_update_that_changes_nothing_writes_nothing(cluster: Cluster) -> None:
    created = cluster.api.create(deployment())
    rv = cluster.store.resource_version
    same = cluster.api.update(deep_copy(created))
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert cluster.store.resource_version == rv


def test_user_cannot_write_status_through_the_main_resource(cluster: Cluster) -> None:
    created = cluster.api.create(deployment())
    forged = deep_copy(created)
    forged["status"] = {"replicas": 99}
    assert cluster.api.update(forged)["status"] == created["status"]


# -- defaulting and admission --------------------------------------------------------------------

def test_deployment_defaults_are_visible(cluster: Cluster) -> None:
    spec = cluster.api.create(deployment())["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    template = spec["template"]["spec"]
    assert template["restartPolicy"] == "Always"
    assert template["terminationGracePeriodSeconds"] == 30
    assert template["dnsPolicy"] == "ClusterFirst"


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("registry.local:5000/nginx", "Always"),
    ("nginx:1.27", "IfNotPresent"), ("registry.local:5000/nginx:1.27", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_image_pull_policy_default(cluster: Cluster, image: str, policy: str) -> None:
    created = cluster.api.create(pod(image=image))
    assert created["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_pods_get_defaults_and_the_two_default_tolerations(cluster: Cluster) -> None:
    created = cluster.api.create(pod())
    spec = created["spec"]
    assert (spec["restartPolicy"], spec["terminationGracePeriodSeconds"], spec["dnsPolicy"]) == (
        "Always", 30, "ClusterFirst")
    assert spec["serviceAccountName"] == "default"
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
    ]
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_a_pod_that_tolerates_not_ready_itself_keeps_its_own_toleration(cluster: Cluster) -> None:
    manifest = pod()
    manifest["spec"]["tolerations"] = [{"key": "node.kubernetes.io/not-ready",
                                        "operator": "Exists", "effect": "NoExecute",
                                        "tolerationSeconds": 5}]
    tolerations = cluster.api.create(manifest)["spec"]["tolerations"]
    assert [(t["key"], t.get("tolerationSeconds")) for t in tolerations] == [
        ("node.kubernetes.io/not-ready", 5), ("node.kubernetes.io/unreachable", 300)]


def test_create_fills_metadata(cluster: Cluster) -> None:
    cluster.advance(90)
    manifest = pod(generateName="web-")
    del manifest["metadata"]["name"]
    created = cluster.api.create(manifest)
    meta = created["metadata"]
    assert meta["name"].startswith("web-") and len(meta["name"]) == len("web-") + 5
    assert meta["namespace"] == "default"
    assert meta["creationTimestamp"] == "2026-01-01T00:01:30Z"
    assert len(meta["uid"]) == 36 and meta["uid"][14] == "4"
    assert meta["resourceVersion"] == str(cluster.store.resource_version)


# -- Services -----------------------------------------------------------------------------------

def test_cluster_ips_are_allocated_from_the_service_cidr(cluster: Cluster) -> None:
    kubernetes = cluster.api.get("services", "default", "kubernetes")
    assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
    assert cluster.api.get("services", "kube-system", "kube-dns")["spec"]["clusterIP"] == \
        "10.96.0.10"
    ips = set()
    for i in range(20):
        spec = cluster.api.create(service(f"s{i}"))["spec"]
        assert spec["clusterIPs"] == [spec["clusterIP"]]
        octets = [int(x) for x in spec["clusterIP"].split(".")]
        assert octets[0] == 10 and 96 <= octets[1] <= 111
        ips.add(spec["clusterIP"])
    assert len(ips) == 20 and not ips & {"10.96.0.1", "10.96.0.10"}
    assert "clusterIP" not in cluster.api.create(
        service("ext", type="ExternalName", externalName="example.com"))["spec"]
    assert cluster.api.create(service("headless", clusterIP="None"))["spec"]["clusterIPs"] == [
        "None"]


def test_a_taken_cluster_ip_is_refused_and_nothing_changes(cluster: Cluster) -> None:
    before = state(cluster)
    error = refused(cluster.api.create, service("clash", clusterIP="10.96.0.10"))
    assert error.reason == "Invalid" and error.code == 422
    assert "spec.clusterIPs" in error.message
    assert "failed to allocate IP 10.96.0.10: provided IP is already allocated" in error.message
    assert state(cluster) == before
    error = refused(cluster.api.create, service("outside", clusterIP="192.168.1.1"))
    assert "is not in the valid range. The range of valid IPs is 10.96.0.0/12" in error.message
    assert state(cluster) == before
    # a freed address can be had again
    made = cluster.api.create(service("mine", clusterIP="10.100.0.7"))
    cluster.api.delete("services", "default", "mine")
    assert cluster.api.create(service("again", clusterIP="10.100.0.7"))["spec"][
        "clusterIP"] == made["spec"]["clusterIP"]


def test_node_ports_are_allocated_and_refused_with_the_real_texts(cluster: Cluster) -> None:
    api = cluster.api
    auto = api.create(service("auto", type="NodePort"))["spec"]["ports"][0]["nodePort"]
    assert 30000 <= auto <= 32767
    api.create(service("fixed", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    before = state(cluster)
    error = refused(api.create, service("dup", type="NodePort",
                                        ports=[{"port": 80, "nodePort": 30080}]))
    assert "spec.ports[0].nodePort" in error.message
    assert "provided port is already allocated" in error.message
    error = refused(api.create, service("low", type="NodePort",
                                        ports=[{"port": 80, "nodePort": 8080}]))
    assert ("provided port is not in the valid range. The range of valid ports is 30000-32767"
            in error.message)
    assert state(cluster) == before
    # the ClusterIP drawn for the refused Service was given back
    assert api.allocator.ips == {svc["spec"]["clusterIP"] for svc in api.list("services")}
    assert api.allocator.ports == {auto, 30080}


def test_service_update_keeps_its_ip_and_ports_and_delete_frees_them(cluster: Cluster) -> None:
    created = cluster.api.create(service("web", type="NodePort"))
    changed = deep_copy(created)
    changed["spec"]["ports"][0].pop("nodePort")
    changed["metadata"]["labels"] = {"x": "y"}
    updated = cluster.api.update(changed)
    assert updated["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    assert updated["spec"]["ports"][0]["nodePort"] == created["spec"]["ports"][0]["nodePort"]
    cluster.api.delete("services", "default", "web")
    assert created["spec"]["clusterIP"] not in cluster.api.allocator.ips
    assert created["spec"]["ports"][0]["nodePort"] not in cluster.api.allocator.ports


# -- deletion -----------------------------------------------------------------------------------

def test_graceful_delete_of_a_bound_pod(cluster: Cluster) -> None:
    cluster.api.create(pod(node="worker-1"))
    cluster.advance(10)
    outcome = cluster.api.delete("pods", "default", "p")
    assert not outcome.finished
    meta = cluster.api.get("pods", "default", "p")["metadata"]
    assert meta["deletionTimestamp"] == "2026-01-01T00:00:40Z"
    assert meta["deletionGracePeriodSeconds"] == 30
    # deleting again with a shorter grace period shortens it
    cluster.api.delete("pods", "default", "p", grace_period=5)
    meta = cluster.api.get("pods", "default", "p")["metadata"]
    assert (meta["deletionTimestamp"], meta["deletionGracePeriodSeconds"]) == (
        "2026-01-01T00:00:15Z", 5)


def test_unbound_pod_is_removed_at_once(cluster: Cluster) -> None:
    cluster.api.create(pod())
    outcome = cluster.api.delete("pods", "default", "p")
    assert outcome.finished
    assert cluster.store.get("pods", "default", "p") is None
    error = refused(cluster.api.get, "pods", "default", "p")
    assert error.message == 'pods "p" not found'


def test_grace_period_zero_removes_a_bound_pod_at_once(cluster: Cluster) -> None:
    cluster.api.create(pod(node="worker-1"))
    assert cluster.api.delete("pods", "default", "p", grace_period=0).finished
    assert cluster.store.get("pods", "default", "p") is None


def test_finalizers_hold_deletion_until_removed(cluster: Cluster) -> None:
    api = cluster.api
    api.create(configmap("held", finalizers=["example.com/a", "example.com/b"]))
    outcome = api.delete("configmaps", "default", "held")
    assert not outcome.finished
    assert outcome.obj["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"
    cluster.settle()
    api.remove_finalizer("configmaps", "default", "held", "example.com/a", USER)
    cluster.settle()
    assert api.get("configmaps", "default", "held")["metadata"]["finalizers"] == [
        "example.com/b"]
    api.remove_finalizer("configmaps", "default", "held", "example.com/b", USER)
    assert cluster.store.get("configmaps", "default", "held") is None


def test_delete_of_a_missing_object_is_not_found(cluster: Cluster) -> None:
    error = refused(cluster.api.delete, "deployments.apps", "default", "nosuch")
    assert error.message == 'deployments.apps "nosuch" not found'


def test_dry_run_changes_nothing(cluster: Cluster) -> None:
    before = state(cluster)
    cluster.api.create(service("dry", type="NodePort"), dry_run=True)
    cluster.api.apply(deployment(), dry_run=True)
    cluster.api.delete("services", "default", "kubernetes", dry_run=True)
    assert state(cluster) == before
    assert len(cluster.api.allocator.ips) == 2 and not cluster.api.allocator.ports


# -- decoding and kinds --------------------------------------------------------------------------

def test_strict_decoding_error_reaches_the_caller_as_bad_request(cluster: Cluster) -> None:
    manifest = deployment()
    manifest["spec"]["replica"] = manifest["spec"].pop("replicas")
    before = state(cluster)
    for call in (cluster.api.create, cluster.api.apply):
        error = refused(call, copy.deepcopy(manifest))
        assert (error.code, error.reason) == (400, "BadRequest")
        assert 'strict decoding error: unknown field "spec.replica"' in error.message
    assert state(cluster) == before


def test_unknown_kind_is_no_kind_match(cluster: Cluster) -> None:
    with pytest.raises(NoKindMatch, match='no matches for kind "Widget" in version '
                                          '"example.com/v1"'):
        cluster.api.create({"apiVersion": "example.com/v1", "kind": "Widget",
                            "metadata": {"name": "w"}})
    with pytest.raises(NoKindMatch):
        cluster.api.apply({"apiVersion": "apps/v1", "kind": "Pod", "metadata": {"name": "w"}})


def test_invalid_object_is_refused_with_field_errors(cluster: Cluster) -> None:
    error = refused(cluster.api.create, deployment(replicas=-1))
    assert error.reason == "Invalid" and error.kind == "Deployment" and error.name == "web"
    assert "spec.replicas" in error.message


# -- client-side apply --------------------------------------------------------------------------

def test_apply_created_unchanged_configured(cluster: Cluster) -> None:
    api = cluster.api
    manifest = configmap("cfg", labels={"app": "web"})
    manifest["data"] = {"a": "1", "b": "2"}
    first = api.apply(copy.deepcopy(manifest))
    assert first.result == "created"
    assert "kubectl.kubernetes.io/last-applied-configuration" in first.obj["metadata"][
        "annotations"]
    rv = cluster.store.resource_version
    assert api.apply(copy.deepcopy(manifest)).result == "unchanged"
    assert cluster.store.resource_version == rv
    manifest["data"]["a"] = "changed"
    third = api.apply(copy.deepcopy(manifest))
    assert third.result == "configured"
    assert third.obj["data"] == {"a": "changed", "b": "2"}


def test_apply_removes_fields_removed_from_the_file_and_keeps_other_writers(
        cluster: Cluster) -> None:
    api = cluster.api
    manifest = configmap("cfg", labels={"app": "web", "tier": "front"})
    manifest["data"] = {"a": "1", "b": "2"}
    api.apply(copy.deepcopy(manifest))
    live = deep_copy(api.get("configmaps", "default", "cfg"))
    live["metadata"]["labels"]["owner"] = "ops"
    api.update(live, OTHER_WRITER)
    del manifest["data"]["b"]
    del manifest["metadata"]["labels"]["tier"]
    outcome = api.apply(copy.deepcopy(manifest))
    assert outcome.result == "configured"
    assert outcome.obj["data"] == {"a": "1"}
    assert outcome.obj["metadata"]["labels"] == {"app": "web", "owner": "ops"}
    assert api.apply(copy.deepcopy(manifest)).result == "unchanged"


def test_apply_of_a_deployment_change_bumps_generation(cluster: Cluster) -> None:
    cluster.api.apply(deployment())
    changed = cluster.api.apply(deployment(image="nginx:1.27"))
    assert changed.result == "configured"
    assert changed.obj["metadata"]["generation"] == 2
    container = changed.obj["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["imagePullPolicy"]) == ("nginx:1.27", "Always")
