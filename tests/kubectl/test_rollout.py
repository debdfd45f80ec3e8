"""kubectl rollout on a live Deployment: status lines, history, undo, pause/resume, restart."""

from __future__ import annotations

import shlex

import pytest

from playground.engine.cluster import Cluster
from playground.kubectl.context import Result
from playground.kubectl.main import run


def k(cluster: Cluster, line: str, stdin: str | None = None) -> Result:
    result = run(cluster, shlex.split(line), stdin=stdin)
    cluster.settle()
    return result


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    assert k(cluster, "create deployment web --image=nginx:1.27 --replicas=2").exit_code == 0
    cluster.advance(30)
    return cluster


def test_status_waits_in_virtual_time(web: Cluster) -> None:
    assert k(web, "rollout status deploy/web").stdout == \
        'deployment "web" successfully rolled out\n'
    k(web, "set image deploy/web nginx=nginx:1.28")
    result = k(web, "rollout status deployment/web")
    lines = result.stdout.splitlines()
    assert lines[0] == ('Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas '
                        "have been updated...")
    assert lines[-1] == 'deployment "web" successfully rolled out'
    assert result.exit_code == 0


def test_status_once_and_deadline(web: Cluster) -> None:
    k(web, "set image deploy/web nginx=nginx:no-such-tag")
    once = k(web, "rollout status deploy/web -w=false")
    assert once.stdout.count("\n") == 1 and once.exit_code == 0
    timed = k(web, "rollout status deploy/web --timeout=5s")
    assert timed.stderr == "error: timed out waiting for the condition\n"
    stuck = k(web, "rollout status deploy/web")
    assert stuck.stderr == 'error: deployment "web" exceeded its progress deadline\n'
    assert stuck.exit_code == 1


def test_history_and_revision_detail(web: Cluster) -> None:
    k(web, "set image deploy/web nginx=nginx:1.28")
    web.advance(30)
    assert k(web, "rollout history deploy/web").stdout == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n")
    detail = k(web, "rollout history deploy/web --revision=1").stdout
    assert detail.startswith("deployment.apps/web with revision #1\nPod Template:\n"
                             "  Labels:\tapp=web\n\tpod-template-hash=")
    assert "    Image:\tnginx:1.27\n" in detail
    assert k(web, "rollout history deploy/web --revision=7").stderr == \
        "error: unable to find the specified revision\n"


def test_undo(web: Cluster) -> None:
    k(web, "set image deploy/web nginx=nginx:1.28")
    web.advance(30)
    assert k(web, "rollout undo deploy/web").stdout == "deployment.apps/web rolled back\n"
    web.advance(30)
    deployment = web.api.get("deployments.apps", "default", "web")
    template = deployment["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "pod-template-hash" not in template["metadata"]["labels"]
    assert k(web, "rollout history deploy/web").stdout.splitlines()[2:] == \
        ["2         <none>", "3         <none>", ""]
    assert k(web, "rollout undo deploy/web --to-revision=3").stdout == (
        "deployment.apps/web skipped rollback (current template already matches revision 3)\n")
    assert k(web, "rollout undo deploy/web --to-revision=9").stderr == \
        "error: unable to find specified revision 9 in history\n"


def test_pause_resume_restart(web: Cluster) -> None:
    assert k(web, "rollout pause deploy/web").stdout == "deployment.apps/web paused\n"
    assert k(web, "rollout pause deploy/web").stderr == \
        'error: deployments.apps "web" is already paused\n'
    assert k(web, "rollout undo deploy/web").stderr == \
        'error: no rollout history found for deployment "web"\n'
    assert k(web, "rollout undo deploy/web --to-revision=1").stderr == (
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
        "resume' and try again\n")
    assert "can't restart paused deployment" in k(web, "rollout restart deploy/web").stderr
    assert k(web, "rollout resume deploy/web").stdout == "deployment.apps/web resumed\n"
    assert k(web, "rollout resume deploy/web").stderr == \
        'error: deployments.apps "web" is not paused\n'
    assert k(web, "rollout restart deploy/web").stdout == "deployment.apps/web restarted\n"
    annotations = web.api.get("deployments.apps", "default", "web")["spec"]["template"][
        "metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/restartedAt"] == web.clock.timestamp()
