"""Property: whatever a person types, `kubectl` answers with an exit code and a message.

Hypothesis feeds random argument lists (real verbs, flags in every spelling, resource names,
template expressions and plain garbage) to `main.run` on one live cluster; no input may raise
a Python exception, a failure always says something on stderr, and success never carries an
internal error. The second half checks the spellings people actually type parse alike.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.engine.cluster import Cluster, ClusterConfig
from playground.kubectl.context import Result
from playground.kubectl.main import COMMANDS, run

WEB = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""

_live: list[Cluster] = []


def live_cluster() -> Cluster:
    """One cluster shared by all examples (commands may change it; that is part of the test)."""
    if not _live:
        cluster = Cluster.create(ClusterConfig(clock="manual"))
        assert run(cluster, ["apply", "-f", "-"], stdin=WEB).exit_code == 0
        cluster.advance(20)
        _live.append(cluster)
    return _live[0]


VERBS = sorted(COMMANDS) + ["port-forward", "gti", "kubectl", "k"]
RESOURCES = ["pods", "po", "deploy", "deployments.apps", "svc", "nodes", "all", "ns", "cm",
             "rs", "deploy/web", "svc/web", "pod/nosuch", "deploy,svc", "web", "nosuch",
             "pdos", "events", "node/worker-1", "", "/", "a/b/c", ",", "deploy/"]
FLAGS = ["-n", "-n=default", "-nkube-system", "--namespace", "--namespace=team", "-A",
         "--all-namespaces", "-o", "-oyaml", "-o=json", "-owide", "-oname",
         "-o=jsonpath={.items[*].metadata.name}", "-ojsonpath={.items[0]}",
         "-o=jsonpath={range .items[*]}{.metadata.name}{end}", "-ojsonpath={.x[",
         "-o=custom-columns=N:.metadata.name", "-ocustom-columns=bad",
         "-ojsonpath-as-json={..name}", "-ogo-template={{.}}", "-o=xml",
         "--sort-by=.metadata.name", "--sort-by={.spec.replicas}", "--sort-by=.nope",
         "-l", "-lapp=web", "--selector=app in (web)", "-l=app=(", "--field-selector",
         "--field-selector=status.phase=Running", "--field-selector=bogus=1",
         "-L", "-Lapp", "--show-labels", "--no-headers", "--show-kind", "-w",
         "--watch-only", "--request-timeout=2s", "--request-timeout=nonsense",
         "-f", "-f=-", "--filename=/nonexistent.yaml", "-R", "--ignore-not-found",
         "--current", "--dry-run=client", "--replicas=3", "--replicas=-1", "--force",
         "--ignore-daemonsets", "-c", "-c=nginx", "--previous", "--tail=2", "-h", "--help",
         "--", "--=", "-", "---", "--unknown-flag", "-Z", "-Aw", "--all-namespaces=maybe",
         "--timeout=1s", "--to-revision=1", "--overwrite"]
WORDS = ["set-context", "get-contexts", "view", "current-context", "status", "history",
         "undo", "dump", "ls", "sh", "-c", "echo hi", "app=web", "app-", "worker-1",
         "key=value:NoSchedule", "nginx=nginx:1.28", "dev", "default", "0", "-1", "1e999"]
GARBAGE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                  max_size=12)
TOKEN = st.one_of(st.sampled_from(VERBS), st.sampled_from(RESOURCES), st.sampled_from(FLAGS),
                  st.sampled_from(WORDS), GARBAGE)


def check(result: Result) -> None:
    assert isinstance(result, Result)
    assert isinstance(result.exit_code, int)
    assert isinstance(result.stdout, str) and isinstance(result.stderr, str)
    if result.exit_code != 0:
        assert result.stderr.strip(), "a failing command must say why"
    assert "Traceback" not in result.stderr


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(verb=st.sampled_from(VERBS), rest=st.lists(TOKEN, max_size=6),
       stdin=st.sampled_from([None, "", WEB, "not: [valid", "kind: Pod\n"]))
def test_random_command_lines_never_raise(verb: str, rest: list[str], stdin: str | None) -> None:
    cluster = live_cluster()
    check(run(cluster, [verb, *rest], stdin=stdin))
    cluster.settle()


@settings(max_examples=100, deadline=None, database=None)
@given(argv=st.lists(TOKEN, max_size=5))
def test_arbitrary_token_lists_never_raise(argv: list[str]) -> None:
    check(run(live_cluster(), argv))


@pytest.fixture
def web(cluster: Cluster) -> Cluster:
    assert run(cluster, ["apply", "-f", "-"], stdin=WEB).exit_code == 0
    assert run(cluster, ["create", "-f", "-"],
               stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n").exit_code == 0
    assert run(cluster, ["apply", "-n", "team", "-f", "-"],
               stdin=WEB.split("---")[0]).exit_code == 0
    cluster.advance(20)
    return cluster


@pytest.mark.parametrize("line", [
    "get deploy -n=team -o name", "get deploy -n team -o name", "get deploy -nteam -o name",
    "get deploy --namespace team -oname", "get deploy --namespace=team -o=name",
    "-n team get deploy -o name", "get -n team -o name deploy", "get -o name -n team deploy",
    "--namespace=team get deployments -o name", "kubectl get deploy -n team --output=name",
    "k get deployments.apps --namespace team --output name",
])
def test_flag_spellings_agree(web: Cluster, line: str) -> None:
    result = run(web, line.split())
    assert (result.exit_code, result.stdout, result.stderr) == (0, "deployment.apps/web\n", "")


@pytest.mark.parametrize("flag", ["-oyaml", "-o=yaml", "-o yaml", "--output=yaml",
                                  "--output yaml"])
def test_output_spellings_agree(web: Cluster, flag: str) -> None:
    first = run(web, ["get", "deploy", "web", *flag.split()])
    assert first.exit_code == 0 and first.stdout.startswith("apiVersion: apps/v1\n")
    assert first.stdout == run(web, ["get", *flag.split(), "deploy", "web"]).stdout


@pytest.mark.parametrize("template", ["-ojsonpath={.metadata.name}",
                                      "-o=jsonpath={.metadata.name}",
                                      "--output=jsonpath='{.metadata.name}'"])
def test_jsonpath_spellings_agree(web: Cluster, template: str) -> None:
    assert run(web, ["get", "deploy", "web", template]).stdout == "web"


def test_dashes_before_exec_command(web: Cluster) -> None:
    pod = run(web, ["get", "pods", "-o", "jsonpath={.items[0].metadata.name}"]).stdout
    result = run(web, ["exec", pod, "--", "echo", "-n", "hi"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("hi")
    flags_after = run(web, ["exec", "-c", "nginx", pod, "--", "echo", "ok"])
    assert flags_after.stdout.startswith("ok")
