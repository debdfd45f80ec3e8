"""kubectl logs against a live playground cluster: lines, flags and kubectl's refusals."""

from __future__ import annotations

import shlex

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo one; echo two; sleep 3600"]}
  - {name: side, image: busybox, command: [sh, -c, "echo side; sleep 3600"]}
"""


def k(cluster: Cluster, line: str, stdin: str | None = None) -> Result:
    result = run(cluster, shlex.split(line), stdin=stdin)
    cluster.settle()
    return result


@pytest.fixture
def talker(cluster: Cluster) -> Cluster:
    assert k(cluster, "apply -f -", POD).exit_code == 0
    cluster.advance(30)
    return cluster


def test_multi_container_pod_defaults_to_the_first_container(talker: Cluster) -> None:
    result = k(talker, "logs talker")
    assert result.stdout == "one\ntwo\n"
    assert result.stderr == 'Defaulted container "main" out of: main, side\n'
    assert result.exit_code == 0


def test_defaulted_container_lists_init_containers(cluster: Cluster) -> None:
    k(cluster, "apply -f -", POD.replace("spec:\n", "spec:\n  initContainers:\n"
                                          "  - {name: setup, image: busybox}\n", 1))
    result = k(cluster, "logs talker")
    assert result.stderr.splitlines()[0] == ('Defaulted container "main" out of: main, side, '
                                             "setup (init)")


def test_container_flag_tail_and_all_containers(talker: Cluster) -> None:
    assert k(talker, "logs talker -c side").stdout == "side\n"
    assert k(talker, "logs talker side").stdout == "side\n"
    assert k(talker, "logs talker --tail=1").stdout == "two\n"
    assert k(talker, "logs talker --all-containers").stdout == "one\ntwo\nside\n"
    prefixed = k(talker, "logs talker --all-containers --prefix")
    assert prefixed.stdout.splitlines()[2] == "[pod/talker/side] side"


def test_timestamps_are_rfc3339_with_nine_fraction_digits(talker: Cluster) -> None:
    line = k(talker, "logs talker -c side --timestamps").stdout.splitlines()[0]
    stamp, text = line.split(" ", 1)
    assert text == "side"
    assert stamp.startswith("2026-01-01T00:00:") and stamp.endswith("Z")
    assert len(stamp.split(".")[1]) == len("000000000Z")


def test_refusals(talker: Cluster) -> None:
    wrong = k(talker, "logs talker -c wrong")
    assert wrong.stderr == ("error: container wrong is not valid for pod talker out of: "
                            "main, side\n")
    assert wrong.exit_code == 1
    previous = k(talker, "logs talker -c main --previous")
    assert previous.stderr == ('Error from server (BadRequest): previous terminated container '
                               '"main" in pod "talker" not found\n')
    missing = k(talker, "logs nosuch")
    assert missing.stderr == ('error: error from server (NotFound): pods "nosuch" not found in '
                              'namespace "default"\n')
    usage = k(talker, "logs")
    assert usage.exit_code == 1 and "POD or TYPE/NAME is a required argument" in usage.stderr


def test_waiting_container(cluster: Cluster) -> None:
    k(cluster, "run web --image=nginx")
    result = k(cluster, "logs web")
    assert result.stderr == ('Error from server (BadRequest): container "web" in pod "web" is '
                             "waiting to start: ContainerCreating\n")
    k(cluster, "run bad --image=nginx:no-such-tag")
    cluster.advance(20)
    pulled = k(cluster, "logs bad")
    assert pulled.stderr == ('Error from server (BadRequest): container "bad" in pod "bad" is '
                             "waiting to start: trying and failing to pull image\n")


def test_deployment_target_and_selector(cluster: Cluster) -> None:
    k(cluster, "create deployment web --image=busybox --replicas=2 -- sh -c 'echo hello; "
               "sleep 3600'")
    cluster.advance(30)
    result = k(cluster, "logs deploy/web")
    assert result.stdout == "hello\n"
    assert result.stderr.startswith("Found 2 pods, using pod/web-")
    assert k(cluster, "logs -l app=web").stdout == "hello\nhello\n"


def test_follow_advances_virtual_time_until_the_container_stops(cluster: Cluster) -> None:
    k(cluster, "run counter --image=busybox --restart=Never -- sh -c "
               "'for i in 1 2 3; do echo tick $i; sleep 5; done'")
    cluster.advance(3)
    start = cluster.now
    result = k(cluster, "logs -f counter")
    assert result.stdout == "tick 1\ntick 2\ntick 3\n"
    assert cluster.now - start < 30
