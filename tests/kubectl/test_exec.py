"""kubectl exec: commands run in the container's context with kubectl's exit codes and errors."""

from __future__ import annotations

import shlex

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str, stdin: str | None = None) -> Result:
    result = run(cluster, shlex.split(line), stdin=stdin)
    cluster.settle()
    return result


@pytest.fixture
def box(cluster: Cluster) -> Cluster:
    k(cluster, "run box --image=busybox --env=GREETING=hi -- sleep 3600")
    cluster.advance(30)
    return cluster


def test_output_and_exit_code(box: Cluster) -> None:
    ok = k(box, "exec box -- sh -c 'echo $GREETING; echo oops >&2'")
    assert (ok.stdout, ok.stderr, ok.exit_code) == ("hi\n", "oops\n", 0)
    failed = k(box, "exec box -- sh -c 'exit 3'")
    assert failed.stderr == "command terminated with exit code 3\n"
    assert failed.exit_code == 3


def test_environment_and_filesystem_are_the_containers(box: Cluster) -> None:
    env = k(box, "exec box -- env").stdout.splitlines()
    assert env[0].startswith("PATH=") and env[1] == "HOSTNAME=box" and env[2] == "GREETING=hi"
    assert env[-1] == "HOME=/root" and "TERM=xterm" not in env
    assert "TERM=xterm" in k(box, "exec -it box -- env").stdout.splitlines()
    k(box, "exec box -- sh -c 'echo saved > /tmp/note'")
    assert k(box, "exec box -- cat /tmp/note").stdout == "saved\n"


def test_stdin_and_sleeps_take_no_cluster_time(box: Cluster) -> None:
    assert k(box, "exec -i box -- cat", stdin="piped\n").stdout == "piped\n"
    before = box.now
    assert k(box, "exec box -- sh -c 'sleep 20; echo done'").stdout == "done\n"
    assert box.now == before


def test_missing_binary_is_the_runtime_error(box: Cluster) -> None:
    result = k(box, "exec box -- curl http://web")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Internal error occurred: error executing command in "
                                    "container: failed to exec in container: failed to start "
                                    'exec "')
    assert result.stderr.endswith('": OCI runtime exec failed: exec failed: unable to start '
                                  'container process: exec: "curl": executable file not found '
                                  "in $PATH: unknown\n")


def test_refusals(box: Cluster) -> None:
    assert k(box, "exec box -c nope -- ls").stderr == ("error: container nope is not valid for "
                                                       "pod box out of: box\n")
    assert k(box, "exec nosuch -- ls").stderr == ('Error from server (NotFound): pods "nosuch" '
                                                  "not found\n")
    assert k(box, "exec box").stderr == ("error: you must specify at least one command for the "
                                         "container\n")
    assert "not supported anymore" in k(box, "exec box ls").stderr
    k(box, "run pending --image=busybox -- sleep 3600")
    assert k(box, "exec pending -- ls").stderr == ("error: unable to upgrade connection: "
                                                   'container not found ("pending")\n')
    k(box, "run done --image=busybox --restart=Never -- true")
    box.advance(30)
    assert k(box, "exec done -- ls").stderr == ("error: cannot exec into a container in a "
                                                "completed pod; current phase is Succeeded\n")
