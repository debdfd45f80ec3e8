"""`playground`: the headless command line over a persisted cluster state.

    playground [--state DIR] cluster init|advance|status|reset|snapshot save|snapshot restore
    playground [--state DIR] cluster add-node|remove-node|fail-node|recover-node|kill-pod
    playground [--state DIR] kubectl ARGS...
    playground [--state DIR] etcdctl snapshot save FILE       (etcd on the control plane)
    playground [--state DIR] etcdutl snapshot status|restore FILE [--data-dir DIR]
    playground [--state DIR] scenario list|start|status|check|hint|solve|reset|validate
    playground [--state DIR] [tui]           the interactive TUI (the default)
    playground [--state DIR] [tui] --scenario NAME   the TUI on a scenario's fresh cluster

Each invocation locks the state directory, opens the cluster (without replaying history), lets
virtual time catch up with the wall clock when the cluster runs in `realtime` mode, runs the
command, lets the cluster settle, and saves every change in one transaction. Errors are printed
for a person and give a non-zero exit code; no traceback ever reaches the terminal.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.errors import EngineError
from playground.scenarios.model import ScenarioError
from playground.scenarios.runner import Notice, ScenarioRunner, restore_images
from playground.state.database import StateDB
from playground.state.statedir import StateError, StateLock, resolve_state_dir

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


class CLIError(Exception):
    """A refusal with a message for the person at the keyboard."""


def parse_duration(text: str) -> float:
    """`90s`, `5m`, `1h30m`, `2d` → seconds."""
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
        raise CLIError(f'error: invalid duration "{text}": use a number with a unit, e.g. '
                       "90s, 5m, 1h or 1h30m")
    return total


class Session:
    """An open, locked state: the cluster plus its database."""

    def __init__(self, directory: Path, holder: str = "the playground CLI") -> None:
        self.directory = directory
        self.lock = StateLock(directory, holder)
        self.db = StateDB(directory)
        self.cluster: Cluster | None = None
        self.runner: ScenarioRunner | None = None
        self.notices: list[Notice] = []
        """What the running scenario has to tell (steps completed, events), shown on exit."""

    def __enter__(self) -> Session:
        self.lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()
        self.lock.release()
        for notice in self.notices:
            print(f"{'✓' if notice.kind != 'event' else '!'} {notice.text}", file=sys.stderr)

    def open(self) -> Cluster:
        """Load the cluster and let realtime clocks catch up with the wall clock."""
        if not self.db.exists():
            raise CLIError(f"error: no cluster in {self.directory}. Create one with "
                           "`playground cluster init`.")
        cluster = self.db.load()
        self.cluster = cluster
        self.runner = _attach_scenario(cluster)
        if cluster.config.clock == "realtime":
            anchor = self._wall_anchor()
            if anchor is not None:
                virtual, wall = anchor
                target = virtual + max(0.0, time.time() - wall)
                if target > cluster.now:
                    self.run_until(target)
        cluster.settle()
        return cluster

    def run_until(self, when: float) -> None:
        """Let time run; a running scenario fires its step events at their own instants."""
        assert self.cluster is not None
        if self.runner is not None:
            self.runner.run_until(when)
        else:
            self.cluster.run_until(when)

    def _wall_anchor(self) -> tuple[float, float] | None:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key='wall'").fetchone()
        if row is None:
            return None
        virtual, wall = (float(x) for x in row[0].split(","))
        return virtual, wall

    def save(self, full: bool = False) -> None:
        """Settle and persist the cluster and the wall-clock anchor."""
        assert self.cluster is not None
        self.cluster.settle()
        if self.runner is not None and self.runner.cluster is self.cluster:
            self.runner.update()
            self.notices += self.runner.take_notices()
            self.cluster.settle()
        if full:
            self.db.save_all(self.cluster)
        else:
            self.db.save(self.cluster)
        self.db.conn.execute("INSERT OR REPLACE INTO meta VALUES ('wall', ?)",
                             (f"{self.cluster.now},{time.time()}",))


# -- cluster commands --------------------------------------------------------------------------

def cmd_init(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        if session.db.exists() and not args.force:
            raise CLIError(f"error: a cluster already exists in {directory}. Use --force to "
                           "replace it, or --state DIR to create another.")
        if args.nodes < 0 or args.nodes > 1023:
            raise CLIError("error: --nodes must be between 0 and 1023 (the pod network has "
                           "room for 1,024 nodes)")
        zones = [z.strip() for z in args.zones.split(",") if z.strip()]
        if not zones:
            raise CLIError("error: --zones needs at least one zone name")
        config = ClusterConfig(
            workers=args.nodes, node_cpu=args.node_cpu, node_memory=args.node_memory,
            zones=zones, seed=args.seed, clock=args.clock,
            epoch=datetime.now(UTC).replace(microsecond=0).isoformat())
        _check_quantity(args.node_cpu, "--node-cpu")
        _check_quantity(args.node_memory, "--node-memory")
        session.cluster = Cluster.create(config)
        session.save(full=True)
        cluster = session.cluster
        print(f"Cluster \"{config.name}\" created in {directory}: 1 control-plane node and "
              f"{args.nodes} worker node(s) in zones {', '.join(zones)}; Kubernetes "
              f"{cluster.version}; {config.clock} clock; seed {config.seed}.")
    return 0


def _check_quantity(value: str, flag: str) -> None:
    from playground.engine.api.quantity import QuantityError, parse_quantity

    try:
        if parse_quantity(value) <= 0:
            raise QuantityError(value)
    except QuantityError:
        raise CLIError(f'error: {flag} "{value}" is not a positive quantity (e.g. 4, 500m, '
                       "8Gi)") from None


def cmd_advance(args: argparse.Namespace, directory: Path) -> int:
    seconds = parse_duration(args.duration)
    with Session(directory) as session:
        cluster = session.open()
        before = cluster.now
        session.run_until(cluster.now + seconds)
        session.save()
        print(f"Advanced {args.duration}: virtual time {cluster.clock.datetime().isoformat()} "
              f"(+{cluster.now - before:g}s).")
    return 0


def cmd_status(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        cluster = session.open()
        nodes = cluster.store.list("nodes")
        ready = sum(1 for n in nodes if any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (n.get("status") or {}).get("conditions") or []))
        session.save()
        print(f"Cluster:      {cluster.config.name}\n"
              f"State:        {directory}\n"
              f"Kubernetes:   {cluster.version}\n"
              f"Clock:        {cluster.config.clock}, virtual time "
              f"{cluster.clock.datetime().strftime('%Y-%m-%d %H:%M:%S')} UTC\n"
              f"Nodes:        {len(nodes)} ({ready} Ready)\n"
              f"Pods:         {cluster.store.count('pods')}\n"
              f"Objects:      {cluster.store.count()}\n"
              f"Seed:         {cluster.config.seed}")
    return 0


def cmd_reset(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        old = session.open()
        config = old.config
        config.epoch = datetime.now(UTC).replace(microsecond=0).isoformat()
        session.cluster = Cluster.create(config)
        session.save(full=True)
        print(f"Cluster \"{config.name}\" reset to a fresh state.")
    return 0


def cmd_snapshot(args: argparse.Namespace, directory: Path) -> int:
    path = Path(args.file).expanduser()
    with Session(directory) as session:
        if args.snapshot_action == "save":
            session.open()
            session.save()
            session.db.snapshot_save(path)
            print(f"Snapshot saved to {path} ({session.db.object_count()} objects).")
        else:
            session.cluster = session.db.snapshot_restore(path)
            print(f"Snapshot {path} restored ({session.cluster.store.count()} objects, virtual "
                  f"time {session.cluster.clock.datetime().strftime('%Y-%m-%d %H:%M:%S')}).")
            session.db.conn.execute("INSERT OR REPLACE INTO meta VALUES ('wall', ?)",
                                    (f"{session.cluster.now},{time.time()}",))
    return 0


# -- node and pod faults ------------------------------------------------------------------------

def _parse_pairs(text: str, flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise CLIError(f'error: {flag} expects key=value pairs separated by commas, got '
                           f'"{item}"')
        pairs[key] = value
    return pairs


def _parse_taints(text: str) -> list[dict[str, str]]:
    taints: list[dict[str, str]] = []
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        key_value, colon, effect = item.rpartition(":")
        if not colon or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise CLIError(f'error: --taints expects key=value:Effect (Effect is NoSchedule, '
                           f'PreferNoSchedule or NoExecute), got "{item}"')
        key, _, value = key_value.partition("=")
        taint = {"key": key}
        if value:
            taint["value"] = value
        taint["effect"] = effect
        taints.append(taint)
    return taints


def _node(cluster: Cluster, name: str) -> None:
    if cluster.store.get("nodes", "", name) is None:
        known = ", ".join(n["metadata"]["name"] for n in cluster.store.list("nodes"))
        raise CLIError(f'error: there is no node "{name}" (nodes: {known or "none"})')


def cmd_add_node(args: argparse.Namespace, directory: Path) -> int:
    labels = _parse_pairs(args.labels or "", "--labels")
    taints = _parse_taints(args.taints or "")
    for value, flag in ((args.cpu, "--cpu"), (args.memory, "--memory")):
        if value is not None:
            _check_quantity(value, flag)
    with Session(directory) as session:
        cluster = session.open()
        name = args.name or _next_worker(cluster)
        if cluster.store.get("nodes", "", name) is not None:
            raise CLIError(f'error: node "{name}" already exists')
        node = cluster.add_node(name, cpu=args.cpu, memory=args.memory, zone=args.zone,
                                labels=labels, taints=taints)
        session.save()
        from playground.engine.nodes import ZONE_LABEL, memory_for_display

        capacity = node["status"]["capacity"]
        zone = node["metadata"]["labels"].get(ZONE_LABEL, "")
        print(f'Node "{name}" joined the cluster: {capacity["cpu"]} CPU, '
              f'{memory_for_display(capacity["memory"])} memory, zone {zone}.')
    return 0


def _next_worker(cluster: Cluster) -> str:
    taken = {n["metadata"]["name"] for n in cluster.store.iter("nodes")}
    i = 1
    while f"worker-{i}" in taken:
        i += 1
    return f"worker-{i}"


def cmd_remove_node(args: argparse.Namespace, directory: Path) -> int:
    from playground.engine.store import USER

    with Session(directory) as session:
        cluster = session.open()
        _node(cluster, args.name)
        pods = len(cluster.store.pods_on_node(args.name))
        cluster.node_lifecycle.remove_node(args.name, USER)
        session.save()
        print(f'Node "{args.name}" removed. Its {pods} pod(s) are deleted by the pod garbage '
              "collector 40s later; their controllers recreate them elsewhere.")
    return 0


def cmd_fail_node(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        cluster = session.open()
        _node(cluster, args.name)
        if not cluster.kubelet.running_on(args.name):
            raise CLIError(f'error: node "{args.name}" has already failed; use '
                           f"`playground cluster recover-node {args.name}`")
        cluster.node_lifecycle.fail_node(args.name)
        session.save()
        print(f'Node "{args.name}" failed: its kubelet stopped posting status. The node turns '
              "NotReady after 50s; its pods are evicted 5m after that.")
    return 0


def cmd_recover_node(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        cluster = session.open()
        _node(cluster, args.name)
        if cluster.kubelet.running_on(args.name):
            raise CLIError(f'error: node "{args.name}" is running; nothing to recover')
        cluster.node_lifecycle.recover_node(args.name)
        session.save()
        print(f'Node "{args.name}" recovered: its kubelet is back and resyncs its pods.')
    return 0


def cmd_kill_pod(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        cluster = session.open()
        pod = cluster.store.get("pods", args.namespace, args.pod)
        if pod is None:
            raise CLIError(f'error: pod "{args.pod}" not found in namespace '
                           f'"{args.namespace}"')
        node = (pod.get("spec") or {}).get("nodeName")
        if not node:
            raise CLIError(f'error: pod "{args.pod}" is not running on any node yet')
        if not cluster.kubelet.running_on(node):
            raise CLIError(f'error: the kubelet of node "{node}" is down; nothing can kill '
                           f'containers of pod "{args.pod}" until it recovers')
        try:
            container = cluster.kubelet.kill_container(args.namespace, args.pod, args.container,
                                                       args.exit_code)
        except (KeyError, ValueError) as exc:
            raise CLIError(f"error: {exc.args[0]}") from None
        session.save()
        print(f'Container "{container}" of pod "{args.pod}" killed (exit code '
              f"{args.exit_code}).")
    return 0


def cmd_curl(args: argparse.Namespace, directory: Path) -> int:
    """GET a URL from outside the cluster (a NodePort on a node IP, a load balancer)."""
    from playground.engine.network.traffic import NetworkError, parse_url

    try:
        host = parse_url(args.url).host
    except NetworkError as exc:
        raise CLIError(f"curl: (3) URL rejected: {exc}") from None
    with Session(directory) as session:
        cluster = session.open()
        result = cluster.network.outside_get(args.url)
        session.save()
    ms = round(result.elapsed * 1000)
    ip, _, port = result.address.rpartition(":")
    if result.error == "bad address":
        print(f"curl: (6) Could not resolve host: {host}", file=sys.stderr)
        return 6
    if result.error == "timed out":
        print(f"curl: (28) Failed to connect to {ip} port {port} after {ms} ms: "
              "Timeout was reached", file=sys.stderr)
        return 28
    if result.error == "connection refused":
        print(f"curl: (7) Failed to connect to {ip} port {port} after {ms} ms: "
              "Could not connect to server", file=sys.stderr)
        return 7
    if result.error is not None:
        print("curl: (52) Empty reply from server", file=sys.stderr)
        return 52
    if args.include:
        sys.stdout.write(f"HTTP/1.1 {result.status} {result.reason}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in result.headers.items()) + "\r\n")
    sys.stdout.write(result.body)
    return 0


def cmd_partition_node(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        cluster = session.open()
        _node(cluster, args.name)
        cluster.network.partition_node(args.name)
        session.save()
        print(f'Node "{args.name}" partitioned: its pods cannot be reached from elsewhere and '
              "reach nothing beyond the node.")
    return 0


def cmd_heal_node(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        cluster = session.open()
        _node(cluster, args.name)
        if args.name not in cluster.network.partitioned():
            raise CLIError(f'error: node "{args.name}" is not partitioned; nothing to heal')
        cluster.network.heal_node(args.name)
        session.save()
        print(f'Node "{args.name}" healed: it is connected to the cluster network again.')
    return 0


def cmd_kubectl(argv: list[str], directory: Path) -> int:
    from playground.kubectl.main import run

    stdin_text = sys.stdin.read() if "-" in _filenames(argv) else None
    with Session(directory) as session:
        cluster = session.open()
        result = run(cluster, argv, stdin=stdin_text)
        session.save()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_code


def cmd_etcd(argv: list[str], directory: Path) -> int:
    """`etcdctl ...` / `etcdutl ...` as run on the control-plane node (argv[0] is the tool)."""
    from playground.engine import etcd

    with Session(directory) as session:
        cluster = session.open()
        result = etcd.run(cluster, argv)
        session.save()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_code


def _filenames(argv: list[str]) -> list[str]:
    names = []
    for i, arg in enumerate(argv):
        if arg in ("-f", "--filename") and i + 1 < len(argv):
            names.append(argv[i + 1])
        elif arg.startswith(("-f=", "--filename=")):
            names.append(arg.split("=", 1)[1])
    return names


# -- guided scenarios ----------------------------------------------------------------------------

def _attach_scenario(cluster: Cluster) -> ScenarioRunner | None:
    """Bring back a saved scenario's images and its runner (None when none is running)."""
    restore_images(cluster)
    try:
        return ScenarioRunner.attach(cluster)
    except ScenarioError as exc:
        print(f"warning: the scenario saved in this state cannot be loaded ({exc}); "
              "its checks are not running", file=sys.stderr)
        return None


