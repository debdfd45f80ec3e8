"""kubectl set image|env|resources on a live Deployment."""

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
    k(cluster, "create deployment web --image=nginx:1.27")
    cluster.advance(30)
    return cluster


def container(cluster: Cluster) -> dict:
    deployment = cluster.api.get("deployments.apps", "default", "web")
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_set_image(web: Cluster) -> None:
    assert k(web, "set image deploy/web nginx=nginx:1.28").stdout == \
        "deployment.apps/web image updated\n"
    assert container(web)["image"] == "nginx:1.28"
    unchanged = k(web, "set image deploy/web nginx=nginx:1.28")
    assert (unchanged.stdout, unchanged.stderr, unchanged.exit_code) == ("", "", 0)
    assert k(web, "set image deployment web '*=nginx:1.29'").stdout == \
        "deployment.apps/web image updated\n"
    wrong = k(web, "set image deploy/web x=nginx")
    assert (wrong.stderr, wrong.exit_code) == ('error: unable to find container named "x"\n', 1)


def test_set_env(web: Cluster) -> None:
    assert k(web, "set env deploy/web A=1 B=two").stdout == "deployment.apps/web env updated\n"
    assert container(web)["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}]
    assert k(web, "set env deploy/web --list").stdout == \
        "# Deployment web, container nginx\nA=1\nB=two\n"
    k(web, "set env deploy/web A-")
    assert container(web)["env"] == [{"name": "B", "value": "two"}]


def test_set_resources(web: Cluster) -> None:
    result = k(web, "set resources deploy/web --limits=cpu=200m,memory=512Mi "
                    "--requests=cpu=100m")
    assert result.stdout == "deployment.apps/web resource requirements updated\n"
    assert container(web)["resources"] == {"limits": {"cpu": "200m", "memory": "512Mi"},
                                           "requests": {"cpu": "100m"}}
    assert k(web, "set resources deploy/web -c zz --limits=cpu=1").stderr == \
        "error: unable to find container named zz\n"
    assert "you must specify an update" in k(web, "set resources deploy/web").stderr
