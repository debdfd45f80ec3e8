"""TUI benchmark: the app headless on a 10,000-pod cluster during a rolling update.

Measures time to first screen (app start → main screen composed and filled), keypress →
updated screen latency (median and p95 over cursor moves and pane switches, at a person's pace
of one key every 150 ms, from the key being posted to the first screen update painted after the
key's action returned) while a rollout of every pod runs at 10×, and CPU use while idle (paused,
then running with nothing happening). Aims: first screen < 1.5 s, p95 < 100 ms, idle CPU < 3 %
of a core. Beside the wall times it counts what does not depend on the machine's load: widgets
rendered per key and node-card redraws.

`--pilot-press` sends keys with `pilot.press` as the first version of this script did. That
call also waits until the process has been idle for 20 ms, twice, which during a 10× rollout is
most of what it measured (the first figures in README.md's TUI section were taken that way).

    python benchmarks/tui.py [--pods 10000] [--nodes 100] [--pilot-press]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.engine.cluster import Cluster, ClusterConfig  # noqa: E402
from playground.kubectl.main import run  # noqa: E402
from textual import events  # noqa: E402
from textual._styles_cache import StylesCache  # noqa: E402

from playground.tui.app import PlaygroundApp  # noqa: E402
from playground.tui.widgets.nodes import NodeCard  # noqa: E402

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web{index}}}
spec:
  replicas: {replicas}
  strategy: {{rollingUpdate: {{maxSurge: 10%, maxUnavailable: 10%}}}}
  selector: {{matchLabels: {{app: web{index}}}}}
  template:
    metadata: {{labels: {{app: web{index}}}}}
    spec:
      containers: [{{name: nginx, image: "nginx:1.27", resources: {{requests: {{cpu: 10m}}}}}}]
"""


def build(pods: int, nodes: int) -> Cluster:
    """A cluster with `pods` running pods in 10 Deployments."""
    cluster = Cluster.create(ClusterConfig(workers=nodes, seed=1, clock="manual",
                                           node_cpu="64"))
    per = pods // 10
    for index in range(10):
        run(cluster, ["apply", "-f", "-"], stdin=DEPLOYMENT.format(index=index, replicas=per))
    cluster.advance(120)
    return cluster


def cpu() -> float:
    return time.process_time()


class RenderCounter:
    """Counts widgets rendered (Textual's per-widget line rendering) while installed."""

    def __init__(self) -> None:
        self.count = 0
        self._original = StylesCache.render_widget

    def __enter__(self) -> RenderCounter:
        original = self._original

        def counted(cache: StylesCache, widget: Any, crop: Any) -> Any:
            self.count += 1
            return original(cache, widget, crop)
        StylesCache.render_widget = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        StylesCache.render_widget = self._original  # type: ignore[method-assign]


async def measure(cluster: Cluster, pilot_press: bool = False) -> dict[str, float]:
    figures: dict[str, float] = {}
    started = time.perf_counter()
    app = PlaygroundApp(lambda: (cluster, None), paused=True)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.main is None or app.screen is not app.main:
            await asyncio.sleep(0.005)
        await pilot.pause()
        figures["first screen (s)"] = time.perf_counter() - started
        for index in range(10):
            app.run_kubectl(["set", "image", f"deployment/web{index}", "nginx=nginx:1.28"])
        app.bridge.set_paused(False)
        for _ in range(3):
            app.bridge.faster()
        latencies = []
        painted: list[float] = []
        acted: list[float] = []
        display = app._display

        def spy(screen: object, renderable: object) -> None:
            painted.append(time.perf_counter())
            display(screen, renderable)  # type: ignore[arg-type]
        app._display = spy  # type: ignore[method-assign]
        run_action: Callable[..., Awaitable[bool]] = app.run_action

        async def spy_action(*args: Any, **kwargs: Any) -> bool:
            result = await run_action(*args, **kwargs)
            acted.append(time.perf_counter())
            return result
        app.run_action = spy_action  # type: ignore[method-assign]
        cards = list(app.main.query(NodeCard))
        redraws = sum(getattr(card, "redraws", 0) for card in cards)
        virtual_start = cluster.now
        keys = ["down", "down", "up", "3", "2", "down", "4", "2"] * 6
        with RenderCounter() as renders:
            for key in keys:
                await asyncio.sleep(0.15)  # a person's pace: frames run in between
                t0 = time.perf_counter()
                if pilot_press:
                    await pilot.press(key)  # returns once the process has been idle a while
                    handled = time.perf_counter()
                else:
                    app.post_message(events.Key(key, None))
                    while not acted or acted[-1] < t0:
                        await asyncio.sleep(0.0005)
                    handled = acted[-1]  # the key's action has returned
                while not painted or painted[-1] < handled:
                    await asyncio.sleep(0.0005)
                latencies.append(painted[-1] - t0)
        app.run_action = run_action  # type: ignore[method-assign]
        figures["widgets rendered per key (incl. frames)"] = renders.count / len(keys)
        figures["node-card redraws during keys"] = sum(getattr(c, "redraws", 0) for c in cards) - redraws
        app._display = display  # type: ignore[method-assign]
        latencies.sort()
        figures["keypress median (ms)"] = statistics.median(latencies) * 1000
        figures["keypress p95 (ms)"] = latencies[int(len(latencies) * 0.95) - 1] * 1000
        figures["virtual seconds during keys"] = cluster.now - virtual_start
        app.bridge.set_paused(True)
        await pilot.pause(0.5)
        c0, w0 = cpu(), time.perf_counter()
        await asyncio.sleep(5)
        figures["idle CPU paused (% core)"] = (cpu() - c0) / (time.perf_counter() - w0) * 100
        # let the rollout finish and its Events reach their one-hour TTL: idle means nothing
        # due, not a hundred thousand Events expiring in the measured seconds
        cluster.advance(7200)
        app.bridge.after_command()
        await pilot.pause(0.5)
        app.bridge.speed_index = 0
        app.bridge.set_paused(False)
        await pilot.pause(0.5)
        c0, w0 = cpu(), time.perf_counter()
        await asyncio.sleep(5)
        figures["idle CPU running 1x (% core)"] = (cpu() - c0) / (time.perf_counter() - w0) * 100
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--pilot-press", action="store_true",
                        help="send keys with pilot.press (the first version's method)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    cluster = build(args.pods, args.nodes)
    print(f"built {cluster.store.count('pods')} pods on {args.nodes} nodes in "
          f"{time.perf_counter() - t0:.1f} s (not part of the figures)")
    for name, value in asyncio.run(measure(cluster, args.pilot_press)).items():
        print(f"{name:<32} {value:10.2f}")


if __name__ == "__main__":
    main()
