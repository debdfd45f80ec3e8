"""Semantic validation: each rule with the exact text real Kubernetes prints."""

from __future__ import annotations

import copy
import glob
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from playground.engine.api.format import field_error_text
from playground.engine.api.validation import validate_create, validate_update
from playground.engine.api.validation_workloads import cron_schedule_error

CONFORMANCE = str(Path(__file__).resolve().parents[2].parent / "shared/conformance")
SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
             "'-' or '.', and must start and end with an alphanumeric character (e.g. "
             "'example.com', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
         "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
         "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def texts(errors: list[Any]) -> list[str]:
    return [field_error_text(error) for error in errors]


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                         "ports": [{"containerPort": 80}]}]},
            },
        },
    }


def pod() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]}}


def service() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]["spec"] if obj["kind"] != "Pod" else obj["spec"]


Mutation = Callable[[dict[str, Any]], object]

CASES: list[tuple[str, Callable[[], dict[str, Any]], Mutation, list[str]]] = [
    ("name required", pod, lambda o: o["metadata"].pop("name"),
     ["metadata.name: Required value: name or generateName is required"]),
    ("name subdomain", pod, lambda o: o["metadata"].update(name="Web_1"),
     [f'metadata.name: Invalid value: "Web_1": {SUBDOMAIN}']),
    ("name too long", pod, lambda o: o["metadata"].update(name="a" * 254),
     [f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters']),
    ("namespace label name", lambda: {"apiVersion": "v1", "kind": "Namespace",
                                      "metadata": {"name": "dev.team"}}, lambda o: None,
     ['metadata.name: Invalid value: "dev.team": must not contain dots']),
    ("service 1035 name", service, lambda o: o["metadata"].update(name="1web"),
     [('metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case '
      "alphanumeric characters or '-', start with an alphabetic character, and end with an "
      "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
      "'[a-z]([-a-z0-9]*[a-z0-9])?')")]),
    ("cluster scoped namespace", lambda: {"apiVersion": "v1", "kind": "Namespace",
                                          "metadata": {"name": "dev", "namespace": "x"}},
     lambda o: None, ["metadata.namespace: Forbidden: not allowed on this type"]),
    ("label value", pod, lambda o: o["metadata"].update(labels={"app": "web server"}),
     [('metadata.labels: Invalid value: "web server": a valid label must be an empty string or '
      "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
      "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")]),
    ("label value too long", pod, lambda o: o["metadata"].update(labels={"a": "b" * 64}),
     [f'metadata.labels: Invalid value: "{"b" * 64}": must be no more than 63 bytes']),
    ("label key", pod, lambda o: o["metadata"].update(labels={"-app": "x"}),
     [('metadata.labels: Invalid value: "-app": name part must consist of alphanumeric '
      "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
      "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
      "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")]),
    ("annotation key", pod, lambda o: o["metadata"].update(annotations={"a/b/c": "x"}),
     [('metadata.annotations: Invalid value: "a/b/c": a valid label key must consist of '
      "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
      "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
      "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and "
      "'/' (e.g. 'example.com/MyName')")]),
    ("containers required", pod, lambda o: o["spec"].update(containers=[]),
     ["spec.containers: Required value"]),
    ("container name", pod, lambda o: o["spec"]["containers"][0].update(name="App"),
     [f'spec.containers[0].name: Invalid value: "App": {LABEL}']),
    ("duplicate container", pod,
     lambda o: o["spec"]["containers"].append({"name": "app", "image": "x"}),
     ['spec.containers[1].name: Duplicate value: "app"']),
    ("image required", deployment, lambda o: pod_spec(o)["containers"][0].pop("image"),
     ["spec.template.spec.containers[0].image: Required value"]),
    ("port range", pod, lambda o: o["spec"]["containers"][0].update(
        ports=[{"containerPort": 70000}]),
     [("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and "
      "65535, inclusive")]),
    ("port name", pod, lambda o: o["spec"]["containers"][0].update(
        ports=[{"containerPort": 80, "name": "http_web"}]),
     [('spec.containers[0].ports[0].name: Invalid value: "http_web": must contain only '
      "alpha-numeric characters (a-z, 0-9), and hyphens (-)")]),
    ("port name too long", pod, lambda o: o["spec"]["containers"][0].update(
        ports=[{"containerPort": 80, "name": "a-very-long-port-name"}]),
     [('spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no '
      "more than 15 characters")]),
    ("protocol", pod, lambda o: o["spec"]["containers"][0].update(
        ports=[{"containerPort": 80, "protocol": "HTTP"}]),
     [('spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: '
      '"SCTP", "TCP", "UDP"')]),
    ("requests above limits", pod, lambda o: o["spec"]["containers"][0].update(
        resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}),
     [('spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or '
      "equal to cpu limit of 1")]),
    ("memory requests above limits", pod, lambda o: o["spec"]["containers"][0].update(
        resources={"requests": {"memory": "256Mi"}, "limits": {"memory": "128Mi"}}),
     [('spec.containers[0].resources.requests[memory]: Invalid value: "256Mi": must be less '
      "than or equal to memory limit of 128Mi")]),
    ("restart policy", pod, lambda o: o["spec"].update(restartPolicy="Sometimes"),
     [('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
      '"OnFailure", "Never"')]),
    ("probe numbers", pod, lambda o: o["spec"]["containers"][0].update(
        livenessProbe={"exec": {"command": ["true"]}, "periodSeconds": -1}),
     [("spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than "
      "or equal to 0")]),
    ("liveness success threshold", pod, lambda o: o["spec"]["containers"][0].update(
        livenessProbe={"exec": {"command": ["true"]}, "successThreshold": 2}),
     ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]),
    ("probe handler", pod, lambda o: o["spec"]["containers"][0].update(
        readinessProbe={"periodSeconds": 5}),
     ["spec.containers[0].readinessProbe: Required value: must specify a handler type"]),
    ("env name", pod, lambda o: o["spec"]["containers"][0].update(env=[{"name": "A=B"}]),
     [('spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name '
      "must consist only of printable ASCII characters other than '='")]),
    ("mount not found", pod, lambda o: o["spec"]["containers"][0].update(
        volumeMounts=[{"name": "x", "mountPath": "/x"}]),
     ['spec.containers[0].volumeMounts[0].name: Not found: "x"']),
    ("duplicate volume", pod, lambda o: o["spec"].update(
        volumes=[{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]),
     ['spec.volumes[1].name: Duplicate value: "v"']),
    ("grace period", pod, lambda o: o["spec"].update(terminationGracePeriodSeconds=-5),
     [("spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal "
      "to 0")]),
    ("selector required", deployment, lambda o: o["spec"].pop("selector"),
     ["spec.selector: Required value"]),
    ("empty selector", deployment, lambda o: o["spec"].update(selector={}),
     ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]),
    ("selector mismatch", deployment,
     lambda o: o["spec"].update(selector={"matchLabels": {"app": "api"}}),
     [('spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match '
      "template `labels`")]),
    ("replicas", deployment, lambda o: o["spec"].update(replicas=-1),
     ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
    ("deployment restart policy", deployment,
     lambda o: pod_spec(o).update(restartPolicy="OnFailure"),
     [('spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: '
      '"Always"')]),
    ("surge and unavailable zero", deployment, lambda o: o["spec"].update(
        strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     [("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
      "`maxSurge` is 0")]),
    ("bad percent", deployment, lambda o: o["spec"].update(
        strategy={"rollingUpdate": {"maxSurge": "30"}}),
     [('spec.strategy.rollingUpdate.maxSurge: Invalid value: "30": a valid percent string must '
      "be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
      "validation is '[0-9]+%')")]),
    ("unavailable over 100%", deployment, lambda o: o["spec"].update(
        strategy={"rollingUpdate": {"maxUnavailable": "150%"}}),
     [('spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater '
      "than 100%")]),
    ("revision history", deployment, lambda o: o["spec"].update(revisionHistoryLimit=-2),
     ["spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0"]),
    ("service port", service, lambda o: o["spec"]["ports"][0].update(port=0),
     ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"]),
    ("service ports required", service, lambda o: o["spec"].pop("ports"),
     ["spec.ports: Required value"]),
    ("headless without ports", service, lambda o: o["spec"].update(clusterIP="None", ports=[]),
     []),
    ("several ports need names", service, lambda o: o["spec"].update(
        ports=[{"name": "http", "port": 80}, {"port": 443}]),
     ["spec.ports[1].name: Required value"]),
    ("service type", service, lambda o: o["spec"].update(type="Public"),
     [('spec.type: Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", '
      '"LoadBalancer", "NodePort"')]),
    ("node port on cluster ip", service, lambda o: o["spec"]["ports"][0].update(nodePort=30080),
     ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
    ("headless node port", service, lambda o: o["spec"].update(type="NodePort",
                                                               clusterIP="None"),
     [("spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort "
      "services")]),
    ("config key", lambda: {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                            "data": {"my key": "v"}}, lambda o: None,
     [('data[my key]: Invalid value: "my key": a valid config key must consist of alphanumeric '
      "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex "
      "used for validation is '[-._a-zA-Z0-9]+')")]),
    ("secret key", lambda: {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                            "stringData": {"..x": "v"}}, lambda o: None,
     ['data[..x]: Invalid value: "..x": must not start with \'..\'']),
]


@pytest.mark.parametrize(("factory", "mutate", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_create_rules(factory: Callable[[], dict[str, Any]], mutate: Mutation,
                      expected: list[str]) -> None:
    obj = factory()
    mutate(obj)
    assert texts(validate_create(obj)) == expected


def job(**template_spec: Any) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
            "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}],
                                           **template_spec}}}}


def test_job_needs_never_or_on_failure() -> None:
    assert texts(validate_create(job())) == [
        ('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: '
        '"OnFailure", "Never"')]
    assert validate_create(job(restartPolicy="Never")) == []


def cron_job(schedule: str) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello"},
            "spec": {"schedule": schedule, "jobTemplate": {"spec": job(
                restartPolicy="OnFailure")["spec"]}}}


@pytest.mark.parametrize(("schedule", "detail"), [
    ("* * * * *", None),
    ("@hourly", None),
    ("*/5 1-3 * jan mon", None),
    ("x", "expected exactly 5 fields, found 1: [x]"),
    ("@sometimes", "unrecognized descriptor: @sometimes"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
])
def test_cron_schedules(schedule: str, detail: str | None) -> None:
    assert cron_schedule_error(schedule) == detail
    errors = texts(validate_create(cron_job(schedule)))
    assert errors == ([] if detail is None
                      else [f'spec.schedule: Invalid value: "{schedule}": {detail}'])


def test_cron_job_template_restart_policy_path() -> None:
    obj = cron_job("* * * * *")
    obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    assert texts(validate_create(obj)) == [
        ('spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": '
        'supported values: "OnFailure", "Never"')]


def test_stateful_set_claim_templates_count_as_volumes() -> None:
    with open(f"{CONFORMANCE}/k8s-examples/application/web/web.yaml", encoding="utf-8") as f:
        docs = [doc for doc in yaml.safe_load_all(f) if doc]
    stateful = next(doc for doc in docs if doc["kind"] == "StatefulSet")
    assert validate_create(stateful) == []
    stateful["spec"]["volumeClaimTemplates"] = []
    assert any("volumeMounts[0].name: Not found" in text
               for text in texts(validate_create(stateful)))


# --- updates ---------------------------------------------------------------------------------

def test_deployment_selector_is_immutable() -> None:
    old = deployment()
    new = deployment()
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "x"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "x"
    assert texts(validate_update(new, old)) == [
        ('spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is '
        "immutable")]


def test_deployment_template_change_is_fine() -> None:
    old = deployment()
    new = deployment()
    pod_spec(new)["containers"][0]["image"] = "nginx:1.26"
    new["spec"]["replicas"] = 5
    assert validate_update(new, old) == []


def test_service_cluster_ip_is_immutable() -> None:
    old = service()
    old["spec"]["clusterIP"] = "10.96.0.20"
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.96.0.21"
    assert texts(validate_update(new, old)) == [
        'spec.clusterIP: Invalid value: "10.96.0.21": field is immutable']


def test_name_is_immutable() -> None:
    old = pod()
    new = pod()
    new["metadata"]["name"] = "q"
    assert 'metadata.name: Invalid value: "q": field is immutable' in texts(
        validate_update(new, old))


def test_job_template_is_immutable() -> None:
    old = job(restartPolicy="Never")
    new = job(restartPolicy="OnFailure")
    errors = texts(validate_update(new, old))
    assert len(errors) == 1 and errors[0].startswith("spec.template: Invalid value: ")
    assert errors[0].endswith(": field is immutable")


def stateful_set() -> dict[str, Any]:
    obj = deployment()
    obj["kind"] = "StatefulSet"
    obj["spec"]["serviceName"] = "web"
    return obj


def test_stateful_set_forbids_other_fields() -> None:
    old = stateful_set()
    new = stateful_set()
    new["spec"]["serviceName"] = "other"
    assert texts(validate_update(new, old)) == [
        ("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', "
        "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")]
    allowed = stateful_set()
    allowed["spec"]["replicas"] = 7
    assert validate_update(allowed, old) == []


def test_pod_image_may_change_but_ports_may_not() -> None:
    old = pod()
    new = pod()
    new["spec"]["containers"][0]["image"] = "busybox:1.36"
    assert validate_update(new, old) == []
    new["spec"]["containers"][0]["ports"] = [{"containerPort": 80}]
    errors = texts(validate_update(new, old))
    assert len(errors) == 1
    first_line, _, diff = errors[0].partition("\n")
    assert first_line == (
        "spec: Forbidden: pod updates may not change fields other than "
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)")
    assert "core.PodSpec{" in diff and '+' in diff and "containerPort" in diff


def test_pod_tolerations_may_only_be_added() -> None:
    old = pod()
    new = pod()
    new["spec"]["tolerations"] = [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]
    assert validate_update(new, old) == []


def test_immutable_config_map() -> None:
    with open(f"{CONFORMANCE}/k8s-examples/configmap/immutable-configmap.yaml",
              encoding="utf-8") as handle:
        old = yaml.safe_load(handle)
    new = copy.deepcopy(old)
    new["data"] = {"company_name": "Other"}
    assert texts(validate_update(new, old)) == [
        "data: Forbidden: field is immutable when `immutable` is set"]
    unchanged = copy.deepcopy(old)
    assert validate_update(unchanged, old) == []


# --- every real manifest is valid -----------------------------------------------------------

def _documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(glob.glob(f"{CONFORMANCE}/k8s-examples*/**/*.yaml", recursive=True)):
        if path.endswith("legacy/application/job/cronjob.yaml"):
            continue  # batch/v1beta1: refused before validation
        with open(path, encoding="utf-8") as handle:
            found += [(path, doc) for doc in yaml.safe_load_all(handle) if doc]
    return found


@pytest.mark.parametrize(("path", "doc"), _documents(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_conformance_manifests_are_valid(path: str, doc: dict[str, Any]) -> None:
    assert texts(validate_create(doc)) == []
    assert texts(validate_update(copy.deepcopy(doc), doc)) == []


def test_recommended_labels_update_is_refused() -> None:
    base = f"{CONFORMANCE}/k8s-examples"
    with open(f"{base}/application/deployment.yaml", encoding="utf-8") as handle:
        old = yaml.safe_load(handle)
    with open(f"{base}-variants/recommended-labels/application/deployment-update.yaml",
              encoding="utf-8") as handle:
        new = yaml.safe_load(handle)
    errors = texts(validate_update(new, old))
    assert errors and errors[0].startswith("spec.selector: Invalid value: ")
    assert errors[0].endswith(": field is immutable")
