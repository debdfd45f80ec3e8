"""`playground cluster add-node|remove-node|fail-node|recover-node|kill-pod` on a state dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import CLI, initialised

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  nodeName: worker-1
  containers:
  - name: nginx
    image: nginx:1.27
"""


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CLI:
    run = initialised(tmp_path, capsys)
    return run


def test_add_node_with_defaults_and_options(cli: CLI) -> None:
    code, out, _ = cli("cluster", "add-node")
    assert code == 0 and out.startswith('Node "worker-3" joined the cluster: 4 CPU, 8Gi memory')
    code, out, _ = cli("cluster", "add-node", "gpu-1", "--cpu", "8", "--memory", "16Gi",
                       "--zone", "zone-b", "--labels", "gpu=true", "--taints",
                       "nvidia.com/gpu=present:NoSchedule")
    assert code == 0 and "8 CPU, 16Gi memory, zone zone-b" in out
    _, out, _ = cli("kubectl", "get", "node", "gpu-1", "-o", "yaml")
    assert "gpu: \"true\"" in out or "gpu: 'true'" in out
    assert "nvidia.com/gpu" in out
    _, out, _ = cli("kubectl", "get", "nodes")
    assert "worker-3" in out and "gpu-1" in out


@pytest.mark.parametrize(("args", "message"), [
    (("cluster", "add-node", "worker-1"), 'error: node "worker-1" already exists'),
    (("cluster", "add-node", "--taints", "bad"), "error: --taints expects key=value:Effect"),
    (("cluster", "add-node", "--labels", "bad"), "error: --labels expects key=value pairs"),
    (("cluster", "add-node", "--cpu", "lots"), 'error: --cpu "lots" is not a positive'),
    (("cluster", "remove-node", "nosuch"), 'error: there is no node "nosuch"'),
    (("cluster", "fail-node", "nosuch"), 'error: there is no node "nosuch"'),
    (("cluster", "recover-node", "worker-1"), 'error: node "worker-1" is running'),
    (("cluster", "kill-pod", "nosuch"), 'error: pod "nosuch" not found in namespace "default"'),
])
def test_clear_errors(cli: CLI, args: tuple[str, ...], message: str) -> None:
    code, _, err = cli(*args)
    assert code == 1 and err.startswith(message)


def test_fail_and_recover_a_node(cli: CLI) -> None:
    code, out, _ = cli("cluster", "fail-node", "worker-1")
    assert code == 0 and "NotReady after 50s" in out
    assert cli("cluster", "fail-node", "worker-1")[2].startswith(
        'error: node "worker-1" has already failed')
    cli("cluster", "advance", "50s")
    _, out, _ = cli("kubectl", "get", "nodes")
    assert "worker-1        NotReady" in out
    _, out, _ = cli("kubectl", "describe", "node", "worker-1")
    assert "Kubelet stopped posting node status." in out
    assert cli("cluster", "recover-node", "worker-1")[0] == 0
    _, out, _ = cli("kubectl", "get", "nodes")
    assert "worker-1        Ready" in out


def test_remove_node(cli: CLI) -> None:
    code, out, _ = cli("cluster", "remove-node", "worker-2")
    assert code == 0 and out.startswith('Node "worker-2" removed.')
    _, out, _ = cli("kubectl", "get", "nodes")
    assert "worker-2" not in out


def test_kill_pod(cli: CLI, tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD)
    cli("kubectl", "apply", "-f", str(manifest))
    cli("cluster", "advance", "20s")
    code, out, _ = cli("cluster", "kill-pod", "web", "--exit-code", "1")
    assert code == 0 and out == 'Container "nginx" of pod "web" killed (exit code 1).\n'
    _, out, _ = cli("kubectl", "get", "pods")
    assert "web    1/1     Running   1 (" in out
    code, _, err = cli("cluster", "kill-pod", "web", "-c", "nope")
    assert code == 1 and err.startswith('error: container "nope" in pod "web" is not running')
    cli("cluster", "fail-node", "worker-1")
    code, _, err = cli("cluster", "kill-pod", "web")
    assert code == 1 and 'the kubelet of node "worker-1" is down' in err
