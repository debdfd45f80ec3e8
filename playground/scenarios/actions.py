"""Scenario actions: the things setup, step events and reference solutions do to a cluster.

One vocabulary (`model.ACTION_TYPES`) serves all three, so a fault injected at setup, a node
failing five minutes into a step and a learner's `kubectl` command in a solution all go through
the same real paths: `playground.kubectl.main.run`, the node lifecycle controller, the kubelet,
the cluster network. Nothing here writes objects behind the API server's back.
"""

from __future__ import annotations

import inspect
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from playground.engine.cluster import Cluster
from playground.engine.store import Actor
from playground.scenarios.model import Action


class ActionError(Exception):
    """An action that could not be carried out, said for the scenario's author."""


@dataclass(frozen=True)
class ActionOutput:
    """What an action printed, the way a terminal would show it."""

    command: str
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


def run_action(cluster: Cluster, action: Action) -> ActionOutput:
    """Carry out one action now (advance lets time pass) and let the cluster settle."""
    a = action.args
    command = action.describe()
    if action.kind in ("kubectl", "apply"):
        from playground.kubectl.main import run

        if action.kind == "kubectl":
            command = "kubectl " + expand(cluster, a["command"])
            argv, stdin = shlex.split(expand(cluster, a["command"])), a.get("stdin")
        else:
            argv, stdin = ["apply", "-f", "-"], a["manifest"]
        with acting_as(cluster, a.get("as")):
            result = run(cluster, argv, stdin=stdin)
        cluster.settle()
        return ActionOutput(command, result.stdout, result.stderr, result.exit_code)
    if action.kind == "advance":
        cluster.advance(float(a["seconds"]))
        return ActionOutput(command)
    if action.kind in ("etcdctl", "etcdutl"):
        from playground.engine import etcd

        out = etcd.run(cluster, [action.kind, *shlex.split(a["command"])])
        cluster.settle()
        return ActionOutput(command, out.stdout, out.stderr, out.exit_code)
    node = str(a.get("node") or "")
    if action.kind == "add-node":
        if cluster.store.get("nodes", "", node) is not None:
            raise ActionError(f'node "{node}" already exists')
        cluster.add_node(node, cpu=a.get("cpu"), memory=a.get("memory"), zone=a.get("zone"))
    elif action.kind == "kill":
        pod = _pod_for(cluster, a)
        try:
            cluster.kubelet.kill_container(a["namespace"], pod, a.get("container"),
                                           int(a["exit-code"]))
        except (KeyError, ValueError) as exc:
            raise ActionError(f"cannot kill a container of pod {pod}: {exc.args[0]}") from None
        command = f"playground cluster kill-pod {pod} --exit-code {a['exit-code']}"
    else:
        if cluster.store.get("nodes", "", node) is None:
            raise ActionError(f'there is no node "{node}"')
        if action.kind == "fail-node":
            cluster.node_lifecycle.fail_node(node)
        elif action.kind == "recover-node":
            cluster.node_lifecycle.recover_node(node)
        elif action.kind == "partition-node":
            cluster.network.partition_node(node)
        elif action.kind == "heal-node":
            cluster.network.heal_node(node)
        else:  # pragma: no cover - the schema admits no other kind
            raise ActionError(f"unknown action {action.kind}")
    cluster.settle()
    return ActionOutput(command)


def _pod_for(cluster: Cluster, a: dict[str, Any]) -> str:
    if a.get("pod"):
        return str(a["pod"])
    from playground.engine.selectors import parse_label_selector

    pods = [p for p in cluster.store.list("pods", a["namespace"],
                                          parse_label_selector(str(a["selector"])))
            if (p.get("status") or {}).get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")]
    if not pods:
        raise ActionError(f"no running pod with {a['selector']}")
    return str(min(p["metadata"]["name"] for p in pods))


_PLACEHOLDER = re.compile(r"\{\{\s*(pod|ip|node-ip|lb)\s+([^}]+?)\s*\}\}")


def expand(cluster: Cluster, text: str) -> str:
    """Fill in names and addresses only known at run time: `{{pod app=web}}` (the first running
    pod with those labels), `{{ip api}}` (a pod's IP), `{{node-ip worker-1}}`, `{{lb web}}`
    (a LoadBalancer Service's external address)."""

    def fill(match: re.Match[str]) -> str:
        what, arg = match.group(1), match.group(2)
        if what == "pod":
            return _pod_for(cluster, {"selector": arg, "namespace": "default"})
        if what == "ip":
            pod = cluster.store.get("pods", "default", arg)
            ip = ((pod or {}).get("status") or {}).get("podIP")
            if not ip:
                raise ActionError(f"pod {arg} has no IP yet")
            return str(ip)
        if what == "node-ip":
            return str(cluster.network.node_ip(arg))
        svc = cluster.store.get("services", "default", arg)
        ingress = (((svc or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if not ingress:
            raise ActionError(f"Service {arg} has no external address yet")
        return str(ingress[0].get("ip") or ingress[0].get("hostname"))

    return _PLACEHOLDER.sub(fill, text)


class _ActingAs:
    """The API server as seen by one person: requests without an actor are theirs."""

    def __init__(self, api: Any, actor: Actor) -> None:
        self._api = api
        self._actor = actor

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._api, name)
        if not callable(attribute):
            return attribute
        try:
            signature = inspect.signature(attribute)
        except (TypeError, ValueError):
            return attribute
        if "actor" not in signature.parameters:
            return attribute
        return _with_actor(attribute, signature, self._actor)


def _with_actor(method: Callable[..., Any], signature: inspect.Signature,
                actor: Actor) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs)
        if "actor" not in bound.arguments:
            kwargs["actor"] = actor
        return method(*args, **kwargs)

    return call


@contextmanager
def acting_as(cluster: Cluster, person: str | None) -> Iterator[None]:
    """While inside, kubectl's requests are attributed to `person` (a colleague), not you."""
    if not person:
        yield
        return
    real = cluster.api
    cluster.api = _ActingAs(real, Actor("user", person))  # type: ignore[assignment]
    try:
        yield
    finally:
        cluster.api = real
