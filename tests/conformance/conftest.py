"""Fixtures for the conformance tests: a live cluster and a `kubectl` bound to it.

The conformance tests drive the whole engine (controllers, scheduler, kubelet) through the
documentation's own manifests, so each test gets a fresh cluster with everything registered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from playground.engine.cluster import Cluster, ClusterConfig
from playground.kubectl.context import Result
from playground.kubectl.main import run

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared/conformance"

Kubectl = Callable[..., Result]


@pytest.fixture
def live() -> Cluster:
    """A fresh cluster (control-plane + 3 workers, seed 1, manual clock)."""
    return Cluster.create(ClusterConfig(clock="manual"))


@pytest.fixture
def kubectl(live: Cluster) -> Kubectl:
    """`kubectl("apply", "-f", "k8s-examples/x.yaml")`: paths under the conformance folder."""

    def call(*argv: str, namespace: str = "default") -> Result:
        args = list(argv)
        for i, arg in enumerate(args[:-1]):
            if arg == "-f" and not args[i + 1].startswith("/"):
                args[i + 1] = str(CONFORMANCE / args[i + 1])
        return run(live, args, namespace=namespace)

    return call
