"""The event recorder: names, de-duplication, aggregation of similar events and the TTL.

Other controllers (the scheduler, kubelets) record their own events about the same pod, and
the cluster's add-ons (CoreDNS, kube-proxy) about theirs, so assertions count only the events
these tests record (by reason, about the test pod).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.engine.events import COMBINED_PREFIX, EVENT_TTL


@pytest.fixture
def pod(cluster: Cluster) -> dict[str, Any]:
    return cluster.api.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                               "spec": {"schedulerName": "nobody",  # stays unscheduled
                                        "containers": [{"name": "nginx", "image": "nginx"}]}})


def events(cluster: Cluster, *reasons: str) -> list[dict[str, Any]]:
    """Events about the test pod (the cluster's own add-on pods have Pulled events too)."""
    return [e for e in cluster.store.list("events", "default")
            if e["involvedObject"]["name"] == "web" and e["reason"] in reasons]


def back_off(cluster: Cluster, pod: dict[str, Any], message: str = "Back-off restarting "
             "failed container nginx in pod web_default") -> dict[str, Any]:
    return cluster.recorder.record(pod, "Warning", "BackOff", message, "kubelet",
                                   host="worker-1", field_path="spec.containers{nginx}")


def test_event_shape(cluster: Cluster, pod: dict[str, Any]) -> None:
    cluster.advance(7)
    event = back_off(cluster, pod)
    assert event["involvedObject"] == {
        "kind": "Pod", "namespace": "default", "name": "web", "uid": pod["metadata"]["uid"],
        "apiVersion": "v1", "resourceVersion": pod["metadata"]["resourceVersion"],
        "fieldPath": "spec.containers{nginx}"}
    assert event["source"] == {"component": "kubelet", "host": "worker-1"}
    assert (event["type"], event["reason"], event["count"]) == ("Warning", "BackOff", 1)
    assert event["firstTimestamp"] == event["lastTimestamp"] == "2026-01-01T00:00:07Z"
    # named like client-go: <object>.<hex UnixNano of the first occurrence>
    name, _, suffix = event["metadata"]["name"].partition(".")
    unix = datetime(2026, 1, 1, 0, 0, 7, tzinfo=UTC).timestamp()
    assert name == "web" and abs(int(suffix, 16) - int(unix) * 10**9) < 1000
    assert cluster.store.history[-1].actor.kind == "kubelet"


def test_identical_event_bumps_count_and_last_timestamp(cluster: Cluster,
                                                        pod: dict[str, Any]) -> None:
    first = back_off(cluster, pod)
    cluster.advance(30)
    second = back_off(cluster, pod)
    assert second["metadata"]["name"] == first["metadata"]["name"]
    assert second["count"] == 2
    assert second["firstTimestamp"] == "2026-01-01T00:00:00Z"
    assert second["lastTimestamp"] == "2026-01-01T00:00:30Z"
    assert len(events(cluster, "BackOff")) == 1


def test_repeats_of_one_message_are_never_combined(cluster: Cluster,
                                                   pod: dict[str, Any]) -> None:
    for _ in range(25):
        event = back_off(cluster, pod)
        cluster.advance(10)
    assert event["count"] == 25
    assert not event["message"].startswith(COMBINED_PREFIX)
    assert len(events(cluster, "BackOff")) == 1


def test_many_similar_events_are_combined(cluster: Cluster, pod: dict[str, Any]) -> None:
    recorded = []
    for i in range(14):
        recorded.append(cluster.recorder.record(pod, "Normal", "Pulled", f"pulled layer {i}",
                                              "kubelet", host="worker-1"))
        cluster.advance(20)
    # like client-go: nine distinct messages stand alone, from the tenth they are folded
    assert [e["count"] for e in recorded[:9]] == [1] * 9
    assert len({e["metadata"]["name"] for e in recorded[:9]}) == 9
    combined = recorded[9:]
    assert len({e["metadata"]["name"] for e in combined}) == 1
    assert [e["count"] for e in combined] == [1, 2, 3, 4, 5]
    assert combined[-1]["message"] == "(combined from similar events): pulled layer 13"
    assert len(events(cluster, "Pulled")) == 10
    # a different reason is not similar
    other = cluster.recorder.record(pod, "Normal", "Created", "Created container nginx",
                                    "kubelet", host="worker-1")
    assert other["count"] == 1 and not other["message"].startswith(COMBINED_PREFIX)


def test_similar_events_after_a_quiet_gap_start_afresh(cluster: Cluster,
                                                        pod: dict[str, Any]) -> None:
    for i in range(9):
        cluster.recorder.record(pod, "Normal", "Pulled", f"a{i}", "kubelet", host="worker-1")
    cluster.advance(601)
    event = cluster.recorder.record(pod, "Normal", "Pulled", "after the gap", "kubelet",
                                    host="worker-1")
    assert event["message"] == "after the gap"


def test_events_expire_an_hour_after_their_last_occurrence(cluster: Cluster,
                                                           pod: dict[str, Any]) -> None:
    kept = back_off(cluster, pod)
    dropped = cluster.recorder.record(pod, "Normal", "Seen", "Seen once", "tester")
    cluster.advance(1800)
    back_off(cluster, pod)  # seen again: lives on
    cluster.advance(EVENT_TTL - 1800 - 1)
    assert {e["metadata"]["name"] for e in events(cluster, "BackOff", "Seen")} == {
        kept["metadata"]["name"], dropped["metadata"]["name"]}
    cluster.advance(2)
    assert [e["metadata"]["name"] for e in events(cluster, "BackOff", "Seen")] == [
        kept["metadata"]["name"]]
    removal = [c for c in cluster.store.history if c.name == dropped["metadata"]["name"]][-1]
    assert (removal.type, removal.reason, str(removal.actor)) == (
        "DELETED", "event TTL expired", "kube-apiserver")
    cluster.advance(1800)
    assert events(cluster, "BackOff", "Seen") == []


def test_an_expired_event_occurs_again_as_a_new_one(cluster: Cluster,
                                                    pod: dict[str, Any]) -> None:
    first = back_off(cluster, pod)
    cluster.advance(EVENT_TTL + 1)
    again = back_off(cluster, pod)
    assert again["count"] == 1
    assert again["metadata"]["name"] != first["metadata"]["name"]


def test_event_ttl_survives_a_restart(cluster: Cluster, pod: dict[str, Any]) -> None:
    back_off(cluster, pod)
    cluster.advance(600)
    again = Cluster.restore(cluster.export_meta(), list(cluster.store.all_objects()))
    assert len(events(again, "BackOff")) == 1
    again.advance(EVENT_TTL)
    assert events(again, "BackOff") == []
