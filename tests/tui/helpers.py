"""Shared set-up for the TUI tests: a seeded manual-clock cluster with a Deployment and a
Service, and an app that opens it paused (virtual time moves only when a test says so)."""

from __future__ import annotations

from typing import Any

from playground.engine.cluster import Cluster, ClusterConfig
from playground.kubectl.main import run
from playground.tui.app import PlaygroundApp
from playground.tui.templates import TEMPLATES

FIXED_EPOCH = "2026-01-01T00:00:00+00:00"


def make_cluster(*, workers: int = 3, settle_seconds: float = 30.0) -> Cluster:
    """A cluster with `web` (3 replicas) and its Service, `settle_seconds` into its life."""
    cluster = Cluster.create(ClusterConfig(workers=workers, seed=7, clock="manual",
                                           epoch=FIXED_EPOCH))
    run(cluster, ["apply", "-f", "-"], stdin=TEMPLATES["Deployment"])
    run(cluster, ["apply", "-f", "-"], stdin=TEMPLATES["Service"])
    cluster.advance(settle_seconds)
    return cluster


def make_app(cluster: Cluster | None = None, saver: Any = None) -> PlaygroundApp:
    """An app on a prepared cluster, paused, with a slow frame timer (tests drive time)."""
    cluster = cluster or make_cluster()
    return PlaygroundApp(lambda: (cluster, saver), paused=True, frame_seconds=0.05)


async def ready(pilot: Any) -> None:
    """Wait until the main screen is up."""
    app = pilot.app
    for _ in range(200):
        if app.main is not None and app.screen is app.main:
            break
        await pilot.pause(0.02)
    await pilot.pause()
