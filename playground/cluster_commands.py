"""The `playground cluster …` operations on a live cluster, shared by the CLI and the TUI.

The headless CLI opens a locked state, runs one operation and saves; the TUI holds the state
open and runs the same operations from its command bar, where a scenario's code blocks paste
them (`playground cluster add-node worker-4`, `… kill-pod clock --exit-code 1`, `… curl URL`,
`… advance 5m`). So the grammar (the argparse definitions of the `cluster` subcommands), the
checks on the arguments and every text a person reads live here once, and each operation takes
a `Cluster` and returns what it printed and its exit code instead of printing or exiting.

State-level verbs (`init`, `reset`, `snapshot save|restore`) replace or copy the whole state
directory; they stay in `cli.py`, which owns the directory. `advance` takes the `run_until` of
whoever paces time (a running scenario fires its step events at their instants on the way).
"""

from __future__ import annotations

import argparse
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

from playground.engine.cluster import Cluster

STATE_LEVEL = ("init", "reset", "snapshot")
"""Verbs that work on the state directory, not on the live cluster."""
LIVE = ("advance", "status", "add-node", "remove-node", "fail-node", "recover-node", "kill-pod",
        "curl", "partition-node", "heal-node")
"""Verbs that act on the live cluster (the TUI command bar runs them)."""

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


@dataclass(frozen=True)
class Result:
    """What an operation printed and its exit code. `refused`: it changed nothing and said why
    (the CLI then saves nothing, as a refusal never did)."""

    stdout: str
    stderr: str
    exit_code: int
    refused: bool = False


def _ok(text: str) -> Result:
    return Result(text + "\n", "", 0)


def _refuse(message: str) -> Result:
    return Result("", message + "\n", 1, refused=True)


# -- the grammar ---------------------------------------------------------------------------------

def add_cluster_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Define `cluster` and its subcommands on the `playground` parser's subcommands."""
    cluster = sub.add_parser("cluster", help="create, advance, inspect and snapshot the cluster")
    csub = cluster.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = csub.add_parser("init", help="create a fresh cluster")
    init.add_argument("--nodes", type=int, default=3, help="worker nodes (default 3)")
    init.add_argument("--node-cpu", default="4", help="CPU per node (default 4)")
    init.add_argument("--node-memory", default="8Gi", help="memory per node (default 8Gi)")
    init.add_argument("--zones", default="zone-a,zone-b,zone-c", help="comma-separated zones")
    init.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    init.add_argument("--clock", choices=("realtime", "manual"), default="realtime")
    init.add_argument("--force", action="store_true", help="replace an existing cluster")
    adv = csub.add_parser("advance", help="let virtual time pass, e.g. 90s, 5m, 1h")
    adv.add_argument("duration")
    csub.add_parser("status", help="show the cluster's shape and virtual time")
    csub.add_parser("reset", help="replace the cluster with a fresh one of the same shape")
    snap = csub.add_parser("snapshot", help="save or restore the whole cluster to one file")
    # not "action": that dest already names the cluster subcommand
    snap.add_argument("snapshot_action", metavar="action", choices=("save", "restore"))
    snap.add_argument("file")
    add = csub.add_parser("add-node", help="join a new worker node (default name worker-N)")
    add.add_argument("name", nargs="?")
    add.add_argument("--cpu", help="CPU capacity (default: the cluster's node CPU)")
    add.add_argument("--memory", help="memory capacity (default: the cluster's node memory)")
    add.add_argument("--zone", help="topology.kubernetes.io/zone")
    add.add_argument("--labels", help="extra labels, k=v,k2=v2")
    add.add_argument("--taints", help="taints, k=v:Effect,k2:Effect")
    remove = csub.add_parser("remove-node", help="delete a node from the cluster")
    remove.add_argument("name")
    fail = csub.add_parser("fail-node", help="stop a node's kubelet (node failure)")
    fail.add_argument("name")
    recover = csub.add_parser("recover-node", help="start a failed node's kubelet again")
    recover.add_argument("name")
    kill = csub.add_parser("kill-pod", help="make a container of a pod crash")
    kill.add_argument("pod")
    kill.add_argument("-n", "--namespace", default="default")
    kill.add_argument("-c", "--container", help="container name (default: the first)")
    kill.add_argument("--exit-code", type=int, default=137, help="exit code (default 137)")
    curl = csub.add_parser("curl", help="GET a URL from outside the cluster (a NodePort on a "
                                        "node IP, or a load balancer)")
    curl.add_argument("url")
    curl.add_argument("-i", "--include", action="store_true", help="print response headers")
    partition = csub.add_parser("partition-node",
                                help="cut a node off the network (its pods become unreachable)")
    partition.add_argument("name")
    heal = csub.add_parser("heal-node", help="reconnect a partitioned node")
    heal.add_argument("name")
    for p in csub.choices.values():
        p.add_argument("--state", dest="state_local", help=argparse.SUPPRESS)


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class CapturingParser(argparse.ArgumentParser):
    """An argparse parser that writes into buffers and raises instead of exiting (its
    subparsers are of the same class)."""

    out: io.StringIO
    err: io.StringIO

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            self.out.write(message)

    def print_help(self, file: object = None) -> None:
        self.out.write(self.format_help())

    def print_usage(self, file: object = None) -> None:
        self.out.write(self.format_usage())

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self.err.write(message)
        raise _Exit(status)

    def error(self, message: str) -> NoReturn:
        self.err.write(self.format_usage())
        self.exit(2, f"{self.prog}: error: {message}\n")