def _runner(session: Session) -> ScenarioRunner:
    session.open()
    if session.runner is None:
        raise CLIError("error: no scenario is running. List them with `playground scenario "
                       "list` and begin one with `playground scenario start NAME`.")
    return session.runner


def _print_results(runner: ScenarioRunner) -> None:
    for result in runner.results():
        print(f"  {'✓' if result.passed else '✗'} {result.text}")


def _print_step(runner: ScenarioRunner) -> None:
    print(runner.markdown().rstrip())
    if not runner.finished:
        print("\nChecks:")
        _print_results(runner)


def cmd_scenario_list(args: argparse.Namespace, directory: Path) -> int:
    from playground.kubectl.table import tabwrite
    from playground.scenarios.loader import load_library

    lines = ["#\tNAME\tTITLE\tLEVEL\tMINUTES\tSTEPS"]
    for i, sc in enumerate(load_library(), 1):
        lines.append(f"{i}\t{sc.id}\t{sc.title}\t{sc.difficulty}\t{sc.minutes}\t{len(sc.steps)}")
    sys.stdout.write(tabwrite("\n".join(lines) + "\n"))
    print("\nStart one with `playground scenario start NAME`.")
    return 0


def cmd_scenario_start(args: argparse.Namespace, directory: Path) -> int:
    from playground.scenarios.loader import find_scenario

    scenario = find_scenario(args.name)
    with Session(directory) as session:
        clock = args.clock
        if clock is None:
            clock = "realtime"
            if session.db.exists():
                clock = str(session.db.read_meta()["config"].get("clock", "realtime"))
        epoch = datetime.now(UTC).replace(microsecond=0).isoformat()
        runner = ScenarioRunner.start(scenario, clock=clock, epoch=epoch)
        session.cluster, session.runner = runner.cluster, runner
        session.save(full=True)
        print(f"Scenario \"{scenario.title}\" started on a fresh cluster in {directory} "
              f"({len(scenario.steps)} steps, about {scenario.minutes} minutes).\n")
        if scenario.intro:
            print(scenario.intro.rstrip() + "\n")
        _print_step(runner)
    return 0


