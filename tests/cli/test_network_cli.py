"""`playground cluster curl`, `partition-node` and `heal-node` over a persisted state."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import CLI, initialised

MANIFEST = """\
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
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - port: 80
    nodePort: 30080
"""


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CLI:
    run = initialised(tmp_path, capsys)
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    assert run("kubectl", "apply", "-f", str(path))[0] == 0
    assert run("cluster", "advance", "30s")[0] == 0
    return run


def test_curl_a_node_port_from_outside(cli: CLI) -> None:
    code, out, err = cli("cluster", "curl", "http://172.18.0.3:30080/")
    assert code == 0, err
    assert "<title>Welcome to nginx!</title>" in out
    code, out, _ = cli("cluster", "curl", "-i", "http://172.18.0.3:30080/")
    assert out.startswith("HTTP/1.1 200 OK\r\n")
    code, out, err = cli("cluster", "curl", "http://172.18.0.3:30081/")
    assert code == 7
    assert err == ("curl: (7) Failed to connect to 172.18.0.3 port 30081 after 0 ms: "
                   "Could not connect to server\n")
    code, _, err = cli("cluster", "curl", "http://web/")
    assert code == 6 and err == "curl: (6) Could not resolve host: web\n"


def test_partition_and_heal_a_node(cli: CLI) -> None:
    code, out, _ = cli("cluster", "partition-node", "worker-1")
    assert code == 0 and "partitioned" in out
    code, _, err = cli("cluster", "curl", "http://172.18.0.3:30080/")
    assert code == 28 and "Timeout was reached" in err
    code, out, _ = cli("cluster", "heal-node", "worker-1")
    assert code == 0 and "healed" in out
    assert cli("cluster", "curl", "http://172.18.0.3:30080/")[0] == 0
    code, _, err = cli("cluster", "heal-node", "worker-1")
    assert code == 1 and "not partitioned" in err
    code, _, err = cli("cluster", "partition-node", "nope")
    assert code == 1 and 'there is no node "nope"' in err
