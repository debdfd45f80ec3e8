"""`kubectl --help`, `kubectl <verb> --help`, and what unknown commands say."""

from __future__ import annotations

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.main import COMMANDS, run


def test_top_level_help_lists_supported_commands(cluster: Cluster) -> None:
    for argv in (["--help"], ["-h"], []):
        result = run(cluster, argv)
        assert result.exit_code == 0
        assert "Commands the playground supports:" in result.stdout
        for verb in ("get", "api-resources", "config", "cluster-info"):
            assert f"\n  {verb} " in result.stdout


@pytest.mark.parametrize("verb", sorted(COMMANDS))
def test_every_verb_has_help(cluster: Cluster, verb: str) -> None:
    result = run(cluster, [verb, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith(COMMANDS[verb].summary)
    assert f"kubectl {verb} [options]" in result.stdout


def test_get_help_lists_its_flags(cluster: Cluster) -> None:
    text = run(cluster, ["get", "-h"]).stdout
    assert "-o, --output=<value>" in text and "-w, --watch" in text and "--sort-by" in text


def test_help_after_dashes_belongs_to_the_command(cluster: Cluster) -> None:
    result = run(cluster, ["exec", "nosuch", "--", "ls", "-h"])
    assert "Usage:" not in result.stdout


def test_unsupported_kubectl_command(cluster: Cluster) -> None:
    result = run(cluster, ["port-forward", "pod/web", "8080:80"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == 'error: unknown command "port-forward" for "kubectl"'
    assert lines[2].startswith('The playground does not support "kubectl port-forward" yet. '
                               "It supports: ")
    assert "get" in lines[2]


def test_typo_suggests_the_near_command(cluster: Cluster) -> None:
    result = run(cluster, ["gti", "pods"])
    assert result.exit_code == 1
    assert result.stderr.startswith('error: unknown command "gti" for "kubectl"\n\n'
                                    "Did you mean this?\n\tget\n")
