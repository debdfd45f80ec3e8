"""kubectl scale: replica changes, preconditions and refusals."""

from __future__ import annotations

import shlex

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str) -> Result:
    result = run(cluster, shlex.split(line))
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    k(cluster, "create deployment web --image=nginx --replicas=2")
    cluster.advance(30)
    return cluster


@pytest.mark.parametrize("line", ["scale deploy/web --replicas=3",
                                  "scale deployment web --replicas 3",
                                  "scale --replicas=3 --current-replicas=2 deploy/web"])
def test_scale_spellings(web: Cluster, line: str) -> None:
    result = k(web, line)
    assert (result.stdout, result.exit_code) == ("deployment.apps/web scaled\n", 0)
    web.advance(30)
    assert len(web.api.list("pods", "default")) == 3


def test_preconditions_and_refusals(web: Cluster) -> None:
    assert k(web, "scale deploy/web --replicas=5 --current-replicas=4").stderr == \
        "error: Expected replicas to be 4, was 2\n"
    assert k(web, "scale deploy/web").stderr == 'error: required flag(s) "replicas" not set\n'
    assert k(web, "scale deploy/nosuch --replicas=1").stderr == \
        'Error from server (NotFound): deployments.apps "nosuch" not found\n'
    assert k(web, "scale deploy/web --replicas=1 --dry-run=client").stdout == \
        "deployment.apps/web scaled (dry run)\n"
    assert web.api.get("deployments.apps", "default", "web")["spec"]["replicas"] == 2