ParserBuilder = Callable[[type[argparse.ArgumentParser]], argparse.ArgumentParser]
"""Builds the whole `playground` parser of a given class (`playground.cli.build_parser`)."""


def _cluster_only(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = parser_class(prog="playground")
    add_cluster_parser(parser.add_subparsers(dest="command"))
    return parser


def parse_cluster_line(argv: Sequence[str], build: ParserBuilder | None = None
                       ) -> argparse.Namespace | Result:
    """Parse the words after `playground cluster` with the CLI's own grammar (`build`; by
    default the `cluster` subcommands alone): the arguments, or what argparse would have
    printed (usage and error, or the help) and its exit code."""
    out, err = io.StringIO(), io.StringIO()
    parser = (build or _cluster_only)(CapturingParser)
    for p in _parsers(parser):
        p.out, p.err = out, err
    try:
        return parser.parse_args(["cluster", *argv])
    except _Exit as exc:
        return Result(out.getvalue(), err.getvalue(), exc.status, refused=True)


def _parsers(parser: argparse.ArgumentParser) -> list[CapturingParser]:
    found = [parser] if isinstance(parser, CapturingParser) else []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += _parsers(child)
    return found


# -- checks on the arguments (before any cluster is opened) ------------------------------------

def parse_duration(text: str) -> float:
    """`90s`, `5m`, `1h30m`, `2d` → seconds (ValueError with a message for a person)."""
    text = text.strip()
    pos = 0
    total = 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        value, unit = float(match.group(1)), match.group(2)
        total += value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f'error: invalid duration "{text}": use a number with a unit, e.g. '
                         "90s, 5m, 1h or 1h30m")
    return total


def quantity_problem(value: str, flag: str) -> str | None:
    """Why `value` is not a positive quantity for `flag` (None when it is one)."""
    from playground.engine.api.quantity import QuantityError, parse_quantity

    try:
        if parse_quantity(value) <= 0:
            raise QuantityError(value)
    except QuantityError:
        return (f'error: {flag} "{value}" is not a positive quantity (e.g. 4, 500m, '
                "8Gi)")
    return None


def _parse_pairs(text: str, flag: str) -> dict[str, str] | str:
    pairs: dict[str, str] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq or not key:
            return (f'error: {flag} expects key=value pairs separated by commas, got '
                    f'"{item}"')
        pairs[key] = value
    return pairs


def _parse_taints(text: str) -> list[dict[str, str]] | str:
    taints: list[dict[str, str]] = []
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        key_value, colon, effect = item.rpartition(":")
        if not colon or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            return (f'error: --taints expects key=value:Effect (Effect is NoSchedule, '
                    f'PreferNoSchedule or NoExecute), got "{item}"')
        key, _, value = key_value.partition("=")
        taint = {"key": key}
        if value:
            taint["value"] = value
        taint["effect"] = effect
        taints.append(taint)
    return taints


def check(args: argparse.Namespace) -> Result | None:
    """The refusal an operation's arguments earn before any cluster is looked at, or None.
    (The CLI asks first, so a bad argument is named even when no cluster exists.)"""
    action = args.action
    if action == "advance":
        try:
            parse_duration(args.duration)
        except ValueError as exc:
            return _refuse(str(exc))
    elif action == "add-node":
        for parsed in (_parse_pairs(args.labels or "", "--labels"),
                       _parse_taints(args.taints or "")):
            if isinstance(parsed, str):
                return _refuse(parsed)
        for value, flag in ((args.cpu, "--cpu"), (args.memory, "--memory")):
            if value is not None and (problem := quantity_problem(value, flag)):
                return _refuse(problem)
    elif action == "curl":
        from playground.engine.network.traffic import NetworkError, parse_url

        try:
            parse_url(args.url)
        except NetworkError as exc:
            return _refuse(f"curl: (3) URL rejected: {exc}")
    return None


# -- the operations ------------------------------------------------------------------------------

