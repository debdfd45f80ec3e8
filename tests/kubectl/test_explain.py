"""`kubectl explain` golden outputs (kubectl 1.37's plaintext template over the pinned
OpenAPI schemas), its errors, and the word wrapping it relies on."""

from __future__ import annotations

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.commands.explain import type_guess, word_wrap
from playground.kubectl.main import run

STRATEGY = """\
GROUP:      apps
KIND:       Deployment
VERSION:    v1

FIELD: strategy <DeploymentStrategy>


DESCRIPTION:
    The deployment strategy to use to replace existing pods with new ones.
    DeploymentStrategy describes how to replace existing pods with new ones.
    
FIELDS:
  rollingUpdate\t<RollingUpdateDeployment>
    Rolling update config params. Present only if DeploymentStrategyType =
    RollingUpdate.

  type\t<string>
    Type of deployment. Can be "Recreate" or "RollingUpdate". Default is
    RollingUpdate.


"""


REPLICAS = """\
GROUP:      apps
KIND:       Deployment
VERSION:    v1

FIELD: replicas <integer>


DESCRIPTION:
    Number of desired pods. This is a pointer to distinguish between explicit
    zero and not specified. Defaults to 1.
    

"""


RESOURCES_RECURSIVE = """\
KIND:       Pod
VERSION:    v1

FIELD: resources <ResourceRequirements>


DESCRIPTION:
    Compute Resources required by this container. Cannot be updated. More info:
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
    ResourceRequirements describes the compute resource requirements.
    
FIELDS:
  claims\t<[]ResourceClaim>
    name\t<string> -required-
    request\t<string>
  limits\t<map[string]Quantity>
  requests\t<map[string]Quantity>

"""


PODS = """\
KIND:       Pod
VERSION:    v1

DESCRIPTION:
    Pod is a collection of containers that can run on a host. This resource is
    created by clients and scheduled onto hosts.
    
FIELDS:
  apiVersion\t<string>
    APIVersion defines the versioned schema of this representation of an object.
    Servers should convert recognized schemas to the latest internal value, and
    may reject unrecognized values. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources

  kind\t<string>
    Kind is a string value representing the REST resource this object
    represents. Servers may infer this from the endpoint the client submits
    requests to. Cannot be updated. In CamelCase. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds

  metadata\t<ObjectMeta>
    Standard object's metadata. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata

  spec\t<PodSpec>
    Specification of the desired behavior of the pod. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status

  status\t<PodStatus>
    Most recently observed status of the pod. This data may not be up to date.
    Populated by the system. Read-only. More info:
    https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status


"""



@pytest.mark.parametrize(("line", "expected"), [
    ("explain deployment.spec.strategy", STRATEGY),
    ("explain deploy.spec.replicas", REPLICAS),
    ("explain pods.spec.containers.resources --recursive", RESOURCES_RECURSIVE),
    ("explain pods", PODS),
    ("explain po", PODS),
])
def test_golden(cluster: Cluster, line: str, expected: str) -> None:
    result = run(cluster, line.split())
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == expected


def test_header_layout(cluster: Cluster) -> None:
    lines = run(cluster, ["explain", "deployments"]).stdout.splitlines()
    assert lines[:5] == ["GROUP:      apps", "KIND:       Deployment", "VERSION:    v1", "",
                         "DESCRIPTION:"]
    # the pinned 1.37 schema lists `spec` as required for Deployments
    assert "  spec\t<DeploymentSpec> -required-" in lines
    containers = run(cluster, ["explain", "pod.spec"]).stdout
    assert "\n  containers\t<[]Container> -required-\n" in containers
    assert "\n  nodeSelector\t<map[string]string>\n" in containers


@pytest.mark.parametrize(("line", "error"), [
    ("explain deployment.spec.replica", 'error: field "replica" does not exist'),
    ("explain pods.spec.containers.nmae", 'error: field "nmae" does not exist'),
    ("explain foo", 'error: the server doesn\'t have a resource type "foo"'),
])
def test_errors(cluster: Cluster, line: str, error: str) -> None:
    result = run(cluster, line.split())
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error + "\n")


def test_missing_resource(cluster: Cluster) -> None:
    result = run(cluster, ["explain"])
    assert result.exit_code == 1
    assert "error: Required resource not specified." in result.stderr


def test_word_wrap_matches_go_wordwrap() -> None:
    assert word_wrap("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert word_wrap("a verylongwordthatdoesnotfit b", 6) == "a\nverylongwordthatdoesnotfit\nb"
    assert word_wrap("keep\nbreaks  here", 80) == "keep\nbreaks  here"


def test_type_guess() -> None:
    assert type_guess({"type": ["string", "null"]}) == "string"
    assert type_guess({"type": ["object", "null"]}) == "Object"
    assert type_guess({"items": {"$ref": "#/$defs/io.k8s.api.core.v1.Container"}}) == \
        "[]Container"
    assert type_guess({"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.Time"}) == "string"
    assert type_guess({"additionalProperties": {
        "$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"}}) == \
        "map[string]Quantity"
