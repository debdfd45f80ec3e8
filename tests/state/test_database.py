"""The state database: transactional saves, reloads, snapshots and the state lock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from playground.engine.cluster import Cluster, ClusterConfig
from playground.state.database import StateDB
from playground.state.statedir import StateError, StateInUse, StateLock, resolve_state_dir


def configmap(name: str, value: str = "1") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"v": value}}


def snapshot_of(cluster: Cluster) -> dict[str, Any]:
    return {"objects": sorted(json.dumps([r, o], sort_keys=True)
                              for r, o in cluster.store.all_objects()),
            "meta": json.loads(json.dumps(cluster.export_meta()))}


@pytest.fixture
def saved(tmp_path: Path) -> tuple[StateDB, Cluster]:
    cluster = Cluster.create(ClusterConfig(clock="manual"))
    db = StateDB(tmp_path / "state")
    db.save_all(cluster)
    cluster.api.create(configmap("before"))
    cluster.advance(60)
    db.save(cluster)
    return db, cluster


class FailingConnection:
    """A connection whose executemany fails after `ok` calls, as a full disk would."""

    def __init__(self, conn: sqlite3.Connection, ok: int) -> None:
        self._conn = conn
        self._ok = ok

    def executemany(self, sql: str, rows: Any) -> Any:
        if self._ok <= 0:
            raise sqlite3.OperationalError("database or disk is full")
        self._ok -= 1
        return self._conn.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_save_and_load_round_trip(saved: tuple[StateDB, Cluster]) -> None:
    db, cluster = saved
    db.close()
    loaded = StateDB(db.directory).load()
    assert snapshot_of(loaded) == snapshot_of(cluster)
    assert loaded.now == 60
    assert loaded.api.get("configmaps", "default", "before")["data"] == {"v": "1"}


def test_a_loaded_cluster_shares_equal_parts_as_the_live_one_did(tmp_path: Path) -> None:
    """Pods of one template and Events of one source hold their equal parts once after a
    load, as they did when written (a loaded 10,000-pod state took twice the memory)."""
    cluster = Cluster.create(ClusterConfig(clock="manual", workers=2))
    cluster.api.apply({"apiVersion": "apps/v1", "kind": "Deployment",
                       "metadata": {"name": "web", "labels": {"app": "web"}},
                       "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "web"}},
                                "template": {"metadata": {"labels": {"app": "web"}},
                                             "spec": {"containers": [
                                                 {"name": "nginx", "image": "nginx:1.27"}]}}}})
    cluster.advance(30)
    db = StateDB(tmp_path / "state")
    db.save_all(cluster)
    db.close()
    loaded = StateDB(db.directory).load()
    assert snapshot_of(loaded) == snapshot_of(cluster)
    pods = loaded.store.list("pods", "default")
    assert len(pods) == 6
    assert len({id(p["spec"]["containers"]) for p in pods}) == 1
    assert len({id(p["metadata"]["labels"]) for p in pods}) == 1
    events = [e for e in loaded.store.list("events", "default")
              if e["source"].get("component") == "default-scheduler"]
    assert len(events) == 6 and len({id(e["source"]) for e in events}) == 1


@pytest.mark.parametrize("ok", [0, 1, 2])
def test_a_save_that_fails_midway_leaves_the_previous_state(
        saved: tuple[StateDB, Cluster], ok: int) -> None:
    db, cluster = saved
    before = snapshot_of(StateDB(db.directory).load())
    cluster.api.create(configmap("new"))
    cluster.api.delete("configmaps", "default", "before")
    cluster.recorder.record(cluster.api.get("configmaps", "default", "new"), "Normal", "Made",
                            "made", "tester")
    cluster.advance(120)
    real = db.conn
    db._conn = FailingConnection(real, ok)  # type: ignore[assignment]
    with pytest.raises(sqlite3.OperationalError):
        db.save(cluster)
    db._conn = real
    reopened = StateDB(db.directory)
    assert snapshot_of(reopened.load()) == before
    reopened.close()
    # nothing was lost in memory either: the next save writes all of it
    db.save(cluster)
    after = StateDB(db.directory).load()
    assert snapshot_of(after) == snapshot_of(cluster)
    assert after.store.get("configmaps", "default", "before") is None


def test_changes_log_is_saved_with_attribution(saved: tuple[StateDB, Cluster]) -> None:
    db, _ = saved
    rows = db.conn.execute("SELECT type, resource, name, actor_name, reason FROM changes "
                           "WHERE name='before'").fetchall()
    assert rows == [("ADDED", "configmaps", "before", "kubectl", "created")]


def test_snapshot_save_and_restore_round_trip(saved: tuple[StateDB, Cluster],
                                              tmp_path: Path) -> None:
    db, cluster = saved
    target = tmp_path / "snaps" / "one.db"
    db.snapshot_save(target)
    at_snapshot = snapshot_of(cluster)
    cluster.api.create(configmap("after"))
    cluster.advance(500)
    db.save(cluster)
    restored = db.snapshot_restore(target)
    assert snapshot_of(restored) == at_snapshot
    assert snapshot_of(StateDB(db.directory).load()) == at_snapshot


@pytest.mark.parametrize("content", [b"not a database at all, just text\n" * 20, None, b""])
def test_restoring_a_non_snapshot_is_refused_and_changes_nothing(
        saved: tuple[StateDB, Cluster], tmp_path: Path, content: bytes | None) -> None:
    db, _ = saved
    before = snapshot_of(db.load())
    bogus = tmp_path / "bogus.db"
    if content is None:  # a real SQLite file that is not a playground state
        conn = sqlite3.connect(bogus)
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
    else:
        bogus.write_bytes(content)
    with pytest.raises(StateError, match=r"is not a playground snapshot"):
        db.snapshot_restore(bogus)
    assert snapshot_of(StateDB(db.directory).load()) == before
    with pytest.raises(StateError, match="does not exist"):
        db.snapshot_restore(tmp_path / "missing.db")
    with pytest.raises(StateError, match="is a directory"):
        db.snapshot_save(tmp_path)


def test_an_empty_state_says_how_to_create_a_cluster(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "empty")
    assert not db.exists()
    with pytest.raises(StateError, match="playground cluster init"):
        db.load()


def test_a_state_from_a_newer_playground_is_refused(saved: tuple[StateDB, Cluster]) -> None:
    db, _ = saved
    db.conn.execute("UPDATE meta SET value='99' WHERE key='format'")
    with pytest.raises(StateError, match="newer playground"):
        db.load()


def test_a_corrupt_database_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "cluster.db").write_bytes(b"garbage" * 1000)
    with pytest.raises(StateError, match="cannot be opened"):
        StateDB(tmp_path).exists()


def test_the_lock_refuses_a_second_holder_naming_the_first(tmp_path: Path) -> None:
    import os

    first = StateLock(tmp_path, "the playground TUI")
    first.acquire()
    try:
        with pytest.raises(StateInUse) as info:
            StateLock(tmp_path, "the playground CLI").acquire()
        message = str(info.value)
        assert "in use by the playground TUI" in message
        assert f"(pid {os.getpid()})" in message
        assert str(tmp_path) in message
    finally:
        first.release()
    with StateLock(tmp_path, "the playground CLI"):
        pass  # free again once released


def test_state_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLAYGROUND_STATE", str(tmp_path / "env"))
    assert resolve_state_dir(str(tmp_path / "flag")) == tmp_path / "flag"
    assert resolve_state_dir(None) == tmp_path / "env"
    monkeypatch.delenv("PLAYGROUND_STATE")
    assert resolve_state_dir(None).name == "default"
