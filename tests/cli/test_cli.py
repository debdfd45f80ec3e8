"""The headless CLI over a persisted state: cluster commands, kubectl, errors, restarts.

Most tests call `playground.cli.main` in-process (fast); a few start a new interpreter to prove
that a new process sees what an earlier one saved. Every state lives in a temp dir.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from playground.cli import CLIError, parse_duration
from playground.state.database import StateDB
from tests.cli.helpers import CLI, initialised

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CLI:
    return initialised(tmp_path, capsys)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT)
    return path


def test_init_creates_the_nodes_with_taint_and_zones(cli: CLI) -> None:
    code, out, _ = cli("kubectl", "get", "nodes", "-o", "yaml")
    assert code == 0
    nodes = {n["metadata"]["name"]: n for n in yaml.safe_load(out)["items"]}
    assert sorted(nodes) == ["control-plane", "worker-1", "worker-2"]
    taints = nodes["control-plane"]["spec"]["taints"]
    assert taints == [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    assert "taints" not in nodes["worker-1"]["spec"]
    zones = [nodes[n]["metadata"]["labels"]["topology.kubernetes.io/zone"]
             for n in ("worker-1", "worker-2")]
    assert zones == ["zone-a", "zone-b"]


def test_init_message_and_custom_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = CLI(tmp_path / "other", capsys)
    code, out, _ = run("cluster", "init", "--nodes", "1", "--zones", "east,west", "--seed", "9",
                       "--clock", "manual")
    assert code == 0
    assert "1 control-plane node and 1 worker node(s) in zones east, west" in out
    assert "seed 9" in out


def test_init_again_needs_force(cli: CLI) -> None:
    before = cli.objects()
    code, _, err = cli("cluster", "init")
    assert code == 1
    assert "a cluster already exists" in err and "--force" in err
    assert cli.objects() == before
    code, _, _ = cli("cluster", "init", "--force", "--nodes", "0", "--clock", "manual")
    assert code == 0
    assert cli("kubectl", "get", "nodes", "-o", "name")[1] == "node/control-plane\n"


def test_bad_init_arguments_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = CLI(tmp_path / "bad", capsys)
    code, _, err = run("cluster", "init", "--node-cpu", "lots")
    assert code == 1 and '--node-cpu "lots" is not a positive quantity' in err
    code, _, err = run("cluster", "init", "--zones", ",")
    assert code == 1 and "--zones needs at least one zone" in err


def test_apply_then_get_shows_defaults_and_last_applied(cli: CLI, manifest: Path) -> None:
    code, out, _ = cli("kubectl", "apply", "-f", str(manifest))
    assert (code, out) == (0, "deployment.apps/web created\n")
    code, out, _ = cli("kubectl", "get", "deployment", "web", "-o", "yaml")
    assert code == 0
    live = yaml.safe_load(out)
    assert live["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%",
                                                         "maxUnavailable": "25%"}
    assert live["spec"]["revisionHistoryLimit"] == 10
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    last = live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert '"name":"web"' in last and '"replicas":2' in last
    assert cli("kubectl", "apply", "-f", str(manifest))[1] == "deployment.apps/web unchanged\n"


def test_a_new_process_sees_the_same_object(cli: CLI, manifest: Path) -> None:
    cli("kubectl", "apply", "-f", str(manifest))
    uid = yaml.safe_load(cli("kubectl", "get", "deploy", "web", "-o", "yaml")[1])[
        "metadata"]["uid"]
    result = subprocess.run([sys.executable, "-m", "playground.cli", "--state", str(cli.state),
                             "kubectl", "get", "deploy", "web", "-o", "yaml"],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["metadata"]["uid"] == uid


@pytest.mark.parametrize(("text", "where"), [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "line 4, column 1"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   data: 1\n", "line 5, column 8"),
])
def test_bad_yaml_prints_where_and_changes_nothing(cli: CLI, tmp_path: Path, text: str,
                                                   where: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    before = cli.objects()
    code, out, err = cli("kubectl", "apply", "-f", str(bad))
    assert code == 1 and out == ""
    assert err.startswith("error: error parsing ") and where in err
    assert cli.objects() == before


def test_unknown_field_is_a_bad_request(cli: CLI, tmp_path: Path) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(DEPLOYMENT.replace("replicas:", "replica:"))
    before = cli.objects()
    code, _, err = cli("kubectl", "apply", "-f", str(bad))
    assert code == 1
    assert err.startswith("Error from server (BadRequest): ")
    assert 'strict decoding error: unknown field "spec.replica"' in err
    assert cli.objects() == before


def test_get_missing_and_empty(cli: CLI) -> None:
    code, out, err = cli("kubectl", "get", "deployment", "nosuch")
    assert (code, out) == (1, "")
    assert err == 'Error from server (NotFound): deployments.apps "nosuch" not found\n'
    code, out, err = cli("kubectl", "get", "pods")
    assert (code, out, err) == (0, "", "No resources found in default namespace.\n")


def test_delete_prints_what_kubectl_prints(cli: CLI, manifest: Path) -> None:
    cli("kubectl", "apply", "-f", str(manifest))
    code, out, _ = cli("kubectl", "delete", "deployment", "web")
    assert (code, out) == (0, 'deployment.apps "web" deleted from default namespace\n')
    code, _, err = cli("kubectl", "delete", "deployment", "web")
    assert code == 1 and 'deployments.apps "web" not found' in err


def test_advance_moves_virtual_time(cli: CLI) -> None:
    before = StateDB(cli.state).load().now
    code, out, _ = cli("cluster", "advance", "5m")
    assert code == 0 and "(+300s)" in out
    assert StateDB(cli.state).load().now == before + 300
    code, _, err = cli("cluster", "advance", "soon")
    assert code == 1 and 'invalid duration "soon"' in err


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("5m", 300), ("1h30m", 5400),
                                               ("2d", 172800), ("250ms", 0.25)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m5", "5m x", "-5m"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(CLIError):
        parse_duration(text)


def test_status(cli: CLI) -> None:
    code, out, _ = cli("cluster", "status")
    assert code == 0
    assert "Nodes:        3 (3 Ready)" in out
    assert "Clock:        manual" in out
    assert "Kubernetes:   v1.37.0" in out


def test_snapshot_save_and_restore(cli: CLI, manifest: Path, tmp_path: Path) -> None:
    cli("kubectl", "apply", "-f", str(manifest))
    snap = tmp_path / "snap.db"
    code, out, _ = cli("cluster", "snapshot", "save", str(snap))
    assert code == 0 and "Snapshot saved to" in out and snap.is_file()
    cli("kubectl", "delete", "deployment", "web")
    code, out, _ = cli("cluster", "snapshot", "restore", str(snap))
    assert code == 0 and "restored" in out
    assert cli("kubectl", "get", "deploy", "web", "-o", "name")[1] == "deployment.apps/web\n"
    junk = tmp_path / "junk.db"
    junk.write_text("junk " * 100)
    before = cli.objects()
    code, _, err = cli("cluster", "snapshot", "restore", str(junk))
    assert code == 1 and "is not a playground snapshot" in err
    assert cli.objects() == before


def test_reset_gives_a_fresh_cluster_of_the_same_shape(cli: CLI, manifest: Path) -> None:
    cli("kubectl", "apply", "-f", str(manifest))
    code, out, _ = cli("cluster", "reset")
    assert code == 0 and "reset to a fresh state" in out
    assert cli("kubectl", "get", "deploy")[2] == "No resources found in default namespace.\n"
    assert len(cli("kubectl", "get", "nodes", "-o", "name")[1].splitlines()) == 3


def test_commands_without_a_cluster_say_how_to_make_one(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    run = CLI(tmp_path / "nothing", capsys)
    for args in (("kubectl", "get", "pods"), ("cluster", "status"), ("cluster", "advance", "1m")):
        code, _, err = run(*args)
        assert code == 1 and "playground cluster init" in err


def test_no_command_prints_a_traceback_in_a_real_process(cli: CLI, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n")
    for args in (["kubectl", "apply", "-f", str(bad)], ["kubectl", "get", "pdos"],
                 ["kubectl", "frobnicate"], ["cluster", "advance", "x"],
                 ["kubectl", "apply", "-f", str(tmp_path / "missing.yaml")]):
        result = subprocess.run([sys.executable, "-m", "playground.cli", "--state",
                                 str(cli.state), *args],
                                check=False, capture_output=True, text=True, timeout=60)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, args
        assert result.stderr.strip(), args
