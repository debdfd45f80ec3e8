"""`playground etcdctl|etcdutl` over a persisted state: the snapshot survives between
invocations (it is a record in the state), a restore reconciles, refusals change nothing, and a
scenario's progress is not rolled back by a restore."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.state.database import StateDB
from tests.cli.helpers import CLI, initialised

SNAP = "/var/lib/etcd-backup/snap.db"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CLI:
    run = initialised(tmp_path, capsys)
    assert run("kubectl", "create", "deployment", "payments", "--image=nginx:1.27",
               "--replicas=2")[0] == 0
    assert run("cluster", "advance", "30s")[0] == 0
    return run


def test_save_delete_restore_across_invocations(cli: CLI) -> None:
    code, out, err = cli("etcdctl", "snapshot", "save", SNAP)
    assert (code, out) == (0, f"Snapshot saved at {SNAP}\nServer version 3.6.0\n")
    assert '"msg":"saved"' in err
    assert cli("kubectl", "delete", "deployment", "payments")[0] == 0
    assert cli("cluster", "advance", "60s")[0] == 0
    assert "No resources found" in cli("kubectl", "get", "pods")[2]
    code, out, err = cli("etcdutl", "snapshot", "restore", SNAP, "--data-dir",
                         "/var/lib/etcd-restore")
    assert code == 0, err
    assert cli("cluster", "advance", "30s")[0] == 0
    _, pods, _ = cli("kubectl", "get", "pods")
    assert pods.count("Running") == 2
    code, out, _ = cli("etcdutl", "snapshot", "status", SNAP, "-w", "table")
    assert code == 0 and "| REVISION |" in out


def test_unknown_snapshot_is_refused_and_changes_nothing(cli: CLI) -> None:
    db = StateDB(cli.state)
    try:
        before = db.object_count()
    finally:
        db.close()
    code, out, err = cli("etcdutl", "snapshot", "restore", "/nope.db", "--data-dir", "/r")
    assert (code, out, err) == (1, "", "Error: open /nope.db: no such file or directory\n")
    db = StateDB(cli.state)
    try:
        assert db.object_count() == before
    finally:
        db.close()
    assert "payments" in cli("kubectl", "get", "deployments")[1]


def test_restore_does_not_roll_back_scenario_progress(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    cli = CLI(tmp_path / "scenario", capsys)
    assert cli("scenario", "start", "control-plane", "--clock", "manual")[0] == 0
    assert cli("etcdctl", "snapshot", "save", "/early.db")[0] == 0
    assert cli("scenario", "solve", "--step", "2")[0] == 0
    _, before, _ = cli("scenario", "status")
    assert "Progress: 2 of 7 steps" in before
    assert cli("etcdutl", "snapshot", "restore", "/early.db", "--data-dir", "/r")[0] == 0
    _, after, _ = cli("scenario", "status")
    assert "Progress: 2 of 7 steps" in after
    # the objects those steps created are gone with the restore; the progress record is not
    assert "feature-flags" not in cli("kubectl", "get", "configmaps")[1]
