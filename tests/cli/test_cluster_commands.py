"""`playground.cluster_commands` on its own: the CLI's grammar parsed without exiting, argument
checks that come before any cluster is opened, and the operations' texts on a live cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground import cluster_commands
from playground.cli import build_parser, main
from playground.engine.cluster import Cluster, ClusterConfig


def test_parse_errors_and_help_are_captured_not_exited() -> None:
    bad = cluster_commands.parse_cluster_line(["kill-pod", "x", "--exit-code", "z"], build_parser)
    assert isinstance(bad, cluster_commands.Result)
    assert bad.exit_code == 2 and bad.stdout == ""
    assert bad.stderr.startswith("usage: playground cluster kill-pod")
    assert "argument --exit-code: invalid int value: 'z'" in bad.stderr
    helped = cluster_commands.parse_cluster_line(["--help"])
    assert isinstance(helped, cluster_commands.Result)
    assert helped.exit_code == 0 and "add-node" in helped.stdout
    args = cluster_commands.parse_cluster_line(["add-node", "worker-9", "--zone", "zone-b"])
    assert not isinstance(args, cluster_commands.Result)
    assert (args.action, args.name, args.zone) == ("add-node", "worker-9", "zone-b")


def test_argument_refusals_come_before_the_missing_cluster(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--state", str(tmp_path), "cluster", "add-node", "--labels", "x"]) == 1
    assert capsys.readouterr().err == ('error: --labels expects key=value pairs separated by '
                                       'commas, got "x"\n')
    assert main(["--state", str(tmp_path), "cluster", "advance", "soon"]) == 1
    assert 'invalid duration "soon"' in capsys.readouterr().err
    assert main(["--state", str(tmp_path), "cluster", "status"]) == 1
    assert "no cluster in" in capsys.readouterr().err


def test_operations_on_a_live_cluster() -> None:
    cluster = Cluster.create(ClusterConfig(workers=1, seed=3, clock="manual"))
    added = cluster_commands.add_node(cluster, cpu="2", memory="4Gi", zone="zone-c")
    assert added == cluster_commands.Result(
        'Node "worker-2" joined the cluster: 2 CPU, 4Gi memory, zone zone-c.\n', "", 0)
    again = cluster_commands.add_node(cluster, "worker-2")
    assert again.refused and again.stderr == 'error: node "worker-2" already exists\n'
    moved: list[float] = []
    result = cluster_commands.advance(cluster, "90s", lambda t: (moved.append(t),
                                                               cluster.run_until(t)))
    assert moved == [90.0] and result.stdout.endswith("(+90s).\n")
    status = cluster_commands.status(cluster, "/some/state")
    assert "State:        /some/state\n" in status.stdout
    assert "Nodes:        3 (3 Ready)" in status.stdout
