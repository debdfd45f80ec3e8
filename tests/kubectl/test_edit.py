"""kubectl edit with $EDITOR scripts standing in for a person."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str) -> Result:
    result = run(cluster, shlex.split(line))
    cluster.settle()
    return result


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    script = tmp_path / "editor.py"
    script.write_text("import sys\nfrom pathlib import Path\np = Path(sys.argv[1])\n"
                      f"p.write_text(p.read_text().replace({old!r}, {new!r}))\n")
    monkeypatch.delenv("KUBE_EDITOR", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    k(cluster, "create deployment web --image=nginx:1.27 --replicas=2")
    cluster.advance(30)
    return cluster


def test_edit_updates_the_object(web: Cluster, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    editor(tmp_path, monkeypatch, "replicas: 2", "replicas: 4")
    assert k(web, "edit deploy/web").stdout == "deployment.apps/web edited\n"
    assert web.api.get("deployments.apps", "default", "web")["spec"]["replicas"] == 4


def test_unchanged_or_emptied_file_cancels(web: Cluster, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    editor(tmp_path, monkeypatch, "nothing-to-find", "x")
    assert k(web, "edit deployment web").stdout == "Edit cancelled, no changes made.\n"
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w')\"")
    assert k(web, "edit deploy/web").stdout == "Edit cancelled, no changes made.\n"


def test_invalid_edit_prints_the_refusal(web: Cluster, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    editor(tmp_path, monkeypatch, "replicas: 2", "replicas: -1")
    result = k(web, "edit deploy/web")
    assert result.exit_code == 1
    assert result.stderr.startswith('The Deployment "web" is invalid: spec.replicas: ')
    assert result.stderr.endswith("error: Edit cancelled, no valid changes were saved.\n")
    assert web.api.get("deployments.apps", "default", "web")["spec"]["replicas"] == 2