def run(cluster: Cluster, args: argparse.Namespace, *,
        run_until: Callable[[float], None] | None = None, state: str | None = None) -> Result:
    """Run one live `playground cluster` verb (`args` from `parse_cluster_line` or the CLI).
    `run_until` moves time for `advance` (default: the cluster's own); `state` is the state
    directory `status` names (omitted when None)."""
    refusal = check(args)
    if refusal is not None:
        return refusal
    action = args.action
    if action == "advance":
        return advance(cluster, args.duration, run_until or cluster.run_until)
    if action == "status":
        return status(cluster, state)
    if action == "add-node":
        return add_node(cluster, args.name, cpu=args.cpu, memory=args.memory, zone=args.zone,
                        labels=args.labels, taints=args.taints)
    if action == "kill-pod":
        return kill_pod(cluster, args.pod, namespace=args.namespace, container=args.container,
                        exit_code=args.exit_code)
    if action == "curl":
        return curl(cluster, args.url, include=args.include)
    nodes: dict[str, Callable[[Cluster, str], Result]] = {
        "remove-node": remove_node, "fail-node": fail_node, "recover-node": recover_node,
        "partition-node": partition_node, "heal-node": heal_node}
    if action in nodes:
        return nodes[action](cluster, args.name)
    return _refuse(f"error: `playground cluster {action}` works on the state directory, not "
                   "on a live cluster")


def advance(cluster: Cluster, duration: str, run_until: Callable[[float], None]) -> Result:
    """Let `duration` of virtual time pass through `run_until`."""
    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        return _refuse(str(exc))
    before = cluster.now
    run_until(cluster.now + seconds)
    cluster.settle()
    return _ok(f"Advanced {duration}: virtual time {cluster.clock.datetime().isoformat()} "
               f"(+{cluster.now - before:g}s).")


def status(cluster: Cluster, state: str | None = None) -> Result:
    """The cluster's shape and virtual time."""
    nodes = cluster.store.list("nodes")
    ready = sum(1 for n in nodes if any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (n.get("status") or {}).get("conditions") or []))
    return _ok(f"Cluster:      {cluster.config.name}\n"
               + (f"State:        {state}\n" if state is not None else "")
               + f"Kubernetes:   {cluster.version}\n"
               f"Clock:        {cluster.config.clock}, virtual time "
               f"{cluster.clock.datetime().strftime('%Y-%m-%d %H:%M:%S')} UTC\n"
               f"Nodes:        {len(nodes)} ({ready} Ready)\n"
               f"Pods:         {cluster.store.count('pods')}\n"
               f"Objects:      {cluster.store.count()}\n"
               f"Seed:         {cluster.config.seed}")


def next_worker(cluster: Cluster) -> str:
    """The first free `worker-N` name."""
    taken = {n["metadata"]["name"] for n in cluster.store.iter("nodes")}
    i = 1
    while f"worker-{i}" in taken:
        i += 1
    return f"worker-{i}"


def _missing_node(cluster: Cluster, name: str) -> Result | None:
    if cluster.store.get("nodes", "", name) is None:
        known = ", ".join(n["metadata"]["name"] for n in cluster.store.list("nodes"))
        return _refuse(f'error: there is no node "{name}" (nodes: {known or "none"})')
    return None


def add_node(cluster: Cluster, name: str | None = None, *, cpu: str | None = None,
             memory: str | None = None, zone: str | None = None, labels: str | None = None,
             taints: str | None = None) -> Result:
    """Join a worker node (default name: the first free worker-N)."""
    label_map = _parse_pairs(labels or "", "--labels")
    taint_list = _parse_taints(taints or "")
    for parsed in (label_map, taint_list):
        if isinstance(parsed, str):
            return _refuse(parsed)
    assert isinstance(label_map, dict) and isinstance(taint_list, list)
    for value, flag in ((cpu, "--cpu"), (memory, "--memory")):
        if value is not None and (problem := quantity_problem(value, flag)):
            return _refuse(problem)
    name = name or next_worker(cluster)
    if cluster.store.get("nodes", "", name) is not None:
        return _refuse(f'error: node "{name}" already exists')
    node = cluster.add_node(name, cpu=cpu, memory=memory, zone=zone, labels=label_map,
                            taints=taint_list)
    from playground.engine.nodes import ZONE_LABEL, memory_for_display

    capacity = node["status"]["capacity"]
    node_zone = node["metadata"]["labels"].get(ZONE_LABEL, "")
    return _ok(f'Node "{name}" joined the cluster: {capacity["cpu"]} CPU, '
               f'{memory_for_display(capacity["memory"])} memory, zone {node_zone}.')