def cmd_scenario_status(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        session.save()
        sc = runner.scenario
        print(f"Scenario: {sc.title} ({sc.id})")
        print(f"Progress: {min(runner.step_index, len(sc.steps))} of {len(sc.steps)} steps"
              + (" — finished" if runner.finished else ""))
        for view in runner.steps():
            mark = {"done": "✓", "current": "▶", "todo": " "}[view.state]
            solved = " (solved for you)" if view.solved else ""
            print(f"  {mark} {view.index + 1}. {view.title}{solved}")
        print()
        _print_step(runner)
    return 0


def cmd_scenario_check(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        if runner.finished:
            print(f"Scenario \"{runner.scenario.title}\" is complete.")
            return 0
        step = runner.current_step
        assert step is not None
        print(f"Step {runner.step_index + 1}: {step.title}")
        _print_results(runner)
        passed = all(r.passed for r in runner.results())
        session.save()
    return 0 if passed else 1


def cmd_scenario_hint(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        shown = runner.next_hint()
        session.save()
        if shown is None:
            if runner.finished:
                print("The scenario is complete; there is nothing left to hint at.")
            else:
                print("Every hint of this step is shown; the last one is the solution. "
                      "`playground scenario solve` runs it for you.")
            return 0
        text, layer, layers = shown
        print(f"Hint {layer} of {layers}:\n\n{text.rstrip()}")
    return 0


def cmd_scenario_solve(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        if runner.finished:
            print("The scenario is already complete.")
            return 0
        through = None if args.step is None else args.step - 1
        try:
            done = runner.solve(through)
        finally:
            session.save()
        for step, outputs, waited in done:
            print(f"Step {runner.scenario.steps.index(step) + 1}: {step.title}")
            for out in outputs:
                print(f"$ {out.command}")
                for text in (out.stdout, out.stderr):
                    if text:
                        sys.stdout.write(text if text.endswith("\n") else text + "\n")
            if waited:
                print(f"(waited {waited:g}s of virtual time)")
    return 0


def cmd_scenario_reset(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        old = _runner(session)
        runner = ScenarioRunner.start(
            old.scenario, clock=old.cluster.config.clock,
            epoch=datetime.now(UTC).replace(microsecond=0).isoformat())
        session.cluster, session.runner = runner.cluster, runner
        session.notices.clear()
        runner.take_notices()
        session.save(full=True)
        print(f"Scenario \"{old.scenario.title}\" restarted on a fresh cluster.\n")
        _print_step(runner)
    return 0


def cmd_scenario_validate(args: argparse.Namespace, directory: Path) -> int:
    from playground.scenarios.loader import scenario_folders
    from playground.scenarios.validate import validate_path

    if args.path:
        root = Path(args.path).expanduser()
        folders = [root] if (root / "scenario.yaml").is_file() or root.is_file() \
            else scenario_folders(root)
        if not folders:
            raise CLIError(f"error: no scenario.yaml in {root} or its folders")
    else:
        folders = scenario_folders()
    failed = 0
    for folder in folders:
        verdict = validate_path(folder)
        if verdict.ok:
            print(f"✓ {verdict.scenario}: {verdict.steps} steps, solvable in "
                  f"{verdict.virtual_seconds:g}s of virtual time")
        else:
            failed += 1
            print(f"✗ {verdict.scenario}:")
            for problem in verdict.problems:
                print(f"    {problem}")
    print(f"\n{len(folders) - failed} of {len(folders)} scenario(s) valid.")
    return 1 if failed else 0


# -- argument parsing ----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The `playground` argument parser (kubectl arguments are passed through untouched)."""
    parser = argparse.ArgumentParser(
        prog="playground",
        description="Cluster Playground: a simulated Kubernetes cluster in your terminal.")
    parser.add_argument("--state", help="state directory (default: $PLAYGROUND_STATE or the "
                                        "user data dir)")
    sub = parser.add_subparsers(dest="command",
                                metavar="{cluster,kubectl,etcdctl,etcdutl,scenario,tui}")
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
    for p in (init, adv, snap, add, remove, fail, recover, kill, curl, partition, heal,
              *(csub.choices[n] for n in ("status", "reset"))):
        p.add_argument("--state", dest="state_local", help=argparse.SUPPRESS)
    sub.add_parser("kubectl", help="run kubectl against the cluster", add_help=False)
    sub.add_parser("etcdctl", help="etcdctl on the control plane: snapshot save FILE",
                   add_help=False)
    sub.add_parser("etcdutl", help="etcdutl on the control plane: snapshot status|restore FILE",
                   add_help=False)
    scenario = sub.add_parser("scenario", help="guided scenarios: lessons that check your work")
    ssub = scenario.add_subparsers(dest="action", metavar="ACTION", required=True)
    s_list = ssub.add_parser("list", help="the scenarios you can start")
    s_start = ssub.add_parser("start", help="begin a scenario on a fresh cluster (replaces "
                                            "the cluster in the state)")
    s_start.add_argument("name", help="scenario name or number (see `scenario list`)")
    s_start.add_argument("--clock", choices=("realtime", "manual"),
                         help="clock of the new cluster (default: the current cluster's)")
    s_status = ssub.add_parser("status", help="progress, the current step and its checks")
    s_check = ssub.add_parser("check", help="evaluate the current step's checks now")
    s_hint = ssub.add_parser("hint", help="show the next hint (nudge, hint, then solution)")
    s_solve = ssub.add_parser("solve", help="run the reference solution of the current step")
    s_solve.add_argument("--step", type=int, help="solve every step up to and including N")
    s_reset = ssub.add_parser("reset", help="restart the scenario on a fresh cluster")
    s_validate = ssub.add_parser("validate", help="prove scenarios solvable (all shipped "
                                                  "ones, or those at PATH)")
    s_validate.add_argument("path", nargs="?")
    for p in (s_list, s_start, s_status, s_check, s_hint, s_solve, s_reset, s_validate):
        p.add_argument("--state", dest="state_local", help=argparse.SUPPRESS)
    sub.add_parser("tui", help="open the interactive TUI (also: no command at all; "
                               "`--scenario NAME` opens it on a scenario)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args_list)
    except (CLIError, StateError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` or similar: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush
        except OSError:
            pass
        return 141
    except Exception as exc:  # the last line of defence: never a traceback
        print(f"error: the playground hit an internal problem ({type(exc).__name__}: {exc}). "
              "Your state was not changed by this command.", file=sys.stderr)
        return 1


def _scenario_option(argv: list[str]) -> tuple[str | None, list[str]]:
    """Take `--scenario NAME` (or `--scenario=NAME`) from before or after `tui`."""
    rest = list(argv)
    at = 1 if rest[:1] == ["tui"] else 0
    word = rest[at] if at < len(rest) else ""
    if word == "--scenario":
        if at + 1 >= len(rest):
            raise CLIError("error: --scenario needs a scenario name, e.g. `playground "
                           "--scenario first-pod` (`playground scenario list` shows them)")
        return rest[at + 1], rest[:at] + rest[at + 2:]
    if word.startswith("--scenario="):
        return word.split("=", 1)[1], rest[:at] + rest[at + 1:]
    return None, rest


def _main(argv: list[str]) -> int:
    state: str | None = None
    rest = list(argv)
    # --state may come before the command; kubectl's own arguments are passed through.
    while rest and rest[0].startswith("--state"):
        if rest[0] == "--state":
            if len(rest) < 2:
                raise CLIError("error: --state needs a directory")
            state, rest = rest[1], rest[2:]
        else:
            state, rest = rest[0].split("=", 1)[1], rest[1:]
    if rest and rest[0] == "kubectl":
        return cmd_kubectl(rest[1:], resolve_state_dir(state))
    if rest and rest[0] in ("etcdctl", "etcdutl"):
        return cmd_etcd(rest, resolve_state_dir(state))
    scenario_name, rest = _scenario_option(rest)
    if not rest or rest == ["tui"]:
        from playground.scenarios.loader import find_scenario
        from playground.tui.session import run_tui

        scenario = find_scenario(scenario_name) if scenario_name is not None else None
        return run_tui(resolve_state_dir(state), scenario)
    if scenario_name is not None:
        raise CLIError("error: --scenario opens the TUI on a scenario (`playground --scenario "
                       "NAME`); on the command line use `playground scenario start NAME`")
    parser = build_parser()
    args = parser.parse_args(rest)
    if state is None:
        state = getattr(args, "state_local", None) or args.state
    directory = resolve_state_dir(state)
    if args.command is None:
        parser.print_help()
        return 0
    handlers = {"init": cmd_init, "advance": cmd_advance, "status": cmd_status,
                "reset": cmd_reset, "snapshot": cmd_snapshot, "add-node": cmd_add_node,
                "remove-node": cmd_remove_node, "fail-node": cmd_fail_node,
                "recover-node": cmd_recover_node, "kill-pod": cmd_kill_pod, "curl": cmd_curl,
                "partition-node": cmd_partition_node, "heal-node": cmd_heal_node}
    if args.command == "scenario":
        handlers = {"list": cmd_scenario_list, "start": cmd_scenario_start,
                    "status": cmd_scenario_status, "check": cmd_scenario_check,
                    "hint": cmd_scenario_hint, "solve": cmd_scenario_solve,
                    "reset": cmd_scenario_reset, "validate": cmd_scenario_validate}
    return handlers[args.action](args, directory)


if __name__ == "__main__":
    sys.exit(main())
