"""Same seed and same inputs give the same cluster, byte for byte; the wall clock is never read."""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import uuid
from typing import Any

import pytest

from playground.engine.cluster import Cluster, ClusterConfig


def scenario(seed: int) -> Cluster:
    """init, applies, deletes, events and time passing, as a learner might."""
    cluster = Cluster.create(ClusterConfig(seed=seed, clock="manual"))
    api = cluster.api
    api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.settle()
    api.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "nginx",
                                                              "image": "nginx:1.27"}]}}}})
    for i in range(3):
        api.create({"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": f"svc-{i}", "namespace": "team"},
                    "spec": {"type": "NodePort", "selector": {"app": "web"},
                             "ports": [{"port": 80}]}})
        made = api.create({"apiVersion": "v1", "kind": "Pod",
                           "metadata": {"generateName": "worker-", "labels": {"app": "web"}},
                           "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
        cluster.recorder.record(made, "Normal", "Tested", f"pod {i} made", "tester")
        cluster.advance(17)
    cluster.settle()
    api.delete("services", "team", "svc-1")
    api.delete("namespaces", "", "team")
    cluster.advance(300)
    api.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
               "data": {"a": "1"}})
    cluster.advance(3700)
    return cluster


def dump(cluster: Cluster) -> str:
    objects = sorted(((r, o) for r, o in cluster.store.all_objects()),
                     key=lambda pair: (pair[0], pair[1]["metadata"].get("namespace", ""),
                                       pair[1]["metadata"]["name"]))
    history = [[c.resource_version, c.time, c.type, c.resource, c.namespace, c.name,
                str(c.actor), c.reason] for c in cluster.store.history]
    return json.dumps({"objects": objects, "history": history, "meta": cluster.export_meta()},
                      sort_keys=True)


def test_same_seed_same_inputs_same_bytes() -> None:
    first, second = dump(scenario(7)), dump(scenario(7))
    assert first == second
    assert '"uid"' in first and "svc-0" in first and "Tested" in first


def test_a_different_seed_gives_a_different_cluster() -> None:
    a, b = scenario(7), scenario(8)
    assert dump(a) != dump(b)
    uids = {o["metadata"].get("uid") for _, o in a.store.all_objects()} - {None}
    assert uids
    assert not uids & {o["metadata"].get("uid") for _, o in b.store.all_objects()}


def test_a_restored_cluster_continues_exactly_as_an_uninterrupted_one() -> None:
    def tail(cluster: Cluster) -> Cluster:
        for i in range(3):
            cluster.api.create({"apiVersion": "v1", "kind": "Service",
                                "metadata": {"name": f"late-{i}"},
                                "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
            cluster.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                                "metadata": {"generateName": "late-"}})
            cluster.advance(30)
        return cluster

    straight = tail(scenario(3))
    saved = scenario(3)
    meta = json.loads(json.dumps(saved.export_meta()))
    objects = json.loads(json.dumps([[r, o] for r, o in saved.store.all_objects()]))
    resumed = tail(Cluster.restore(meta, [(r, o) for r, o in objects]))
    state = json.loads(dump(straight))
    again = json.loads(dump(resumed))
    assert state["objects"] == again["objects"]
    assert state["meta"] == again["meta"]


class _WallClockRead(AssertionError):
    pass


def _forbidden(*_args: Any, **_kwargs: Any) -> Any:
    raise _WallClockRead("the engine read the wall clock or unseeded randomness")


def test_the_engine_never_reads_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoNowDatetime(dt.datetime):
        now = classmethod(_forbidden)  # type: ignore[assignment]
        utcnow = classmethod(_forbidden)  # type: ignore[assignment]
        today = classmethod(_forbidden)  # type: ignore[assignment]

    class NoTodayDate(dt.date):
        today = classmethod(_forbidden)  # type: ignore[assignment]

    for name in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter",
                 "perf_counter_ns"):
        monkeypatch.setattr(time, name, _forbidden)
    monkeypatch.setattr(dt, "datetime", NoNowDatetime)
    monkeypatch.setattr(dt, "date", NoTodayDate)
    for name in ("random", "randint", "randrange", "choice", "choices", "shuffle", "sample",
                 "getrandbits", "uniform"):
        monkeypatch.setattr(random, name, _forbidden)
    monkeypatch.setattr(uuid, "uuid1", _forbidden)
    monkeypatch.setattr(uuid, "uuid4", _forbidden)
    # modules that did `from datetime import datetime` hold the class itself
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("playground.engine") and module is not None:
            for attr, value in list(vars(module).items()):
                if value is dt.datetime.__mro__[1]:
                    monkeypatch.setattr(module, attr, NoNowDatetime)
    cluster = scenario(5)
    assert cluster.now > 4000
    assert cluster.clock.timestamp().startswith("2026-01-01T")
