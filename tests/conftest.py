"""Shared fixtures: a fresh, manually clocked cluster for engine and kubectl tests."""

from __future__ import annotations

import pytest

from playground.engine.cluster import Cluster, ClusterConfig


@pytest.fixture
def cluster() -> Cluster:
    """A new cluster (seed 1, control-plane + 3 workers, manual clock), settled."""
    return Cluster.create(ClusterConfig(clock="manual"))