def remove_node(cluster: Cluster, name: str) -> Result:
    """Delete a node; the pod garbage collector deletes its pods later."""
    from playground.engine.store import USER

    if (missing := _missing_node(cluster, name)) is not None:
        return missing
    pods = len(cluster.store.pods_on_node(name))
    cluster.node_lifecycle.remove_node(name, USER)
    return _ok(f'Node "{name}" removed. Its {pods} pod(s) are deleted by the pod garbage '
               "collector 40s later; their controllers recreate them elsewhere.")


def fail_node(cluster: Cluster, name: str) -> Result:
    """Stop a node's kubelet (a node failure)."""
    if (missing := _missing_node(cluster, name)) is not None:
        return missing
    if not cluster.kubelet.running_on(name):
        return _refuse(f'error: node "{name}" has already failed; use '
                       f"`playground cluster recover-node {name}`")
    cluster.node_lifecycle.fail_node(name)
    return _ok(f'Node "{name}" failed: its kubelet stopped posting status. The node turns '
               "NotReady after 50s; its pods are evicted 5m after that.")


def recover_node(cluster: Cluster, name: str) -> Result:
    """Start a failed node's kubelet again."""
    if (missing := _missing_node(cluster, name)) is not None:
        return missing
    if cluster.kubelet.running_on(name):
        return _refuse(f'error: node "{name}" is running; nothing to recover')
    cluster.node_lifecycle.recover_node(name)
    return _ok(f'Node "{name}" recovered: its kubelet is back and resyncs its pods.')


def kill_pod(cluster: Cluster, pod: str, *, namespace: str = "default",
             container: str | None = None, exit_code: int = 137) -> Result:
    """Make a container of a pod exit with `exit_code` (a crash)."""
    obj = cluster.store.get("pods", namespace, pod)
    if obj is None:
        return _refuse(f'error: pod "{pod}" not found in namespace "{namespace}"')
    node = (obj.get("spec") or {}).get("nodeName")
    if not node:
        return _refuse(f'error: pod "{pod}" is not running on any node yet')
    if not cluster.kubelet.running_on(node):
        return _refuse(f'error: the kubelet of node "{node}" is down; nothing can kill '
                       f'containers of pod "{pod}" until it recovers')
    try:
        killed = cluster.kubelet.kill_container(namespace, pod, container, exit_code)
    except (KeyError, ValueError) as exc:
        return _refuse(f"error: {exc.args[0]}")
    return _ok(f'Container "{killed}" of pod "{pod}" killed (exit code {exit_code}).')


def curl(cluster: Cluster, url: str, *, include: bool = False) -> Result:
    """GET a URL from outside the cluster (a NodePort on a node IP, a load balancer)."""
    from playground.engine.network.traffic import NetworkError, parse_url

    try:
        host = parse_url(url).host
    except NetworkError as exc:
        return _refuse(f"curl: (3) URL rejected: {exc}")
    result = cluster.network.outside_get(url)
    ms = round(result.elapsed * 1000)
    ip, _, port = result.address.rpartition(":")
    if result.error == "bad address":
        return Result("", f"curl: (6) Could not resolve host: {host}\n", 6)
    if result.error == "timed out":
        return Result("", f"curl: (28) Failed to connect to {ip} port {port} after {ms} ms: "
                      "Timeout was reached\n", 28)
    if result.error == "connection refused":
        return Result("", f"curl: (7) Failed to connect to {ip} port {port} after {ms} ms: "
                      "Could not connect to server\n", 7)
    if result.error is not None:
        return Result("", "curl: (52) Empty reply from server\n", 52)
    head = ""
    if include:
        head = f"HTTP/1.1 {result.status} {result.reason}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in result.headers.items()) + "\r\n"
    return Result(head + result.body, "", 0)


def partition_node(cluster: Cluster, name: str) -> Result:
    """Cut a node off the network."""
    if (missing := _missing_node(cluster, name)) is not None:
        return missing
    cluster.network.partition_node(name)
    return _ok(f'Node "{name}" partitioned: its pods cannot be reached from elsewhere and '
               "reach nothing beyond the node.")


def heal_node(cluster: Cluster, name: str) -> Result:
    """Reconnect a partitioned node."""
    if (missing := _missing_node(cluster, name)) is not None:
        return missing
    if name not in cluster.network.partitioned():
        return _refuse(f'error: node "{name}" is not partitioned; nothing to heal')
    cluster.network.heal_node(name)
    return _ok(f'Node "{name}" healed: it is connected to the cluster network again.')


__all__ = ["LIVE", "STATE_LEVEL", "CapturingParser", "ParserBuilder", "Result", "add_cluster_parser", "add_node", "advance",
           "check", "curl", "fail_node", "heal_node", "kill_pod", "next_worker",
           "parse_cluster_line", "parse_duration", "partition_node", "quantity_problem",
           "recover_node", "remove_node", "run", "status"]
