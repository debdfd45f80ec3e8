"""etcd snapshot save, status and restore: the API objects come back through the store, the
controllers reconcile, and what is not etcd's (the clock, private records) stays as it is."""

from __future__ import annotations

import json
import shlex

import pytest

from playground.engine import etcd
from playground.engine.cluster import Cluster
from playground.engine.store import WatchEvent
from playground.kubectl.main import run

SNAP = "/var/lib/etcd-backup/snap.db"


def k(cluster: Cluster, line: str) -> str:
    result = run(cluster, shlex.split(line))
    cluster.settle()
    assert result.exit_code == 0, result.stderr
    return result.stdout


def e(cluster: Cluster, line: str) -> etcd.Result:
    result = etcd.run(cluster, shlex.split(line))
    cluster.settle()
    return result


def running(cluster: Cluster, app: str) -> list[dict]:
    return [p for p in cluster.store.list("pods", "default")
            if p["metadata"].get("labels", {}).get("app") == app
            and (p.get("status") or {}).get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")]


@pytest.fixture
def payments(cluster: Cluster) -> Cluster:
    k(cluster, "create deployment payments --image=nginx:1.27 --replicas=3")
    k(cluster, "expose deployment payments --port=80")
    cluster.advance(30)
    assert len(running(cluster, "payments")) == 3
    return cluster


def test_save_delete_restore_reconciles(payments: Cluster) -> None:
    saved = e(payments, f"ETCDCTL_API=3 etcdctl snapshot save {SNAP}")
    assert saved.stdout == f"Snapshot saved at {SNAP}\nServer version 3.6.0\n"
    assert saved.exit_code == 0
    assert json.loads(saved.stderr.splitlines()[-1])["msg"] == "saved"
    old_uid = payments.store.get("deployments.apps", "default", "payments")["metadata"]["uid"]

    k(payments, "delete deployment payments")
    k(payments, "create configmap late --from-literal=a=b")
    payments.advance(60)
    assert payments.store.get("deployments.apps", "default", "payments") is None
    assert running(payments, "payments") == []

    seen: list[WatchEvent] = []
    payments.store.watch(None, seen.append)
    restored = e(payments, f"etcdutl snapshot restore {SNAP} --data-dir /var/lib/etcd-restore")
    assert restored.exit_code == 0, restored.stderr
    assert [json.loads(line)["msg"] for line in restored.stderr.splitlines()][::3] == \
        ["restoring snapshot", "restored snapshot"]
    assert {(ev.type, ev.resource) for ev in seen} >= {
        ("ADDED", "deployments.apps"), ("ADDED", "replicasets.apps"), ("ADDED", "pods"),
        ("DELETED", "configmaps")}
    assert all(ev.actor == etcd.ETCD for ev in seen[:3])
    deployment = payments.store.get("deployments.apps", "default", "payments")
    assert deployment["metadata"]["uid"] == old_uid
    assert payments.store.get("configmaps", "default", "late") is None

    payments.advance(30)
    pods = running(payments, "payments")
    assert len(pods) == 3
    assert all(p["status"].get("podIP") for p in pods)
    slices = payments.store.list("endpointslices.discovery.k8s.io", "default")
    addresses = {a for s in slices if s["metadata"]["name"].startswith("payments")
                 for ep in s.get("endpoints") or [] for a in ep["addresses"]}
    assert addresses == {p["status"]["podIP"] for p in pods}


def test_restore_keeps_the_clock_revision_and_private_records(payments: Cluster) -> None:
    e(payments, f"etcdctl snapshot save {SNAP}")
    payments.store.put_record("scenario", "progress", {"step": 3})
    payments.advance(45)
    now, revision = payments.now, payments.store.resource_version
    assert e(payments, f"etcdutl snapshot restore {SNAP} --data-dir /r").exit_code == 0
    assert payments.now == now
    assert payments.store.resource_version >= revision
    assert payments.store.get_record("scenario", "progress") == {"step": 3}
    assert payments.store.get_record(etcd.SNAPSHOT_RECORD, SNAP) is not None
    assert etcd.live_data_dir(payments) == "/r"


def test_objects_unchanged_since_the_snapshot_are_not_rewritten(payments: Cluster) -> None:
    e(payments, f"etcdctl snapshot save {SNAP}")
    k(payments, "delete service payments")
    seen: list[WatchEvent] = []
    payments.store.watch(None, seen.append)
    etcd.restore_snapshot(payments, SNAP, "/r")
    rewritten = {ev.resource for ev in seen if ev.actor == etcd.ETCD}
    assert "services" in rewritten
    assert rewritten <= {"services", "endpoints", "endpointslices.discovery.k8s.io", "events"}
    svc = payments.store.get("services", "default", "payments")
    assert payments.api.allocator is not None
    other = k(payments, "create service clusterip other --tcp=80:80")
    assert "created" in other
    assert payments.store.get("services", "default", "other")["spec"]["clusterIP"] != \
        svc["spec"]["clusterIP"]


@pytest.mark.parametrize(("line", "stderr", "code"), [
    ("etcdutl snapshot restore /nope.db --data-dir /r",
     "Error: open /nope.db: no such file or directory\n", 1),
    (f"etcdutl snapshot restore {SNAP} --data-dir /var/lib/etcd",
     'Error: data-dir "/var/lib/etcd" not empty or could not be read\n', 1),
    ("etcdutl snapshot status /nope.db", "Error: stat /nope.db: no such file or directory\n", 1),
    ("etcdutl snapshot restore", "Error: snapshot restore requires exactly one argument\n", 128),
    ("etcdctl snapshot save", "Error: snapshot save expects one argument <filename>\n", 128),
    (f"etcdutl snapshot restore {SNAP} --bump-revision 1000",
     "Error: --mark-compacted required if --revision-bump > 0\n", 128),
    (f"etcdutl snapshot restore {SNAP} --frobnicate", "Error: unknown flag: --frobnicate\n", 1),
])
def test_bad_input_changes_nothing(payments: Cluster, line: str, stderr: str,
                                   code: int) -> None:
    e(payments, f"etcdctl snapshot save {SNAP}")
    k(payments, "delete deployment payments")
    revision = payments.store.resource_version
    result = e(payments, line)
    assert (result.stdout, result.stderr, result.exit_code) == ("", stderr, code)
    assert payments.store.resource_version == revision
    assert payments.store.get("deployments.apps", "default", "payments") is None


def test_a_data_dir_is_restored_into_once(payments: Cluster) -> None:
    e(payments, f"etcdctl snapshot save {SNAP}")
    assert e(payments, f"etcdutl snapshot restore {SNAP} --data-dir /r1").exit_code == 0
    again = e(payments, f"etcdutl snapshot restore {SNAP} --data-dir /r1")
    assert again.stderr == 'Error: data-dir "/r1" not empty or could not be read\n'
    assert e(payments, f"etcdutl snapshot restore {SNAP}").exit_code == 0  # default.etcd


def test_etcdctl_36_sends_restore_to_etcdutl(payments: Cluster) -> None:
    result = e(payments, f"etcdctl snapshot restore {SNAP}")
    assert result.exit_code == 1
    assert result.stderr.startswith('Error: unknown command "restore" for "etcdctl snapshot"')
    assert "etcdutl snapshot restore" in result.stderr


def test_status_formats(payments: Cluster) -> None:
    e(payments, f"etcdctl snapshot save {SNAP}")
    status = etcd.snapshot_status(payments, SNAP)
    assert status.total_keys == sum(payments.store.count(r) for r in payments.store.resources())
    simple = e(payments, f"etcdutl snapshot status {SNAP}").stdout
    assert simple == (f"{status.hash:x}, {status.revision}, {status.total_keys}, "
                      f"{etcd.humanize_bytes(status.total_size)}, 3.6.0\n")
    table = e(payments, f"etcdutl snapshot status {SNAP} -w table").stdout.splitlines()
    assert table[1].split("|")[1:-1] == ["   HASH   ", " REVISION ", " TOTAL KEYS ",
                                         " TOTAL SIZE ", " VERSION "]
    assert len({len(line) for line in table}) == 1
    as_json = json.loads(e(payments, f"etcdutl --write-out=json snapshot status {SNAP}").stdout)
    assert as_json["revision"] == status.revision


@pytest.mark.parametrize(("size", "text"), [(5, "5 B"), (25_000, "25 kB"), (5_200_000, "5.2 MB"),
                                            (999, "999 B")])
def test_humanize_bytes(size: int, text: str) -> None:
    assert etcd.humanize_bytes(size) == text
