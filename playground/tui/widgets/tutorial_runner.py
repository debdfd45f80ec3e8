"""The TUI's hold on a guided scenario: attaching its runner, pacing time through it, and the
scenarios the command palette offers.

The tutorial panel shows a `ScenarioRunner`; this module owns everything around it that is not
a widget. Time in the TUI moves in frames, and a frame may jump several virtual seconds at 60×.
A step event (`after: 2m`) must still happen at its own virtual instant, so while a scenario
runs the bridge's `run_until` is replaced by `paced_by(runner)`, which stops at each due event,
lets the runner fire it, and carries on. Checks are not evaluated here (the panel does that,
throttled): the runner is only asked to `update()` at an event's instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol, runtime_checkable

from playground.engine.cluster import Cluster
from playground.scenarios import Scenario, ScenarioError, ScenarioRunner, restore_images


def attach_runner(cluster: Cluster) -> tuple[ScenarioRunner | None, str]:
    """The runner of the scenario saved with this cluster (None when there is none), and a
    warning for the person when one is saved but cannot be loaded."""
    restore_images(cluster)
    try:
        return ScenarioRunner.attach(cluster), ""
    except ScenarioError as exc:
        return None, (f"The scenario saved with this cluster cannot be loaded ({exc}); "
                      "its tutorial is not shown.")


def paced_by(runner: ScenarioRunner) -> Callable[[float], None]:
    """A `run_until` that lets virtual time run and fires the scenario's step events at their
    exact instants on the way."""
    cluster = runner.cluster

    def run_until(when: float) -> None:
        while (due := runner.next_event_at()) is not None and due <= when:
            cluster.run_until(max(due, cluster.now))
            runner.update()
            if runner.next_event_at() == due:
                break  # never spin on an event the runner declined to fire
        cluster.run_until(max(when, cluster.now))

    return run_until


def start_runner(scenario: Scenario, clock: str) -> ScenarioRunner:
    """A fresh cluster for `scenario`, its first step entered (runs in a worker thread)."""
    epoch = datetime.now(UTC).replace(microsecond=0).isoformat()
    return ScenarioRunner.start(scenario, clock=clock, epoch=epoch)


@lru_cache(maxsize=1)
def library() -> tuple[Scenario, ...]:
    """The shipped scenarios, read once per process (the palette lists them)."""
    from playground.scenarios import load_library

    try:
        return tuple(load_library())
    except ScenarioError:
        return ()


@runtime_checkable
class ClusterReplacer(Protocol):
    """A saver that can swap the cluster it saves (the TUI's session does)."""

    def replace_cluster(self, cluster: Cluster) -> None: ...


__all__ = ["ClusterReplacer", "attach_runner", "library", "paced_by", "start_runner"]
